# config layer: scenario files and helper tunables, both xl.cfg syntax
libcvg_la_SOURCES += \
	src/config/xlcfg.c src/config/xlcfg.h \
	src/config/scenario.c src/config/scenario.h \
	src/config/tunables.c src/config/tunables.h

# Example scenarios (also the seed corpus of tests/fuzz/fuzz_scenario).
EXTRA_DIST += bench/scenarios
