# fuzz targets of the config area (block shape: tests/fuzz/targets.mk)
