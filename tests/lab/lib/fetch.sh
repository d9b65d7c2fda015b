# fetch.sh: download the Debian packages of the lab's dom0 into the cache
# with apt-get download (the mirrors apt is configured for; nothing is
# installed).  Sourced by run-lab.

# The real kernel package behind linux-image-amd64 (apt-cache may need an
# update on a fresh machine).
lab_kernel_pkg() {
    local k
    k=$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    if [ -z "$k" ]; then
        apt-get update -qq >/dev/null 2>&1
        k=$(apt-cache depends linux-image-amd64 2>/dev/null |
            awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    fi
    [ -n "$k" ] && echo "$k"
}

# lab_fetch DEBDIR PKG...: each package's .deb present in DEBDIR afterwards.
lab_fetch() {
    local dir=$1 p missing=
    shift
    mkdir -p "$dir"
    for p in "$@"; do
        ls "$dir/${p}"_*.deb >/dev/null 2>&1 || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    lab_say "apt-get download:$missing"
    # (apt warns that _apt cannot write to a root-owned directory: harmless)
    (cd "$dir" && apt-get download $missing 2>&1 |
        grep -v -e unsandboxed -e '^Get:' -e '^Fetched' || true)
    for p in $missing; do
        ls "$dir/${p}"_*.deb >/dev/null 2>&1 || {
            lab_say "download of $p failed"
            return 1
        }
    done
}

# The .deb of a package in DEBDIR (the newest, if several versions piled up).
lab_deb() { ls "$1/${2}"_*.deb | sort -V | tail -n 1; }
