# Compatibility: a stream the stock save helper writes, restored by ours (a
# source without xen-converge).
lab_migrate_scenario stock ours
