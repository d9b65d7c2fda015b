# fuzz targets of the wire-xc area (block shape: tests/fuzz/targets.mk)

# the whole libxc stream reader over memory (pfn limit 2^20); accepted input
# must re-encode to itself
FUZZ_PROGS += tests/fuzz/fuzz_xc_stream
tests_fuzz_fuzz_xc_stream_SOURCES = tests/fuzz/fuzz_xc_stream.c $(fuzz_main)
tests_fuzz_fuzz_xc_stream_CPPFLAGS = $(call fuzz_cppflags,xc_stream)
tests_fuzz_fuzz_xc_stream_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_xc_stream_LDADD = $(CVGLIBS)

# xen-converge records: back-channel reader and body decoders
FUZZ_PROGS += tests/fuzz/fuzz_cvg_records
tests_fuzz_fuzz_cvg_records_SOURCES = tests/fuzz/fuzz_cvg_records.c $(fuzz_main)
tests_fuzz_fuzz_cvg_records_CPPFLAGS = $(call fuzz_cppflags,cvg_records)
tests_fuzz_fuzz_cvg_records_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_cvg_records_LDADD = $(CVGLIBS)

# writes the seed corpora: tests/fuzz/gen_xc_corpus tests/fuzz/corpus
noinst_PROGRAMS += tests/fuzz/gen_xc_corpus
tests_fuzz_gen_xc_corpus_SOURCES = tests/fuzz/gen_xc_corpus.c
tests_fuzz_gen_xc_corpus_LDADD = $(CVGLIBS)
