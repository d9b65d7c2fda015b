# xl-converge: the command-line front (programs layer).
bin_PROGRAMS += xl-converge
xl_converge_SOURCES = src/cli/main.c src/cli/cmds.h \
	src/cli/cmd_stream_dump.c
xl_converge_LDADD = $(CVGLIBS)
# sim: the simulated hypervisor's domains (converge-simd client)
xl_converge_SOURCES += src/cli/cmd_sim.c
