/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A real converge-simd for a test: started on a fresh socket in /tmp, reached through the real hv back end, stopped with SIGTERM and
 * required to exit cleanly (status 0: no sanitizer report, no leak).  The
 * daemon gets SIGTERM by PR_SET_PDEATHSIG if the test process dies (Check
 * _exit()s a failed test without teardown), so a test that fails half-way
 * leaves neither a daemon nor a socket behind.
 */
#ifndef CVG_TESTS_SIM_HARNESS_H
#define CVG_TESTS_SIM_HARNESS_H

#include <stdint.h>
#include <sys/types.h>

#include "hv/sim_client.h"

struct simd_proc {
    pid_t pid;
    char sock[128];
};

/* Starts the daemon and waits (up to 10 s) until it answers. */
void harness_start(struct simd_proc *p);
/* SIGTERM, wait, check the exit status (0), remove the socket. */
void harness_stop(struct simd_proc *p);

struct cvg_hv *harness_hv(const struct simd_proc *p);
void harness_close(struct cvg_hv *hv);

/* Creates a domain from scenario text; fails the test on error. */
uint32_t harness_create(struct cvg_hv *hv, const char *scenario);

/* A scenario with the required keys and the given memory, vCPUs and workload
 * list body (e.g. "\"vcpus=0,pattern=uniform,rate=20\""). */
const char *harness_scenario(char *buf, size_t len, unsigned memory_mib, unsigned vcpus,
                             const char *workload, const char *extra);

uint64_t harness_now_ns(void);
void harness_sleep_ms(unsigned ms);

/* Work done by each vCPU over ms milliseconds (from truth snapshots). */
void harness_work_over(struct cvg_hv *hv, uint32_t domid, unsigned ms, uint64_t *work,
                       uint64_t *cpu_ns, uint32_t nr_vcpus, double *elapsed_s);

#endif
