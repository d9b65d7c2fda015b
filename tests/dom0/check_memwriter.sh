#!/bin/sh
# memwriter and dom0-lib.sh's readers, without Xen: what migrate-check and
# the lab rely on to measure downtime as a guest sees it.
#   - a writer stopped for 600 ms reports a stall of about 600 ms, and
#     nothing like it before the stop;
#   - the rate limit holds, also right after the stall (no catch-up burst);
#   - the stall of a line the console lost still shows through maxgap_ms,
#     and repeated lines count once;
#   - --initramfs writes a newc archive whose /init is memwriter itself;
#   - bad arguments are refused;
#   - linkpipe (migrate-check --link) passes every byte at the set rate
#     and lets the sender see the receiver's end.
set -u
: "${top_builddir:=.}" "${top_srcdir:=.}"
MW=$top_builddir/memwriter
CVG_LIBDIR=$top_srcdir/tests/dom0
. "$top_srcdir/tests/dom0/dom0-lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# ---- a stall ------------------------------------------------------------------
"$MW" --mib 8 --rate 40 --interval-ms 100 --seconds 3 > "$tmp/log" &
pid=$!
sleep 1.2
last_before=$(cvg_mw_last "$tmp/log")
kill -STOP $pid
sleep 0.6
kill -CONT $pid
wait $pid || bad "memwriter exit $?"
set -- $(cvg_mw_stall "$tmp/log" "$last_before" 1000)
stall=$1 lost=$2
if [ "$stall" -ge 500 ] && [ "$stall" -le 1500 ] && [ "$lost" = 0 ]; then
    ok "a 600 ms stop reads as a ${stall} ms stall"
else
    bad "a 600 ms stop reads as stall=$stall lost=$lost"; cat "$tmp/log"
fi
set -- $(cvg_mw_stall "$tmp/log" 0 $((last_before - 1)))
[ "$1" -lt 300 ] && ok "no stall before the stop (longest ${1} ms)" ||
    bad "a ${1} ms stall before the stop"
# 40 MiB/s = 10240 pages/s = 1024 per 100 ms line; limit with slack for
# timer granularity, none for a burst (a burst would be ~6000 after 600 ms)
maxp=$(cvg_mw_lines "$tmp/log" | awk '$3 > m { m = $3 } END { print m + 0 }')
[ "$maxp" -gt 0 ] && [ "$maxp" -le 1500 ] && ok "at most $maxp pages per 100 ms at 40 MiB/s" ||
    bad "$maxp pages in one 100 ms line at 40 MiB/s"
[ "$(cvg_mw_bad "$tmp/log")" = 0 ] && ok "no stale page" || bad "stale pages reported"

# ---- lost and repeated lines ------------------------------------------------
cat > "$tmp/synthetic" <<'EOF'
MW seq=1 t_ms=1000 pages=10 gap_ms=2 maxgap_ms=2 bad=0
MW seq=2 t_ms=1200 pages=10 gap_ms=3 maxgap_ms=3 bad=0
MW seq=2 t_ms=1200 pages=10 gap_ms=3 maxgap_ms=3 bad=0
MW seq=4 t_ms=2400 pages=10 gap_ms=1 maxgap_ms=950 bad=0
MW seq=5 t_ms=2600 pages=10 gap_ms=4 maxgap_ms=950 bad=0
EOF
[ "$(cvg_mw_stall "$tmp/synthetic" 2 5)" = "950 1" ] && ok "a lost line's stall shows through maxgap_ms" ||
    bad "lost line: got '$(cvg_mw_stall "$tmp/synthetic" 2 5)', want '950 1'"
[ "$(cvg_mw_lines "$tmp/synthetic" | wc -l)" = 4 ] && ok "a repeated line counts once" ||
    bad "repeated line counted twice"
[ "$(cvg_mw_last "$tmp/synthetic")" = 5 ] || bad "last seq $(cvg_mw_last "$tmp/synthetic"), want 5"

# ---- the switchover: the first line of the new domain ---------------------
# a 900 ms throttle stall at the source must not count as the switchover;
# a line the old console repeats after the new one attached counts once
cat > "$tmp/switch" <<'EOF'
CVG-CONSOLE dom=3
MW seq=1 t_ms=1000 pages=10 gap_ms=2 maxgap_ms=2 bad=0
MW seq=2 t_ms=2100 pages=10 gap_ms=900 maxgap_ms=900 bad=0
MW seq=3 t_ms=2300 pages=10 gap_ms=3 maxgap_ms=900 bad=0
CVG-CONSOLE dom=7
MW seq=3 t_ms=2300 pages=10 gap_ms=3 maxgap_ms=900 bad=0
MW seq=4 t_ms=3700 pages=10 gap_ms=1240 maxgap_ms=1240 bad=0
MW seq=5 t_ms=3900 pages=10 gap_ms=4 maxgap_ms=1240 bad=0
EOF
[ "$(cvg_mw_switchover "$tmp/switch" 7)" = "1240 0" ] && ok "switchover: the new domain's first line" ||
    bad "switchover: got '$(cvg_mw_switchover "$tmp/switch" 7)', want '1240 0'"
