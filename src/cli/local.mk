# xl-converge: the command-line front (programs layer).
bin_PROGRAMS += xl-converge
xl_converge_SOURCES = src/cli/main.c src/cli/cmds.h \
	src/cli/cmd_stream_dump.c
xl_converge_LDADD = $(CVGLIBS)
