# converge-helper: main only (argv, IPC, report); the work is the engine's.
pkglibexec_PROGRAMS += converge-helper
converge_helper_SOURCES = src/helper/main.c \
	src/helper/args.c src/helper/args.h \
	src/helper/progress.c src/helper/progress.h \
	src/helper/report.c src/helper/report.h
converge_helper_LDADD = $(CVGLIBS)
