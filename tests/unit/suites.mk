# One block per Check suite (see tests/unit/local.mk):
#
# UNIT_PROGS += tests/unit/check_NAME
# tests_unit_check_NAME_SOURCES = tests/unit/check_NAME.c
# tests_unit_check_NAME_CFLAGS = $(unit_cflags)
# tests_unit_check_NAME_LDADD = $(unit_ldadd)
