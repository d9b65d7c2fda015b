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

# A migration's statistics: the status socket (engine/status.c) and the
# library's reader.
UNIT_PROGS += tests/api/check_miginfo
tests_api_check_miginfo_SOURCES = tests/api/check_miginfo.c
tests_api_check_miginfo_CFLAGS = $(unit_cflags)
tests_api_check_miginfo_LDADD = $(unit_ldadd)

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

# The commands: migrate-info on a live sim-migrate, dirty-rate and
# dirty-limit from the command line (tests/e2e/lib.sh starts converge-simd).
TESTS += tests/api/migrate_info.sh tests/api/cli.sh
EXTRA_DIST += tests/api/migrate_info.sh tests/api/cli.sh tests/api/slow.cfg

# The example of the documentation, built as a toolstack builds it: the
# installed header alone (no config.h, no internal include path) and the
# shared library; run on the simulator by tests/api/example.sh.
check_PROGRAMS += doc/examples/dirty-rate
doc_examples_dirty_rate_SOURCES = doc/examples/dirty-rate.c
doc_examples_dirty_rate_CPPFLAGS = -I$(top_srcdir)/include $(XENTOOLLOG_CFLAGS)
doc_examples_dirty_rate_LDADD = libxenconverge.la $(XENTOOLLOG_LIBS)
TESTS += tests/api/example.sh
EXTRA_DIST += tests/api/example.sh doc/examples/dirty-rate.c
