# The benchmark: migrate-check (what an administrator runs) on a guest that
# writes faster than the migration sends, the stock helper against
# xl migrate --converge (and plain xl migrate with our helper, with
# lab_bench_runs=stock,ours,converge), in one lab boot.  Its table goes to
# the serial log as LAB-TABLE lines.
#
# Under TCG the guest's writes are cheap and the emulated link is fast and
# uneven, so both runs go through the same 4 MiB/s link (linkpipe): the
# writer re-dirties its whole buffer every pass, and the stock rule stops
# it after five passes with all of it dirty.  A switchover costs about a
# second and a half there whatever the memory (the guest's own suspend,
# CPU state, xl's start of the new domain), and the guest, unthrottled
# while it suspends itself, dirties another ~600 pages (0.6 s at 4 MiB/s)
# that the final pass must carry: one lab boot measured suspend 0.46 s,
# 1875 pages in 1.84 s where the decision saw 1272, END 0.09 s, start
# 0.64 s.  So our limit is 3 s with 2.5 s of it kept for that part
# (switchover_overhead_ms).
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p"; }
runs=$(arg lab_bench_runs | grep . || echo stock,converge)
sets=$(arg lab_bench_set | grep . || echo switchover_overhead_ms=2500)
/usr/libexec/xen-converge/migrate-check --type "$LAB_TYPE" --kernel "$LAB_KERNEL" \
    --memory 128 --mib "$(arg lab_bench_mib | grep . || echo 48)" --rate "$(arg lab_bench_rate | grep . || echo 0)" \
    --link "$(arg lab_bench_link | grep . || echo 4)" --downtime "$(arg lab_bench_downtime | grep . || echo 3000)" \
    --runs "$runs" --tsc-mode "$LAB_TSC" --machine --name bench --workdir "$W/check" --keep \
    $(echo "$sets" | tr ':' '\n' | sed 's/^/--set /') > "$W/bench.out" 2>&1
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
# the issue's target, read off this table: converge within its limit,
# stock several times larger (said, not enforced: a benchmark's figures)
dt() { sed -n "s/^MIGRATE-RESULT run=$1 verdict=ok .* downtime_ms=\([0-9]*\).*/\1/p" "$W/bench.out"; }
s_dt=$(dt stock) c_dt=$(dt converge)
lim=$(arg lab_bench_downtime | grep . || echo 3000)
if [ -n "$s_dt" ] && [ -n "$c_dt" ] && [ "$c_dt" -gt 0 ]; then
    echo "LAB-TABLE target: converge ${c_dt} ms $([ "$c_dt" -le "$lim" ] && echo '<=' || echo '>') limit $lim ms;" \
        "stock ${s_dt} ms = $(awk -v a="$s_dt" -v b="$c_dt" 'BEGIN { printf "%.1f", a / b }')x converge"
fi
# each run's source ran live under log-dirty (see runner.sh, guest_faults)
sed -n 's/^MIGRATE-RESULT .*domid_old=\([0-9]*\) .*/\1/p' "$W/bench.out" >> "$W/sources"
grep -q 'exit 1[34][0-9]\|CRASHED' "$W/bench.out" && echo "migrate-check run crashed" >> "$W/crashes"
if [ $rc = 0 ]; then
    lab_pass "$(grep -c '^MIGRATE-RESULT' "$W/bench.out") migrations, table above"
else
    grep -v '^MIGRATE-RESULT' "$W/bench.out" | tail -n 30 | sed 's/^/LAB-LOG   | /'
    if grep -q -e 'the guest did not start writing' -e 'xl create failed' "$W/bench.out"; then
        lab_setup_failed "migrate-check exit $rc: its guest did not come up"
    else
        lab_fail "migrate-check exit $rc"
    fi
fi
