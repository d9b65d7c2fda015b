# Virtual-time model (engine layer): the benchmark's guest, scheduler and
# link, driving the policy layer's code at any guest size.
libcvg_la_SOURCES += \
	src/vtime/memory.c src/vtime/memory.h \
	src/vtime/model.c src/vtime/model.h
libcvg_la_SOURCES += src/vtime/report.c src/vtime/report.h

# The suite that drives it (bench/run-suite writes bench/results/).
EXTRA_DIST += bench/run-suite bench/README.md
