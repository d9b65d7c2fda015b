UNIT_PROGS += tests/unit/check_policy
tests_unit_check_policy_SOURCES = tests/unit/check_policy.c
tests_unit_check_policy_CFLAGS = $(unit_cflags)
tests_unit_check_policy_LDADD = $(unit_ldadd)
