/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The owner's hands on the domain's scheduler: per-vCPU run shares applied
 * through the lever the scheduler offers (policy/actuator.h: budgets on
 * RTDS and the simulator, affinity packing on credit/credit2, the domain
 * cap as the last resort), every original value recorded with the
 * guardian before its first change and put back by cvg_levers_release()
 * -- or by the guardian, should the owner die first.
 */
#ifndef CVG_LIB_LEVERS_H
#define CVG_LIB_LEVERS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "guardian/guard.h"
#include "hv/hv.h"
#include "policy/actuator.h"

#define CVG_LEVERS_PERIOD_US 10000u     /* credit2's cap period, the simulator's slice */

struct cvg_levers {
    struct cvg_hv *hv;
    struct cvg_guard *guard;    /* NULL: unguarded (tests) */
    uint32_t domid;
    uint32_t n;
    enum cvg_lever lever;
    uint32_t nr_pcpus;
    uint32_t orig_cap, cur_cap;
    bool cap_saved, cap_changed;
    uint32_t orig_period[CVG_ACT_MAX_VCPUS], orig_budget[CVG_ACT_MAX_VCPUS];
    uint32_t cur_period[CVG_ACT_MAX_VCPUS], cur_budget[CVG_ACT_MAX_VCPUS];
    bool budget_saved[CVG_ACT_MAX_VCPUS], budget_changed[CVG_ACT_MAX_VCPUS];
    uint64_t orig_aff[CVG_ACT_MAX_VCPUS], cur_aff[CVG_ACT_MAX_VCPUS];
    bool aff_saved[CVG_ACT_MAX_VCPUS], aff_changed[CVG_ACT_MAX_VCPUS];
};

/* Picks the lever from the domain's scheduler. */
int cvg_levers_init(struct cvg_levers *l, struct cvg_hv *hv, struct cvg_guard *guard,
                    uint32_t domid, uint32_t nr_vcpus, struct cvg_err *err);

/*
 * share[v]: run share vCPU v may have (1 = free); u0[v]: CPU-s per s it
 * uses unthrottled (NULL: 1).  effective[v] (may be NULL): the share each
 * is expected to get on this lever.  Levers no longer needed go back.
 */
int cvg_levers_apply(struct cvg_levers *l, const double *share, const double *u0,
                     double *effective, struct cvg_err *err);

/* Every setting back as it was, and released with the guardian.  Safe to
 * call more than once; a failure is reported and the rest still tried. */
int cvg_levers_release(struct cvg_levers *l, struct cvg_err *err);

bool cvg_levers_changed(const struct cvg_levers *l);

#endif
