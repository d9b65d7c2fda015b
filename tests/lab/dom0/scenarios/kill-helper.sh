# SIGKILL of our save helper in the middle of a live migration (libxl
# kills a helper it gives up on the same way): the migration fails, the
# guest keeps running at the source, no half-built domain stays behind,
# and the next migration (log-dirty was left on) succeeds.  If the helper
# throttled the guest before the kill, its guardian must have put the
# scheduling settings back (cap, vCPU affinity).
lab_guest g 48 16 || exit 0
old=$(cvg_domid g)
sched() { xl sched-credit2 -d g 2>/dev/null | awk 'NR == 2 { print "cap=" $4 }'
          xl vcpu-list g 2>/dev/null | awk 'NR > 1 { print "vcpu" $3 "=" $7 "/" $9 }'; }
sched0=$(sched | tr '\n' ' ')

mkdir -p "$W/status"
(
    # slower than the guest writes: the throttle has reason to act, and
    # the kill finds the helper in its live phase
    export XENCONVERGE_STATUS_DIR="$W/status" XENCONVERGE_BANDWIDTH_MIB_S=4
    cvg_migrate g "$OURS" "$OURS" "$W/migrate-xl.log"
) &
mig=$!
st=$W/status/migrate-$old.json
# Kill once the helper throttles (the guardian then has something to put
# back), or 20 s into its live phase without a throttle (the rest is still
# tested; the first pass alone takes ~30 s at 4 MiB/s).  Deadlines on the
# clock: under TCG each loop round's processes take a good part of a second.
t0=$(cvg_now) thr=0 live=
while kill -0 $mig 2>/dev/null; do
    t=$(cvg_now)
    thr=$(sed -n 's/.*"throttle_pct": \([0-9]*\).*/\1/p' "$st" 2>/dev/null)
    [ "${thr:-0}" -gt 0 ] && break
    [ -z "$live" ] && [ -s "$st" ] && live=$t
    [ -n "$live" ] && awk -v a="$live" -v b="$t" 'BEGIN { exit !(b - a > 20) }' && break
    awk -v a="$t0" -v b="$t" 'BEGIN { exit !(b - a > 120) }' && break
    sleep 0.5
done
thr=${thr:-0}
# the helper: the converge-helper whose parent is xl (its guardian is a
# fork of it, with the same command line)
hpid=
for p in /proc/[0-9]*; do
    tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -q "converge-helper --save-domain" || continue
    pp=$(sed -n 's/^PPid:[[:space:]]*//p' "$p/status" 2>/dev/null)
    [ "$(cat "/proc/$pp/comm" 2>/dev/null)" = xl ] && hpid=${p#/proc/}
done
if ! kill -0 $mig 2>/dev/null; then
    wait $mig
    rc=$?
    lab_show "$W/migrate-xl.log" 30
    lab_fail "the migration ended (exit $rc) before the helper could be killed"
    exit 0
fi
if [ -z "$hpid" ]; then
    wait $mig
    lab_show "$W/migrate-xl.log" 30
    lab_fail "no save helper to kill (the migration ended or never started its helper)"
    exit 0
fi
sched1=$(sched | tr '\n' ' ')
lab_log "before the kill: $(cat "$st" 2>/dev/null); scheduling: $sched1 (was $sched0)"
before=$(cvg_mw_last "$LAB_CONLOG")
kill -KILL "$hpid"
wait $mig
rc=$?
lab_show "$W/migrate-xl.log" 12
[ $rc != 0 ] || lab_fail "xl migrate says it succeeded although its helper was killed"
cvg_is_crash_rc "$rc" && echo "xl-migrate exit $rc" >> "$W/crashes"
i=0
while xl list 2>/dev/null | grep -q -- '--incoming' && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
xl list 2>/dev/null | grep -q -- '--incoming' && lab_fail "the half-restored g--incoming domain was left behind"
[ "$(cvg_domid g)" = "$old" ] || lab_fail "the guest is dom '$(cvg_domid g)' after the failed migration, was $old"
state=$(lab_state g)
case $state in
*p*|*s*|*c*|*d*|"") lab_fail "the guest is not running after the failed migration (state '$state')" ;;
esac
lab_running $((before + 2)) 60 || { lab_show "$LAB_CONLOG" 10; lab_fail "the guest does not run on at the source"; }
[ "$(cvg_mw_bad "$LAB_CONLOG")" = 0 ] || lab_fail "the guest found stale pages"
sleep 2     # the guardian puts things back within milliseconds
sched2=$(sched | tr '\n' ' ')
lab_failed && exit 0
stall=$(cvg_mw_stall "$LAB_CONLOG" "$before" "$(cvg_mw_last "$LAB_CONLOG")" | cut -d' ' -f1)
if [ "$thr" -gt 0 ]; then
    [ "$sched2" = "$sched0" ] ||
        { lab_fail "scheduling after the kill: $sched2, before the migration: $sched0 (throttled to $sched1)"; exit 0; }
    capnote="throttle ${thr}% undone by the guardian ($sched0)"
else
    capnote="cap/affinity check pending: the helper did not throttle before the kill"
fi

# log-dirty may still be on: the next migration must cope, as libxc does
before=$(cvg_mw_last "$LAB_CONLOG")
if ! lab_run migrate2 cvg_migrate g "$OURS" "$OURS" "$W/migrate2-xl.log" ||
        ! cvg_migrate_ok "$W/migrate2-xl.log"; then
    lab_show "$W/migrate2-xl.log" 30
    cvg_is_crash_rc "$_rc" && echo "xl-migrate2 exit $_rc" >> "$W/crashes"
    lab_fail "the migration after the killed one failed"
    exit 0
fi
lab_running $((before + 2)) 60 || { lab_fail "the guest does not run after the second migration"; exit 0; }
lab_pass "migration failed (exit $rc), guest ran on at the source (stalled $stall ms), next migration ok; $capnote"
