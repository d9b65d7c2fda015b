#!/bin/sh
# xl-converge dirty-rate and dirty-limit from the command line, on the
# simulator: the JSON others parse, the text admins read, limits set, listed
# and cancelled through the owner, and usage errors refused with status 2.
set -u
. "${top_srcdir:-.}/tests/e2e/lib.sh"
start_simd
# xl-converge finds converge-limitd beside itself; run files go beside
# the simulator's socket, in $tmp.

cat > "$tmp/mix.cfg" <<'CFG'
name = "api-cli"
memory = 256
vcpus = 4
bandwidth = 100
downtime_limit = 300
max_time = 60
workload = [ "vcpus=0,pattern=uniform,rate=200", "vcpus=1-2,pattern=read,rate=100",
             "vcpus=3,pattern=idle" ]
CFG
dom=$("$XLC" sim create "$tmp/mix.cfg") || { fail "sim create"; finish cli; }

"$XLC" dirty-rate "$dom" --period 1500 --json > "$tmp/rate.json" ||
    fail "dirty-rate --json failed"
python3 - "$tmp/rate.json" "$dom" <<'PY' || fail "dirty-rate --json: $(cat "$tmp/rate.json")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["domid"] == int(sys.argv[2]), j
assert j["source"] == "logdirty", j
assert 100 < j["rate"] < 260, j
v = j["vcpus"]
assert [x["id"] for x in v] == [0, 1, 2, 3], v
for x in v:
    assert 0 <= x["confidence"] <= 1, x
    assert "rate" in x and "cpu" in x, x
assert v[0]["rate"] > 0.8 * j["rate"], v
assert v[3]["rate"] == 0 and "idle" in v[3]["flags"], v
PY

"$XLC" dirty-rate api-cli --period 500 > "$tmp/rate.txt" || fail "dirty-rate by name failed"
grep -q "^Domain $dom dirtied" "$tmp/rate.txt" || fail "dirty-rate text: $(cat "$tmp/rate.txt")"

"$XLC" dirty-limit "$dom" --vcpu 0 --rate 50 || fail "dirty-limit set failed"
"$XLC" dirty-limit "$dom" --vcpu 3 --rate 10 || fail "dirty-limit set (vcpu 3) failed"
"$XLC" dirty-limit "$dom" --list --json > "$tmp/list.json" || fail "dirty-limit --list --json"
python3 - "$tmp/list.json" <<'PY' || fail "dirty-limit --list --json: $(cat "$tmp/list.json")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["owner_pid"] > 0, j
assert [(l["vcpu"], l["limit"]) for l in j["limits"]] == [(0, 50), (3, 10)], j
assert all(l["state"] in ("enforcing", "learning") for l in j["limits"]), j
PY
"$XLC" dirty-limit "$dom" --list > "$tmp/list.txt"
grep -q "converge-limitd pid" "$tmp/list.txt" || fail "list text: $(cat "$tmp/list.txt")"
"$XLC" dirty-limit "$dom" --cancel --vcpu 3 || fail "cancel vcpu 3"
"$XLC" dirty-limit "$dom" --list --json | grep -q '"vcpu": 3' && fail "vcpu 3 still limited"
"$XLC" dirty-limit "$dom" --cancel || fail "cancel all"
"$XLC" dirty-limit "$dom" --list > "$tmp/none.txt"
grep -q "has no dirty limit" "$tmp/none.txt" || fail "after cancel: $(cat "$tmp/none.txt")"

# Usage errors: status 2 and a line saying what is wrong.
usage() {
    "$XLC" "$@" > /dev/null 2> "$tmp/usage.err"
    rc=$?
    [ "$rc" -eq 2 ] || fail "'$*' exited $rc, expected 2"
    [ -s "$tmp/usage.err" ] || fail "'$*' said nothing"
}
usage dirty-limit "$dom"
usage dirty-limit "$dom" --rate 10
usage dirty-limit "$dom" --vcpu 0 --rate 0
usage dirty-limit "$dom" --vcpu x --rate 10
usage dirty-limit "$dom" --list --vcpu 1
usage dirty-rate "$dom" --period 5
usage dirty-rate
usage migrate-info "$dom" --count 2
# A domain that is not there: status 1, and the reason.
"$XLC" dirty-rate no-such-domain 2> "$tmp/nodom.err" && fail "dirty-rate of a missing domain"
grep -q "no domain is called 'no-such-domain'" "$tmp/nodom.err" || fail "$(cat "$tmp/nodom.err")"
"$XLC" dirty-limit 4000 --vcpu 0 --rate 5 2> "$tmp/nodom.err" && fail "limit on domain 4000"
grep -q "domain 4000" "$tmp/nodom.err" || fail "$(cat "$tmp/nodom.err")"
finish cli
