/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "policy/actuator.h"
#include "policy/auto_converge.h"

#define FREE 0.999      /* a share at least this is "not throttled" */

static const char *const names[] = {
    [CVG_LEVER_BUDGET] = "budget",
    [CVG_LEVER_AFFINITY] = "affinity",
    [CVG_LEVER_CAP] = "cap",
};

const char *cvg_lever_name(enum cvg_lever l)
{
    return (unsigned)l < sizeof(names) / sizeof(names[0]) ? names[l] : "unknown";
}

int cvg_lever_parse(const char *s, enum cvg_lever *l)
{
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(s, names[i])) {
            *l = (enum cvg_lever)i;
            return 0;
        }
    return -EINVAL;
}

static double u0_of(const struct cvg_act_in *in, uint32_t v)
{
    return in->u0 ? in->u0[v] : 1.0;
}

static void budgets(const struct cvg_act_in *in, struct cvg_act_out *out)
{
    out->budgets = true;
    for (uint32_t v = 0; v < in->nr_vcpus; v++) {
        double s = in->share[v] < 0 ? 0 : (in->share[v] > 1 ? 1 : in->share[v]);
        uint32_t b = (uint32_t)lround(s * in->period_us);

        if (b < CVG_ACT_MIN_BUDGET_US)
            b = CVG_ACT_MIN_BUDGET_US;
        if (b > in->period_us)
            b = in->period_us;
        out->budget_us[v] = b;
        out->effective[v] = (double)b / in->period_us;
    }
}

/* Packs the throttled vCPUs; false when packing cannot express the shares. */
static bool pack(const struct cvg_act_in *in, struct cvg_act_out *out)
{
    uint32_t k = 0, m, busy_free = 0, p = in->nr_pcpus > 64 ? 64 : in->nr_pcpus;
    double need = 0;
    uint64_t all, packed;

    for (uint32_t v = 0; v < in->nr_vcpus; v++) {
        if (in->share[v] < FREE) {
            k++;
            need += in->share[v] * u0_of(in, v);
        } else if (u0_of(in, v) > 0.02) {
            busy_free++;
        }
    }
    m = (uint32_t)ceil(need - 1e-9);
    if (m < 1)
        m = 1;
    if (m >= k || m + busy_free > p)
        return false;
    all = p >= 64 ? ~0ull : (1ull << p) - 1;
    packed = ((1ull << m) - 1) << (p - m);
    out->affinity = true;
    for (uint32_t v = 0; v < in->nr_vcpus; v++) {
        if (in->share[v] < FREE) {
            out->cpumap[v] = packed;
            out->effective[v] = (double)m / k;
        } else {
            out->cpumap[v] = all & ~packed;
            out->effective[v] = 1;
        }
    }
    return true;
}

/* One cap for the domain: what the shares add up to, shared by everyone. */
static void cap(const struct cvg_act_in *in, struct cvg_act_out *out)
{
    double total = 0;
    uint32_t busy = 0;

    for (uint32_t v = 0; v < in->nr_vcpus; v++) {
        total += in->share[v] * u0_of(in, v);
        if (u0_of(in, v) > 0.02)
            busy++;
    }
    out->cap = (uint32_t)lround(total * 100);
    if (out->cap < 1)
        out->cap = 1;
    for (uint32_t v = 0; v < in->nr_vcpus; v++) {
        double each = busy ? total / busy : 1;

        out->effective[v] = each < 1 ? each : 1;
    }
}

enum cvg_lever cvg_actuate(enum cvg_lever preferred, const struct cvg_act_in *in,
                           struct cvg_act_out *out)
{
    bool any = false;
    uint32_t n = in->nr_vcpus > CVG_ACT_MAX_VCPUS ? CVG_ACT_MAX_VCPUS : in->nr_vcpus;
    struct cvg_act_in copy = *in;

    memset(out, 0, sizeof(*out));
    copy.nr_vcpus = n;
    if (!copy.period_us)
        copy.period_us = 10000;
    for (uint32_t v = 0; v < n; v++)
        out->effective[v] = 1;

    if (in->throttle_pct) {
        /* Domain-wide: the cap from the usage measured before throttling. */
        out->lever = CVG_LEVER_CAP;
        out->cap = cvg_ac_cap(in->u0_dom_pct, in->throttle_pct, n);
        for (uint32_t v = 0; v < n; v++)
            out->effective[v] = (100.0 - in->throttle_pct) / 100.0;
        return out->lever;
    }
    for (uint32_t v = 0; in->share && v < n; v++)
        if (in->share[v] < FREE)
            any = true;
    out->lever = preferred;
    if (!any)
        return out->lever;      /* nothing to throttle: restore everything */
    if (preferred == CVG_LEVER_BUDGET) {
        budgets(&copy, out);
        return out->lever;
    }
    if (preferred == CVG_LEVER_AFFINITY && pack(&copy, out))
        return out->lever;
    /* The cap: asked for, or the last resort when packing cannot do it. */
    out->lever = CVG_LEVER_CAP;
    out->affinity = false;
    cap(&copy, out);
    return out->lever;
}
