# unit suites of the wire-xc area (block shape: tests/unit/local.mk)

# libxc stream codec: golden bytes, round trips, fd reader stops after END
UNIT_PROGS += tests/unit/check_xc_stream
tests_unit_check_xc_stream_SOURCES = tests/unit/check_xc_stream.c
tests_unit_check_xc_stream_CFLAGS = $(unit_cflags)
tests_unit_check_xc_stream_LDADD = $(unit_ldadd)

# libxc stream reader against malformed input (truncation at every byte, ...)
UNIT_PROGS += tests/unit/check_xc_malformed
tests_unit_check_xc_malformed_SOURCES = tests/unit/check_xc_malformed.c
tests_unit_check_xc_malformed_CFLAGS = $(unit_cflags)
tests_unit_check_xc_malformed_LDADD = $(unit_ldadd)

# xen-converge optional records and the back-channel reader
UNIT_PROGS += tests/unit/check_cvg_records
tests_unit_check_cvg_records_SOURCES = tests/unit/check_cvg_records.c
tests_unit_check_cvg_records_CFLAGS = $(unit_cflags)
tests_unit_check_cvg_records_LDADD = $(unit_ldadd)

# our hard-coded Xen numbers against the installed Xen 4.17 public headers
UNIT_PROGS += tests/unit/check_xc_xen_abi
tests_unit_check_xc_xen_abi_SOURCES = tests/unit/check_xc_xen_abi.c
tests_unit_check_xc_xen_abi_CFLAGS = $(unit_cflags)
tests_unit_check_xc_xen_abi_LDADD = $(unit_ldadd)
