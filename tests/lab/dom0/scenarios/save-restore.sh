# xl save + xl restore through a file, converge-helper on both (stock xl,
# LIBXL_SAVE_HELPER): the image decodes with stream-dump's strict readers,
# both helpers hash the same memory, and the guest runs on with no stale
# page.
lab_guest g || exit 0
before=$(cvg_mw_last "$LAB_CONLOG")
t0=$(cvg_now)
if ! lab_run save env LIBXL_SAVE_HELPER="$OURS" XENCONVERGE_SIM_REPORT="$W/save.json" \
        xl -vvv save g "$W/g.save"; then
    lab_show "$W/save.log" 40
    lab_fail "xl save exit $_rc"
    exit 0
fi
t1=$(cvg_now)
[ -z "$(cvg_domid g)" ] || lab_fail "the domain is still there after xl save"
[ "$(lab_json "$W/save.json" ok)" = true ] ||
    { lab_show "$W/save.json"; lab_fail "our save helper's report is missing or not ok"; exit 0; }
size=$(wc -c < "$W/g.save")
if ! lab_run dump xl-converge stream-dump "$W/g.save"; then
    lab_show "$W/dump.log"
    lab_fail "stream-dump refuses the image our helper wrote"
fi
if ! lab_run restore env LIBXL_SAVE_HELPER="$OURS" XENCONVERGE_SIM_REPORT="$W/restore.json" \
        xl -vvv restore "$W/g.save"; then
    lab_show "$W/restore.log" 40
    lab_fail "xl restore exit $_rc"
    exit 0
fi
t2=$(cvg_now)
[ "$(lab_json "$W/restore.json" ok)" = true ] ||
    { lab_show "$W/restore.json"; lab_fail "our restore helper's report is missing or not ok"; exit 0; }
s=$(lab_json "$W/save.json" memory_sha256)
r=$(lab_json "$W/restore.json" memory_sha256)
[ -n "$s" ] && [ "$s" != null ] && [ "$s" = "$r" ] ||
    lab_fail "guest memory differs: sha256 when saved $s, when restored $r"
end=$(cvg_mw_last "$LAB_CONLOG")
lab_running $((end + 2)) 60 ||
    { lab_show "$LAB_CONLOG" 10; lab_fail "the guest does not run after xl restore"; exit 0; }
[ "$(cvg_mw_bad "$LAB_CONLOG")" = 0 ] ||
    { grep MW-BAD "$LAB_CONLOG" | lab_show /dev/stdin 8; lab_fail "the guest found stale pages"; exit 0; }
set -- $(cvg_mw_stall "$LAB_CONLOG" "$before" $((end + 3)))
lab_pass "save $(cvg_dt "$t0" "$t1") s ($((size / 1048576)) MiB image), restore $(cvg_dt "$t1" "$t2") s," \
    "$(lab_json "$W/restore.json" pages_applied) pages applied, memory sha256 equal, guest stalled $1 ms"
