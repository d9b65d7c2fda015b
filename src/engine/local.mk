# Engine: precopy save and restore on the hypervisor port.
libcvg_la_SOURCES += \
	src/engine/engine.h src/engine/clock.h \
	src/engine/ratelimit.c src/engine/ratelimit.h \
	src/engine/hvm_state.c src/engine/hvm_state.h \
	src/engine/save.c src/engine/restore.c \
	src/engine/digest.c src/engine/digest.h \
	src/engine/status.c src/engine/status.h \
	src/engine/throttle.c src/engine/throttle.h
# The back channel (HELLO / switchover-ack / BYE) and the switchover gate.
libcvg_la_SOURCES += src/engine/backchannel.c src/engine/backchannel.h
