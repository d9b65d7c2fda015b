# One block per fuzz target (see tests/fuzz/local.mk), in this shape:
#
# FUZZ_PROGS += tests/fuzz/fuzz_NAME
# tests_fuzz_fuzz_NAME_SOURCES = tests/fuzz/fuzz_NAME.c $(fuzz_main)
# tests_fuzz_fuzz_NAME_CPPFLAGS = $(call fuzz_cppflags,NAME)
# tests_fuzz_fuzz_NAME_LDFLAGS = $(fuzz_ldflags)
# tests_fuzz_fuzz_NAME_LDADD = $(CVGLIBS)

include tests/fuzz/wire-xc.mk
include tests/fuzz/wire-xl.mk
include tests/fuzz/config.mk
include tests/fuzz/hv.mk
include tests/fuzz/sim.mk
include tests/fuzz/migrate.mk
include tests/fuzz/api.mk
include tests/fuzz/reliability.mk
