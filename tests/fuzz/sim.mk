# fuzz targets of the sim area (block shape: tests/fuzz/targets.mk)

# converge-simd's request decoder (header, then every op's payload) and the
# client's reply decoders; accepted requests must re-encode to themselves
FUZZ_PROGS += tests/fuzz/fuzz_sim_proto
tests_fuzz_fuzz_sim_proto_SOURCES = tests/fuzz/fuzz_sim_proto.c $(fuzz_main)
tests_fuzz_fuzz_sim_proto_CPPFLAGS = $(call fuzz_cppflags,sim_proto)
tests_fuzz_fuzz_sim_proto_LDFLAGS = $(fuzz_ldflags)
tests_fuzz_fuzz_sim_proto_LDADD = $(CVGLIBS)

# writes its seed corpus: tests/fuzz/gen_sim_proto_corpus tests/fuzz/corpus
noinst_PROGRAMS += tests/fuzz/gen_sim_proto_corpus
tests_fuzz_gen_sim_proto_corpus_SOURCES = tests/fuzz/gen_sim_proto_corpus.c
tests_fuzz_gen_sim_proto_corpus_LDADD = $(CVGLIBS)
