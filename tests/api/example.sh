#!/bin/sh
# doc/examples/dirty-rate, built against the public header alone and the
# shared library, run on the simulator: the documented example works.
set -u
. "${top_srcdir:-.}/tests/e2e/lib.sh"
start_simd
LIBXENCONVERGE_LIMITD="$b/converge-limitd"
export LIBXENCONVERGE_LIMITD

cat > "$tmp/ex.cfg" <<'CFG'
name = "api-example"
memory = 256
vcpus = 2
bandwidth = 100
downtime_limit = 300
max_time = 60
workload = [ "vcpus=0,pattern=read,rate=100", "vcpus=1,pattern=uniform,rate=160" ]
CFG
dom=$("$XLC" sim create "$tmp/ex.cfg") || { fail "sim create"; finish example; }
"$b/doc/examples/dirty-rate" "$dom" 1000 --limit > "$tmp/ex.out" 2> "$tmp/ex.err" ||
    fail "the example failed: $(cat "$tmp/ex.err")"
python3 - "$tmp/ex.out" <<'PY' || fail "example output: $(cat "$tmp/ex.out")"
import re, sys
out = open(sys.argv[1]).read()
dom = re.search(r"^domain \d+: ([\d.]+) MiB/s", out, re.M)
assert dom and 100 < float(dom.group(1)) < 200, out
lim = re.search(r"^vcpu 1 limited to (\d+) MiB/s", out, re.M)
assert lim, out
limit = int(lim.group(1))
now = [float(x) for x in re.findall(r"^  vcpu 1: ([\d.]+) MiB/s now", out, re.M)]
assert len(now) == 3, out
# the last reading, after 3 s, holds the limit
assert abs(now[-1] - limit) < 0.2 * limit, (now, limit)
assert "limit cancelled" in out, out
PY

# The library exports its API and nothing else, all in XENCONVERGE_1.0.
so=$(ls "$b"/.libs/libxenconverge.so.0.*.* 2>/dev/null | head -1)
[ -n "$so" ] || fail "no libxenconverge.so.0 in $b/.libs"
if [ -n "$so" ]; then
    nm -D --defined-only "$so" | awk '$2 == "T" || $2 == "D" || $2 == "B" {print $3}' > "$tmp/syms"
    grep -v '^xenconverge_[a-z_]*@@XENCONVERGE_1\.0$' "$tmp/syms" > "$tmp/extra"
    [ ! -s "$tmp/extra" ] || fail "symbols outside the API: $(head -5 "$tmp/extra")"
    [ "$(wc -l < "$tmp/syms")" -eq 11 ] || fail "expected 11 API symbols: $(cat "$tmp/syms")"
    objdump -p "$so" | grep -q 'SONAME *libxenconverge\.so\.0$' || fail "soname is not libxenconverge.so.0"
fi
finish example
