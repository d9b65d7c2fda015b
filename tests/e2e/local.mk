# End-to-end on the simulator: converge-simd, the helpers, real sockets.
TESTS += tests/e2e/sim_migrate.sh tests/e2e/save_restore.sh tests/e2e/abort.sh
EXTRA_DIST += tests/e2e/lib.sh tests/e2e/sim_migrate.sh tests/e2e/save_restore.sh tests/e2e/abort.sh \
	tests/e2e/idle.cfg tests/e2e/light.cfg tests/e2e/heavy.cfg tests/e2e/heavy-conv.cfg
# xl-converge migrate / migrate-receive, the xl front and install-helper.
TESTS += tests/e2e/migrate.sh tests/e2e/migrate_stock_receiver.sh \
	tests/e2e/migrate_no_ack.sh tests/e2e/migrate_xl_front.sh \
	tests/e2e/migrate_install_helper.sh
EXTRA_DIST += tests/e2e/migrate.sh tests/e2e/migrate_stock_receiver.sh \
	tests/e2e/migrate_no_ack.sh tests/e2e/migrate_xl_front.sh \
	tests/e2e/migrate_install_helper.sh tools/xl tools/install-helper \
	bench/switchover-ack
