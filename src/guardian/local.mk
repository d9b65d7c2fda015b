# Guardian: records what the save helper changes on a domain and puts it
# back after any end of the helper, SIGKILL included (guard.h).
libcvg_la_SOURCES += \
	src/guardian/guard.c src/guardian/guard.h \
	src/guardian/guardian.c \
	src/guardian/guard_msg.c src/guardian/guard_msg.h \
	src/guardian/ledger.c src/guardian/ledger.h \
	src/guardian/putback.c src/guardian/putback.h
