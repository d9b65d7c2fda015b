# xl migrate --converge through xen-converge's xl front, with a guest that
# writes faster than the migration sends: it must converge (downtime within
# the limit) where the stock rule cannot.  Pending until the front exists.
front=
if command -v xl-converge >/dev/null && xl-converge help 2>&1 | grep -q '^ *migrate\b'; then
    front="xl-converge migrate"
fi
[ -x /usr/libexec/xen-converge/xl ] && front=/usr/libexec/xen-converge/xl
if [ -z "$front" ]; then
    lab_pending "no 'xl migrate --converge' in this build (xl-converge has no migrate subcommand)"
    exit 0
fi
lab_pending "the front exists ($front) but this scenario does not drive it yet"
