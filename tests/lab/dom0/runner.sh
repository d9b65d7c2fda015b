# runner.sh: runs the scenarios named on the dom0 command line, in dom0,
# and prints for run-lab (host side) one line per event:
#
#   LAB-BEGIN  SCENARIO attempt=N
#   LAB-CRASH  SCENARIO attempt=N WHAT     a program crashed (dmesg, exit status)
#   LAB-RETRY  SCENARIO attempt=N REASON   an emulator crash, tried again
#   LAB-RESULT SCENARIO PASS|FAIL|PENDING SECONDS attempts=N DETAIL
#   LAB-TABLE  TEXT                         the benchmark's table
#   LAB-FATAL  REASON                      dom0 cannot go on (run-lab reboots)
#   LAB-ARCHIVE SCENARIO attempt=N BEGIN|END  between them, base64 of a
#              tar.gz of a failed attempt's logs, or of one that asked for
#              it with $W/archive (run-lab unpacks it)
#
# Under TCG, dom0 programs were seen to crash at random (see README.md):
# a scenario that FAILS with a program crash (signal exit status, or a
# fatal-signal report in dmesg) during it is run again, up to lab_retries
# times, and every retry is reported.  So is one whose test guest did not
# come up (xl create, the guest's boot and console: before any migration,
# none of it ours; $W/setup-failed).  Any other failure is never retried: a
# red result means a real failure.
#
# Command line: lab_scenarios=TYPE/NAME:TYPE/NAME...  lab_retries=N
#               lab_timeout=SECONDS (per attempt)

arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p"; }
SCENARIOS=$(arg lab_scenarios | tr ':' ' ')
RETRIES=$(arg lab_retries)
RETRIES=${RETRIES:-2}
TIMEOUT=$(arg lab_timeout)
TIMEOUT=${TIMEOUT:-600}

now() { cut -d' ' -f1 /proc/uptime; }

xl info 2>/dev/null | grep -E '^(xen_version|virt_caps|nr_cpus|total_memory|free_memory|xen_scheduler)' |
    sed 's/^/LAB-INFO /'

# New kernel reports of crashed programs since line $1 of dmesg.
crash_reports() {
    dmesg | sed -n "$(($1 + 1)),\$p" |
        grep -E 'segfault at|general protection|trap invalid opcode|trap divide error|potentially unexpected fatal signal|Code: |Comm: ' |
        sed 's/^\[[ 0-9.]*\] //'
}

# Every domain but dom0 destroyed, every leftover of the attempt ended
# (a few rounds: a domain half-way through a restart or a migration may
# appear after the first look).
cleanup() {
    kill -KILL -- "-$1" 2>/dev/null
    for _ in 1 2 3 4 5; do
        ds=$(xl list 2>/dev/null | awk 'NR > 1 && $2 != 0 { print $2 }')
        [ -z "$ds" ] && break
        for d in $ds; do
            xl destroy "$d" >/dev/null 2>&1
        done
        sleep 1
    done
    [ -z "$ds" ] || echo "LAB-LOG cleanup: domains $ds survive xl destroy"
}

# Guest triple faults Xen reported that were not there at the start (mark:
# the earlier list).  A triple fault of a guest that was only running
# (never restored: listed in $W/sources) is the emulator's: under TCG a
# PVH guest with log-dirty on was seen to die so with the stock helper as
# well as ours.  One of a restored domain is ours to explain.
guest_faults() {
    xl dmesg 2>/dev/null | grep 'Triple fault' | sort > "$2.now"
    # (busybox grep -v -f with an empty pattern file prints nothing)
    { if [ -s "$2" ]; then grep -v -x -F -f "$2" "$2.now"; else cat "$2.now"; fi; } |
    while read -r line; do
        d=$(echo "$line" | sed -n 's/.*(XEN) d\([0-9]*\)v.*/\1/p')
        if grep -qx "$d" "$1/sources" 2>/dev/null; then
            echo "guest dom $d triple-faulted as a migration source: $line" >> "$1/crashes"
        else
            echo "LAB-LOG a restored guest (dom $d) triple-faulted: $line"
        fi
    done
}

