# qemu.sh: boot Xen + dom0 under QEMU (TCG) and follow the serial console.
# Sourced by run-lab.
#
# QEMU runs under nice -n 10 (other builds on the machine keep a core) and
# with a parent-death signal, and every exit path of run-lab kills it: no
# QEMU outlives the lab.

LAB_QEMU_PID=

lab_qemu_stop() {
    [ -n "$LAB_QEMU_PID" ] || return 0
    kill "$LAB_QEMU_PID" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$LAB_QEMU_PID" 2>/dev/null || break
        sleep 0.5
    done
    kill -9 "$LAB_QEMU_PID" 2>/dev/null
    wait "$LAB_QEMU_PID" 2>/dev/null
    LAB_QEMU_PID=
}

# lab_boot LOG DOM0_CMDLINE TIMEOUT: boots, prints the LAB lines as they
# come, returns when dom0 says LAB-DONE, QEMU exits, Xen panics or TIMEOUT
# seconds pass.  0: LAB-DONE seen; 1: the VM died or hung first.
lab_boot() {
    local log=$1 dom0cmd=$2 timeout=$3 xencmd t0 shown=0 n rc=1 qemu
    xencmd="console=com1 com1=115200,8n1 dom0_mem=${LAB_DOM0_MEM}M,max:${LAB_DOM0_MEM}M"
    xencmd="$xencmd dom0_max_vcpus=$LAB_SMP loglvl=all guest_loglvl=all conring_size=1M"
    # Eager FPU switching: with Xen's default (lazy, on AMD) dom0 programs
    # crash at random while a guest runs, because QEMU's TCG lets AVX
    # instructions run with CR0.TS set instead of raising #NM, so they use
    # another context's vector registers (README.md, "emulator crashes").
    xencmd="$xencmd spec-ctrl=eager-fpu$LAB_XEN_ARGS"
    # QEMU splits -initrd at commas (the multiboot module list): none inside
    case "$dom0cmd" in *,*) lab_say "comma in the dom0 command line: $dom0cmd"; return 1 ;; esac
    qemu=(qemu-system-x86_64 -accel "$LAB_ACCEL" -cpu "$LAB_CPU"
          -smp "$LAB_SMP" -m "$LAB_RAM" -machine pc -display none -no-reboot -net none
          -kernel "$LAB_BASE/xen.elf" -append "$xencmd"
          -initrd "$LAB_BASE/vmlinuz $dom0cmd,$LAB_CACHE/dom0.cpio.gz")
    local pdeath=()
    setpriv --help 2>/dev/null | grep -q pdeathsig && pdeath=(setpriv --pdeathsig KILL)
    if [ "$LAB_SHELL" = 1 ]; then
        nice -n 10 "${pdeath[@]}" "${qemu[@]}" -serial mon:stdio
        return 0
    fi
    : > "$log"
    nice -n 10 "${pdeath[@]}" "${qemu[@]}" -serial "file:$log" -monitor none &
    LAB_QEMU_PID=$!
    t0=$(date +%s)
    while :; do
        sleep 2
        n=$(wc -l < "$log")
        if [ "$n" -gt "$shown" ]; then
            sed -n "$((shown + 1)),${n}p" "$log" | tr -d '\r' |
                grep -a -E 'LAB-|Panic on CPU|Kernel panic|\(XEN\) \*\*\*\*' |
                sed 's/^.*\(LAB-[A-Z]*\)/\1/' | lab_show_line
            shown=$n
        fi
        if grep -a -q '^LAB-DONE\|LAB-DONE' "$log"; then rc=0; break; fi
        if grep -a -q -E 'Panic on CPU|Reboot in five seconds|Kernel panic - not syncing' "$log"; then
            sleep 3     # the rest of the panic message
            lab_say "Xen or dom0 panicked"
            break
        fi
        if ! kill -0 "$LAB_QEMU_PID" 2>/dev/null; then
            lab_say "QEMU exited before dom0 was done"
            break
        fi
        if [ $(( $(date +%s) - t0 )) -gt "$timeout" ]; then
            lab_say "timeout: no LAB-DONE after ${timeout}s"
            break
        fi
    done
    # dom0 powers off after LAB-DONE; give it a moment, then make sure
    for _ in $(seq 20); do kill -0 "$LAB_QEMU_PID" 2>/dev/null || break; sleep 0.5; done
    lab_qemu_stop
    tr -d '\r' < "$log" > "$log.tmp" && mv "$log.tmp" "$log"
    return $rc
}
