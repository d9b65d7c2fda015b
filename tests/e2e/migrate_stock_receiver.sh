#!/bin/sh
# Our sender (--converge) against a receiver that never answers HELLO, as a
# stock receiver skips our optional records: the sender waits for
# HELLO_ACK no longer than hello_timeout_ms, then migrates without the
# back channel and never reads it again, so xl's handshake sees exactly
# what a stock xl would send; memory verified.
set -u
. "${top_srcdir:-.}/tests/e2e/lib.sh"
start_simd

dom=$("$XLC" sim create "$s/tests/e2e/light.cfg") || { echo "sim create failed"; exit 1; }
start=$(date +%s%N)
XENCONVERGE_HELLO_TIMEOUT_MS=700 "$XLC" migrate -v --converge --json "$tmp/r.json" -s "" \
    "$dom" "$XLC migrate-receive --ignore-hello" 2> "$tmp/r.err" ||
    fail "migrate to a stock-like receiver failed: $(tail -5 "$tmp/r.err")"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect "$tmp/r.json" ok true
grep -q "no HELLO_ACK within 700 ms (a stock receiver)" "$tmp/r.err" ||
    fail "the sender did not give up on HELLO_ACK: $(grep 'back channel' "$tmp/r.err")"
grep -q "agreed\|ready for switchover" "$tmp/r.err" && fail "a silent receiver was heard"
[ "$ms" -ge 700 ] || fail "migrated in $ms ms: the HELLO wait was not honoured"
[ "$ms" -lt 20000 ] || fail "took $ms ms: the HELLO wait was not bounded"
dst=$(domids '^e2e-light--incoming$')
"$XLC" sim info "$dst" --json > "$tmp/dst.json" || fail "no destination domain"
[ "$(jget "$tmp/dst.json" memory_sha256)" = "$(jget "$tmp/r.json" source_sha256)" ] ||
    fail "destination memory differs from the source's at switchover"
expect "$tmp/dst.json" paused false

finish migrate_stock_receiver
