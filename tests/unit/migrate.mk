# Unit tests of the back channel and xl's migration protocol (xlmig).
UNIT_PROGS += tests/unit/check_backchannel
tests_unit_check_backchannel_SOURCES = tests/unit/check_backchannel.c
tests_unit_check_backchannel_CFLAGS = $(unit_cflags)
tests_unit_check_backchannel_LDADD = $(unit_ldadd)
UNIT_PROGS += tests/unit/check_xlmig
tests_unit_check_xlmig_SOURCES = tests/unit/check_xlmig.c
tests_unit_check_xlmig_CFLAGS = $(unit_cflags)
tests_unit_check_xlmig_LDADD = $(unit_ldadd)
