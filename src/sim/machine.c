/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/machine.h"
#include "sim/sched.h"

int simd_machine_init(struct simd_machine *m, uint32_t nr_pcpus, struct cvg_err *err)
{
    memset(m, 0, sizeof(*m));
    if (nr_pcpus == 0 || nr_pcpus > CVG_SIM_MAX_PCPUS)
        return cvg_fail(err, -EINVAL, "%u simulated pCPUs (1..%u allowed)", nr_pcpus,
                        CVG_SIM_MAX_PCPUS);
    m->nr_pcpus = nr_pcpus;
    m->next_domid = SIMD_DOMID_FIRST;
    pthread_mutex_init(&m->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cond, &ca);
    pthread_condattr_destroy(&ca);
    return 0;
}

void simd_machine_schedule(struct simd_machine *m, uint64_t now_ns)
{
    struct cvg_sim_sched_dom doms[CVG_SIM_MAX_DOMAINS];
    struct cvg_sim_sched_vcpu *v = NULL;
    double *share = NULL;
    size_t nv = 0, k = 0;

    pthread_mutex_lock(&m->lock);
    for (uint32_t i = 0; i < m->nr_doms; i++) {
        simd_domain_apply_phases(m->doms[i], now_ns);
        nv += m->doms[i]->nr_vcpus;
    }
    v = calloc(nv ? nv : 1, sizeof(*v));
    share = calloc(nv ? nv : 1, sizeof(*share));
    if (!v || !share)
        goto out;               /* keep last period's shares */
    for (uint32_t i = 0; i < m->nr_doms; i++) {
        struct simd_domain *d = m->doms[i];

        pthread_mutex_lock(&d->lock);
        doms[i].cap_pct = d->cap;
        for (uint32_t j = 0; j < d->nr_vcpus; j++, k++) {
            struct simd_vcpu *c = &d->vcpus[j];

            v[k].dom = i;
            v[k].runnable = atomic_load(&d->running) && c->wl.pattern != CVG_PATTERN_IDLE;
            v[k].limit = (double)c->budget_us / (double)c->period_us;
            v[k].affinity = c->affinity;
        }
        pthread_mutex_unlock(&d->lock);
    }
    cvg_sim_sched_shares(m->nr_pcpus, doms, m->nr_doms, v, nv, share);
    k = 0;
    for (uint32_t i = 0; i < m->nr_doms; i++)
        for (uint32_t j = 0; j < m->doms[i]->nr_vcpus; j++, k++)
            atomic_store(&m->doms[i]->vcpus[j].share_ppm, (uint32_t)(share[k] * 1e6 + 0.5));
out:
    pthread_mutex_unlock(&m->lock);
    free(v);
    free(share);
}

