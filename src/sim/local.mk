# sim layer: converge-simd, the simulated hypervisor.
#
# The protocol codec and the pure models (scheduler shares, page pickers,
# log-dirty bitmap) join libcvg: clients, the virtual-time model and tests
# use them.  The daemon's own machinery (domains, vCPU threads, the server)
# is a convenience library of its own, linked by converge-simd and by the
# tests that drive it in-process.
libcvg_la_SOURCES += \
	src/sim/proto.c src/sim/proto.h \
	src/sim/frame.c src/sim/frame.h \
	src/sim/sched.c src/sim/sched.h \
	src/sim/pattern.c src/sim/pattern.h \
	src/sim/logdirty.c src/sim/logdirty.h

noinst_LTLIBRARIES += libcvgsimd.la
libcvgsimd_la_SOURCES = \
	src/sim/domain.c src/sim/domain.h \
	src/sim/vcpu.c \
	src/sim/machine.c src/sim/machine.h \
	src/sim/ops.c src/sim/ops.h \
	src/sim/server.c src/sim/server.h
libcvgsimd_la_CFLAGS = $(AM_CFLAGS) $(LIBCRYPTO_CFLAGS)
libcvgsimd_la_LIBADD = $(LIBCRYPTO_LIBS)
SIMDLIBS = libcvgsimd.la $(CVGLIBS)

sbin_PROGRAMS += converge-simd
converge_simd_SOURCES = src/sim/main.c
converge_simd_LDADD = $(SIMDLIBS)

EXTRA_DIST += src/sim/README.md
