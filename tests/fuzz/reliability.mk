# fuzz targets of the reliability area (block shape: tests/fuzz/targets.mk)
FUZZ_PROGS += tests/fuzz/fuzz_guard_msg
tests_fuzz_fuzz_guard_msg_SOURCES = tests/fuzz/fuzz_guard_msg.c $(fuzz_main)
tests_fuzz_fuzz_guard_msg_CPPFLAGS = $(call fuzz_cppflags,guard_msg)
tests_fuzz_fuzz_guard_msg_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_guard_msg_LDADD = $(CVGLIBS)

# args.c belongs to the converge-helper program, not to the library.
FUZZ_PROGS += tests/fuzz/fuzz_helper_args
tests_fuzz_fuzz_helper_args_SOURCES = tests/fuzz/fuzz_helper_args.c src/helper/args.c \
	$(fuzz_main)
tests_fuzz_fuzz_helper_args_CPPFLAGS = $(call fuzz_cppflags,helper_args)
tests_fuzz_fuzz_helper_args_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_helper_args_LDADD = $(CVGLIBS)

FUZZ_PROGS += tests/fuzz/fuzz_tunables_env
tests_fuzz_fuzz_tunables_env_SOURCES = tests/fuzz/fuzz_tunables_env.c $(fuzz_main)
tests_fuzz_fuzz_tunables_env_CPPFLAGS = $(call fuzz_cppflags,tunables_env)
tests_fuzz_fuzz_tunables_env_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_tunables_env_LDADD = $(CVGLIBS)

FUZZ_PROGS += tests/fuzz/fuzz_xl_migrate
tests_fuzz_fuzz_xl_migrate_SOURCES = tests/fuzz/fuzz_xl_migrate.c $(fuzz_main)
tests_fuzz_fuzz_xl_migrate_CPPFLAGS = $(call fuzz_cppflags,xl_migrate)
tests_fuzz_fuzz_xl_migrate_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_xl_migrate_LDADD = $(CVGLIBS)

# Writes the four seed corpora: build-X/tests/fuzz/gen-corpus-reliability tests/fuzz/corpus
noinst_PROGRAMS += tests/fuzz/gen-corpus-reliability
tests_fuzz_gen_corpus_reliability_SOURCES = tests/fuzz/gen_corpus_reliability.c
tests_fuzz_gen_corpus_reliability_LDADD = $(CVGLIBS)
