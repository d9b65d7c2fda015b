# xl-converge: the command-line front (programs layer).
bin_PROGRAMS += xl-converge
xl_converge_SOURCES = src/cli/main.c src/cli/cmds.h \
	src/cli/cmd_stream_dump.c \
	src/cli/cmd_sim_migrate.c src/cli/sim_migrate.c src/cli/sim_migrate.h \
	src/cli/cmd_demo.c src/cli/cmd_config.c
xl_converge_CPPFLAGS = $(AM_CPPFLAGS) -DCVG_PKGLIBEXECDIR='"$(pkglibexecdir)"' \
	-DCVG_SBINDIR='"$(sbindir)"'
xl_converge_LDADD = $(CVGLIBS)
# sim: the simulated hypervisor's domains (converge-simd client)
xl_converge_SOURCES += src/cli/cmd_sim.c
# bench: the virtual-time benchmark (src/vtime)
xl_converge_SOURCES += src/cli/cmd_bench.c
# migrate, migrate-receive: xl's migration protocol (src/xlmig); the libxl
# backend links libxenlight, in this program only.
xl_converge_SOURCES += src/cli/cmd_migrate.c src/cli/cmd_migrate_receive.c \
	src/xlmig/xen_backend.c src/xlmig/xen_backend.h
xl_converge_CPPFLAGS += $(XENLIGHT_CFLAGS) $(XENTOOLLOG_CFLAGS)
xl_converge_LDADD += $(XENLIGHT_LIBS) $(XENTOOLLOG_LIBS)
# dirty-rate, dirty-limit, migrate-info: libxenconverge's commands (src/lib)
xl_converge_SOURCES += src/cli/cmd_dirty_rate.c src/cli/cmd_dirty_limit.c \
	src/cli/cmd_migrate_info.c src/cli/api_cli.c src/cli/api_cli.h
