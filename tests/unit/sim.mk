# unit suites of the sim area (block shape: tests/unit/local.mk)

UNIT_PROGS += tests/unit/check_sim_proto
tests_unit_check_sim_proto_SOURCES = tests/unit/check_sim_proto.c
tests_unit_check_sim_proto_CFLAGS = $(unit_cflags)
tests_unit_check_sim_proto_LDADD = $(unit_ldadd)

UNIT_PROGS += tests/unit/check_sim_sched
tests_unit_check_sim_sched_SOURCES = tests/unit/check_sim_sched.c
tests_unit_check_sim_sched_CFLAGS = $(unit_cflags)
tests_unit_check_sim_sched_LDADD = $(unit_ldadd)

UNIT_PROGS += tests/unit/check_sim_pattern
tests_unit_check_sim_pattern_SOURCES = tests/unit/check_sim_pattern.c
tests_unit_check_sim_pattern_CFLAGS = $(unit_cflags)
tests_unit_check_sim_pattern_LDADD = $(unit_ldadd)

UNIT_PROGS += tests/unit/check_sim_logdirty
tests_unit_check_sim_logdirty_SOURCES = tests/unit/check_sim_logdirty.c
tests_unit_check_sim_logdirty_CFLAGS = $(unit_cflags)
tests_unit_check_sim_logdirty_LDADD = $(unit_ldadd)

UNIT_PROGS += tests/unit/check_sim_frame
tests_unit_check_sim_frame_SOURCES = tests/unit/check_sim_frame.c
tests_unit_check_sim_frame_CFLAGS = $(unit_cflags)
tests_unit_check_sim_frame_LDADD = $(unit_ldadd)

# Integration suites of converge-simd (tests/sim/): each starts the real
# daemon on a socket in a temporary directory and drives it through the hv
# sim back end, then requires it to exit cleanly on SIGTERM.
simd_test_cppflags = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/sim \
	-DCVG_SIMD_PATH='"$(abs_top_builddir)/converge-simd"'
SIMD_TESTS =

SIMD_TESTS += tests/sim/check_simd_sched
tests_sim_check_simd_sched_SOURCES = tests/sim/check_simd_sched.c \
	tests/sim/harness.c tests/sim/harness.h
tests_sim_check_simd_sched_CPPFLAGS = $(simd_test_cppflags)
tests_sim_check_simd_sched_CFLAGS = $(unit_cflags)
tests_sim_check_simd_sched_LDADD = $(unit_ldadd)
EXTRA_tests_sim_check_simd_sched_DEPENDENCIES = converge-simd$(EXEEXT)

SIMD_TESTS += tests/sim/check_simd_logdirty
tests_sim_check_simd_logdirty_SOURCES = tests/sim/check_simd_logdirty.c \
	tests/sim/harness.c tests/sim/harness.h
tests_sim_check_simd_logdirty_CPPFLAGS = $(simd_test_cppflags)
tests_sim_check_simd_logdirty_CFLAGS = $(unit_cflags)
tests_sim_check_simd_logdirty_LDADD = $(unit_ldadd)
EXTRA_tests_sim_check_simd_logdirty_DEPENDENCIES = converge-simd$(EXEEXT)

SIMD_TESTS += tests/sim/check_simd_robust
tests_sim_check_simd_robust_SOURCES = tests/sim/check_simd_robust.c \
	tests/sim/harness.c tests/sim/harness.h
tests_sim_check_simd_robust_CPPFLAGS = $(simd_test_cppflags)
tests_sim_check_simd_robust_CFLAGS = $(unit_cflags)
tests_sim_check_simd_robust_LDADD = $(unit_ldadd)
EXTRA_tests_sim_check_simd_robust_DEPENDENCIES = converge-simd$(EXEEXT)

SIMD_TESTS += tests/sim/check_simd_hv
tests_sim_check_simd_hv_SOURCES = tests/sim/check_simd_hv.c \
	tests/sim/harness.c tests/sim/harness.h
tests_sim_check_simd_hv_CPPFLAGS = $(simd_test_cppflags)
tests_sim_check_simd_hv_CFLAGS = $(unit_cflags) $(LIBCRYPTO_CFLAGS)
tests_sim_check_simd_hv_LDADD = $(unit_ldadd) $(LIBCRYPTO_LIBS)
EXTRA_tests_sim_check_simd_hv_DEPENDENCIES = converge-simd$(EXEEXT)

check_PROGRAMS += $(SIMD_TESTS)
TESTS += $(SIMD_TESTS)

# xl-converge sim through a real daemon (shell; run from the build directory).
TESTS += tests/sim/cli.sh
EXTRA_DIST += tests/sim/cli.sh
