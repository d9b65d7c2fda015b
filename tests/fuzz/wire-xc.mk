# fuzz targets of the wire-xc area (block shape: tests/fuzz/targets.mk)