# A failed attempt's work directory, minus guest images, to the console.
archive() {
    echo "LAB-ARCHIVE $1 attempt=$2 BEGIN"
    xl dmesg > "$3/xl-dmesg.log" 2>&1
    dmesg > "$3/dmesg.log" 2>&1
    cp /var/log/xen/*.log /var/log/xen/console/*.log "$3/" 2>/dev/null
    # guest images out, big logs cut to their end (busybox tar has no -T)
    rm -f "$3"/*.save "$3/initrd"
    for f in $(find "$3" -type f -size +2048k); do
        tail -c 1048576 "$f" > "$f.tail" && rm -f "$f"
    done
    tar -C "$3" -czf - . 2>/dev/null | base64
    echo "LAB-ARCHIVE $1 attempt=$2 END"
}

toolstack_ok() { xenstore-read /local/domain/0/name >/dev/null 2>&1 && xl list >/dev/null 2>&1; }

run_scenario() {
    s=$1 attempt=1
    name=${s#*/} type=${s%%/*}
    if [ ! -f "/lab/scenarios/$name.sh" ]; then
        echo "LAB-RESULT $s FAIL 0 attempts=0 no such scenario"
        return
    fi
    while :; do
        W=/tmp/lab/$(echo "$s" | tr / _)-$attempt
        mkdir -p "$W"
        mark=$(dmesg | wc -l)
        xl dmesg 2>/dev/null | grep 'Triple fault' | sort > "$W/faults-before"
        echo "LAB-BEGIN $s attempt=$attempt"
        t0=$(now)
        # its own session, so that a timeout ends every process it started
        W=$W LAB_SCENARIO=$s LAB_TYPE=$type setsid sh -c \
            '. /lab/lab-lib.sh; . "/lab/scenarios/$0.sh"' "$name" > "$W/out" 2>&1 &
        pid=$!
        timed_out=0
        while kill -0 "$pid" 2>/dev/null; do
            if awk -v a="$t0" -v b="$(now)" -v t="$TIMEOUT" 'BEGIN { exit !(b - a > t) }'; then
                timed_out=1
                break
            fi
            sleep 1
        done
        [ "$timed_out" = 1 ] || wait "$pid"
        t1=$(now)
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }')
        grep -E '^LAB-(LOG|TABLE)' "$W/out"
        cleanup "$pid"
        if [ "$timed_out" = 1 ]; then
            verdict="FAIL timed out after ${TIMEOUT}s"
            tail -n 20 "$W/out" | sed 's/^/LAB-LOG   | /'
        elif [ -s "$W/verdict" ]; then
            verdict=$(cat "$W/verdict")
        else
            verdict="FAIL the scenario ended without a verdict"
            tail -n 20 "$W/out" | sed 's/^/LAB-LOG   | /'
        fi
        crash_reports "$mark" > "$W/dmesg-crashes"
        guest_faults "$W" "$W/faults-before"
        cat "$W/crashes" "$W/dmesg-crashes" 2>/dev/null | sed "s|^|LAB-CRASH $s attempt=$attempt |"
        crashed=0
        [ -s "$W/crashes" ] || [ -s "$W/dmesg-crashes" ] && crashed=1
        word=${verdict%% *}
        # failures, what a scenario asks to keep (the benchmark's logs), and
        # everything with lab_archive=all (--dom0-arg lab_archive=all)
        if [ "$word" = FAIL ] || [ -f "$W/archive" ] || [ "$(arg lab_archive)" = all ]; then
            archive "$s" "$attempt" "$W"
        fi
        detail=${verdict#* }
        [ "$detail" = "$verdict" ] && detail=
        if [ "$word" = FAIL ] && [ "$crashed" = 0 ] && [ -f "$W/setup-failed" ] &&
                [ "$attempt" -le "$RETRIES" ]; then
            echo "LAB-RETRY $s attempt=$attempt the test guest did not come up, before any migration ($(cat "$W/setup-failed"))"
            attempt=$((attempt + 1))
            toolstack_ok || { echo "LAB-FATAL the toolstack is gone after $s"; exit 1; }
            continue
        fi
        if [ "$word" = FAIL ] && [ "$crashed" = 1 ] && [ "$attempt" -le "$RETRIES" ]; then
            what=$(cat "$W/crashes" 2>/dev/null | head -n 1)
            [ -n "$what" ] || what=$(grep -m1 -E 'segfault|fatal signal|general protection|invalid opcode' "$W/dmesg-crashes")
            echo "LAB-RETRY $s attempt=$attempt a program crashed ($what); the failure was: $detail"
            attempt=$((attempt + 1))
            toolstack_ok || { echo "LAB-FATAL the toolstack is gone after $s"; exit 1; }
            continue
        fi
        if [ "$word" = FAIL ] && [ "$crashed" = 1 ]; then
            detail="$detail (a program crashed on each of $attempt attempts)"
        elif [ "$word" = PASS ] && [ "$crashed" = 1 ]; then
            detail="$detail (a program crashed but the scenario passed)"
        fi
        echo "LAB-RESULT $s $word $secs attempts=$attempt $detail"
        toolstack_ok || { echo "LAB-FATAL the toolstack is gone after $s"; exit 1; }
        return
    done
}

mkdir -p /tmp/lab
for s in $SCENARIOS; do
    run_scenario "$s"
done
