libcvg_la_SOURCES += \
	src/common/err.c src/common/err.h \
	src/common/io.c src/common/io.h \
	src/common/bytes.h \
	src/common/json.c src/common/json.h \
	src/common/pagecopy.c src/common/pagecopy.h
