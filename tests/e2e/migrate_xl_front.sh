#!/bin/sh
# tools/xl: `xl migrate --converge` runs xl-converge migrate; everything
# else reaches the real xl untouched: its arguments (spaces and all), its
# stdin/stdout, its exit status.  A fake xl on PATH plays the real one.
set -u
. "${top_srcdir:-.}/tests/e2e/lib.sh"
FRONT="$s/tools/xl"

mkdir -p "$tmp/bin"
cat > "$tmp/bin/xl" <<'SH'
#!/bin/sh
# the "real" xl: records its argv one per line, echoes stdin, exits $FAKE_RC
for a in "$@"; do printf '%s\n' "$a"; done > "$FAKE_LOG"
[ "${1:-}" = console ] && cat
exit "${FAKE_RC:-0}"
SH
chmod +x "$tmp/bin/xl"
export FAKE_LOG="$tmp/argv"
OLDPATH=$PATH
export PATH="$tmp/bin:$PATH"

FAKE_RC=0 "$FRONT" list -l > "$tmp/out" || fail "xl list: exit $?"
[ "$(cat "$tmp/argv")" = "$(printf 'list\n-l')" ] || fail "xl list got: $(cat "$tmp/argv")"
FAKE_RC=3 "$FRONT" create "/etc/xen/my guest.cfg" 'a b=c'; rc=$?
[ "$rc" -eq 3 ] || fail "exit status $rc, the real xl said 3"
[ "$(cat "$tmp/argv")" = "$(printf 'create\n/etc/xen/my guest.cfg\na b=c')" ] ||
    fail "arguments changed: $(cat "$tmp/argv")"
FAKE_RC=250 "$FRONT" -vvv migrate dom host; rc=$?
[ "$rc" -eq 250 ] || fail "plain migrate: exit $rc, expected 250"
[ "$(cat "$tmp/argv")" = "$(printf -- '-vvv\nmigrate\ndom\nhost')" ] ||
    fail "plain migrate is the real xl's: $(cat "$tmp/argv")"
out=$(echo piped | FAKE_RC=0 "$FRONT" console 5) || fail "console: exit $?"
[ "$out" = piped ] || fail "stdin/stdout not passed through: '$out'"
# `--converge` anywhere else is not ours: it is the real xl's to refuse.
FAKE_RC=1 "$FRONT" list --converge; rc=$?
[ "$rc" -eq 1 ] && [ "$(head -1 "$tmp/argv")" = list ] || fail "list --converge was taken"
# The front on PATH as `xl` finds the real one behind it, not itself.
mkdir -p "$tmp/front" && ln -sf "$(readlink -f "$FRONT")" "$tmp/front/xl"
PATH="$tmp/front:$tmp/bin:$OLDPATH" FAKE_RC=4 xl info; rc=$?
[ "$rc" -eq 4 ] && [ "$(cat "$tmp/argv")" = info ] || fail "front first on PATH: rc $rc"

# migrate --converge goes to xl-converge migrate (a fake records it)...
cat > "$tmp/cvg" <<'SH'
#!/bin/sh
for a in "$@"; do printf '%s\n' "$a"; done > "$FAKE_LOG.cvg"
exit 6
SH
chmod +x "$tmp/cvg"
rm -f "$tmp/argv"
XL_CONVERGE="$tmp/cvg" "$FRONT" -v migrate --converge -s "" dom 'recv cmd'; rc=$?
[ "$rc" -eq 6 ] || fail "migrate --converge: exit $rc, expected xl-converge's 6"
[ -e "$tmp/argv" ] && fail "migrate --converge reached the real xl"
[ "$(cat "$FAKE_LOG.cvg")" = "$(printf 'migrate\n-v\n--converge\n-s\n\ndom\nrecv cmd')" ] ||
    fail "xl-converge got: $(cat "$FAKE_LOG.cvg")"

# ...and for real on the simulator, through the front.
start_simd
dom=$("$XLC" sim create "$s/tests/e2e/light.cfg") || { echo "sim create failed"; exit 1; }
XL_CONVERGE="$XLC" "$FRONT" migrate --converge --json "$tmp/r.json" -s "" "$dom" \
    "$XLC migrate-receive" 2> "$tmp/r.err" || fail "front migrate: $(tail -3 "$tmp/r.err")"
expect "$tmp/r.json" outcome migrated

finish migrate_xl_front
