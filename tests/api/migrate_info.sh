#!/bin/sh
# xl-converge migrate-info on a live migration: sim-migrate runs a slow
# guest in the background, migrate-info reads the helper's status socket
# (by domain id and by name, once, as JSON and --watch); a dirty limit is
# refused while the migration runs; after it, there is nothing to show.
set -u
. "${top_srcdir:-.}/tests/e2e/lib.sh"
start_simd
# xl-converge finds converge-limitd beside itself; run files go beside
# the simulator's socket, in $tmp.

"$XLC" sim-migrate "$s/tests/api/slow.cfg" --json "$tmp/rep.json" > "$tmp/mig.out" 2>&1 &
mig=$!

# The source domain appears, then its helper answers on the status socket.
dom=
for _ in $(seq 200); do
    dom=$(domids '^api-slow$')
    [ -n "$dom" ] && "$XLC" migrate-info "$dom" --json > "$tmp/info.json" 2> "$tmp/info.err" &&
        break
    sleep 0.05
done
[ -s "$tmp/info.json" ] || { fail "no migration status: $(cat "$tmp/info.err")"; wait $mig; finish migrate_info; }

python3 - "$tmp/info.json" "$dom" <<'PY' || fail "migrate-info --json: fields"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["domid"] == int(sys.argv[2]), j
assert j["helper_pid"] > 0, j
for k in ("phase", "pass", "bytes_sent", "remaining_bytes", "dirty_rate", "bandwidth",
          "throttle_pct", "expected_downtime_ms", "downtime_limit_ms", "eta_ms"):
    assert k in j, (k, j)
assert j["downtime_limit_ms"] == 300, j
PY

# Watch it: several samples, bytes sent growing, the link's pace.
"$XLC" migrate-info "$dom" --watch --json --interval 400 --count 4 > "$tmp/watch.json" ||
    fail "migrate-info --watch --json failed"
python3 - "$tmp/watch.json" <<'PY' || fail "migrate-info --watch: $(cat "$tmp/watch.json")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(rows) >= 3, rows
sent = [r["bytes_sent"] for r in rows]
assert all(a <= b for a, b in zip(sent, sent[1:])), sent
assert sent[-1] > sent[0], sent
assert rows[-1]["memory_bytes"] == 128 << 20, rows[-1]
# the link is capped at 24 MiB/s: the measured pace is of that order
bw = rows[-1]["bandwidth"]
assert 5 < bw < 60, bw
PY

# No dirty limit while a migration governs the domain.
if "$XLC" dirty-limit "$dom" --vcpu 0 --rate 10 2> "$tmp/limit.err"; then
    fail "a dirty limit was accepted during the migration"
fi
grep -q "migration" "$tmp/limit.err" || fail "refusal does not say why: $(cat "$tmp/limit.err")"

# Watch by name, in text, to the end of the migration.
"$XLC" migrate-info api-slow --watch --interval 300 > "$tmp/watch.txt" 2>&1 ||
    fail "migrate-info --watch by name: $(tail -3 "$tmp/watch.txt")"
grep -q "pass" "$tmp/watch.txt" || fail "no progress line: $(head -3 "$tmp/watch.txt")"
grep -q "migration of domain $dom ended" "$tmp/watch.txt" ||
    fail "the watch did not see the end: $(tail -2 "$tmp/watch.txt")"

wait $mig || fail "the migration itself failed: $(tail -5 "$tmp/mig.out")"
expect "$tmp/rep.json" verified true
# Over: nothing to show, and it says so.
if "$XLC" migrate-info "$dom" > /dev/null 2> "$tmp/none.err"; then
    fail "migrate-info succeeded with no migration"
fi
grep -q "no migration of domain $dom" "$tmp/none.err" || fail "$(cat "$tmp/none.err")"
finish migrate_info
