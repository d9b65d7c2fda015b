# lab-lib.sh: what the lab's scenarios share, on top of the installed
# dom0-lib.sh (the functions the administrator's migrate-check uses).
# Sourced by runner.sh in the subshell that runs one scenario, with
#   LAB_SCENARIO  e.g. pvh/migrate      LAB_TYPE  pvh | hvm
#   W             this attempt's work directory (logs, images, verdict)

CVG_LIBDIR=/usr/libexec/xen-converge
. "$CVG_LIBDIR/dom0-lib.sh"

OURS=$CVG_LIBDIR/converge-helper
STOCK=/usr/lib/xen-4.17/bin/libxl-save-helper
LAB_KERNEL=/guest/vmlinuz
# Under TCG, Xen must not intercept RDTSC(P) (see tests/lab/README.md).
LAB_TSC=native
# timestamps on xl's output (cvg_migrate): where a migration's time goes
CVG_TS=1
export CVG_TS

lab_log() { echo "LAB-LOG $*"; }

# The scenario's verdict: the first FAIL stands; PASS/PENDING only when no
# FAIL came before.
lab_verdict() {
    if [ -f "$W/verdict" ] && [ "$(cut -d' ' -f1 "$W/verdict")" = FAIL ]; then
        return 0
    fi
    echo "$*" > "$W/verdict"
}
lab_fail() { lab_verdict FAIL "$*"; lab_log "FAIL: $*"; return 1; }
lab_pass() { lab_verdict PASS "$*"; }
lab_pending() { lab_verdict PENDING "$*"; }
lab_failed() { [ -f "$W/verdict" ] && [ "$(cut -d' ' -f1 "$W/verdict")" = FAIL ]; }
# A failure before any migration started (the test guest would not boot or
# its console stayed silent: stock xl, Xen and the guest kernel under
# emulation, none of it ours): the runner may run the scenario again.
lab_setup_failed() { echo "$*" > "$W/setup-failed"; lab_fail "$*"; }

# lab_run LABEL CMD...: output to $W/LABEL.log; a crash exit status is
# noted in $W/crashes for the runner.  Returns CMD's status.
lab_run() {
    _label=$1
    shift
    "$@" > "$W/$_label.log" 2>&1
    _rc=$?
    echo "$_label $_rc" >> "$W/statuses"
    cvg_is_crash_rc "$_rc" && echo "$_label exit $_rc" >> "$W/crashes"
    return $_rc
}

# The last lines of a log, indented, for the serial log.
lab_show() { tail -n "${2:-25}" "$1" 2>/dev/null | grep -v 'Frames iteration' | sed 's/^/LAB-LOG   | /'; }

# A value of a flat JSON report (the helper's XENCONVERGE_SIM_REPORT).
lab_json() { sed -n "s/^ *\"$2\": \"*\([^\",]*\)\"*,*\$/\1/p" "$1" 2>/dev/null | head -n 1; }

# lab_guest NAME [BUF_MIB] [RATE] [MEM]: a memwriter guest of type
# $LAB_TYPE, running and writing, its console in $LAB_CONLOG.
lab_guest() {
    _g=$1 _buf=${2:-48} _rate=${3:-8} _mem=${4:-128}
    LAB_CONLOG=$W/$_g.console
    : > "$LAB_CONLOG"
    "$CVG_MEMWRITER" --initramfs "$W/initrd" || { lab_fail "memwriter --initramfs failed"; return 1; }
    cvg_guest_config "$_g" "$LAB_TYPE" "$LAB_KERNEL" "$W/initrd" "$_mem" "$_buf" "$_rate" \
        "$LAB_TSC" > "$W/$_g.cfg"
    _t0=$(cvg_now)
    if ! lab_run create xl create "$W/$_g.cfg"; then
        lab_show "$W/create.log"
        lab_setup_failed "xl create failed (exit $_rc)"
        return 1
    fi
    cvg_domid "$_g" >> "$W/sources"     # for the runner: never restored
    cvg_console_start "$_g" "$LAB_CONLOG"
    if ! cvg_mw_ready "$LAB_CONLOG" 240 || ! cvg_mw_wait "$LAB_CONLOG" 3 60; then
        lab_show "$LAB_CONLOG" 30
        lab_show "/var/log/xen/console/guest-$_g.log" 30
        xl list | sed 's/^/LAB-LOG   | /'
        lab_setup_failed "$LAB_TYPE guest $_g did not start writing"
        return 1
    fi
    lab_log "guest $_g ($LAB_TYPE, ${_mem} MiB, memwriter ${_buf} MiB at ${_rate} MiB/s) writing" \
        "$(cvg_dt "$_t0" "$(cvg_now)") s after xl create"
}

# What Xen said about a domain's end, if it died ("" otherwise).
lab_death() {
    xl dmesg 2>/dev/null | grep -m1 -E "d$1v[0-9]+ (Triple fault|.*crash)" | sed 's/^(XEN) //'
}

# The guest still runs: a new memwriter line after SEQ within SECONDS.
lab_running() { cvg_mw_wait "$LAB_CONLOG" "$1" "${2:-60}"; }

# Does the domain run (not paused, not shut down)?  xl list's state column.
lab_state() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }'; }

