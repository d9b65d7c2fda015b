# Policy: pure functions of struct cvg_mig_stats; no I/O, no clock.
libcvg_la_SOURCES += \
	src/policy/stats.h \
	src/policy/bandwidth.c src/policy/bandwidth.h \
	src/policy/stop_rule.c src/policy/stop_rule.h
