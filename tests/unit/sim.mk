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
