#!/bin/sh
# xl-converge migrate -> xl-converge migrate-receive through `-s ""` (the
# host is the receiver's command), on a private converge-simd: the bytes
# of xl's protocol, libxl's stream and the helpers' libxc stream.
#   1. --converge: HELLO answered, SWITCHOVER_ACK before the suspend, the
#      back channel drained through BYE (xl's handshake would refuse a stray
#      byte), destination memory = source memory at switchover, source gone;
#   2. without --converge (a stock sender): no HELLO, so our receiver
#      says nothing and the handshake is clean;
#   3. -C with an xl.cfg file: the config travels as text and is parsed at
#      the destination;
#   4. a destination helper slow to start answers HELLO after the sender's
#      deadline (seen in the lab under emulation): the sender goes on
#      without the back channel, and the records left in front of xl's
#      ready message are dropped, not taken for a broken peer.
set -u
. "${top_srcdir:-.}/tests/e2e/lib.sh"
start_simd
RECV="$XLC migrate-receive"

# migrated REPORT STDERR: the common checks of a successful migration.
migrated() {
    expect "$1" ok true
    expect "$1" outcome migrated
    dst=$(domids '^e2e-light--incoming$')
    [ "$(echo "$dst" | wc -w)" -eq 1 ] || { fail "destination domain(s): '$dst'"; return; }
    "$XLC" sim info "$dst" --json > "$tmp/dst.json"
    [ "$(jget "$tmp/dst.json" memory_sha256)" = "$(jget "$1" source_sha256)" ] ||
        fail "$(basename "$1"): destination memory differs from the source's at switchover"
    expect "$tmp/dst.json" paused false
    "$XLC" sim info "$(jget "$1" domid)" > /dev/null 2>&1 &&
        fail "$(basename "$1"): the source domain still exists"
    grep -q "Migration successful." "$2" || fail "no 'Migration successful.' in $(cat "$2")"
    grep -q "migration target: Domain started successsfully." "$2" ||
        fail "the receiver did not start the domain"
}

# 1. --converge
dom=$("$XLC" sim create "$s/tests/e2e/light.cfg") || { echo "sim create failed"; exit 1; }
"$XLC" migrate -v --converge --downtime 300 --json "$tmp/c.json" -s "" "$dom" "$RECV" \
    > "$tmp/c.out" 2> "$tmp/c.err" || fail "migrate --converge failed: $(tail -5 "$tmp/c.err")"
[ -s "$tmp/c.out" ] && fail "migrate printed on stdout: $(cat "$tmp/c.out")"
migrated "$tmp/c.json" "$tmp/c.err"
grep -q "back channel: destination domain [0-9]* agreed (caps 0x7)" "$tmp/c.err" ||
    fail "--converge: no HELLO_ACK: $(grep 'back channel' "$tmp/c.err")"
grep -q "back channel: destination ready for switchover" "$tmp/c.err" ||
    fail "--converge: no SWITCHOVER_ACK"
# The ack came before the suspend (the final pass follows it).
ack=$(grep -n "destination ready for switchover" "$tmp/c.err" | head -1 | cut -d: -f1)
stop=$(grep -n "stop-and-copy: suspend" "$tmp/c.err" | head -1 | cut -d: -f1)
[ -n "$ack" ] && [ -n "$stop" ] && [ "$ack" -lt "$stop" ] ||
    fail "--converge: suspended before the ack (lines $ack, $stop)"
destroy_all

# 2. a plain sender: nothing of ours on the wire either way
dom=$("$XLC" sim create "$s/tests/e2e/light.cfg")
"$XLC" migrate -v --json "$tmp/p.json" -s "" "$dom" "$RECV -v" 2> "$tmp/p.err" ||
    fail "plain migrate failed: $(tail -5 "$tmp/p.err")"
migrated "$tmp/p.json" "$tmp/p.err"
grep -q "back channel\|switchover held" "$tmp/p.err" &&
    fail "plain migrate used a back channel: $(grep 'back channel' "$tmp/p.err")"
"$XLC" migrate --downtime 100 -s "" 1 "$RECV" 2> "$tmp/opt.err" &&
    fail "--downtime without --converge was accepted"
grep -q "need --converge" "$tmp/opt.err" || fail "--downtime alone: $(cat "$tmp/opt.err")"
"$XLC" migrate --converge --on-timeout later -s "" 1 "$RECV" 2> "$tmp/opt.err" &&
    fail "--on-timeout later was accepted"
grep -q "on-timeout" "$tmp/opt.err" || fail "--on-timeout later: $(cat "$tmp/opt.err")"
destroy_all

# 3. -C: an xl.cfg file travels as text
dom=$("$XLC" sim create "$s/tests/e2e/light.cfg")
cat > "$tmp/guest.cfg" <<'CFG'
name = "e2e-light"
type = "hvm"
memory = 64
vcpus = 2
CFG
"$XLC" migrate --converge -C "$tmp/guest.cfg" --json "$tmp/x.json" -s "" "$dom" "$RECV" \
    2> "$tmp/x.err" || fail "migrate -C failed: $(tail -5 "$tmp/x.err")"
migrated "$tmp/x.json" "$tmp/x.err"
destroy_all

# 4. a late HELLO_ACK
dom=$("$XLC" sim create "$s/tests/e2e/light.cfg")
cat > "$tmp/slow-helper" <<SH
#!/bin/sh
sleep 1
exec "$HELPER" "\$@"
SH
chmod +x "$tmp/slow-helper"
XENCONVERGE_HELLO_TIMEOUT_MS=100 "$XLC" migrate -v --converge --json "$tmp/l.json" -s "" "$dom" \
    "$RECV --helper $tmp/slow-helper" 2> "$tmp/l.err" ||
    fail "migrate with a late HELLO_ACK failed: $(tail -5 "$tmp/l.err")"
migrated "$tmp/l.json" "$tmp/l.err"
grep -q "no HELLO_ACK within 100 ms" "$tmp/l.err" ||
    fail "late HELLO_ACK: the sender did not give up on it: $(grep 'back channel' "$tmp/l.err")"
grep -q "late back-channel record(s) of the destination helper dropped" "$tmp/l.err" ||
    fail "late HELLO_ACK: nothing dropped before xl's message"
destroy_all

finish migrate
