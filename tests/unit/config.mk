# unit suites of the config area (block shape: tests/unit/local.mk)
UNIT_PROGS += tests/unit/check_scenario
tests_unit_check_scenario_SOURCES = tests/unit/check_scenario.c
tests_unit_check_scenario_CPPFLAGS = $(AM_CPPFLAGS) -DCVG_TOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_check_scenario_CFLAGS = $(unit_cflags)
tests_unit_check_scenario_LDADD = $(unit_ldadd)

UNIT_PROGS += tests/unit/check_tunables
tests_unit_check_tunables_SOURCES = tests/unit/check_tunables.c
tests_unit_check_tunables_CFLAGS = $(unit_cflags)
tests_unit_check_tunables_LDADD = $(unit_ldadd)
