# Unit tests: Check suites, one program per layer or concept.
# Add one with a block in this shape:
#
# UNIT_PROGS += tests/unit/check_NAME
# tests_unit_check_NAME_SOURCES = tests/unit/check_NAME.c
#
UNIT_PROGS =
unit_cflags = $(AM_CFLAGS) $(CHECK_CFLAGS)
unit_ldadd = $(CVGLIBS) $(CHECK_LIBS)

UNIT_PROGS += tests/unit/check_common
tests_unit_check_common_SOURCES = tests/unit/check_common.c
tests_unit_check_common_CFLAGS = $(unit_cflags)
tests_unit_check_common_LDADD = $(unit_ldadd)

include tests/unit/suites.mk

check_PROGRAMS += $(UNIT_PROGS)
TESTS += $(UNIT_PROGS)
