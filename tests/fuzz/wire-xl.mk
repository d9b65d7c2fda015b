# fuzz targets of the wire-xl area (block shape: tests/fuzz/targets.mk)
