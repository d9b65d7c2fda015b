# Not in the default set: one guest migrated to localhost again and again,
# the stock helper and ours on both sides in turn (lab_loop_n=N, 6), to
# see how often a migration fails under the emulator, and how.  Passes
# only if every migration does.
n=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^lab_loop_n=//p')
n=${n:-6}
only=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^lab_loop_only=//p')    # stock | ours
lab_guest g || exit 0
i=0 ok=0 summary=
while [ $i -lt "$n" ]; do
    i=$((i + 1))
    who=$([ $((i % 2)) = 1 ] && echo stock || echo ours)
    [ -n "$only" ] && who=$only
    h=$([ "$who" = stock ] && echo "$STOCK" || echo "$OURS")
    old=$(cvg_domid g)
    [ -n "$old" ] || { summary="$summary; the guest is gone"; break; }
    echo "$old" >> "$W/sources"
    before=$(cvg_mw_last "$LAB_CONLOG")
    t0=$(cvg_now)
    lab_run "loop$i" cvg_migrate g "$h" "$h" "$W/loop$i-xl.log"
    rc=$_rc
    t1=$(cvg_now)
    end=$(cvg_mw_last "$LAB_CONLOG")
    if [ $rc = 0 ] && cvg_migrate_ok "$W/loop$i-xl.log" && lab_running $((end + 2)) 60; then
        ok=$((ok + 1))
        set -- $(cvg_mw_stall "$LAB_CONLOG" "$before" $((end + 3)))
        summary="$summary; $who ok $(cvg_dt "$t0" "$t1") s stall $1 ms"
    else
        d=$(lab_death "$old")
        summary="$summary; $who FAILED rc=$rc${d:+ ($d)}"
        lab_show "$W/loop$i-xl.log" 15
        [ -n "$(cvg_domid g)" ] || break
    fi
done
lab_log "migrate-loop:$summary"
if [ $ok = "$n" ]; then
    lab_pass "$ok of $n migrations$summary"
else
    lab_fail "$ok of $n migrations$summary"
fi
