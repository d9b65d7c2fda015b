#!/bin/sh
# fault.sh [I/N] [fault-inject options]: the fault-injection plan (or its
# Ith of N parts) against a private converge-simd, under whatever the
# build was configured with (CI: ASan + UBSan).  Every case must pass and
# at least 200/N faults must have been injected.
set -u
. "${top_srcdir:-.}/tests/e2e/lib.sh"
part=1/1
case "${1:-}" in */*) part=$1; shift ;; esac
start_simd
min=$((200 / ${part#*/}))
"$b/tests/fault/fault-inject" --helper "$HELPER" --part "$part" --min "$min" "$@" \
    > "$tmp/fault.out" 2> "$tmp/fault.err"
rc=$?
cat "$tmp/fault.out"
if [ "$rc" -ne 0 ]; then
    echo "--- fault-inject's stderr (helpers, guardians):"
    cat "$tmp/fault.err"
    fail "fault-inject failed (exit $rc)"
fi
finish "fault-inject $part"
