# One file per area, so that work on separate layers never edits one file.
include tests/unit/wire-xc.mk
include tests/unit/wire-xl.mk
include tests/unit/config.mk
include tests/unit/hv.mk
include tests/unit/sim.mk
include tests/unit/policy-conv.mk
include tests/unit/guardian.mk
include tests/unit/migrate.mk
include tests/api/api.mk
