# Shared by the end-to-end tests: a private converge-simd, JSON checks.
b=${top_builddir:-.}
s=${top_srcdir:-.}
XLC="$b/xl-converge"
HELPER="$b/converge-helper"
SIMD="$b/converge-simd"
tmp=$(mktemp -d /tmp/cvg-e2e.XXXXXX)
fails=0
simd_pid=

cleanup() {
    [ -n "$simd_pid" ] && kill "$simd_pid" 2>/dev/null && wait "$simd_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

start_simd() {
    export XENCONVERGE_SIM="$tmp/simd.sock"
    export XENCONVERGE_STATUS_DIR="$tmp/status"
    "$SIMD" --socket "$XENCONVERGE_SIM" 2> "$tmp/simd.log" &
    simd_pid=$!
    for _ in $(seq 100); do
        [ -S "$XENCONVERGE_SIM" ] && return 0
        sleep 0.05
    done
    echo "converge-simd did not start:"; cat "$tmp/simd.log"; exit 1
}

# jget FILE KEY: a top-level value of a JSON report.
jget() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(str(v).lower() if isinstance(v,bool) else v)' "$1" "$2"; }

# expect FILE KEY VALUE
expect() {
    v=$(jget "$1" "$2")
    [ "$v" = "$3" ] || fail "$(basename "$1"): $2 is $v, expected $3"
}

# expect_le FILE KEY LIMIT
expect_le() {
    v=$(jget "$1" "$2")
    [ "$v" -le "$3" ] || fail "$(basename "$1"): $2 is $v, expected <= $3"
}

# domids of the domains whose name matches (xl list layout: Name ID ...)
domids() { "$XLC" sim list | awk -v pat="$1" 'NR > 1 && $1 ~ pat {print $2}'; }

destroy_all() {
    for d in $("$XLC" sim list | awk 'NR > 1 {print $2}'); do "$XLC" sim destroy "$d"; done
}

finish() {
    if [ "$fails" -ne 0 ]; then
        echo "$fails failures"; echo "--- converge-simd log:"; tail -n 20 "$tmp/simd.log"
        exit 1
    fi
    echo "$1: all checks passed"
    exit 0
}
