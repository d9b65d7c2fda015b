# Debian bookworm packages the lab's dom0 is made of (apt-get download,
# dpkg -x; nothing is installed on the host).  Sourced by run-lab.

# Xen 4.17 (hypervisor, toolstack, libraries), busybox for a userland, and
# the kernel: dom0's and the guests'.  The kernel package is resolved from
# the linux-image-amd64 metapackage at run time.
LAB_PKGS="xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common xenstore-utils
      libxenmisc4.17 libxencall1 libxenevtchn1 libxenforeignmemory1 libxengnttab1
      libxenstore4 libxentoollog1 libxentoolcore1 libxendevicemodel1 libxenhypfs1
      libyajl2 libc6 libgcc-s1 liblzma5 libuuid1 zlib1g libzstd1
      busybox-static"

# HVM guests (type = "hvm") also need the qemu-xen device model, its
# libraries, SeaBIOS for hvmloader and qemu's option ROMs (~60 MB more).
LAB_HVM_PKGS="qemu-system-xen seabios qemu-system-data
      libdw1 libelf1 libfdt1 libffi8 libglib2.0-0 libgstreamer-plugins-base1.0-0
      libgstreamer1.0-0 libjpeg62-turbo liblz4-1 libopus0 liborc-0.4-0 libpcre2-8-0
      libpixman-1-0 libsasl2-2 libspice-server1 libssl3 libstdc++6 libudev1
      libunwind8 libusb-1.0-0 libbz2-1.0 libcap2 libgmp10 libselinux1 libmount1
      libblkid1"

# The Xen driver modules the toolstack needs (Debian builds them as modules).
LAB_XEN_MODULES="xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs/xenfs"
