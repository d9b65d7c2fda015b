# hv layer: filled in as the layer grows

# --- xen back end (libxenctrl + libxenforeignmemory) ---
# xen_logic.c holds its pure helpers (tested without Xen by check_hv_xen).
libcvg_la_SOURCES += src/hv/xen.c src/hv/xen_logic.c src/hv/xen_logic.h
# --- end xen back end ---
