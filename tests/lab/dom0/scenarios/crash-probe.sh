# Not a test of ours: counts the programs that crash in dom0 while it only
# starts short-lived processes, without and then with a guest running, to
# study the emulator crashes (README.md).  Passes unless the probe itself
# cannot run; the counts are its detail.
n=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^lab_probe_n=//p')
n=${n:-1500}
n0=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^lab_probe_idle=//p')
n0=${n0:-$n}
count() { dmesg | grep -c -E 'segfault at|general protection|invalid opcode'; }
spawn() {
    _i=0
    while [ $_i -lt "$1" ]; do
        env true
        _i=$((_i + 1))
    done
}
c0=$(count)
t0=$(cvg_now)
spawn "$n0"
c1=$(count)
t1=$(cvg_now)
lab_guest g 48 8 || exit 0
c2=$(count)
t2=$(cvg_now)
spawn "$n"
c3=$(count)
t3=$(cvg_now)
lab_log "crash-probe: $n0 processes without a guest: $((c1 - c0)) crashed ($(cvg_dt "$t0" "$t1") s);" \
    "with a guest running: $((c3 - c2)) crashed ($(cvg_dt "$t2" "$t3") s)"
lab_pass "$n0 spawns idle: $((c1 - c0)) crashed; $n with a guest running: $((c3 - c2)) crashed"
