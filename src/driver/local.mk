# The libxl side of a helper, for tests and the simulator's migrations.
libcvg_la_SOURCES += src/driver/driver.c src/driver/driver.h
