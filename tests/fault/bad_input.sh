#!/bin/sh
# Bad input everywhere, end to end: every broken stream of gen-bad-stream
# goes through converge-helper --restore-domain as libxl runs it; each
# must be refused, libxl must hear a failure, the helper's message must
# name the record and the byte offset (or what is missing), and the
# destination domain must never have been unpaused (libxl then destroys
# it).  Then bad settings (config file, environment), a bad scenario and
# bad command lines: refused, saying what and where, changing nothing.
set -u
. "${top_srcdir:-.}/tests/e2e/lib.sh"
start_simd
PLAY="$b/tests/tools/play-libxl"
GEN="$b/tests/fault/gen-bad-stream"
PAGES=64

# restore KIND PATTERN: the stream KIND is refused with a message matching PATTERN.
restore_refused() {
    kind=$1 pattern=$2
    "$GEN" "$kind" "$PAGES" "$tmp/$kind" || { fail "$kind: generator"; return; }
    "$PLAY" restore "$HELPER" "$PAGES" "$tmp/$kind" > "$tmp/$kind.out" 2>&1 &&
        { fail "$kind: restored"; return; }
    grep -q "restore: helper reported failure" "$tmp/$kind.out" ||
        fail "$kind: libxl did not hear a clean failure: $(cat "$tmp/$kind.out")"
    grep -q "log\[8\] converge-helper: .*$pattern" "$tmp/$kind.out" ||
        fail "$kind: the message does not say '$pattern': $(grep 'log\[' "$tmp/$kind.out")"
    dst=$(awk '/^domid/ {print $2}' "$tmp/$kind.out")
    if [ -n "$dst" ]; then
        "$XLC" sim info "$dst" --json > "$tmp/$kind.json"
        expect "$tmp/$kind.json" paused true
        "$XLC" sim destroy "$dst"          # as libxl does with a failed restore
    fi
}

# The control: the same generator's whole stream restores.
"$GEN" ok "$PAGES" "$tmp/ok" && "$PLAY" restore "$HELPER" "$PAGES" "$tmp/ok" > "$tmp/ok.out" 2>&1 ||
    fail "the generator's good stream was refused: $(cat "$tmp/ok.out")"
destroy_all

restore_refused bad-marker "image header at offset 0: marker"
restore_refused bad-version "image header at offset 12: version 1"
restore_refused pfn-beyond "PAGE_DATA (0x00000001) at offset [0-9]*: pfn 0x45 (index 0) beyond"
restore_refused count-over-limit "PAGE_DATA (0x00000001) at offset 48: length [0-9]* outside"
restore_refused record-over-128mib "HVM_CONTEXT (0x00000009) at offset [0-9]*: length 134217736 exceeds"
restore_refused page-data-before-static-data-end "PAGE_DATA (0x00000001) at offset 40: comes before STATIC_DATA_END"
restore_refused page-data-after-hvm-context "PAGE_DATA (0x00000001) at offset [0-9]*: after HVM_CONTEXT"
restore_refused two-hvm-contexts "HVM_CONTEXT (0x00000009) at offset [0-9]*: a second HVM_CONTEXT"
restore_refused pv-record-in-hvm "X86_PV_INFO (0x00000002) at offset 48: PV-only record"
restore_refused end-with-body "END (0x00000000) at offset [0-9]*: length 8, expected 0"
restore_refused nonzero-padding "at offset [0-9]*: padding byte 0 (offset [0-9]*) is 0xa5"
restore_refused reserved-pfn-bits "PAGE_DATA (0x00000001) at offset 48: pfn word .*reserved bits"
restore_refused no-hvm-context "stream ended without HVM_CONTEXT"
restore_refused two-static-data-ends "STATIC_DATA_END (0x00000010) at offset 48: a second"
restore_refused unknown-mandatory "unknown (0x00000077) at offset 48: unknown mandatory record"
restore_refused length-mismatch "PAGE_DATA (0x00000001) at offset [0-9]*: length 131344, expected"
restore_refused checkpoint-in-plain-stream "CHECKPOINT (0x0000000e) at offset 48"
restore_refused truncated "truncated input: page contents at offset"
n=$("$GEN" --list | wc -l)
[ "$n" -eq 19 ] || fail "gen-bad-stream has $n kinds; this script checks 19"