[ "$(cvg_mw_switchover "$tmp/switch" 77)" = "- 0" ] && ok "switchover: no line of an unknown domain" ||
    bad "switchover of dom 77: got '$(cvg_mw_switchover "$tmp/switch" 77)'"
# lines lost across the switchover: a maxgap_ms raised in between stands
sed -i 's/^MW seq=4 .*/MW seq=6 t_ms=4100 pages=10 gap_ms=20 maxgap_ms=1500 bad=0/' "$tmp/switch"
[ "$(cvg_mw_switchover "$tmp/switch" 7)" = "1500 2" ] && ok "switchover: lost lines' gap shows through maxgap_ms" ||
    bad "switchover with lost lines: got '$(cvg_mw_switchover "$tmp/switch" 7)', want '1500 2'"

# ---- --initramfs ------------------------------------------------------------------
if "$MW" --initramfs "$tmp/initrd"; then
    if command -v python3 >/dev/null; then
        python3 - "$tmp/initrd" "$MW" <<'EOF' && ok "--initramfs: newc archive, /init is memwriter" || bad "--initramfs archive"
import sys
data = open(sys.argv[1], 'rb').read()
off, files = 0, {}
while True:
    h = data[off:off + 110]
    assert h[:6] == b'070701', 'bad magic at %d' % off
    f = [int(h[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
    mode, size, namesize = f[1], f[6], f[11]
    name = data[off + 110:off + 110 + namesize - 1].decode()
    off = (off + 110 + namesize + 3) & ~3
    if name == 'TRAILER!!!':
        break
    files[name] = (mode, data[off:off + size], f[9], f[10])
    off = (off + size + 3) & ~3
assert off == len(data), 'trailing bytes'
assert files['init'][1] == open(sys.argv[2], 'rb').read(), '/init differs'
assert files['init'][0] & 0o111, '/init not executable'
assert files['dev/console'][0] & 0o170000 == 0o020000 and files['dev/console'][2:] == (5, 1)
EOF
    else
        echo "skip: no python3 to read the archive"
    fi
else
    bad "memwriter --initramfs failed"
fi

# a guest's /init has no libc beside it
if command -v readelf >/dev/null; then
    readelf -d "$MW" 2>/dev/null | grep -q '(NEEDED)' && bad "memwriter is not static" ||
        ok "memwriter is static"
fi

# ---- linkpipe: the link of migrate-check --link -------------------------------
LP=$top_builddir/linkpipe
head -c 4194304 /dev/urandom > "$tmp/lp.in"
t0=$(cvg_now)
"$LP" 8 sh -c "cat > '$tmp/lp.out'; exit 3" < "$tmp/lp.in"
rc=$?
t1=$(cvg_now)
cmp -s "$tmp/lp.in" "$tmp/lp.out" && [ $rc = 3 ] && ok "linkpipe: every byte through, the command's exit status" ||
    bad "linkpipe: rc=$rc, output $(wc -c < "$tmp/lp.out") bytes"
# 4 MiB at 8 MiB/s: half a second, give or take a 100 ms slice
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 0.35 && b - a < 3) }' &&
    ok "linkpipe: 4 MiB at 8 MiB/s took $(cvg_dt "$t0" "$t1") s" ||
    bad "linkpipe: 4 MiB at 8 MiB/s took $(cvg_dt "$t0" "$t1") s"
# a receiver that gives up early while the sender is still connected:
# linkpipe ends with it, the sender sees the end, nothing hangs
mkfifo "$tmp/lp.fifo"
sleep 30 > "$tmp/lp.fifo" &
sleeper=$!
t0=$(cvg_now)
out=$( (exec "$LP" 1 sh -c 'echo bye' < "$tmp/lp.fifo") | cat)
t1=$(cvg_now)
kill $sleeper 2>/dev/null
wait $sleeper 2>/dev/null
[ "$out" = bye ] && awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 20) }' &&
    ok "linkpipe: the receiver's end reaches the sender at once" ||
    bad "linkpipe: early receiver end: '$out' after $(cvg_dt "$t0" "$t1") s"
for a in "0 true" "x true" "5"; do
    # shellcheck disable=SC2086
    "$LP" $a < /dev/null > /dev/null 2>&1
    [ $? = 2 ] && ok "linkpipe refused: $a" || bad "linkpipe accepted: $a"
done

# ---- arguments ------------------------------------------------------------------
for a in "--mib 0" "--rate abc" "--mib -1" "--interval-ms 0" "--bogus 1" "--mib"; do
    # shellcheck disable=SC2086
    "$MW" $a --seconds 1 > /dev/null 2>&1
    [ $? = 2 ] && ok "refused: $a" || bad "accepted: $a"
done

[ $fails = 0 ]
