# --- libxc stream v3 codec and xen-converge records (wire-xc area) ---------
libcvg_la_SOURCES += \
	src/wire/xc_stream.h \
	src/wire/xc_records.c \
	src/wire/xc_stream_read.c \
	src/wire/xc_stream_write.c \
	src/wire/cvg_records.h \
	src/wire/cvg_records.c
# --- end of the wire-xc block ----------------------------------------------

# wire layer: filled in as the layer grows

# --- wire-xl: libxl stream v2, xl save header, xl migrate strings, helper IPC
libcvg_la_SOURCES += \
	src/wire/xl_stream.c src/wire/xl_stream.h \
	src/wire/xl_header.c src/wire/xl_header.h \
	src/wire/xl_migrate.c src/wire/xl_migrate.h \
	src/wire/ipc.h src/wire/ipc_msgs.c \
	src/wire/ipc_helper.c src/wire/ipc_libxl.c
