# xl migrate --converge through xen-converge's xl front (xl-converge
# migrate; stock xl migrate-receive with our helper at the other end) on a
# guest that writes faster than the migration may send (16 MiB/s against a
# bandwidth cap of 8 MiB/s): the stock rule would stop it after five passes
# with most of its writing set dirty; ours must converge -- its stop-and-
# copy taken because the expected downtime fits the limit, not forced.
front=
if command -v xl-converge >/dev/null && xl-converge help 2>&1 | grep -q '^ *migrate '; then
    front=xl-converge
fi
if [ -z "$front" ]; then
    lab_pending "no 'xl migrate --converge' in this build (xl-converge has no migrate subcommand)"
    exit 0
fi
lab_guest g 48 16 || exit 0
before=$(cvg_mw_last "$LAB_CONLOG")
old=$(cvg_domid g)
t0=$(cvg_now)
lab_run converge xl-converge migrate -v -v --converge --downtime 500 --bandwidth 8 \
    --max-time 300 --on-timeout abort -s "" g \
    "env LIBXL_SAVE_HELPER=$OURS xl -vvv migrate-receive"
rc=$_rc
t1=$(cvg_now)
new=$(cvg_domid g)
lab_migrated "xl-converge migrate --converge" "$rc" "$W/converge.log" "$old" "$new" "$before" ||
    exit 0
# (the receiving helper writes into the same log: match inside a line)
last=$(grep 'info: pass [0-9]*: ' "$W/converge.log" | tail -n 1)
case $last in
*"stop-and-copy (expected downtime fits the limit)"*) ;;
*) lab_fail "did not converge: $last"; exit 0 ;;
esac
sc=$(sed -n 's/.*stop-and-copy: \(suspend [0-9]* ms.*\)/\1/p' "$W/converge.log" | tail -n 1)
lab_pass "converged in $(cvg_dt "$t0" "$t1") s, $(cvg_passes "$W/converge.log") passes," \
    "downtime $LAB_DOWN ms as the guest saw it, longest stall $LAB_STALL ms (stop-and-copy: $sc)"
