# dom0-lib.sh: shell functions of the dom0 checks (migrate-check) and the
# lab's scenarios.  POSIX sh (dash, busybox ash); sourced, never run.
#
# A check guest runs memwriter as its /init: it writes one byte into each
# page of a buffer and prints "MW seq=N t_ms=T pages=P gap_ms=G maxgap_ms=M"
# lines on its console.  The console is read from the pty xenconsoled gives
# each domain (console/tty in xenstore), reattaching when a migration moves
# the guest to a new domain, so no console logging needs to be configured.
#
# Needs: xl, xenstore-read, stty, awk, sed, and memwriter next to this file
# (or $CVG_MEMWRITER).

CVG_LIBDIR=${CVG_LIBDIR:-$(dirname "$0")}
CVG_MEMWRITER=${CVG_MEMWRITER:-$CVG_LIBDIR/memwriter}
CVG_OUR_HELPER=${CVG_OUR_HELPER:-$CVG_LIBDIR/converge-helper}

# Seconds since boot with centiseconds: both dom0 timestamps of a run
# come from here, so a wall-clock step cannot distort a duration.
cvg_now() { cut -d' ' -f1 /proc/uptime; }
cvg_dt() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

cvg_domid() { xl domid "$1" 2>/dev/null; }

# The helper libxl runs when LIBXL_SAVE_HELPER is unset, and the stock one:
# a packaged xen-converge may have diverted the stock helper aside.
CVG_DEFAULT_HELPER=/usr/lib/xen-4.17/bin/libxl-save-helper
cvg_stock_helper() {
    for _cvg_h in "$CVG_DEFAULT_HELPER.stock" "$CVG_DEFAULT_HELPER.distrib" "$CVG_DEFAULT_HELPER"; do
        if [ -x "$_cvg_h" ] && ! cmp -s "$_cvg_h" "$CVG_OUR_HELPER"; then
            echo "$_cvg_h"
            return 0
        fi
    done
    return 1
}

# ---- the guest -----------------------------------------------------------

# cvg_guest_config NAME TYPE KERNEL INITRD MEM_MIB BUF_MIB RATE TSC_MODE > cfg
cvg_guest_config() {
    _cvg_n=$1 _cvg_t=$2 _cvg_k=$3 _cvg_i=$4 _cvg_m=$5 _cvg_b=$6 _cvg_r=$7 _cvg_tsc=$8
    _cvg_console="console=hvc0"
    [ "$_cvg_t" = hvm ] && _cvg_console="console=ttyS0 console=hvc0"
    cat <<EOF
name     = "$_cvg_n"
type     = "$_cvg_t"
kernel   = "$_cvg_k"
ramdisk  = "$_cvg_i"
extra    = "$_cvg_console quiet panic=-1 mw_mib=$_cvg_b mw_rate=$_cvg_r mw_interval_ms=200"
memory   = $_cvg_m
maxmem   = $_cvg_m
vcpus    = 1
on_crash = "preserve"
on_reboot = "destroy"
EOF
    [ -n "$_cvg_tsc" ] && echo "tsc_mode = \"$_cvg_tsc\""
    if [ "$_cvg_t" = hvm ]; then
        cat <<EOF
vga       = "none"
nographic = 1
vnc       = 0
serial    = "file:/var/log/xen/$_cvg_n-serial.log"
EOF
    fi
    return 0
}

# cvg_console_start NAME LOG: appends the guest's console to LOG until
# cvg_console_stop, following it across migrations.
cvg_console_start() {
    _cvg_cname=$1 _cvg_clog=$2
    CVG_CONSOLE_STOP=$(mktemp "${TMPDIR:-/tmp}/cvg-console-stop.XXXXXX")
    rm -f "$CVG_CONSOLE_STOP"
    (
        _cvg_cat=
        trap '[ -n "$_cvg_cat" ] && kill "$_cvg_cat" 2>/dev/null; exit 0' TERM
        while [ ! -e "$CVG_CONSOLE_STOP" ]; do
            _cvg_id=$(cvg_domid "$_cvg_cname") || { sleep 0.2; continue; }
            _cvg_tty=$(xenstore-read "/local/domain/$_cvg_id/console/tty" 2>/dev/null)
            if [ -z "$_cvg_tty" ] || [ ! -c "$_cvg_tty" ]; then
                sleep 0.2
                continue
            fi
            # raw, no echo: the guest's output must not come back as its input
            stty -F "$_cvg_tty" raw -echo 2>/dev/null
            # which domain the lines below come from: the first line of a
            # migration's new domain carries the switchover (cvg_mw_switchover)
            echo "CVG-CONSOLE dom=$_cvg_id" >> "$_cvg_clog"
            # ends when xenconsoled closes the pty (the domain went away);
            # in the background so that the TERM trap runs at once
            cat "$_cvg_tty" >> "$_cvg_clog" 2>/dev/null &
            _cvg_cat=$!
            wait "$_cvg_cat"
            _cvg_cat=
            sleep 0.1
        done
    ) </dev/null >/dev/null 2>&1 &
    CVG_CONSOLE_PID=$!
}