# Bad settings reach the save helper through libxl's environment: refused
# before the domain is touched, naming the file and line or the variable.
dom=$("$XLC" sim create "$s/tests/e2e/light.cfg") || { echo "sim create failed"; exit 1; }
save_refused() {
    what=$1 pattern=$2
    shift 2
    env "$@" "$PLAY" save "$HELPER" "$dom" "$tmp/img" > "$tmp/set.out" 2>&1 &&
        { fail "$what: the save ran"; return; }
    grep -q "log\[8\] converge-helper: $pattern" "$tmp/set.out" ||
        fail "$what: $(cat "$tmp/set.out")"
    "$XLC" sim info "$dom" --json > "$tmp/dom.json"
    expect "$tmp/dom.json" paused false
    expect "$tmp/dom.json" logdirty false
}
printf 'downtime_limit_ms = 300\ndowntime_limt_ms = 5\n' > "$tmp/typo.cfg"
save_refused "config typo" "$tmp/typo.cfg:2: unknown key .downtime_limt_ms. (did you mean .downtime_limit_ms.?)" \
    XENCONVERGE_CONFIG="$tmp/typo.cfg"
printf 'max_passes = 99999999\n' > "$tmp/big.cfg"
save_refused "config value" "$tmp/big.cfg:1: .*max_passes" XENCONVERGE_CONFIG="$tmp/big.cfg"
save_refused "env value" "XENCONVERGE_BANDWIDTH_MIB_S: bandwidth_mib_s: \"lots\" is not a decimal integer" \
    XENCONVERGE_BANDWIDTH_MIB_S=lots
save_refused "env typo" "XENCONVERGE_DOWNTIME_LIMT_MS: unknown tunable (did you mean .downtime_limit_ms.?)" \
    XENCONVERGE_DOWNTIME_LIMT_MS=5
save_refused "missing config" "$tmp/none.cfg" XENCONVERGE_CONFIG="$tmp/none.cfg"

# A scenario that asks for vCPUs the domain does not have: file, line, entry.
printf 'name = "x"\nmemory = 8\nvcpus = 2\nbandwidth = 10\ndowntime_limit = 100\nmax_time = 5\nworkload = [ "vcpus=0-3,pattern=uniform,rate=1" ]\n' \
    > "$tmp/vcpus.cfg"
"$XLC" sim create "$tmp/vcpus.cfg" > "$tmp/sc.out" 2>&1 && fail "a bad scenario created a domain"
grep -q "vcpus.cfg:7: workload\[0\]: .*vcpus=0-3: the domain has 2 vCPUs" "$tmp/sc.out" ||
    fail "scenario: $(cat "$tmp/sc.out")"

# Command lines: usage errors (exit 2) that say what was wrong.
"$XLC" sim-migrate "$s/tests/e2e/idle.cfg" --policy nonsense > "$tmp/cl.out" 2>&1; rc=$?
[ "$rc" -eq 2 ] && grep -q "unknown policy 'nonsense'" "$tmp/cl.out" ||
    fail "sim-migrate --policy nonsense: exit $rc, $(cat "$tmp/cl.out")"
"$HELPER" --restore-domain 7 -1 "$dom" 1 0 2 0 768 > "$tmp/cl.out" 2>&1; rc=$?
[ "$rc" -eq 2 ] && grep -q "takes 9 arguments, got 8" "$tmp/cl.out" ||
    fail "short restore argv: exit $rc, $(cat "$tmp/cl.out")"
"$HELPER" --save-domain 7 -1 99999999999 1 136 0 > "$tmp/cl.out" 2>&1; rc=$?
[ "$rc" -eq 2 ] && grep -q "bad domid" "$tmp/cl.out" ||
    fail "huge domid: exit $rc, $(cat "$tmp/cl.out")"
"$HELPER" --frobnicate > "$tmp/cl.out" 2>&1; rc=$?
[ "$rc" -eq 2 ] || fail "unknown mode: exit $rc, $(cat "$tmp/cl.out")"
"$XLC" sim info "$dom" --json > "$tmp/dom.json"
expect "$tmp/dom.json" paused false
expect "$tmp/dom.json" logdirty false

finish bad_input
