# End-to-end on the simulator: converge-simd, the helpers, real sockets.
TESTS += tests/e2e/sim_migrate.sh tests/e2e/save_restore.sh tests/e2e/abort.sh
EXTRA_DIST += tests/e2e/lib.sh tests/e2e/sim_migrate.sh tests/e2e/save_restore.sh tests/e2e/abort.sh \
	tests/e2e/idle.cfg tests/e2e/light.cfg tests/e2e/heavy.cfg
