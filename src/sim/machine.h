/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated host: its pCPUs, the table of domains, and the scheduler
 * thread that every 10 ms recomputes every vCPU's share of a pCPU
 * (sim/sched.h) and applies due workload phases.  One per daemon.
 */
#ifndef CVG_SIM_MACHINE_H
#define CVG_SIM_MACHINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "sim/domain.h"

#define SIMD_DEFAULT_PCPUS 64u
#define SIMD_DOMID_FIRST   1u
#define SIMD_DOMID_LIMIT   0x7ff0u      /* DOMID_FIRST_RESERVED */

struct simd_machine {
    uint32_t nr_pcpus;
    pthread_mutex_t lock;
    pthread_cond_t cond;                /* wakes the scheduler to stop */
    struct simd_domain *doms[CVG_SIM_MAX_DOMAINS];
    uint32_t nr_doms;
    uint32_t next_domid;
    bool stop;
    bool started;
    pthread_t sched;
};

int simd_machine_init(struct simd_machine *m, uint32_t nr_pcpus, struct cvg_err *err);
int simd_machine_start(struct simd_machine *m, struct cvg_err *err);
/* Stops the scheduler and destroys every domain. */
void simd_machine_fini(struct simd_machine *m);

/* Gives d a domid, starts its vCPUs and takes over the caller's reference. */
int simd_machine_add(struct simd_machine *m, struct simd_domain *d, uint32_t *domid,
                     struct cvg_err *err);
/* A new reference to domain domid, or -ESRCH. */
int simd_machine_get(struct simd_machine *m, uint32_t domid, struct simd_domain **d,
                     struct cvg_err *err);
/* Removes domid from the table, stops its vCPUs, drops the table's reference. */
int simd_machine_destroy(struct simd_machine *m, uint32_t domid, struct cvg_err *err);
/* References to every domain, in domid order; *n of them. */
int simd_machine_list(struct simd_machine *m, struct simd_domain ***doms, uint32_t *n,
                      struct cvg_err *err);

/* One scheduler step (the thread calls it each period; tests may too). */
void simd_machine_schedule(struct simd_machine *m, uint64_t now_ns);

#endif
