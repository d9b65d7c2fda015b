# Live migration to localhost, converge-helper on both sides (stock xl,
# LIBXL_SAVE_HELPER on each): the guest moves, runs on, finds no stale page,
# and both helpers hash the same memory.
lab_migrate_scenario ours ours
