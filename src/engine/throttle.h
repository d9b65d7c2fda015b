/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The convergence policy in real time: feeds the policy layer (policy.h)
 * with what the hypervisor shows (stats-only PEEKs, domain and vCPU run
 * time) at its decision points, and applies its throttle through the lever
 * the scheduler offers (actuator.h): per-vCPU budgets (RTDS, simulator),
 * affinity packing (credit/credit2), or the domain cap.
 *
 * Every setting it overwrites is saved first (and announced to the
 * guardian through the record hook, so that a SIGKILLed helper still gets
 * them back) and restored by cvg_throttle_release() on every exit path.
 */
#ifndef CVG_ENGINE_THROTTLE_H
#define CVG_ENGINE_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "config/tunables.h"
#include "hv/hv.h"
#include "policy/policy.h"
#include "policy/stop_rule.h"

/* What the throttle is about to change, for the guardian's ledger. */
enum cvg_throttle_setting {
    CVG_SETTING_CAP,            /* value: the original cap */
    CVG_SETTING_BUDGET,         /* vcpu; value: period_us << 32 | budget_us */
    CVG_SETTING_AFFINITY,       /* vcpu; value: the original cpumap word 0 */
};

struct cvg_throttle_hooks {
    /* Called once per setting before its first change; non-zero vetoes it. */
    int (*record)(void *opaque, enum cvg_throttle_setting what, uint32_t vcpu,
                  uint64_t value);
    void *opaque;
};

struct cvg_throttle;

/* A file to append a CSV line per policy step to (policy/trace.h); the
 * tunables' parser lets it through as another component's variable
 * (CVG_TUNABLES_ENV_OTHER). */
#define CVG_POLICY_TRACE_ENV "XENCONVERGE_POLICY_TRACE"

int cvg_throttle_init(struct cvg_throttle **t, struct cvg_hv *hv, uint32_t domid,
                      const struct cvg_tunables *tun, const struct cvg_stop_params *stop,
                      const struct cvg_throttle_hooks *hooks, struct cvg_err *err);

/*
 * Between batches: samples when due (a stats-only PEEK and the run times),
 * lets the policy step and applies its throttle.  *refresh is set when the
 * policy wants the dirty picture refreshed now (the engine CLEANs into a
 * scratch bitmap, merges it into the next pass's set and calls
 * cvg_throttle_refreshed).  *decision is CVG_ABORT when the policy gives up
 * mid-pass (max_time with on_timeout=abort), else CVG_CONTINUE.
 */
int cvg_throttle_poll(struct cvg_throttle *t, const struct cvg_mig_stats *st,
                      uint64_t pass_dirty_pages, bool *refresh,
                      enum cvg_decision *decision, struct cvg_err *err);
int cvg_throttle_refreshed(struct cvg_throttle *t, const struct cvg_mig_stats *st,
                           uint64_t clean_count, uint64_t pass_dirty_pages,
                           struct cvg_err *err);

/* After the CLEAN that ended a pass (clean_count: what it returned). */
int cvg_throttle_pass_end(struct cvg_throttle *t, const struct cvg_mig_stats *st,
                          uint64_t clean_count, struct cvg_stop_verdict *v,
                          struct cvg_err *err);

/* Every setting back as it was.  Safe to call more than once. */
int cvg_throttle_release(struct cvg_throttle *t, struct cvg_err *err);
void cvg_throttle_free(struct cvg_throttle *t);

uint32_t cvg_throttle_max_pct(const struct cvg_throttle *t);
uint32_t cvg_throttle_current_pct(const struct cvg_throttle *t);
const char *cvg_throttle_lever(const struct cvg_throttle *t);
uint64_t cvg_throttle_eta_ms(const struct cvg_throttle *t);

#endif
