# fuzz targets of the config area (block shape: tests/fuzz/targets.mk)
FUZZ_PROGS += tests/fuzz/fuzz_scenario
tests_fuzz_fuzz_scenario_SOURCES = tests/fuzz/fuzz_scenario.c $(fuzz_main)
tests_fuzz_fuzz_scenario_CPPFLAGS = $(call fuzz_cppflags,scenario)
tests_fuzz_fuzz_scenario_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_scenario_LDADD = $(CVGLIBS)
