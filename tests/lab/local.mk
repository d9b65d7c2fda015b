# The lab tier: xen-converge on real Xen 4.17 under QEMU (tests/lab/README.md).
# Not part of `make check`: it needs root, ~2.5 GiB of RAM, network access
# to a Debian mirror and minutes.  It builds its own tree (build-lab/,
# without sanitizers) from the source directory.
#   make lab        the PVH scenarios (what CI runs)
#   make lab-bench  the PVH scenarios and the benchmark (stock vs --converge)
#   make lab-full   every scenario, PVH and HVM, and the benchmark
.PHONY: lab lab-bench lab-full
lab:
	$(abs_top_srcdir)/tests/lab/run-lab
lab-bench:
	$(abs_top_srcdir)/tests/lab/run-lab --bench
lab-full:
	$(abs_top_srcdir)/tests/lab/run-lab --full

EXTRA_DIST += tests/lab/run-lab tests/lab/README.md tests/lab/lib/build.sh \
	tests/lab/lib/fetch.sh tests/lab/lib/image.sh tests/lab/lib/packages.sh \
	tests/lab/lib/qemu.sh tests/lab/dom0/init tests/lab/dom0/runner.sh \
	tests/lab/dom0/lab-lib.sh tests/lab/dom0/scenarios/bench.sh \
	tests/lab/dom0/scenarios/compat-ours-stock.sh \
	tests/lab/dom0/scenarios/compat-stock-ours.sh \
	tests/lab/dom0/scenarios/converge.sh tests/lab/dom0/scenarios/kill-helper.sh \
	tests/lab/dom0/scenarios/migrate.sh tests/lab/dom0/scenarios/save-restore.sh \
	tests/lab/dom0/scenarios/crash-probe.sh tests/lab/dom0/scenarios/migrate-loop.sh
