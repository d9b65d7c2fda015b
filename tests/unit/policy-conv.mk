# Convergence controllers (src/policy) and the virtual-time model (src/vtime).
# The benchmark suite itself is bench/run-suite; only its smoke test is here.
UNIT_PROGS += tests/unit/check_baselines
tests_unit_check_baselines_SOURCES = tests/unit/check_baselines.c
tests_unit_check_baselines_CFLAGS = $(unit_cflags)
tests_unit_check_baselines_LDADD = $(unit_ldadd)

UNIT_PROGS += tests/unit/check_estimator
tests_unit_check_estimator_SOURCES = tests/unit/check_estimator.c
tests_unit_check_estimator_CFLAGS = $(unit_cflags)
tests_unit_check_estimator_LDADD = $(unit_ldadd)

UNIT_PROGS += tests/unit/check_converge
tests_unit_check_converge_SOURCES = tests/unit/check_converge.c
tests_unit_check_converge_CFLAGS = $(unit_cflags)
tests_unit_check_converge_LDADD = $(unit_ldadd)

UNIT_PROGS += tests/unit/check_bench_smoke
tests_unit_check_bench_smoke_SOURCES = tests/unit/check_bench_smoke.c
tests_unit_check_bench_smoke_CFLAGS = $(unit_cflags)
tests_unit_check_bench_smoke_LDADD = $(unit_ldadd)
