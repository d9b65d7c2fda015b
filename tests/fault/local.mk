# Reliability: the guardian against a real simulator, and fault injection
# around whole migrations (tests/fault/).
fault_cppflags = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/sim \
	-DCVG_SIMD_PATH='"$(abs_top_builddir)/converge-simd"'

check_PROGRAMS += tests/fault/check_guardian
TESTS += tests/fault/check_guardian
tests_fault_check_guardian_SOURCES = tests/fault/check_guardian.c \
	tests/sim/harness.c tests/sim/harness.h
tests_fault_check_guardian_CPPFLAGS = $(fault_cppflags)
tests_fault_check_guardian_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_fault_check_guardian_LDADD = $(CVGLIBS) $(CHECK_LIBS)
EXTRA_tests_fault_check_guardian_DEPENDENCIES = converge-simd$(EXEEXT)

# fault-inject: whole migrations with a fault each (fcase.h, proxy.h);
# fault.sh runs the CI plan against a private converge-simd.
noinst_PROGRAMS += tests/fault/fault-inject
tests_fault_fault_inject_SOURCES = tests/fault/fault_inject.c \
	tests/fault/fcase.c tests/fault/fcase.h \
	tests/fault/proxy.c tests/fault/proxy.h
tests_fault_fault_inject_LDADD = $(CVGLIBS)
TESTS += tests/fault/ci-1.sh tests/fault/ci-2.sh tests/fault/ci-3.sh tests/fault/ci-4.sh
EXTRA_DIST += tests/fault/fault.sh tests/fault/ci-1.sh tests/fault/ci-2.sh \
	tests/fault/ci-3.sh tests/fault/ci-4.sh

# Hand-made broken streams, pushed through converge-helper --restore-domain
# by bad_input.sh with the other kinds of bad input a user can give.
noinst_PROGRAMS += tests/fault/gen-bad-stream
tests_fault_gen_bad_stream_SOURCES = tests/fault/gen_bad_stream.c
TESTS += tests/fault/bad_input.sh
EXTRA_DIST += tests/fault/bad_input.sh
EXTRA_DIST += tools/valgrind tools/valgrind.supp tests/valgrind/migrate.cfg
