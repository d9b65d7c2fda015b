# unit suites of the wire-xc area (block shape: tests/unit/local.mk)
