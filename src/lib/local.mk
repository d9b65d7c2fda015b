# libxenconverge (include/xenconverge.h): per-vCPU dirty rates, dirty
# limits and live migration statistics for other toolstacks, and the
# dirty-limit owner converge-limitd.  The objects join libcvg (xl-converge
# links them statically); libxenconverge.so is libcvg behind a version
# script that exports the public API only.
libcvg_la_SOURCES += \
	src/lib/runpath.c src/lib/runpath.h \
	src/lib/usock.c src/lib/usock.h \
	src/lib/owner_proto.c src/lib/owner_proto.h \
	src/lib/owner_client.c src/lib/owner_client.h \
	src/lib/miginfo.c src/lib/miginfo.h \
	src/lib/dlc.c src/lib/dlc.h \
	src/lib/levers.c src/lib/levers.h \
	src/lib/owner.c src/lib/owner.h src/lib/owner_priv.h \
	src/lib/owner_window.c src/lib/owner_serve.c \
	src/lib/api.c include/xenconverge.h

# Where the library starts converge-limitd from, once installed
# ($LIBXENCONVERGE_LIMITD overrides it: tests, uninstalled builds).
# Rewritten only when the path changes (the stamp follows the Makefile), so
# that api.c alone depends on it and rebuilds only then.
cvg_paths.h: cvg_paths.stamp
	@:
cvg_paths.stamp: Makefile
	$(AM_V_GEN)printf '#define CVG_LIMITD_PATH "%s/converge-limitd"\n' \
		'$(pkglibexecdir)' > cvg_paths.h-t && \
	{ cmp -s cvg_paths.h-t cvg_paths.h && rm -f cvg_paths.h-t || \
	  mv -f cvg_paths.h-t cvg_paths.h; } && touch $@
BUILT_SOURCES = cvg_paths.stamp
CLEANFILES += cvg_paths.h cvg_paths.stamp
cvg_api_object = src/lib/libcvg_la-api.lo
$(cvg_api_object): cvg_paths.h

pkglibexec_PROGRAMS += converge-limitd
converge_limitd_SOURCES = src/lib/limitd_main.c
converge_limitd_LDADD = $(CVGLIBS)

# The shared library: ABI policy in include/xenconverge.h and the map.
lib_LTLIBRARIES = libxenconverge.la
libxenconverge_la_SOURCES = src/lib/abi.c
libxenconverge_la_LIBADD = libcvg.la
libxenconverge_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0 \
	-Wl,--version-script=$(srcdir)/src/lib/libxenconverge.map
EXTRA_libxenconverge_la_DEPENDENCIES = src/lib/libxenconverge.map
include_HEADERS = include/xenconverge.h
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = xenconverge.pc
EXTRA_DIST += xenconverge.pc.in src/lib/libxenconverge.map

# Manual pages of the commands and the API.
dist_man_MANS = doc/xl-converge-dirty-rate.1 doc/xl-converge-dirty-limit.1 \
	doc/xl-converge-migrate-info.1 doc/xenconverge.3
