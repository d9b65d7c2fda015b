#!/bin/sh
# xl-converge sim against a real converge-simd: create a domain from a
# scenario file, watch it work through `sim info --json`, pause it, destroy
# it.  The daemon is always stopped at the end (trap), even on failure, and
# must exit 0 on SIGTERM (no sanitizer report).
set -u
builddir=${abs_top_builddir:-$(pwd)}
simd=$builddir/converge-simd
xl=$builddir/xl-converge
tmp=$(mktemp -d /tmp/cvg-cli-XXXXXX) || exit 99
pid=

cleanup() {
    if [ -n "$pid" ]; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Pulls one integer field out of `sim info --json` (one vCPU object a line).
total_work() {
    grep -o '"work": [0-9]*' | awk '{ s += $2 } END { print s + 0 }'
}

check_json() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import json,sys; d = json.load(sys.stdin)
for k in ("domid", "paused", "logdirty", "cap", "memory_sha256", "vcpus"):
    assert k in d, k
for v in d["vcpus"]:
    for k in ("id", "work", "budget", "affinity"):
        assert k in v, k' || fail "sim info --json is not the promised JSON"
    fi
}

# Without XENCONVERGE_SIM: a clear error, not a hang or a crash.
out=$(env -u XENCONVERGE_SIM "$xl" sim list 2>&1) && fail "sim list ran without XENCONVERGE_SIM"
echo "$out" | grep -q XENCONVERGE_SIM || fail "no mention of XENCONVERGE_SIM in: $out"

export XENCONVERGE_SIM="$tmp/sock"
"$simd" --socket "$XENCONVERGE_SIM" &
pid=$!
i=0
until "$xl" sim list >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 100 ] || fail "converge-simd did not come up"
    kill -0 "$pid" 2>/dev/null || fail "converge-simd died at start"
    sleep 0.1
done

cat > "$tmp/busy.cfg" <<'CFG'
name = "cli-busy"
memory = 32
vcpus = 2
bandwidth = 100
downtime_limit = 300
max_time = 60
workload = [ "vcpus=0,pattern=uniform,rate=20", "vcpus=1,pattern=idle,rate=0" ]
CFG

domid=$("$xl" sim create "$tmp/busy.cfg") || fail "sim create failed"
case $domid in
    ''|*[!0-9]*) fail "sim create printed '$domid', not a domid" ;;
esac
"$xl" sim list | grep -q "^cli-busy  *$domid " || fail "sim list does not show domain $domid"

j1=$("$xl" sim info "$domid" --json) || fail "sim info --json failed"
echo "$j1" | check_json
echo "$j1" | grep -q "\"domid\": $domid," || fail "wrong domid in: $j1"
echo "$j1" | grep -q '"paused": false' || fail "a new domain is paused"
echo "$j1" | grep -q '"logdirty": false' || fail "log-dirty on in a new domain"
echo "$j1" | grep -q '"cap": 0,' || fail "a new domain is capped"
echo "$j1" | grep -Eq '"memory_sha256": "[0-9a-f]{64}"' || fail "no memory digest"
echo "$j1" | grep -q '"affinity": "0-63"' || fail "default affinity is not all 64 pCPUs"
sleep 0.5
j2=$("$xl" sim info "$domid" --json) || fail "sim info failed"
w1=$(echo "$j1" | total_work)
w2=$(echo "$j2" | total_work)
[ "$w2" -gt "$w1" ] || fail "work does not grow while running ($w1 -> $w2)"

"$xl" sim pause "$domid" || fail "sim pause failed"
j3=$("$xl" sim info "$domid" --json)
echo "$j3" | grep -q '"paused": true' || fail "not paused after sim pause"
sleep 0.5
j4=$("$xl" sim info "$domid" --json)
w3=$(echo "$j3" | total_work)
w4=$(echo "$j4" | total_work)
[ "$w4" -eq "$w3" ] || fail "work grows while paused ($w3 -> $w4)"
s3=$(echo "$j3" | grep -o '"memory_sha256": "[0-9a-f]*"')
s4=$(echo "$j4" | grep -o '"memory_sha256": "[0-9a-f]*"')
[ "$s3" = "$s4" ] || fail "memory changes while paused"
"$xl" sim unpause "$domid" || fail "sim unpause failed"
"$xl" sim info "$domid" | grep -q '^state: *running' || fail "not running after unpause"

# Usage errors are 2, failures 1, each with a message.
"$xl" sim info notanumber >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad domid is not a usage error"
"$xl" sim frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown subcommand is not a usage error"
printf 'name = "x"\n' > "$tmp/bad.cfg"
out=$("$xl" sim create "$tmp/bad.cfg" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "a bad scenario gave exit $rc"
echo "$out" | grep -q "bad.cfg" || fail "the error does not name the file: $out"

"$xl" sim destroy "$domid" || fail "sim destroy failed"
out=$("$xl" sim info "$domid" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "sim info of a destroyed domain gave exit $rc"
echo "$out" | grep -q "no domain" || fail "unexpected message: $out"
"$xl" sim list | grep -q "cli-busy" && fail "destroyed domain still listed"
"$xl" sim destroy "$domid" 2>/dev/null && fail "destroying twice succeeded"

kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ $rc -eq 0 ] || fail "converge-simd exited $rc on SIGTERM"
[ -e "$XENCONVERGE_SIM" ] && fail "the socket was left behind"
echo "PASS: xl-converge sim against converge-simd"
exit 0
