/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "guardian/ledger.h"

void cvg_guard_ledger_init(struct cvg_guard_ledger *l, uint32_t domid)
{
    memset(l, 0, sizeof(*l));
    l->domid = domid;
}

static int release(struct cvg_guard_ledger *l, uint32_t item, uint32_t vcpu,
                   struct cvg_err *err)
{
    bool *saved = NULL;

    switch (item) {
    case CVG_GUARD_CAP:
        saved = &l->cap_saved;
        break;
    case CVG_GUARD_BUDGET:
        saved = &l->budget_saved[vcpu];
        break;
    case CVG_GUARD_AFFINITY:
        saved = &l->affinity_saved[vcpu];
        break;
    case CVG_GUARD_LOGDIRTY:
        saved = &l->logdirty_saved;
        break;
    case CVG_GUARD_SUSPEND:
        saved = &l->suspended;
        break;
    case CVG_GUARD_PAUSE:
        if (!l->pauses)
            return cvg_fail(err, -EINVAL, "domain %u: release of a pause reference the "
                            "helper does not hold", l->domid);
        l->pauses--;
        return 0;
    default:
        return cvg_fail(err, -EINVAL, "domain %u: release of unknown item %u", l->domid, item);
    }
    if (!*saved)
        return cvg_fail(err, -EINVAL, "domain %u: release of %s (vcpu %u) that was never "
                        "recorded", l->domid, cvg_guard_item_name(item), vcpu);
    *saved = false;
    return 0;
}

int cvg_guard_ledger_apply(struct cvg_guard_ledger *l, const struct cvg_guard_msg *m,
                           struct cvg_err *err)
{
    bool record = m->type >= CVG_GMSG_CAP && m->type <= CVG_GMSG_SUSPEND;

    if (record && l->handed_over)
        return cvg_fail(err, -EINVAL, "domain %u: %s recorded after the guest was handed "
                        "over to libxl", l->domid, cvg_guard_msg_name(m->type));
    if ((m->type == CVG_GMSG_BUDGET || m->type == CVG_GMSG_AFFINITY) &&
        m->vcpu >= CVG_GUARD_MAX_VCPUS)
        return cvg_fail(err, -EINVAL, "domain %u: vcpu %u out of range", l->domid, m->vcpu);
    switch (m->type) {
    case CVG_GMSG_CAP:
        if (!l->cap_saved) {
            l->cap_saved = true;
            l->cap = m->a;
        }
        return 0;
    case CVG_GMSG_BUDGET:
        if (!l->budget_saved[m->vcpu]) {
            l->budget_saved[m->vcpu] = true;
            l->period_us[m->vcpu] = m->a;
            l->budget_us[m->vcpu] = m->b;
        }
        return 0;
    case CVG_GMSG_AFFINITY:
        if (!m->nwords || m->nwords > CVG_GUARD_MAP_WORDS)
            return cvg_fail(err, -EINVAL, "domain %u: affinity of %u words", l->domid,
                            m->nwords);
        if (!l->affinity_saved[m->vcpu]) {
            l->affinity_saved[m->vcpu] = true;
            l->affinity_words[m->vcpu] = m->nwords;
            memcpy(l->affinity[m->vcpu], m->map, 8 * (size_t)m->nwords);
        }
        return 0;
    case CVG_GMSG_LOGDIRTY:
        if (!l->logdirty_saved) {
            l->logdirty_saved = true;
            l->logdirty_was_on = m->a != 0;
        }
        return 0;
    case CVG_GMSG_PAUSE:
        if (l->pauses >= CVG_GUARD_MAX_PAUSES)
            return cvg_fail(err, -EINVAL, "domain %u: more than %u pause references",
                            l->domid, CVG_GUARD_MAX_PAUSES);
        l->pauses++;
        return 0;
    case CVG_GMSG_SUSPEND:
        /* A second suspend request of the same guest keeps the first owner. */
        if (!l->suspended) {
            l->suspended = true;
            l->suspended_by = (enum cvg_guard_suspender)m->a;
        }
        return 0;
    case CVG_GMSG_RELEASE:
        if (m->vcpu >= CVG_GUARD_MAX_VCPUS)
            return cvg_fail(err, -EINVAL, "domain %u: vcpu %u out of range", l->domid,
                            m->vcpu);
        return release(l, m->a, m->vcpu, err);
    case CVG_GMSG_HANDED_OVER:
        l->handed_over = true;
        return 1;
    case CVG_GMSG_BYE:
        return 1;
    default:
        return cvg_fail(err, -EINVAL, "domain %u: %s is not a helper message", l->domid,
                        cvg_guard_msg_name(m->type));
    }
}

bool cvg_guard_ledger_dirty(const struct cvg_guard_ledger *l)
{
    if (l->cap_saved || l->logdirty_saved || l->pauses)
        return true;
    for (uint32_t v = 0; v < CVG_GUARD_MAX_VCPUS; v++)
        if (l->budget_saved[v] || l->affinity_saved[v])
            return true;
    return false;
}
