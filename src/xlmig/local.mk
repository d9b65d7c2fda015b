# xl migrate / migrate-receive: the xl protocol around a libxl stream, with
# a simulator backend (the libxl-side driver); the libxl backend
# (xen_backend.c) links libxenlight and is built into xl-converge only.
libcvg_la_SOURCES += \
	src/xlmig/transport.c src/xlmig/transport.h \
	src/xlmig/domconfig.c src/xlmig/domconfig.h \
	src/xlmig/sender.c src/xlmig/sender.h \
	src/xlmig/sim_backend.c src/xlmig/sim_backend.h \
	src/xlmig/receiver.c src/xlmig/receiver.h
