# image.sh: the lab's boot images.  Sourced by run-lab.
#
#   base    Xen, the dom0/guest kernel and a dom0 root from Debian packages
#           (busybox userland, the Xen toolstack, its libraries, the Xen
#           driver modules): cached, rebuilt when the packages change
#   overlay xen-converge as `make install` stages it, the lab's dom0 scripts
#           and the libraries our programs need beyond the base: every run
#
# dom0's initramfs is the two cpio archives back to back (the kernel
# unpacks concatenated archives in order, later files win), so a run only
# packs the few MB that change.

LAB_BB=        # busybox of the base (the host may have no cpio)

# Archive a directory as gzip'd newc cpio.
lab_cpio() { (cd "$1" && find . | "$LAB_BB" cpio -o -H newc 2>/dev/null | gzip -1) > "$2"; }

# A busybox root: the applets as symlinks.
lab_busybox_root() {
    local r=$1 a
    mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,etc,root}
    cp "$LAB_BB" "$r/bin/busybox"
    for a in $("$LAB_BB" --list); do
        [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
    done
}

# lab_image_base CACHE DEBDIR KERNEL_PKG WANT_HVM: sets LAB_BASE (a
# directory holding root/, base.cpio.gz, xen.elf, vmlinuz) and LAB_KVER.
lab_image_base() {
    local cache=$1 debs=$2 kpkg=$3 hvm=$4 pkgs p key dir ex r m km
    pkgs="$LAB_PKGS $kpkg"
    [ "$hvm" = 1 ] && pkgs="$pkgs $LAB_HVM_PKGS"
    LAB_KVER=${kpkg#linux-image-}
    key=$( (for p in $pkgs; do basename "$(lab_deb "$debs" "$p")"; done | sort
            cat "$LAB_DIR/lib/image.sh" "$LAB_DIR/lib/packages.sh") | sha256sum | cut -c1-12)
    dir=$cache/base-$([ "$hvm" = 1 ] && echo hvm || echo pvh)-$key
    LAB_BASE=$dir
    LAB_BB=$dir/root/bin/busybox
    if [ -f "$dir/done" ]; then
        return 0
    fi
    lab_say "building the base image ($(echo $pkgs | wc -w) packages) in $dir"
    rm -rf "$cache"/base-"$([ "$hvm" = 1 ] && echo hvm || echo pvh)"-*
    ex=$dir/extract
    r=$dir/root
    mkdir -p "$ex" "$r"
    for p in $pkgs; do
        dpkg -x "$(lab_deb "$debs" "$p")" "$ex" || return 1
    done
    LAB_BB=$ex/bin/busybox
    [ -x "$LAB_BB" ] || { lab_say "busybox-static has no /bin/busybox"; return 1; }
    zcat "$ex/boot/xen-4.17-amd64.gz" > "$dir/xen.elf"      # multiboot wants the ELF
    cp "$ex/boot/vmlinuz-$LAB_KVER" "$dir/vmlinuz"

    lab_busybox_root "$r"
    LAB_BB=$r/bin/busybox
    mkdir -p "$r"/{lib,lib64,usr/lib/x86_64-linux-gnu,var/lib/xen,var/log/xen,guest,lab}
    ln -s ../run "$r/var/run"
    # libraries from the downloaded packages, never the host's
    cp -a "$ex/lib64/." "$r/lib64/"
    cp -a "$ex/lib/x86_64-linux-gnu" "$r/lib/"
    (cd "$ex/usr/lib/x86_64-linux-gnu" &&
        find . -maxdepth 1 -name '*.so*' -exec cp -a {} "$r/usr/lib/x86_64-linux-gnu/" \;)
    # the toolstack: xl, xenstored, xenconsoled, libxl-save-helper, ...
    mkdir -p "$r/usr/lib/xen-4.17"
    cp -a "$ex/usr/lib/xen-4.17/bin" "$ex/usr/lib/xen-4.17/boot" "$r/usr/lib/xen-4.17/"
    cp -a "$ex/usr/bin/"xenstore* "$r/usr/bin/"
    cp -a "$ex/etc/xen" "$r/etc/"
    km=lib/modules/$LAB_KVER/kernel/drivers/xen
    for m in $LAB_XEN_MODULES; do
        mkdir -p "$r/$km/$(dirname "$m")"
        cp "$ex/$km/$m.ko" "$r/$km/$m.ko" || return 1
    done
    cp "$dir/vmlinuz" "$r/guest/vmlinuz"      # the guests boot dom0's kernel
    echo "root:x:0:0:root:/root:/bin/sh" > "$r/etc/passwd"
    echo "root:x:0:" > "$r/etc/group"
    if [ "$hvm" = 1 ]; then
        # qemu-xen where libxl looks for it, firmware and option ROMs
        mkdir -p "$r/usr/libexec" "$r/usr/share/seabios" "$r/usr/share/qemu"
        cp -a "$ex/usr/libexec/xen-qemu-system-i386" "$r/usr/libexec/"
        cp -a "$ex/usr/share/seabios/bios-256k.bin" "$ex/usr/share/seabios/"vgabios-*.bin \
            "$r/usr/share/seabios/"
        cp -aL "$ex/usr/share/qemu/"{linuxboot.bin,linuxboot_dma.bin,kvmvapic.bin,keymaps} \
            "$r/usr/share/qemu/"
        ln -s ../../../libexec/xen-qemu-system-i386 "$r/usr/lib/xen-4.17/bin/qemu-system-i386-dm"
    fi
    for p in xl xenstored xenconsoled xen-init-dom0 libxl-save-helper xenconsole \
             $([ "$hvm" = 1 ] && echo qemu-system-i386-dm); do
        lab_check_libs "$r" "$r/usr/lib/xen-4.17/bin/$p" || return 1
    done
    lab_cpio "$r" "$dir/base.cpio.gz"
    rm -rf "$ex"
    touch "$dir/done"
}

# lab_missing_libs ROOT ELF: the libraries ELF needs that ROOT lacks, one
# per line ("NAME"), resolved by ROOT's own dynamic loader.
lab_missing_libs() {
    local root=$1 f=$2 lp
    lp="$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu"
    "$root/lib64/ld-linux-x86-64.so.2" --inhibit-cache --library-path "$lp" --list "$f" |
        awk -v r="$root" '/not found/ { print $1; next } /=>/ && index($3, r) != 1 { print $1 }'
}

lab_check_libs() {
    local miss
    miss=$(lab_missing_libs "$1" "$2") || { lab_say "cannot resolve the libraries of $2"; return 1; }
    [ -z "$miss" ] && return 0
    lab_say "$2 needs libraries the dom0 root lacks: $(echo $miss)"
    return 1
}

# Dynamically linked ELF executables and libraries under a directory.
lab_dynamic_elfs() {
    find "$1" -type f \( -perm -u+x -o -name '*.so*' \) | while read -r f; do
        readelf -d "$f" 2>/dev/null | grep -q '(NEEDED)' && echo "$f"
    done
}

# lab_image_overlay CACHE STAGE: packs CACHE/overlay.cpio.gz from the
# staged install, the lab's dom0 scripts and the host libraries our
# programs need that the base lacks (json-c, libcrypto: same Debian
# release, the ones the build linked against).
lab_image_overlay() {
    local cache=$1 stage=$2 ov=$1/overlay merged f lib src
    rm -rf "$ov"
    mkdir -p "$ov/lab/scenarios" "$ov/usr/lib/x86_64-linux-gnu"
    cp -a "$stage/." "$ov/"
    install -m 755 "$LAB_DIR/dom0/init" "$ov/init"
    install -m 644 "$LAB_DIR/dom0/runner.sh" "$LAB_DIR/dom0/lab-lib.sh" "$ov/lab/"
    install -m 644 "$LAB_DIR"/dom0/scenarios/*.sh "$ov/lab/scenarios/"
    # resolve against base + overlay together: what dom0 will see
    merged=$cache/merged-libs
    rm -rf "$merged"
    mkdir -p "$merged/lib/x86_64-linux-gnu" "$merged/usr/lib/x86_64-linux-gnu" "$merged/lib64"
    cp -a "$LAB_BASE/root/lib64/." "$merged/lib64/"
    cp -a "$LAB_BASE/root/lib/x86_64-linux-gnu/." "$merged/lib/x86_64-linux-gnu/"
    cp -a "$LAB_BASE/root/usr/lib/x86_64-linux-gnu/." "$merged/usr/lib/x86_64-linux-gnu/"
    for f in $(lab_dynamic_elfs "$ov"); do
        for lib in $(lab_missing_libs "$merged" "$f"); do
            src=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ { print $NF; exit }')
            [ -n "$src" ] || { lab_say "$f needs $lib, found neither in dom0 nor on the host"; return 1; }
            cp -L "$src" "$ov/usr/lib/x86_64-linux-gnu/$lib"
            cp -L "$src" "$merged/usr/lib/x86_64-linux-gnu/$lib"
        done
        lab_check_libs "$merged" "$f" || return 1
    done
    rm -rf "$merged"
    lab_cpio "$ov" "$cache/overlay.cpio.gz"
    cat "$LAB_BASE/base.cpio.gz" "$cache/overlay.cpio.gz" > "$cache/dom0.cpio.gz"
}
