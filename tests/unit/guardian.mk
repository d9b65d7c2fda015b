# unit suites of the guardian (block shape: tests/unit/local.mk)

UNIT_PROGS += tests/unit/check_guard_ledger
tests_unit_check_guard_ledger_SOURCES = tests/unit/check_guard_ledger.c
tests_unit_check_guard_ledger_CFLAGS = $(unit_cflags)
tests_unit_check_guard_ledger_LDADD = $(unit_ldadd)

UNIT_PROGS += tests/unit/check_guard_putback
tests_unit_check_guard_putback_SOURCES = tests/unit/check_guard_putback.c
tests_unit_check_guard_putback_CFLAGS = $(unit_cflags)
tests_unit_check_guard_putback_LDADD = $(unit_ldadd)
