# fuzz targets of libxenconverge (block shape: tests/fuzz/targets.mk)

# The owner's protocol, both directions: what converge-limitd reads from a
# local client, what the library reads back; accepted frames re-encode.
FUZZ_PROGS += tests/fuzz/fuzz_owner_proto
tests_fuzz_fuzz_owner_proto_SOURCES = tests/fuzz/fuzz_owner_proto.c $(fuzz_main)
tests_fuzz_fuzz_owner_proto_CPPFLAGS = $(call fuzz_cppflags,owner_proto)
tests_fuzz_fuzz_owner_proto_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_owner_proto_LDADD = $(CVGLIBS)

# A migration's status record as the library reads it from the helper.
FUZZ_PROGS += tests/fuzz/fuzz_miginfo
tests_fuzz_fuzz_miginfo_SOURCES = tests/fuzz/fuzz_miginfo.c $(fuzz_main)
tests_fuzz_fuzz_miginfo_CPPFLAGS = $(call fuzz_cppflags,miginfo)
tests_fuzz_fuzz_miginfo_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_miginfo_LDADD = $(CVGLIBS)

# writes both seed corpora: tests/fuzz/gen-corpus-api tests/fuzz/corpus
noinst_PROGRAMS += tests/fuzz/gen-corpus-api
tests_fuzz_gen_corpus_api_SOURCES = tests/fuzz/gen_corpus_api.c
tests_fuzz_gen_corpus_api_LDADD = $(CVGLIBS)
