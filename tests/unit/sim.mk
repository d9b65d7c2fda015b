# unit suites of the sim area (block shape: tests/unit/local.mk)
