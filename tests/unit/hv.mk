# unit suites of the hv area (block shape: tests/unit/local.mk)

# --- xen back end: xen.c against a fake libxenctrl (fake_xc.c) ---
# The fake's definitions of xc_* live in the test executable, so they take
# precedence over libxenctrl.so's (symbol interposition) for xen.o.
UNIT_PROGS += tests/unit/check_hv_xen
tests_unit_check_hv_xen_SOURCES = tests/unit/check_hv_xen.c \
	tests/unit/fake_xc.c tests/unit/fake_xc.h
tests_unit_check_hv_xen_CFLAGS = $(unit_cflags) $(XENCTRL_CFLAGS) \
	$(XENGUEST_CFLAGS) $(XENFOREIGNMEMORY_CFLAGS)
tests_unit_check_hv_xen_LDADD = $(unit_ldadd)
# --- end xen back end ---