cvg_console_stop() {
    [ -n "${CVG_CONSOLE_PID:-}" ] || return 0
    : > "$CVG_CONSOLE_STOP"
    # the reader waits on its cat until the pty closes: its trap ends both
    kill -TERM "$CVG_CONSOLE_PID" 2>/dev/null
    wait "$CVG_CONSOLE_PID" 2>/dev/null
    rm -f "$CVG_CONSOLE_STOP"
    CVG_CONSOLE_PID=
}

# "seq t_ms pages gap_ms maxgap_ms bad" per memwriter line, each seq once,
# in order
cvg_mw_lines() {
    sed -n 's/.*MW seq=\([0-9]*\) t_ms=\([0-9]*\) pages=\([0-9]*\) gap_ms=\([0-9]*\) maxgap_ms=\([0-9]*\) bad=\([0-9]*\).*/\1 \2 \3 \4 \5 \6/p' "$1" 2>/dev/null |
        sort -n -u -k1,1
}

# Pages memwriter found holding a stale value (0: guest memory intact).
cvg_mw_bad() { cvg_mw_lines "$1" | awk '$6 > b { b = $6 } END { print b + 0 }'; }

# Highest seq seen so far (0 if none).
cvg_mw_last() { cvg_mw_lines "$1" | awk 'END { print NR ? $1 : 0 }'; }

# cvg_mw_wait LOG SEQ SECONDS: until a line with seq > SEQ shows up.
cvg_mw_wait() {
    _cvg_deadline=$(awk -v n="$(cvg_now)" -v s="$3" 'BEGIN { print n + s }')
    while :; do
        [ "$(cvg_mw_last "$1")" -gt "$2" ] && return 0
        awk -v n="$(cvg_now)" -v d="$_cvg_deadline" 'BEGIN { exit !(n > d) }' && return 1
        sleep 0.3
    done
}

# cvg_mw_ready LOG SECONDS: memwriter printed MW-READY (its first line).
cvg_mw_ready() {
    _cvg_i=0
    while [ "$_cvg_i" -lt "$2" ]; do
        grep -q 'MW-READY' "$1" 2>/dev/null && return 0
        sleep 1
        _cvg_i=$((_cvg_i + 1))
    done
    return 1
}

# cvg_mw_stall LOG FROM TO: the longest time the guest was kept from
# running between line FROM (exclusive) and TO (inclusive), in ms, as
# "MS LOST" (LOST: lines the console lost in between, 0 normally).  A lost
# line's own gap still shows when it raised maxgap_ms.
cvg_mw_stall() {
    cvg_mw_lines "$1" | awk -v from="$2" -v to="$3" '
        $1 <= from { pseq = $1; pmax = $5; next }
        $1 > to { exit }
        {
            c = $4
            if (pseq != "" && $1 != pseq + 1) { lost += $1 - pseq - 1; if ($5 > pmax && $5 > c) c = $5 }
            if (c > best) best = c
            pseq = $1; pmax = $5
        }
        END { printf "%d %d\n", best, lost }'
}

