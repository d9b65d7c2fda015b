# unit suites of the config area (block shape: tests/unit/local.mk)
