# unit suites of the hv area (block shape: tests/unit/local.mk)
