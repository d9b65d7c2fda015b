# build.sh: build xen-converge for the lab's dom0 and install it into a
# staging tree.  Sourced by run-lab.
#
# Its own build directory, configured for /usr like a package, without
# sanitizers (ASan's shadow memory and runtime have no place in a 768 MiB
# dom0, and the lab must time the code that ships).  The binaries link the
# Xen libraries dynamically: the dom0 image carries the same Debian 4.17
# packages they were built against (image.sh checks every library resolves).

lab_build() {
    local top=$1 builddir=$2 stage=$3

    "$top/tools/setup" --build-dir "$builddir" --no-build \
        --prefix=/usr --sysconfdir=/etc --localstatedir=/var >/dev/null ||
        return 1
    # -j2: the machine is shared (and CI has two cores)
    make -C "$builddir" -s -j2 all >"$builddir/lab-make.log" 2>&1 || {
        tail -n 30 "$builddir/lab-make.log"
        return 1
    }
    rm -rf "$stage"
    make -C "$builddir" -s install DESTDIR="$stage" >>"$builddir/lab-make.log" 2>&1 || {
        tail -n 30 "$builddir/lab-make.log"
        return 1
    }
}
