# fuzz targets of the migrate area (block shape: tests/fuzz/targets.mk)
FUZZ_PROGS += tests/fuzz/fuzz_domconfig
tests_fuzz_fuzz_domconfig_SOURCES = tests/fuzz/fuzz_domconfig.c $(fuzz_main)
tests_fuzz_fuzz_domconfig_CPPFLAGS = $(call fuzz_cppflags,domconfig)
tests_fuzz_fuzz_domconfig_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_domconfig_LDADD = $(CVGLIBS)

FUZZ_PROGS += tests/fuzz/fuzz_backchannel
tests_fuzz_fuzz_backchannel_SOURCES = tests/fuzz/fuzz_backchannel.c $(fuzz_main)
tests_fuzz_fuzz_backchannel_CPPFLAGS = $(call fuzz_cppflags,backchannel)
tests_fuzz_fuzz_backchannel_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_backchannel_LDADD = $(CVGLIBS)

# Writes both seed corpora: build-X/tests/fuzz/gen-corpus-migrate tests/fuzz/corpus
noinst_PROGRAMS += tests/fuzz/gen-corpus-migrate
tests_fuzz_gen_corpus_migrate_SOURCES = tests/fuzz/gen_corpus_migrate.c
tests_fuzz_gen_corpus_migrate_LDADD = $(CVGLIBS)
