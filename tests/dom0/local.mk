# The dom0 checks an administrator runs on a real Xen host, installed side
# by side in $(pkglibexecdir): migrate-check, its shell library, and
# memwriter, the guest workload (its own /init: `memwriter --initramfs`).
# The lab (tests/lab) runs the same files inside its dom0.
pkglibexec_SCRIPTS = tests/dom0/migrate-check
dom0libdir = $(pkglibexecdir)
dom0lib_DATA = tests/dom0/dom0-lib.sh

# A guest's /init: static (libtool's -all-static; its -static is something
# else), and never built with the sanitizers (a guest has no libasan).
pkglibexec_PROGRAMS += memwriter
memwriter_SOURCES = tests/dom0/memwriter.c tests/dom0/dom0util.h
memwriter_CFLAGS = -std=gnu11 $(WARN_CFLAGS)
memwriter_LDFLAGS = -all-static

# A migration link of a set speed for migrate-check --link (static too: it
# runs in dom0, but sits beside memwriter and needs nothing else).
pkglibexec_PROGRAMS += linkpipe
linkpipe_SOURCES = tests/dom0/linkpipe.c tests/dom0/dom0util.h
linkpipe_CFLAGS = -std=gnu11 $(WARN_CFLAGS)
linkpipe_LDFLAGS = -all-static

# memwriter's measurements and dom0-lib.sh's readers, without Xen.
TESTS += tests/dom0/check_memwriter.sh
EXTRA_DIST += tests/dom0/migrate-check tests/dom0/dom0-lib.sh tests/dom0/check_memwriter.sh
