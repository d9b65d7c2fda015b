# fuzz targets of the sim area (block shape: tests/fuzz/targets.mk)
