# Policy: pure functions of struct cvg_mig_stats; no I/O, no clock.
libcvg_la_SOURCES += \
	src/policy/stats.h \
	src/policy/bandwidth.c src/policy/bandwidth.h \
	src/policy/stop_rule.c src/policy/stop_rule.h

# Convergence controllers (auto-converge, dirty-limit, estimator, converge),
# their actuator mapping and the dispatcher; same rules: pure functions.
libcvg_la_SOURCES += \
	src/policy/auto_converge.c src/policy/auto_converge.h \
	src/policy/dirty_limit.c src/policy/dirty_limit.h \
	src/policy/estimator.c src/policy/estimator.h \
	src/policy/refresh.c src/policy/refresh.h \
	src/policy/converge.c src/policy/converge.h \
	src/policy/actuator.c src/policy/actuator.h \
	src/policy/policy.c src/policy/policy.h \
	src/policy/trace.c src/policy/trace.h
