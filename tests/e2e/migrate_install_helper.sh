#!/bin/sh
# tools/install-helper against a temporary system image (dpkg-divert
# --root): the stock helper is diverted to libxl-save-helper.stock and ours
# takes its place; a second run changes nothing; --uninstall puts the
# stock one back, twice as well.  Nothing outside the image is touched.
set -u
. "${top_srcdir:-.}/tests/e2e/lib.sh"
INST="$s/tools/install-helper"
command -v dpkg-divert > /dev/null || { echo "SKIP: no dpkg-divert"; exit 77; }

img="$tmp/root"
bin="$img/usr/lib/xen-4.17/bin"
mkdir -p "$img/var/lib/dpkg" "$bin"
: > "$img/var/lib/dpkg/diversions"
: > "$img/var/lib/dpkg/status"
printf '#!/bin/sh\necho stock\n' > "$bin/libxl-save-helper"
chmod 755 "$bin/libxl-save-helper"
cp "$bin/libxl-save-helper" "$tmp/stock.orig"
real_div=$(dpkg-divert --list 2>/dev/null | md5sum)

"$INST" --root "$img" --helper "$HELPER" > "$tmp/1.out" 2>&1 || fail "install: $(cat "$tmp/1.out")"
cmp -s "$HELPER" "$bin/libxl-save-helper" || fail "converge-helper not in place"
cmp -s "$tmp/stock.orig" "$bin/libxl-save-helper.stock" || fail "stock helper not kept"
[ -x "$bin/libxl-save-helper" ] || fail "installed helper not executable"
[ "$(dpkg-divert --root="$img" --truename /usr/lib/xen-4.17/bin/libxl-save-helper)" = \
  /usr/lib/xen-4.17/bin/libxl-save-helper.stock ] || fail "no diversion recorded"
cp "$img/var/lib/dpkg/diversions" "$tmp/div.1"

# idempotent
"$INST" --root "$img" --helper "$HELPER" > "$tmp/2.out" 2>&1 || fail "second install failed"
grep -q "already diverted" "$tmp/2.out" && grep -q "already installed" "$tmp/2.out" ||
    fail "second install did work again: $(cat "$tmp/2.out")"
cmp -s "$tmp/div.1" "$img/var/lib/dpkg/diversions" || fail "second install changed the diversions"
cmp -s "$tmp/stock.orig" "$bin/libxl-save-helper.stock" || fail "second install lost the stock helper"

# a newer converge-helper replaces the installed one, the stock stays
printf '#!/bin/sh\necho newer\n' > "$tmp/newer"; chmod 755 "$tmp/newer"
"$INST" --root "$img" --helper "$tmp/newer" > /dev/null 2>&1 || fail "upgrade failed"
cmp -s "$tmp/newer" "$bin/libxl-save-helper" || fail "upgrade not installed"
cmp -s "$tmp/stock.orig" "$bin/libxl-save-helper.stock" || fail "upgrade lost the stock helper"

# uninstall, twice
"$INST" --root "$img" --uninstall > "$tmp/3.out" 2>&1 || fail "uninstall: $(cat "$tmp/3.out")"
cmp -s "$tmp/stock.orig" "$bin/libxl-save-helper" || fail "stock helper not back"
[ -e "$bin/libxl-save-helper.stock" ] && fail "diverted copy left behind"
[ -s "$img/var/lib/dpkg/diversions" ] && fail "diversion left: $(cat "$img/var/lib/dpkg/diversions")"
"$INST" --root "$img" --uninstall > "$tmp/4.out" 2>&1 || fail "second uninstall failed"
grep -q "nothing to undo" "$tmp/4.out" || fail "second uninstall: $(cat "$tmp/4.out")"
cmp -s "$tmp/stock.orig" "$bin/libxl-save-helper" || fail "second uninstall changed the stock helper"

# refusals: no stock helper to divert, a helper that is not a program
rm -f "$bin/libxl-save-helper"
"$INST" --root "$img" --helper "$HELPER" > "$tmp/5.out" 2>&1 && fail "installed without a stock helper"
grep -q "no stock helper to divert" "$tmp/5.out" || fail "missing stock: $(cat "$tmp/5.out")"
"$INST" --root "$img" --helper "$tmp/nonexistent" > "$tmp/6.out" 2>&1 && fail "bad --helper accepted"
[ "$(dpkg-divert --list 2>/dev/null | md5sum)" = "$real_div" ] || fail "the real system's diversions changed"

finish migrate_install_helper
