# Fuzz targets: one per parser of untrusted bytes.
#
# Each target is tests/fuzz/fuzz_NAME.c defining LLVMFuzzerTestOneInput, a
# seed corpus in tests/fuzz/corpus/NAME/ and crash regressions in
# tests/fuzz/regress/NAME/.  Without --enable-fuzzing a target links
# replay_main.c and runs its corpus as an ordinary test under the
# sanitizers; with it (clang, tools/fuzz) it is a libFuzzer binary.
# Add a target with a block in tests/fuzz/targets.mk.
FUZZ_PROGS =
if ENABLE_FUZZING
fuzz_main =
else
fuzz_main = tests/fuzz/replay_main.c
endif
fuzz_cppflags = $(AM_CPPFLAGS) -DFUZZ_CORPUS_DIRS='"$(top_srcdir)/tests/fuzz/corpus/$(1):$(top_srcdir)/tests/fuzz/regress/$(1)"'
fuzz_ldflags = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)

EXTRA_DIST += tests/fuzz/corpus tests/fuzz/regress

include tests/fuzz/targets.mk

if ENABLE_FUZZING
noinst_PROGRAMS += $(FUZZ_PROGS)
else
check_PROGRAMS += $(FUZZ_PROGS)
TESTS += $(FUZZ_PROGS)
endif
