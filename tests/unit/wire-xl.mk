# unit suites of the wire-xl area (block shape: tests/unit/local.mk)

UNIT_PROGS += tests/unit/check_xl_stream
tests_unit_check_xl_stream_SOURCES = tests/unit/check_xl_stream.c
tests_unit_check_xl_stream_CFLAGS = $(unit_cflags)
tests_unit_check_xl_stream_LDADD = $(unit_ldadd)

UNIT_PROGS += tests/unit/check_xl_header
tests_unit_check_xl_header_SOURCES = tests/unit/check_xl_header.c
tests_unit_check_xl_header_CFLAGS = $(unit_cflags)
tests_unit_check_xl_header_LDADD = $(unit_ldadd)

UNIT_PROGS += tests/unit/check_xl_migrate
tests_unit_check_xl_migrate_SOURCES = tests/unit/check_xl_migrate.c
tests_unit_check_xl_migrate_CFLAGS = $(unit_cflags)
tests_unit_check_xl_migrate_LDADD = $(unit_ldadd)

UNIT_PROGS += tests/unit/check_ipc
tests_unit_check_ipc_SOURCES = tests/unit/check_ipc.c src/helper/progress.c
tests_unit_check_ipc_CFLAGS = $(unit_cflags)
tests_unit_check_ipc_LDADD = $(unit_ldadd)

UNIT_PROGS += tests/unit/check_driver
tests_unit_check_driver_SOURCES = tests/unit/check_driver.c
tests_unit_check_driver_CFLAGS = $(unit_cflags)
tests_unit_check_driver_LDADD = $(unit_ldadd)
