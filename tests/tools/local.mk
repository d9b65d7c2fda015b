# Programs the tests use to play the other side or make inputs.
noinst_PROGRAMS += tests/tools/gen-sample-image
tests_tools_gen_sample_image_SOURCES = tests/tools/gen_sample_image.c
tests_tools_gen_sample_image_LDADD = $(CVGLIBS)
noinst_PROGRAMS += tests/tools/play-libxl
tests_tools_play_libxl_SOURCES = tests/tools/play_libxl.c
tests_tools_play_libxl_LDADD = $(CVGLIBS)
noinst_PROGRAMS += tests/tools/loopback-raw
tests_tools_loopback_raw_SOURCES = tests/tools/loopback_raw.c
