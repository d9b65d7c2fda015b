# libxenconverge's tests (block shape: tests/unit/local.mk).

# The owner's protocol and its controller, pure.
UNIT_PROGS += tests/api/check_owner_proto
tests_api_check_owner_proto_SOURCES = tests/api/check_owner_proto.c
tests_api_check_owner_proto_CFLAGS = $(unit_cflags)
tests_api_check_owner_proto_LDADD = $(unit_ldadd)

UNIT_PROGS += tests/api/check_dlc
tests_api_check_dlc_SOURCES = tests/api/check_dlc.c
tests_api_check_dlc_CFLAGS = $(unit_cflags)
tests_api_check_dlc_LDADD = $(unit_ldadd)

# End to end on a real converge-simd: the API, converge-limitd, its
# guardian, the migration hand-over (tests/sim/harness.c starts the daemon).
api_sim_cppflags = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/sim \
	-DCVG_SIMD_PATH='"$(abs_top_builddir)/converge-simd"' \
	-DCVG_LIMITD_PATH='"$(abs_top_builddir)/converge-limitd"'
UNIT_PROGS += tests/api/check_api_sim
tests_api_check_api_sim_SOURCES = tests/api/check_api_sim.c \
	tests/sim/harness.c tests/sim/harness.h
tests_api_check_api_sim_CPPFLAGS = $(api_sim_cppflags)
tests_api_check_api_sim_CFLAGS = $(unit_cflags)
tests_api_check_api_sim_LDADD = $(unit_ldadd)
EXTRA_tests_api_check_api_sim_DEPENDENCIES = converge-simd$(EXEEXT) converge-limitd$(EXEEXT)