# lab_migrated WHAT RC LOG OLD NEW BEFORE: the checks after a live migration
# of the guest of $LAB_CONLOG from dom OLD (console line BEFORE its last
# before the migration) whose command (WHAT, its output in LOG) ended with
# RC: it succeeded, the guest moved to NEW, runs there and found no stale
# page.  Sets LAB_DOWN (the switchover as the guest saw it) and LAB_STALL
# (the longest stall of the run); on failure says why and returns 1.
lab_migrated() {
    _w=$1 _mrc=$2 _log=$3 _mold=$4 _mnew=$5 _mbefore=$6
    # what our save helper decided, pass by pass
    grep -E 'converge-helper: (info: pass|detail: (stop-and-copy|policy))' "$_log" |
        sed 's/^/LAB-LOG   /'
    if [ "$_mrc" != 0 ] || ! cvg_migrate_ok "$_log"; then
        lab_show "$_log" 40
        cvg_is_crash_rc "$_mrc" && echo "$_w exit $_mrc" >> "$W/crashes"
        _d=$(lab_death "$_mold")
        lab_fail "$_w exit $_mrc${_d:+ (the source died: $_d)}"
        return 1
    fi
    [ -n "$_mnew" ] && [ "$_mnew" != "$_mold" ] ||
        { lab_fail "after the migration the guest is dom '$_mnew', was $_mold"; return 1; }
    _end=$(cvg_mw_last "$LAB_CONLOG")
    lab_running "$((_end + 2))" 60 ||
        { lab_show "$LAB_CONLOG" 10; lab_fail "the guest does not run after the migration"; return 1; }
    [ "$(cvg_mw_bad "$LAB_CONLOG")" = 0 ] ||
        { grep MW-BAD "$LAB_CONLOG" | lab_show /dev/stdin 8; lab_fail "the guest found stale pages"; return 1; }
    set -- $(cvg_mw_stall "$LAB_CONLOG" "$_mbefore" $((_end + 3)))
    LAB_STALL=$1
    set -- $(cvg_mw_switchover "$LAB_CONLOG" "$_mnew")
    LAB_DOWN=$1
    [ "$2" -gt 0 ] && LAB_DOWN="$1? ($2 console lines lost across it: a lower bound)"
    return 0
}

# lab_migrate_scenario SEND RECV: live migration to localhost with the given
# helpers (ours | stock) on each side; what the migrate and compat
# scenarios check.
lab_migrate_scenario() {
    _send=$1 _recv=$2
    _sh=$([ "$_send" = ours ] && echo "$OURS" || echo "$STOCK")
    _rh=$([ "$_recv" = ours ] && echo "$OURS" || echo "$STOCK")
    lab_guest g || return 0
    _before=$(cvg_mw_last "$LAB_CONLOG")
    _old=$(cvg_domid g)
    # The helpers' reports hash guest memory, the save side's at the
    # switchover and the restore side's before the helper exits (libxl
    # waits for it): under TCG about a minute of downtime for 128 MiB.
    # Only worth it where both hashes can be compared.
    _srep= _rrep=
    if [ "$_send" = ours ] && [ "$_recv" = ours ]; then
        _srep="XENCONVERGE_SIM_REPORT=$W/save.json" _rrep="XENCONVERGE_SIM_REPORT=$W/restore.json"
    fi
    _t0=$(cvg_now)
    lab_run migrate cvg_migrate g "$_sh" "$_rh" "$W/migrate-xl.log" "$_srep" "$_rrep"
    _rc=$?
    _t1=$(cvg_now)
    _new=$(cvg_domid g)
    lab_migrated "xl migrate ($_send -> $_recv)" "$_rc" "$W/migrate-xl.log" "$_old" "$_new" \
        "$_before" || return 0
    _detail="$(cvg_dt "$_t0" "$_t1") s, $(cvg_passes "$W/migrate-xl.log") passes, downtime ${LAB_DOWN} ms as the guest saw it (longest stall ${LAB_STALL} ms)"
    if [ "$_send" = ours ]; then
        # (both sides' helpers write into one log: a line may be cut into)
        _sc=$(sed -n 's/.*stop-and-copy: \(suspend [0-9]* ms.*\)/\1/p' "$W/migrate-xl.log" | tail -n 1)
        [ -n "$_sc" ] || { lab_fail "our save helper did not report its stop-and-copy"; return 0; }
        _detail="$_detail, stop-and-copy: $_sc"
    fi
    if [ "$_recv" = ours ]; then
        _ap=$(sed -n 's/.*Restore successful: \([0-9]*\) pages applied.*/\1/p' "$W/migrate-xl.log" | tail -n 1)
        [ -n "$_ap" ] || { lab_fail "our restore helper did not report success"; return 0; }
        _detail="$_detail, $_ap pages applied"
    fi
    if [ "$_send" = ours ] && [ "$_recv" = ours ]; then
        for _r in save restore; do
            [ "$(lab_json "$W/$_r.json" ok)" = true ] ||
                { cat "$W/$_r.json" 2>/dev/null | lab_show /dev/stdin; lab_fail "our $_r helper's report is missing or not ok"; return 0; }
        done
        _s=$(lab_json "$W/save.json" memory_sha256)
        _r=$(lab_json "$W/restore.json" memory_sha256)
        [ -n "$_s" ] && [ "$_s" != null ] && [ "$_s" = "$_r" ] ||
            { lab_fail "guest memory differs: sha256 at the source $_s, at the destination $_r"; return 0; }
        _detail="$_detail, memory sha256 equal"
    fi
    lab_pass "$_detail"
}
