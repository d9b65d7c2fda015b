# fuzz targets of the wire-xl area (block shape: tests/fuzz/targets.mk)

FUZZ_PROGS += tests/fuzz/fuzz_xl_stream
tests_fuzz_fuzz_xl_stream_SOURCES = tests/fuzz/fuzz_xl_stream.c $(fuzz_main)
tests_fuzz_fuzz_xl_stream_CPPFLAGS = $(call fuzz_cppflags,xl_stream)
tests_fuzz_fuzz_xl_stream_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_xl_stream_LDADD = $(CVGLIBS)

FUZZ_PROGS += tests/fuzz/fuzz_ipc
tests_fuzz_fuzz_ipc_SOURCES = tests/fuzz/fuzz_ipc.c $(fuzz_main)
tests_fuzz_fuzz_ipc_CPPFLAGS = $(call fuzz_cppflags,ipc)
tests_fuzz_fuzz_ipc_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_ipc_LDADD = $(CVGLIBS)

# Writes both seed corpora: build-X/tests/fuzz/gen-corpus-xl tests/fuzz/corpus
noinst_PROGRAMS += tests/fuzz/gen-corpus-xl
tests_fuzz_gen_corpus_xl_SOURCES = tests/fuzz/gen_corpus_xl.c
tests_fuzz_gen_corpus_xl_LDADD = $(CVGLIBS)
