#!/bin/sh
# libxl aborts a save with SIGTERM: the helper stops mid-pass, switches
# log-dirty off, reports failure through complete and exits 0; the guest
# runs on untouched.  And runs we do not handle go to the stock helper,
# with the same argv and fds.
set -u
. "${top_srcdir:-.}/tests/e2e/lib.sh"
start_simd
PLAY="$b/tests/tools/play-libxl"

dom=$("$XLC" sim create "$s/tests/e2e/heavy.cfg") || { echo "sim create failed"; exit 1; }
XENCONVERGE_MAX_TIME_S=0 XENCONVERGE_BANDWIDTH_MIB_S=50 "$PLAY" term-save "$HELPER" "$dom" 1500 > "$tmp/term.out" 2>&1 &&
    fail "an aborted save reported success"
grep -q "term-save: helper reported failure" "$tmp/term.out" ||
    fail "SIGTERM: libxl should see a clean failure, saw: $(cat "$tmp/term.out")"
grep -q "aborted by request (SIGTERM)\|write of .* failed" "$tmp/term.out" ||
    fail "SIGTERM: the log does not say why: $(cat "$tmp/term.out")"
"$XLC" sim info "$dom" --json > "$tmp/info.json"
expect "$tmp/info.json" paused false
expect "$tmp/info.json" logdirty false
w1=$(python3 -c 'import json,sys; print(sum(v["work"] for v in json.load(open(sys.argv[1]))["vcpus"]))' "$tmp/info.json")
sleep 0.3
"$XLC" sim info "$dom" --json > "$tmp/info2.json"
w2=$(python3 -c 'import json,sys; print(sum(v["work"] for v in json.load(open(sys.argv[1]))["vcpus"]))' "$tmp/info2.json")
[ "$w2" -gt "$w1" ] || fail "the guest does not run after the abort ($w1 -> $w2)"

# libxl's SIGKILL leaves log-dirty on (no cleanup can run in the helper);
# the next save of the same guest must still work, as libxc's does.
XENCONVERGE_MAX_TIME_S=0 XENCONVERGE_BANDWIDTH_MIB_S=50 "$PLAY" kill-save "$HELPER" "$dom" 800 \
    > "$tmp/kill.out" 2>&1 && fail "a killed save reported success"
grep -q "died of signal 9" "$tmp/kill.out" || fail "kill: $(cat "$tmp/kill.out")"
XENCONVERGE_ON_TIMEOUT=switchover XENCONVERGE_MAX_TIME_S=1 "$PLAY" save "$HELPER" "$dom" \
    "$tmp/after-kill" --live > "$tmp/again.out" 2>&1 ||
    fail "save after a killed one failed: $(cat "$tmp/again.out")"
"$XLC" sim destroy "$dom"
dom=$("$XLC" sim create "$s/tests/e2e/heavy.cfg")

# Delegation: a Remus stream (stream_type 1) and a debug save go to the
# stock helper, which gets our exact argv and still has the fds.
cat > "$tmp/stock" <<'SH'
#!/bin/sh
echo "argv: $*" > "$STOCK_LOG"
ls /proc/$$/fd | sort -n | tr '\n' ' ' >> "$STOCK_LOG"
SH
chmod +x "$tmp/stock"
export STOCK_LOG="$tmp/stock.log"
exec 7> "$tmp/stream"
XENCONVERGE_STOCK_HELPER="$tmp/stock" "$HELPER" --save-domain 7 -1 "$dom" 1 136 1 \
    2> "$tmp/deleg.err" || fail "delegation failed: $(cat "$tmp/deleg.err")"
grep -q "argv: --save-domain 7 -1 $dom 1 136 1" "$STOCK_LOG" ||
    fail "stock helper got: $(cat "$STOCK_LOG" 2>/dev/null)"
grep -q " 7 " "$STOCK_LOG" || fail "fd 7 did not reach the stock helper: $(cat "$STOCK_LOG")"
grep -q "Remus stream" "$tmp/deleg.err" || fail "no reason given: $(cat "$tmp/deleg.err")"
rm -f "$STOCK_LOG"
XENCONVERGE_STOCK_HELPER="$tmp/stock" "$HELPER" --save-domain 7 -1 "$dom" 3 136 0 \
    2> "$tmp/deleg2.err" || fail "debug delegation failed"
grep -q "debug (VERIFY) pass" "$tmp/deleg2.err" || fail "debug: $(cat "$tmp/deleg2.err")"
exec 7>&-

# Bad argv: refused with a message, nothing run.
"$HELPER" --save-domain 7 -1 "$dom" 1 136 > "$tmp/bad.out" 2>&1; rc=$?
[ "$rc" -eq 2 ] || fail "short argv: exit $rc"
grep -q "takes 6 arguments, got 5" "$tmp/bad.out" || fail "short argv: $(cat "$tmp/bad.out")"
"$HELPER" --save-domain 7 -1 "$dom" x 136 0 > "$tmp/bad.out" 2>&1
grep -q "bad xcflags 'x'" "$tmp/bad.out" || fail "bad number: $(cat "$tmp/bad.out")"

finish abort