static void *sched_main(void *arg)
{
    struct simd_machine *m = arg;
    uint64_t next = simd_now_ns();

    pthread_setname_np(pthread_self(), "sched");
    pthread_mutex_lock(&m->lock);
    while (!m->stop) {
        struct timespec ts;
        uint64_t now;

        pthread_mutex_unlock(&m->lock);
        now = simd_now_ns();
        simd_machine_schedule(m, now);
        next += CVG_SIM_SCHED_PERIOD_NS;
        if (next < now)
            next = now + CVG_SIM_SCHED_PERIOD_NS;
        ts.tv_sec = (time_t)(next / 1000000000ull);
        ts.tv_nsec = (long)(next % 1000000000ull);
        pthread_mutex_lock(&m->lock);
        while (!m->stop && pthread_cond_timedwait(&m->cond, &m->lock, &ts) == 0)
            ;
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

int simd_machine_start(struct simd_machine *m, struct cvg_err *err)
{
    int e = pthread_create(&m->sched, NULL, sched_main, m);

    if (e)
        return cvg_fail(err, -e, "starting the scheduler thread: %s", strerror(e));
    m->started = true;
    return 0;
}

void simd_machine_fini(struct simd_machine *m)
{
    pthread_mutex_lock(&m->lock);
    m->stop = true;
    pthread_cond_broadcast(&m->cond);
    pthread_mutex_unlock(&m->lock);
    if (m->started)
        pthread_join(m->sched, NULL);
    m->started = false;
    while (m->nr_doms)
        simd_machine_destroy(m, m->doms[m->nr_doms - 1]->domid, NULL);
    pthread_cond_destroy(&m->cond);
    pthread_mutex_destroy(&m->lock);
}

static int find(struct simd_machine *m, uint32_t domid)
{
    for (uint32_t i = 0; i < m->nr_doms; i++)
        if (m->doms[i]->domid == domid)
            return (int)i;
    return -1;
}

int simd_machine_add(struct simd_machine *m, struct simd_domain *d, uint32_t *domid,
                     struct cvg_err *err)
{
    uint32_t id = 0, tries;
    int rc;

    pthread_mutex_lock(&m->lock);
    if (m->nr_doms >= CVG_SIM_MAX_DOMAINS) {
        pthread_mutex_unlock(&m->lock);
        simd_domain_put(d);
        return cvg_fail(err, -ENOSPC, "the simulator already holds %u domains",
                        CVG_SIM_MAX_DOMAINS);
    }
    /* Like Xen, hand out increasing domids and skip those still in use. */
    for (tries = 0; tries < SIMD_DOMID_LIMIT; tries++) {
        id = m->next_domid++;
        if (m->next_domid >= SIMD_DOMID_LIMIT)
            m->next_domid = SIMD_DOMID_FIRST;
        if (find(m, id) < 0)
            break;
    }
    d->domid = id;
    /* Started under the lock so the scheduler never sees a half-made domain;
     * the vCPUs only wait for their first share. */
    rc = simd_domain_start(d, err);
    if (!rc)
        m->doms[m->nr_doms++] = d;
    pthread_mutex_unlock(&m->lock);
    if (rc) {
        simd_domain_put(d);
        return rc;
    }
    *domid = id;
    return 0;
}

int simd_machine_get(struct simd_machine *m, uint32_t domid, struct simd_domain **d,
                     struct cvg_err *err)
{
    int i;

    pthread_mutex_lock(&m->lock);
    i = find(m, domid);
    if (i >= 0) {
        *d = m->doms[i];
        simd_domain_get(*d);
    }
    pthread_mutex_unlock(&m->lock);
    if (i < 0) {
        *d = NULL;
        return cvg_fail(err, -ESRCH, "no domain with domid %u", domid);
    }
    return 0;
}

int simd_machine_destroy(struct simd_machine *m, uint32_t domid, struct cvg_err *err)
{
    struct simd_domain *d;
    int i;

    pthread_mutex_lock(&m->lock);
    i = find(m, domid);
    if (i < 0) {
        pthread_mutex_unlock(&m->lock);
        return cvg_fail(err, -ESRCH, "no domain with domid %u", domid);
    }
    d = m->doms[i];
    memmove(&m->doms[i], &m->doms[i + 1], sizeof(m->doms[0]) * (m->nr_doms - (uint32_t)i - 1));
    m->nr_doms--;
    pthread_mutex_unlock(&m->lock);
    simd_domain_stop(d);
    simd_domain_put(d);
    return 0;
}

int simd_machine_list(struct simd_machine *m, struct simd_domain ***doms, uint32_t *n,
                      struct cvg_err *err)
{
    struct simd_domain **out;

    pthread_mutex_lock(&m->lock);
    out = calloc(m->nr_doms ? m->nr_doms : 1, sizeof(*out));
    if (!out) {
        pthread_mutex_unlock(&m->lock);
        return cvg_fail(err, -ENOMEM, "no memory to list domains");
    }
    *n = m->nr_doms;
    for (uint32_t i = 0; i < m->nr_doms; i++) {
        out[i] = m->doms[i];
        simd_domain_get(out[i]);
    }
    pthread_mutex_unlock(&m->lock);
    *doms = out;
    return 0;
}
