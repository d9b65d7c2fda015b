#!/bin/sh
# stream-dump on images laid out as xl/libxl/a save helper write them, and
# on broken ones: every bad input must exit 1 with a message naming where.
set -u
b=${top_builddir:-.}
dump="$b/xl-converge stream-dump"
gen="$b/tests/tools/gen-sample-image"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_in() { grep -qF -- "$1" "$2" || fail "'$1' missing from $(basename "$2")"; }

$gen --pages 64 "$tmp/img" || { echo "cannot generate"; exit 1; }
$gen --pages 64 --bare-libxc "$tmp/libxc" || exit 1

# A whole image: every layer decoded, pages counted, resends seen.
$dump "$tmp/img" > "$tmp/out" 2> "$tmp/err" || fail "good image refused: $(cat "$tmp/err")"
expect_in "xl save header: mandatory STREAMv2|JSON" "$tmp/out"
expect_in "libxc stream v3: x86 HVM, page_shift 12, from Xen 4.17" "$tmp/out"
expect_in "CVG_HELLO" "$tmp/out"
expect_in "libxl EMULATOR_CONTEXT" "$tmp/out"
expect_in "pages: 68 pfns sent, 64 with data" "$tmp/out"
expect_in "distinct pfns: 64, highest 0x3f, resent 4" "$tmp/out"
[ -s "$tmp/err" ] && fail "stderr not empty on a good image"

# From a pipe, the same.
$dump - < "$tmp/img" > "$tmp/out2" 2>&1 || fail "image on stdin refused"
cmp -s "$tmp/out" "$tmp/out2" || fail "stdin output differs from file output"

# --verbose: the JSON config and one line per PAGE_DATA record.
$dump --verbose "$tmp/img" > "$tmp/v" || fail "verbose refused"
expect_in '"name": "sample"' "$tmp/v"
expect_in "PAGE_DATA     246280 bytes  64 pfns (60 with data), pfn 0..0x3f" "$tmp/v"
expect_in "param 1 = 0x3e" "$tmp/v"

# A bare libxc stream.
$dump "$tmp/libxc" > "$tmp/out3" || fail "bare libxc stream refused"
expect_in "libxc stream v3" "$tmp/out3"

# Truncations: at every record boundary and inside headers and pages.
size=$(wc -c < "$tmp/img")
for off in 0 1 7 8 31 32 47 48 100 349 350 357 358 365 398 400 478 518 519 \
           526 558 600 4096 200000 262700 263500 $((size - 8)) $((size - 1)); do
    head -c "$off" "$tmp/img" > "$tmp/cut"
    if $dump "$tmp/cut" > /dev/null 2> "$tmp/e"; then
        fail "image cut at $off accepted"
    elif ! grep -qE 'offset|truncated|first bytes' "$tmp/e"; then
        fail "cut at $off: message names no place: $(cat "$tmp/e")"
    fi
done

# An unknown mandatory libxc record (TSC_INFO's type turned into 0x13).
python3 - "$tmp/img" "$tmp/bad" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
i = d.find(struct.pack('<II', 8, 24))          # X86_TSC_INFO header
assert i > 0
d[i:i + 4] = struct.pack('<I', 0x13)
open(sys.argv[2], 'wb').write(d)
print(hex(i), file=open(sys.argv[2] + '.off', 'w'))
PY
off=$(cat "$tmp/bad.off")
if $dump "$tmp/bad" > /dev/null 2> "$tmp/e"; then
    fail "unknown mandatory record accepted"
else
    grep -q "0x00000013" "$tmp/e" || fail "message does not name the type: $(cat "$tmp/e")"
    grep -q "offset $((off))" "$tmp/e" || fail "message does not name offset $((off)): $(cat "$tmp/e")"
fi

# Trailing bytes after the final END, and something that is no stream.
{ cat "$tmp/img"; printf 'junk'; } > "$tmp/trail"
$dump "$tmp/trail" > /dev/null 2> "$tmp/e" && fail "trailing data accepted"
expect_in "trailing data after the final END" "$tmp/e"
printf 'hello world, no stream' > "$tmp/text"
$dump "$tmp/text" > /dev/null 2> "$tmp/e" && fail "text accepted"
expect_in "not an xl image, libxl stream or libxc stream" "$tmp/e"
$dump > /dev/null 2>&1; [ $? -eq 2 ] || fail "missing FILE is not a usage error (2)"
$dump "$tmp/nonexistent" > /dev/null 2> "$tmp/e" && fail "missing file accepted"
expect_in "No such file or directory" "$tmp/e"

if [ "$fails" -ne 0 ]; then
    echo "$fails failures"
    exit 1
fi
echo "stream-dump: all checks passed"
