# fuzz targets of the hv area (block shape: tests/fuzz/targets.mk)
