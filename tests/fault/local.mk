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
