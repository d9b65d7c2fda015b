# unit suites of the wire-xl area (block shape: tests/unit/local.mk)
