/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest: one thread per simulated vCPU, running its workload pattern on
 * the domain's memory at the pace the scheduler model grants.
 *
 * Time is real.  Every sub-tick (1 ms; up to 10 ms for a vCPU doing fewer
 * than 1000 operations per second) the thread wakes, takes the share f
 * of one pCPU the scheduler gave it for the current 10 ms period, and does
 * f x (full-speed rate) x (elapsed time) page operations; its cpu_time
 * grows by f x elapsed.  So a capped vCPU does proportionally less work,
 * smoothly, not in bursts, and run time follows the share as
 * xc_vcpu_getinfo's cpu_time follows the time Xen runs a vCPU.
 *
 * A write stores a per-vCPU sequence number and the vCPU id in one of the
 * page's 16-byte slots, then marks the log-dirty bit: the page first, the
 * bit second, so a CLEAN between the two cannot lose the write.  Writes
 * happen in chunks of at most CHUNK under the domain's ld_lock for read;
 * pause and log-dirty ops take it for write, so they see no write in
 * flight.  If the host cannot keep up (overload), the backlog beyond one
 * period is dropped: the guest loses that time, as it would to steal time.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim/domain.h"
#include "sim/pattern.h"
#include "sim/sched.h"

#define CHUNK 64

/*
 * The step between wake-ups: 1 ms, or longer (up to one period) for a vCPU
 * so slow it would find nothing to do, since each wake-up of a thread costs
 * the host more than a page write (about 0.7 % of a core per vCPU at 1 ms).
 */
static uint64_t subtick_ns(const struct cvg_workload *wl)
{
    double ops_per_s = wl->rate_mib_s * 256.0;
    double ns = ops_per_s > 0 ? 1e9 / ops_per_s : (double)CVG_SIM_SCHED_PERIOD_NS;

    if (ns < (double)SIMD_SUBTICK_NS)
        return SIMD_SUBTICK_NS;
    if (ns > (double)CVG_SIM_SCHED_PERIOD_NS)
        return CVG_SIM_SCHED_PERIOD_NS;
    return (uint64_t)ns;
}

static void sleep_until(uint64_t t_ns)
{
    struct timespec ts = { .tv_sec = (time_t)(t_ns / 1000000000ull),
                           .tv_nsec = (long)(t_ns % 1000000000ull) };

    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* Parks while the domain is paused/shut down or the vCPU idle; false: exit. */
static bool wait_runnable(struct simd_vcpu *v)
{
    struct simd_domain *d = v->d;
    bool go;

    pthread_mutex_lock(&d->lock);
    while (!d->stopping && (!atomic_load(&d->running) || v->wl.pattern == CVG_PATTERN_IDLE))
        pthread_cond_wait(&d->cond, &d->lock);
    go = !d->stopping;
    pthread_mutex_unlock(&d->lock);
    return go;
}

/* Runs up to n operations; returns how many were done before a pause. */
static uint64_t run_ops(struct simd_vcpu *v, struct cvg_sim_picker *pk, bool reads,
                        uint64_t n, uint64_t *seq, uint64_t *sink)
{
    struct simd_domain *d = v->d;
    uint64_t done = 0;

    while (done < n) {
        uint64_t k = n - done < CHUNK ? n - done : CHUNK;
        bool ld_on;

        pthread_rwlock_rdlock(&d->ld_lock);
        if (!atomic_load_explicit(&d->running, memory_order_relaxed)) {
            pthread_rwlock_unlock(&d->ld_lock);
            break;
        }
        ld_on = atomic_load_explicit(&d->ld.enabled, memory_order_relaxed);
        for (uint64_t i = 0; i < k; i++) {
            uint64_t pfn = cvg_sim_picker_next(pk);
            uint8_t *slot = d->mem + (pfn << CVG_SIM_PAGE_SHIFT) + ((*seq & 255) << 4);

            ++*seq;
            if (reads) {
                uint64_t x;

                memcpy(&x, slot, sizeof(x));
                *sink += x;
            } else {
                memcpy(slot, seq, sizeof(*seq));
                memcpy(slot + 8, &v->id, sizeof(v->id));
                if (ld_on)
                    cvg_sim_ld_mark(&d->ld, v->id, pfn);
            }
        }
        pthread_rwlock_unlock(&d->ld_lock);
        done += k;
    }
    atomic_fetch_add_explicit(&v->work, done, memory_order_relaxed);
    if (!reads)
        atomic_fetch_add_explicit(&v->writes, done, memory_order_relaxed);
    return done;
}

void *simd_vcpu_main(void *arg)
{
    struct simd_vcpu *v = arg;
    struct simd_domain *d = v->d;
    struct cvg_sim_picker pk;
    struct cvg_workload wl = { 0 };
    uint32_t gen = 0;
    uint64_t seq = 0, sink = 0, last, next, tick = SIMD_SUBTICK_NS;
    double credit = 0;
    char tname[16];

    snprintf(tname, sizeof(tname), "d%uv%u", d->domid, v->id);
    pthread_setname_np(pthread_self(), tname);
    memset(&pk, 0, sizeof(pk));
    last = simd_now_ns();
    next = last + SIMD_SUBTICK_NS;

    for (;;) {
        uint64_t now, dt, n;
        double f, per_ns;

        if (gen != atomic_load(&v->wl_gen)) {
            pthread_mutex_lock(&d->lock);
            wl = v->wl;
            gen = atomic_load(&v->wl_gen);
            pthread_mutex_unlock(&d->lock);
            cvg_sim_picker_init(&pk, &wl, d->nr_pages, d->seed, v->id);
            tick = subtick_ns(&wl);
        }
        if (!atomic_load(&d->running) || wl.pattern == CVG_PATTERN_IDLE) {
            if (!wait_runnable(v))
                break;
            if (gen != atomic_load(&v->wl_gen))
                continue;       /* woken by a phase: reload first */
            last = simd_now_ns();
            next = last + tick;
            credit = 0;
        }
        sleep_until(next);
        now = simd_now_ns();
        next += tick;
        if (next < now)
            next = now + tick;                  /* overslept: no catch-up burst */
        dt = now - last;
        last = now;
        if (dt > CVG_SIM_SCHED_PERIOD_NS)
            dt = CVG_SIM_SCHED_PERIOD_NS;
        if (!atomic_load(&d->running)) {
            credit = 0;
            continue;
        }
        f = atomic_load_explicit(&v->share_ppm, memory_order_relaxed) / 1e6;
        atomic_fetch_add_explicit(&v->cpu_time_ns, (uint64_t)(f * (double)dt),
                                  memory_order_relaxed);
        per_ns = wl.rate_mib_s * 256.0 / 1e9;
        credit += f * per_ns * (double)dt;
        if (credit > per_ns * CVG_SIM_SCHED_PERIOD_NS)
            credit = per_ns * CVG_SIM_SCHED_PERIOD_NS;
        n = (uint64_t)credit;
        if (!n)
            continue;
        credit -= (double)n;
        if (run_ops(v, &pk, wl.pattern == CVG_PATTERN_READ, n, &seq, &sink) < n)
            credit = 0;         /* paused mid-way */
    }
    /* The reads must not be optimised away. */
    __asm__ volatile("" : : "r"(sink));
    return NULL;
}
