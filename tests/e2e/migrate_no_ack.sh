#!/bin/sh
# A receiver that answers HELLO but is never ready (its setup outlasts the
# wait): the sender copies on live and never suspends before the ack, and
# after ack_timeout_ms follows on_timeout:
#   abort       the migration fails, the guest runs on at the source with
#               log-dirty off, the destination domain is gone;
#   switchover  it migrates anyway, and the setup still to do at the
#               destination lands in the downtime.
set -u
. "${top_srcdir:-.}/tests/e2e/lib.sh"
start_simd

sed 's/^name = .*/name = "e2e-never"/' "$s/tests/e2e/light.cfg" > "$tmp/never.cfg"
echo "receiver_setup_ms = 600000" >> "$tmp/never.cfg"
sed 's/^name = .*/name = "e2e-slow"/' "$s/tests/e2e/light.cfg" > "$tmp/slow.cfg"
echo "receiver_setup_ms = 2500" >> "$tmp/slow.cfg"

work() { "$XLC" sim info "$1" --json > "$tmp/w.json" &&
         python3 -c 'import json,sys; print(sum(v["work"] for v in json.load(open(sys.argv[1]))["vcpus"]))' "$tmp/w.json"; }

# abort
dom=$("$XLC" sim create "$s/tests/e2e/light.cfg") || { echo "sim create failed"; exit 1; }
XENCONVERGE_ACK_TIMEOUT_MS=1500 "$XLC" migrate -v --converge --on-timeout abort \
    --json "$tmp/a.json" -s "" "$dom" "$XLC migrate-receive --scenario $tmp/never.cfg" \
    2> "$tmp/a.err" && fail "a migration without the ack reported success"
expect "$tmp/a.json" ok false
expect "$tmp/a.json" outcome "resumed at the source"
grep -q "destination domain [0-9]* agreed" "$tmp/a.err" || fail "abort: no HELLO_ACK"
grep -q "switchover held: waiting for the destination's SWITCHOVER_ACK" "$tmp/a.err" ||
    fail "abort: the switchover was not held"
grep -q "no SWITCHOVER_ACK within ack_timeout_ms (1500 ms): giving up" "$tmp/a.err" ||
    fail "abort: no timeout: $(tail -5 "$tmp/a.err")"
grep -q "stop-and-copy: suspend" "$tmp/a.err" && fail "abort: the guest was suspended"
"$XLC" sim info "$dom" --json > "$tmp/src.json" || fail "abort: the source is gone"
expect "$tmp/src.json" paused false
expect "$tmp/src.json" shutdown false
expect "$tmp/src.json" logdirty false
w1=$(work "$dom"); sleep 0.3; w2=$(work "$dom")
[ "$w2" -gt "$w1" ] || fail "abort: the guest does not run at the source ($w1 -> $w2)"
# The receiver saw the stream end and destroyed its copy.
for _ in $(seq 30); do [ -z "$(domids 'incoming')" ] && break; sleep 0.1; done
[ -z "$(domids 'incoming')" ] || fail "abort: destination domain left: $("$XLC" sim list)"
destroy_all

# switchover
dom=$("$XLC" sim create "$s/tests/e2e/light.cfg")
XENCONVERGE_ACK_TIMEOUT_MS=800 "$XLC" migrate -v --converge --on-timeout switchover \
    --json "$tmp/s.json" -s "" "$dom" "$XLC migrate-receive --scenario $tmp/slow.cfg" \
    2> "$tmp/s.err" || fail "on_timeout=switchover did not migrate: $(tail -5 "$tmp/s.err")"
expect "$tmp/s.json" ok true
grep -q "no SWITCHOVER_ACK within ack_timeout_ms (800 ms): switching over anyway" "$tmp/s.err" ||
    fail "switchover: no timeout"
dt=$(jget "$tmp/s.json" downtime_ms)
[ "$dt" -ge 800 ] || fail "switchover: downtime $dt ms, but the destination still had setup to do"
dst=$(domids '^e2e-light--incoming$')
"$XLC" sim info "$dst" --json > "$tmp/dst.json" || fail "switchover: no destination"
[ "$(jget "$tmp/dst.json" memory_sha256)" = "$(jget "$tmp/s.json" source_sha256)" ] ||
    fail "switchover: destination memory differs"

finish migrate_no_ack
