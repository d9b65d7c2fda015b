# The benchmark: migrate-check (what an administrator runs) on a guest that
# writes faster than the migration sends, the stock helper against ours
# (and xl migrate --converge where the build has it), in one lab boot.
# Its table goes to the serial log as LAB-TABLE lines.
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p"; }
runs=stock,ours
if command -v xl-converge >/dev/null && xl-converge help 2>&1 | grep -q '^ *migrate\b'; then
    runs=$runs,converge
fi
/usr/libexec/xen-converge/migrate-check --type "$LAB_TYPE" --kernel "$LAB_KERNEL" \
    --memory 128 --mib "$(arg lab_bench_mib | grep . || echo 48)" --rate "$(arg lab_bench_rate | grep . || echo 0)" \
    --runs "$runs" --tsc-mode "$LAB_TSC" --machine --name bench --workdir "$W/check" --keep \
    $(arg lab_bench_set | tr ':' '\n' | sed 's/^/--set /') > "$W/bench.out" 2>&1
rc=$?
touch "$W/archive"      # the benchmark's logs go to the host, pass or fail
# what our helper decided, pass by pass
for f in "$W"/check/run*-ours.log "$W"/check/run*-converge.log; do
    [ -f "$f" ] || continue
    grep -E 'converge-helper: (info: pass|detail: (stop-and-copy|policy))' "$f" |
        sed "s|^|LAB-LOG $(basename "$f" .log): |"
done
sed -n '/^run /,$p' "$W/bench.out" | sed 's/^/LAB-TABLE /'
grep '^MIGRATE-RESULT' "$W/bench.out" | sed 's/^/LAB-LOG /'
# each run's source ran live under log-dirty (see runner.sh, guest_faults)
sed -n 's/^MIGRATE-RESULT .*domid_old=\([0-9]*\) .*/\1/p' "$W/bench.out" >> "$W/sources"
grep -q 'exit 1[34][0-9]\|CRASHED' "$W/bench.out" && echo "migrate-check run crashed" >> "$W/crashes"
if [ $rc = 0 ]; then
    lab_pass "$(grep -c '^MIGRATE-RESULT' "$W/bench.out") migrations, table above"
else
    grep -v '^MIGRATE-RESULT' "$W/bench.out" | tail -n 30 | sed 's/^/LAB-LOG   | /'
    lab_fail "migrate-check exit $rc"
fi