# cvg_mw_switchover LOG DOMID: the migration's downtime as the guest saw
# it, "MS LOST": the gap_ms of the first line the guest printed once it ran
# as domain DOMID (its interval spans the switchover; throttling earlier in
# the migration does not count).  LOST > 0: lines before it were lost, and
# MS is then the larger of its gap and a maxgap_ms raised in between.
# "- 0" when no such line is in LOG.
cvg_mw_switchover() {
    awk -v dom="$2" '
        /CVG-CONSOLE dom=/ { here = ($0 ~ ("CVG-CONSOLE dom=" dom "$")); next }
        !match($0, /MW seq=[0-9]+ t_ms=[0-9]+ pages=[0-9]+ gap_ms=[0-9]+ maxgap_ms=[0-9]+/) { next }
        {
            split(substr($0, RSTART, RLENGTH), f, /[ =]/)
            seq = f[3] + 0; gap = f[9] + 0; maxgap = f[11] + 0
            if (!here) { if (seq > pseq) { pseq = seq; pmax = maxgap }; next }
            if (seq <= pseq) next           # a line repeated by the console
            lost = (pseq != "" && seq > pseq + 1) ? seq - pseq - 1 : 0
            if (lost && maxgap > pmax && maxgap > gap) gap = maxgap
            printf "%d %d\n", gap, lost; found = 1; exit
        }
        END { if (!found) print "- 0" }' "$1" 2>/dev/null
}

# Pages/s the guest wrote between lines FROM and TO (exclusive, inclusive).
cvg_mw_rate() {
    cvg_mw_lines "$1" | awk -v from="$2" -v to="$3" '
        $1 == from { t0 = $2 }
        $1 > from && $1 <= to { p += $3; t1 = $2 }
        END { if (t1 > t0 && t0 != "") printf "%d\n", p * 1000 / (t1 - t0); else print 0 }'
}

# ---- migrations -------------------------------------------------------------

# The words in front of a receive command that put the stream through a
# link of $CVG_LINK_MIB_S MiB/s ("" when unset).
cvg_link() {
    [ -n "${CVG_LINK_MIB_S:-}" ] && echo "$CVG_LIBDIR/linkpipe $CVG_LINK_MIB_S "
    return 0
}

# The shell words that run xl with a given save helper ("" = libxl's default).
cvg_helper_env() {
    if [ -n "$1" ]; then echo "env LIBXL_SAVE_HELPER=$1"; else echo "env -u LIBXL_SAVE_HELPER"; fi
}

# cvg_migrate NAME SEND_HELPER RECV_HELPER OUT [SEND_ENV] [RECV_ENV]: live
# migration to localhost (xl runs the receiver through sh -c when the ssh
# command is ""), each side with its own helper and extra NAME=VALUE words
# of environment; xl's -vvv output of both sides goes to OUT.
# With CVG_LINK_MIB_S set, the stream goes through a link of that speed
# (linkpipe, beside this file).
cvg_migrate() {
    _cvg_rune="$(cvg_link)$(cvg_helper_env "$3") ${6:-} xl -vvv migrate-receive"
    # shellcheck disable=SC2046
    cvg_run_log "$4" $(cvg_helper_env "$2") ${5:-} xl -vvv migrate -s "" "$1" "$_cvg_rune"
}

# cvg_run_log OUT CMD...: CMD's stdout and stderr to OUT, its exit status
# returned.  With CVG_TS=1 and a `ts` (busybox, moreutils), every line of
# OUT starts with the time it was written: where a migration's time went.
cvg_run_log() {
    _cvg_out=$1
    shift
    if [ "${CVG_TS:-0}" = 1 ] && command -v ts >/dev/null; then
        { "$@" 2>&1; echo "cvg-exit $?"; } | ts '%.s' > "$_cvg_out"
        _cvg_rc=$(sed -n 's/^[0-9.]* cvg-exit \([0-9]*\)$/\1/p' "$_cvg_out" | tail -n 1)
        return "${_cvg_rc:-1}"
    fi
    "$@" > "$_cvg_out" 2>&1
}

# Passes converge-helper made, the final stop-and-copy included, from its
# decision lines ("pass N: ... stop-and-copy"); empty for the stock helper,
# whose progress xl does not print unless stderr is a terminal.
cvg_passes() {
    sed -n 's/.*info: pass \([0-9]*\): .*/\1/p' "$1" |
        sort -n | tail -n 1 | awk '{ print $1 + 2 }'
}

# Did the run say the migration succeeded?
cvg_migrate_ok() { grep -q 'Migration successful' "$1"; }

# Exit statuses of a crashed program (signal + 128): SEGV, ABRT, BUS, ILL, FPE.
cvg_is_crash_rc() {
    case "$1" in 139|134|135|132|136) return 0 ;; esac
    return 1
}
