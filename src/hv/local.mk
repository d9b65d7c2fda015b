# hv layer: filled in as the layer grows

# --- sim back end (converge-simd client) and the sim-only extras ---
# hv.c: cvg_hv_open/close, sim when $XENCONVERGE_SIM names a socket, else xen.
libcvg_la_SOURCES += src/hv/hv.c src/hv/sim.c src/hv/sim_client.h src/hv/hv.h
# --- end sim back end ---

# --- xen back end (libxenctrl + libxenforeignmemory) ---
# xen_logic.c holds its pure helpers (tested without Xen by check_hv_xen).
libcvg_la_SOURCES += src/hv/xen.c src/hv/xen_logic.c src/hv/xen_logic.h
# --- end xen back end ---
