# Compatibility: a stream our save helper writes, restored by the stock
# helper (a destination without xen-converge).
lab_migrate_scenario ours stock
