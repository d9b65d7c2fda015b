/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A simulated domain: creation, lifetime and the toolstack's operations. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sim/domain.h"
#include "sim/pattern.h"

/* The parameters libxc's HVM save path reads (public/hvm/params.h). */
#define HVM_PARAM_STORE_PFN             1
#define HVM_PARAM_PAE_ENABLED           4
#define HVM_PARAM_IOREQ_PFN             5
#define HVM_PARAM_BUFIOREQ_PFN          6
#define HVM_PARAM_IDENT_PT              12
#define HVM_PARAM_CONSOLE_PFN           17
#define HVM_PARAM_IOREQ_SERVER_PFN      32
#define HVM_PARAM_NR_IOREQ_SERVER_PAGES 33

#define DEFAULT_PERIOD_US 10000u        /* no budget: budget == period */
#define VCPU_STACK (512u << 10)

uint64_t simd_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t pcpu_mask(uint32_t nr_pcpus)
{
    return nr_pcpus >= 64 ? ~0ull : (1ull << nr_pcpus) - 1;
}

/* What the host can give without the OOM killer picking the daemon. */
static int check_host_memory(uint64_t bytes, struct cvg_err *err)
{
    FILE *f = fopen("/proc/meminfo", "r");
    unsigned long long kb = 0;
    char line[128];
    bool found = false;

    if (!f)
        return 0;               /* no /proc: let mmap decide */
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
            found = true;
            break;
        }
    fclose(f);
    if (found && bytes / 1024 + (256ull << 10) > kb)
        return cvg_fail(err, -ENOMEM,
                        "a domain of %llu MiB does not fit: the host has %llu MiB available "
                        "(256 MiB are kept for everything else)",
                        (unsigned long long)(bytes >> 20), kb >> 10);
    return 0;
}

/*
 * Deterministic, non-zero, different for every page and seed: a stale or
 * misplaced page changes the digest.
 */
static void fill_page(uint8_t *page, uint64_t seed, uint64_t pfn)
{
    uint64_t h = cvg_sim_mix64(seed ^ cvg_sim_mix64(pfn));
    uint64_t *w = (uint64_t *)(void *)page;

    for (unsigned i = 0; i < CVG_SIM_PAGE_SIZE / 8; i++)
        w[i] = (h ^ (i * 0x9e3779b97f4a7c15ull)) | 1;
}

static struct simd_domain *domain_alloc(uint32_t nr_vcpus, uint64_t pages, const char *name,
                                        struct cvg_err *err)
{
    struct simd_domain *d = calloc(1, sizeof(*d));
    pthread_rwlockattr_t ra;

    if (!d) {
        cvg_fail(err, -ENOMEM, "no memory for a domain");
        return NULL;
    }
    d->memfd = -1;
    d->mem = MAP_FAILED;
    d->nr_pages = pages;
    d->nr_vcpus = nr_vcpus;
    atomic_init(&d->refs, 1);
    atomic_init(&d->running, false);
    atomic_init(&d->dying, false);
    snprintf(d->name, sizeof(d->name), "%s", name);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->cond, NULL);
    /* Writer-preferring: a log-dirty op must not starve behind busy vCPUs. */
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&d->ld_lock, &ra);
    pthread_rwlockattr_destroy(&ra);

    d->vcpus = aligned_alloc(64, sizeof(*d->vcpus) * nr_vcpus);
    d->populated = calloc((pages + 63) / 64, sizeof(uint64_t));
    if (!d->vcpus || !d->populated) {
        cvg_fail(err, -ENOMEM, "no memory for %u vcpus and %llu pages", nr_vcpus,
                 (unsigned long long)pages);
        goto fail;
    }
    memset(d->vcpus, 0, sizeof(*d->vcpus) * nr_vcpus);
    if (cvg_sim_ld_init(&d->ld, pages, nr_vcpus, err))
        goto fail;
    return d;
fail:
    simd_domain_put(d);
    return NULL;
}

static int memory_create(struct simd_domain *d, struct cvg_err *err)
{
    uint64_t bytes = d->nr_pages << CVG_SIM_PAGE_SHIFT;
    char mname[96];
    int rc;

    if ((rc = check_host_memory(bytes, err)))
        return rc;
    snprintf(mname, sizeof(mname), "cvg-sim:%s", d->name);
    d->memfd = memfd_create(mname, MFD_CLOEXEC);
    if (d->memfd < 0)
        return cvg_fail(err, -errno, "memfd_create for %s: %s", d->name, strerror(errno));
    if (ftruncate(d->memfd, (off_t)bytes))
        return cvg_fail(err, -errno, "sizing the memory of %s to %llu MiB: %s", d->name,
                        (unsigned long long)(bytes >> 20), strerror(errno));
    /* Allocated and mapped up front: one call instead of a fault per page. */
    if (fallocate(d->memfd, 0, 0, (off_t)bytes))
        return cvg_fail(err, -errno, "allocating %llu MiB for %s: %s",
                        (unsigned long long)(bytes >> 20), d->name, strerror(errno));
    d->mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, d->memfd, 0);
    if (d->mem == MAP_FAILED)
        return cvg_fail(err, -errno, "mapping the memory of %s (%llu MiB): %s", d->name,
                        (unsigned long long)(bytes >> 20), strerror(errno));
    return 0;
}

static void vcpu_defaults(struct simd_vcpu *v, struct simd_domain *d, uint32_t id,
                          uint32_t nr_pcpus)
{
    v->d = d;
    v->id = id;
    v->wl = (struct cvg_workload){ .vcpu_first = id, .vcpu_last = id,
                                   .pattern = CVG_PATTERN_IDLE };
    v->period_us = v->budget_us = DEFAULT_PERIOD_US;
    v->affinity = pcpu_mask(nr_pcpus);
    atomic_init(&v->wl_gen, 1);
    atomic_init(&v->share_ppm, 0);
    atomic_init(&v->work, 0);
    atomic_init(&v->writes, 0);
    atomic_init(&v->cpu_time_ns, 0);
}

/* The sum of the vCPUs' full-speed rates, now and after every phase. */
static int check_rates(const struct cvg_scenario *sc, struct cvg_err *err)
{
    double rate[CVG_SIM_MAX_VCPUS] = { 0 }, peak = 0;

    for (unsigned p = 0; p <= sc->nr_phases; p++) {
        const struct cvg_workload *set = p ? &sc->phases[p - 1] : sc->workload;
        unsigned n = p ? 1 : sc->nr_workload;
        double total = 0;

        for (unsigned i = 0; i < n; i++) {
            const struct cvg_workload *w = &set[i];

            if (w->pattern != CVG_PATTERN_IDLE && w->rate_mib_s > SIMD_MAX_VCPU_RATE_MIB_S)
                return cvg_fail(err, -EINVAL,
                                "%s %u (vcpus %u-%u): rate %.0f MiB/s exceeds the %.0f MiB/s a "
                                "real-time vCPU can do here (use xl-converge bench)",
                                p ? "phase" : "workload", p ? p : i + 1, w->vcpu_first,
                                w->vcpu_last, w->rate_mib_s, SIMD_MAX_VCPU_RATE_MIB_S);
            for (uint32_t v = w->vcpu_first; v <= w->vcpu_last && v < sc->vcpus; v++)
                rate[v] = w->pattern == CVG_PATTERN_IDLE ? 0 : w->rate_mib_s;
        }
        for (uint32_t v = 0; v < sc->vcpus; v++)
            total += rate[v];
        if (total > peak)
            peak = total;
    }
    if (peak > SIMD_MAX_DOMAIN_RATE_MIB_S)
        return cvg_fail(err, -EINVAL,
                        "the vCPUs together would write %.0f MiB/s, more than the %.0f MiB/s "
                        "the real-time simulator allows (use xl-converge bench)",
                        peak, SIMD_MAX_DOMAIN_RATE_MIB_S);
    return 0;
}

static int default_blobs(struct simd_domain *d, struct cvg_err *err)
{
    uint64_t top = d->nr_pages;

    /* A recognisable context: header, then 64 bytes per vCPU from the seed. */
    d->hvm_ctx_len = 16 + 64 * (size_t)d->nr_vcpus;
    d->hvm_ctx = malloc(d->hvm_ctx_len);
    if (!d->hvm_ctx)
        return cvg_fail(err, -ENOMEM, "no memory for the HVM context of %s", d->name);
    memcpy(d->hvm_ctx, "CVGSIMHVMCTX", 12);
    cvg_put_le32(d->hvm_ctx + 12, d->nr_vcpus);
    for (size_t i = 0; i < 8 * (size_t)d->nr_vcpus; i++)
        cvg_put_le64(d->hvm_ctx + 16 + 8 * i, cvg_sim_mix64(d->seed ^ (0xc7c0000ull + i)));

    /* Special pages at the top of guest memory, as libxc's HVM builder
     * places them just below its own limit. */
    if (top > 16) {
        d->hvm_params[HVM_PARAM_STORE_PFN] = top - 1;
        d->hvm_params[HVM_PARAM_CONSOLE_PFN] = top - 2;
        d->hvm_params[HVM_PARAM_IOREQ_PFN] = top - 3;
        d->hvm_params[HVM_PARAM_BUFIOREQ_PFN] = top - 4;
        d->hvm_params[HVM_PARAM_IDENT_PT] = top - 5;
        d->hvm_params[HVM_PARAM_IOREQ_SERVER_PFN] = top - 16;
        d->hvm_params[HVM_PARAM_NR_IOREQ_SERVER_PAGES] = 8;
    }
    d->hvm_params[HVM_PARAM_PAE_ENABLED] = 1;
    d->tsc_mode = 0;                    /* TSC_MODE_DEFAULT */
    d->tsc_khz = 2000000;
    d->tsc_nsec = 0;
    d->tsc_incarnation = 0;
    return 0;
}

int simd_domain_create_scenario(const struct cvg_scenario *sc, uint32_t nr_pcpus,
                                struct simd_domain **out, struct cvg_err *err)
{
    struct simd_domain *d = NULL;
    uint64_t pages;
    int rc;

    *out = NULL;
    if (sc->vcpus == 0 || sc->vcpus > CVG_SIM_MAX_VCPUS)
        return cvg_fail(err, -EINVAL, "scenario %s: %u vcpus (1..%u allowed)", sc->name,
                        sc->vcpus, CVG_SIM_MAX_VCPUS);
    if (sc->memory_mib == 0 || sc->memory_mib > (CVG_SIM_MAX_PAGES >> 8))
        return cvg_fail(err, -EINVAL, "scenario %s: memory %llu MiB (1..%llu allowed here)",
                        sc->name, (unsigned long long)sc->memory_mib,
                        (unsigned long long)(CVG_SIM_MAX_PAGES >> 8));
    if ((rc = check_rates(sc, err)))
        return rc;
    pages = sc->memory_mib << 8;
    if (!(d = domain_alloc(sc->vcpus, pages, sc->name, err)))
        return err ? err->code : -ENOMEM;
    d->seed = sc->seed;
    if ((rc = memory_create(d, err)))
        goto fail;
    for (uint64_t pfn = 0; pfn < pages; pfn++)
        fill_page(d->mem + (pfn << CVG_SIM_PAGE_SHIFT), d->seed, pfn);
    for (uint64_t w = 0; w < pages / 64; w++)
        d->populated[w] = ~0ull;
    if (pages % 64)
        d->populated[pages / 64] = (1ull << (pages % 64)) - 1;
    d->nr_populated = pages;

    for (uint32_t i = 0; i < sc->vcpus; i++)
        vcpu_defaults(&d->vcpus[i], d, i, nr_pcpus);
    for (unsigned g = 0; g < sc->nr_workload; g++) {
        const struct cvg_workload *w = &sc->workload[g];

        for (uint32_t v = w->vcpu_first; v <= w->vcpu_last && v < sc->vcpus; v++)
            d->vcpus[v].wl = *w;
    }
    if (sc->nr_phases) {
        d->phases = calloc(sc->nr_phases, sizeof(*d->phases));
        if (!d->phases) {
            rc = cvg_fail(err, -ENOMEM, "no memory for the phases of %s", d->name);
            goto fail;
        }
        memcpy(d->phases, sc->phases, sizeof(*d->phases) * sc->nr_phases);
        d->nr_phases = sc->nr_phases;
    }
    if ((rc = default_blobs(d, err)))
        goto fail;
    atomic_store(&d->running, true);
    *out = d;
    return 0;
fail:
    simd_domain_put(d);
    return rc;
}

int simd_domain_create_empty(uint64_t pages, uint32_t vcpus, bool paused, const char *name,
                             uint32_t nr_pcpus, struct simd_domain **out,
                             struct cvg_err *err)
{
    struct simd_domain *d;
    int rc;

    *out = NULL;
    if (!pages || pages > CVG_SIM_MAX_PAGES || !vcpus || vcpus > CVG_SIM_MAX_VCPUS)
        return cvg_fail(err, -EINVAL, "empty domain of %llu pages and %u vcpus is out of range",
                        (unsigned long long)pages, vcpus);
    if (!(d = domain_alloc(vcpus, pages, name, err)))
        return err ? err->code : -ENOMEM;
    if ((rc = memory_create(d, err))) {
        simd_domain_put(d);
        return rc;
    }
    for (uint32_t i = 0; i < vcpus; i++)
        vcpu_defaults(&d->vcpus[i], d, i, nr_pcpus);
    d->pause_count = paused ? 1 : 0;
    atomic_store(&d->running, !paused);
    *out = d;
    return 0;
}

int simd_domain_start(struct simd_domain *d, struct cvg_err *err)
{
    pthread_attr_t attr;
    int rc = 0;

    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, VCPU_STACK);
    for (uint32_t i = 0; i < d->nr_vcpus; i++) {
        int e = pthread_create(&d->vcpus[i].thread, &attr, simd_vcpu_main, &d->vcpus[i]);

        if (e) {
            rc = cvg_fail(err, -e, "starting vcpu %u of %s: %s", i, d->name, strerror(e));
            break;
        }
        d->vcpus[i].started = true;
    }
    pthread_attr_destroy(&attr);
    if (rc)
        simd_domain_stop(d);
    return rc;
}

static void update_running(struct simd_domain *d)
{
    atomic_store(&d->running, d->pause_count == 0 && !d->shutdown && !d->stopping);
    pthread_cond_broadcast(&d->cond);
}

void simd_domain_stop(struct simd_domain *d)
{
    pthread_mutex_lock(&d->lock);
    d->stopping = true;
    atomic_store(&d->dying, true);
    update_running(d);
    pthread_mutex_unlock(&d->lock);
    for (uint32_t i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i].started) {
            pthread_join(d->vcpus[i].thread, NULL);
            d->vcpus[i].started = false;
        }
}

void simd_domain_get(struct simd_domain *d)
{
    atomic_fetch_add(&d->refs, 1);
}

void simd_domain_put(struct simd_domain *d)
{
    if (!d || atomic_fetch_sub(&d->refs, 1) != 1)
        return;
    if (d->vcpus)
        simd_domain_stop(d);
    if (d->mem != MAP_FAILED)
        munmap(d->mem, d->nr_pages << CVG_SIM_PAGE_SHIFT);
    if (d->memfd >= 0)
        close(d->memfd);
    cvg_sim_ld_destroy(&d->ld);
    free(d->populated);
    free(d->phases);
    free(d->hvm_ctx);
    free(d->vcpus);
    pthread_rwlock_destroy(&d->ld_lock);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

/* Once this returns, no vCPU is inside a chunk of writes begun before. */
static void quiesce(struct simd_domain *d)
{
    pthread_rwlock_wrlock(&d->ld_lock);
    pthread_rwlock_unlock(&d->ld_lock);
}

int simd_domain_pause(struct simd_domain *d, struct cvg_err *err)
{
    int rc = 0;

    pthread_mutex_lock(&d->lock);
    if (d->pause_count >= CVG_SIM_MAX_PAUSE_COUNT)
        rc = cvg_fail(err, -EBUSY, "domain %u is paused %u times already", d->domid,
                      d->pause_count);
    else {
        d->pause_count++;
        update_running(d);
    }
    pthread_mutex_unlock(&d->lock);
    if (!rc)
        quiesce(d);
    return rc;
}

int simd_domain_unpause(struct simd_domain *d, struct cvg_err *err)
{
    int rc = 0;

    pthread_mutex_lock(&d->lock);
    if (!d->pause_count)
        rc = cvg_fail(err, -EINVAL, "domain %u is not paused", d->domid);
    else {
        d->pause_count--;
        update_running(d);
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int simd_domain_suspend(struct simd_domain *d, struct cvg_err *err)
{
    int rc = 0;

    pthread_mutex_lock(&d->lock);
    if (d->shutdown)
        rc = cvg_fail(err, -EINVAL, "domain %u is already shut down (reason %u)", d->domid,
                      d->shutdown_reason);
    else {
        d->shutdown = true;
        d->shutdown_reason = CVG_SIM_SHUTDOWN_SUSPEND;
        update_running(d);
    }
    pthread_mutex_unlock(&d->lock);
    if (!rc)
        quiesce(d);
    return rc;
}

int simd_domain_resume(struct simd_domain *d, struct cvg_err *err)
{
    int rc = 0;

    pthread_mutex_lock(&d->lock);
    if (!d->shutdown || d->shutdown_reason != CVG_SIM_SHUTDOWN_SUSPEND)
        rc = cvg_fail(err, -EINVAL, "domain %u is not suspended", d->domid);
    else {
        d->shutdown = false;
        d->shutdown_reason = 0;
        update_running(d);
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int simd_domain_cap_set(struct simd_domain *d, uint32_t cap, struct cvg_err *err)
{
    /* credit2's rule: 0 removes the cap, more than 100 per vCPU is refused. */
    if (cap > 100u * d->nr_vcpus)
        return cvg_fail(err, -EINVAL, "cap %u%% of domain %u exceeds 100%% x %u vcpus", cap,
                        d->domid, d->nr_vcpus);
    pthread_mutex_lock(&d->lock);
    d->cap = cap;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

static int check_vcpu(struct simd_domain *d, uint32_t vcpu, struct cvg_err *err)
{
    if (vcpu >= d->nr_vcpus)
        return cvg_fail(err, -EINVAL, "domain %u has no vcpu %u (it has %u)", d->domid, vcpu,
                        d->nr_vcpus);
    return 0;
}

int simd_domain_budget_set(struct simd_domain *d, uint32_t vcpu, uint32_t period_us,
                           uint32_t budget_us, struct cvg_err *err)
{
    int rc = check_vcpu(d, vcpu, err);

    if (rc)
        return rc;
    /* RTDS's bounds: 10 us <= budget <= period; a period of 10 s at most. */
    if (period_us < 100 || period_us > 10000000 || budget_us < 10 || budget_us > period_us)
        return cvg_fail(err, -EINVAL,
                        "vcpu %u of domain %u: budget %u us / period %u us (need 10 <= budget "
                        "<= period, 100 <= period <= 10000000)",
                        vcpu, d->domid, budget_us, period_us);
    pthread_mutex_lock(&d->lock);
    d->vcpus[vcpu].period_us = period_us;
    d->vcpus[vcpu].budget_us = budget_us;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

int simd_domain_budget_get(struct simd_domain *d, uint32_t vcpu, uint32_t *period_us,
                           uint32_t *budget_us, struct cvg_err *err)
{
    int rc = check_vcpu(d, vcpu, err);

    if (rc)
        return rc;
    pthread_mutex_lock(&d->lock);
    *period_us = d->vcpus[vcpu].period_us;
    *budget_us = d->vcpus[vcpu].budget_us;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

int simd_domain_affinity_set(struct simd_domain *d, uint32_t vcpu, const uint64_t *map,
                             uint32_t nwords, uint32_t nr_pcpus, struct cvg_err *err)
{
    uint64_t mask;
    int rc = check_vcpu(d, vcpu, err);

    if (rc)
        return rc;
    /* As Xen: bits for pCPUs that do not exist are dropped. */
    mask = nwords ? map[0] & pcpu_mask(nr_pcpus) : 0;
    if (!mask)
        return cvg_fail(err, -EINVAL, "vcpu %u of domain %u: affinity holds none of the %u pCPUs",
                        vcpu, d->domid, nr_pcpus);
    pthread_mutex_lock(&d->lock);
    d->vcpus[vcpu].affinity = mask;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

int simd_domain_affinity_get(struct simd_domain *d, uint32_t vcpu, uint64_t *map,
                             struct cvg_err *err)
{
    int rc = check_vcpu(d, vcpu, err);

    if (rc)
        return rc;
    pthread_mutex_lock(&d->lock);
    *map = d->vcpus[vcpu].affinity;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

int simd_domain_logdirty_enable(struct simd_domain *d, struct cvg_err *err)
{
    uint64_t now = simd_now_ns();
    int rc = 0;

    pthread_rwlock_wrlock(&d->ld_lock);
    if (atomic_load(&d->ld.enabled)) {
        /* Xen's paging_log_dirty_enable() refuses a second enable. */
        rc = cvg_fail(err, -EINVAL, "log-dirty is already enabled on domain %u", d->domid);
    } else {
        cvg_sim_ld_reset(&d->ld);
        atomic_store(&d->ld.enabled, true);
        d->clean_ns = now;
    }
    pthread_rwlock_unlock(&d->ld_lock);
    if (rc)
        return rc;
    pthread_mutex_lock(&d->lock);
    if (!d->ld_since_ns)
        d->ld_since_ns = now;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

int simd_domain_logdirty_disable(struct simd_domain *d, struct cvg_err *err)
{
    pthread_rwlock_wrlock(&d->ld_lock);
    atomic_store(&d->ld.enabled, false);
    cvg_sim_ld_reset(&d->ld);         /* Xen frees the bitmap */
    pthread_rwlock_unlock(&d->ld_lock);
    return 0;
}

int simd_domain_logdirty_op(struct simd_domain *d, bool clean, uint64_t *out, uint64_t pages,
                            uint32_t *dirty_count, struct cvg_err *err)
{
    /* Like Xen's op on a domain not in log-dirty mode: an empty bitmap, count 0. */
    pthread_rwlock_wrlock(&d->ld_lock);
    *dirty_count = cvg_sim_ld_op(&d->ld, clean, out, pages);
    if (clean)
        d->clean_ns = simd_now_ns();
    pthread_rwlock_unlock(&d->ld_lock);
    return 0;
}

static bool populated(const struct simd_domain *d, uint64_t pfn)
{
    return pfn < d->nr_pages && (d->populated[pfn / 64] >> (pfn % 64) & 1);
}

void simd_domain_pfn_types(struct simd_domain *d, const struct cvg_sim_req *req,
                           uint32_t *types)
{
    pthread_mutex_lock(&d->lock);
    for (uint32_t i = 0; i < req->u.pfns.n; i++)
        types[i] = populated(d, cvg_sim_req_pfn(req, i)) ? 0 : CVG_SIM_PFINFO_XTAB;
    pthread_mutex_unlock(&d->lock);
}

int simd_domain_populate(struct simd_domain *d, const struct cvg_sim_req *req,
                         struct cvg_err *err)
{
    /* All or nothing: check every pfn before marking any. */
    for (uint32_t i = 0; i < req->u.pfns.n; i++) {
        uint64_t pfn = cvg_sim_req_pfn(req, i);

        if (pfn >= d->nr_pages)
            return cvg_fail(err, -EINVAL,
                            "populate: pfn 0x%" PRIx64 " (entry %u) is beyond the %" PRIu64
                            " pages of domain %u", pfn, i, d->nr_pages, d->domid);
    }
    pthread_mutex_lock(&d->lock);
    for (uint32_t i = 0; i < req->u.pfns.n; i++) {
        uint64_t pfn = cvg_sim_req_pfn(req, i);

        if (!populated(d, pfn)) {
            d->populated[pfn / 64] |= 1ull << (pfn % 64);
            d->nr_populated++;
        }
    }
    pthread_mutex_unlock(&d->lock);
    return 0;
}

int simd_domain_hvm_context_get(struct simd_domain *d, uint8_t **buf, size_t *len,
                                struct cvg_err *err)
{
    int rc = 0;

    pthread_mutex_lock(&d->lock);
    *len = d->hvm_ctx_len;
    *buf = malloc(d->hvm_ctx_len ? d->hvm_ctx_len : 1);
    if (!*buf)
        rc = cvg_fail(err, -ENOMEM, "no memory to copy an HVM context");
    else if (d->hvm_ctx_len)
        memcpy(*buf, d->hvm_ctx, d->hvm_ctx_len);
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int simd_domain_hvm_context_set(struct simd_domain *d, const uint8_t *buf, size_t len,
                                struct cvg_err *err)
{
    uint8_t *copy = NULL;

    if (len > CVG_SIM_MAX_BLOB)
        return cvg_fail(err, -EINVAL, "HVM context of %zu bytes exceeds %u", len,
                        CVG_SIM_MAX_BLOB);
    if (len && !(copy = malloc(len)))
        return cvg_fail(err, -ENOMEM, "no memory for an HVM context of %zu bytes", len);
    if (len)
        memcpy(copy, buf, len);
    pthread_mutex_lock(&d->lock);
    free(d->hvm_ctx);
    d->hvm_ctx = copy;
    d->hvm_ctx_len = len;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

void simd_domain_hvm_param_get(struct simd_domain *d, uint32_t index, uint64_t *value)
{
    pthread_mutex_lock(&d->lock);
    *value = index < CVG_SIM_MAX_HVM_PARAMS ? d->hvm_params[index] : 0;
    pthread_mutex_unlock(&d->lock);
}

void simd_domain_hvm_param_set(struct simd_domain *d, uint32_t index, uint64_t value)
{
    pthread_mutex_lock(&d->lock);
    if (index < CVG_SIM_MAX_HVM_PARAMS)
        d->hvm_params[index] = value;
    pthread_mutex_unlock(&d->lock);
}

void simd_domain_tsc_get(struct simd_domain *d, uint32_t *mode, uint32_t *khz,
                         uint64_t *nsec, uint32_t *incarnation)
{
    pthread_mutex_lock(&d->lock);
    *mode = d->tsc_mode;
    *khz = d->tsc_khz;
    *nsec = d->tsc_nsec;
    *incarnation = d->tsc_incarnation;
    pthread_mutex_unlock(&d->lock);
}

void simd_domain_tsc_set(struct simd_domain *d, uint32_t mode, uint32_t khz, uint64_t nsec,
                         uint32_t incarnation)
{
    pthread_mutex_lock(&d->lock);
    d->tsc_mode = mode;
    d->tsc_khz = khz;
    d->tsc_nsec = nsec;
    d->tsc_incarnation = incarnation;
    pthread_mutex_unlock(&d->lock);
}

static uint32_t vcpu_cpu(const struct simd_vcpu *v)
{
    /* The n-th pCPU of its affinity: a stable, plausible placement. */
    unsigned k = v->id % (unsigned)__builtin_popcountll(v->affinity);
    uint64_t m = v->affinity;

    while (k--)
        m &= m - 1;
    return (uint32_t)__builtin_ctzll(m);
}

void simd_domain_dominfo(struct simd_domain *d, struct cvg_sim_dominfo *o)
{
    memset(o, 0, sizeof(*o));
    pthread_mutex_lock(&d->lock);
    o->domid = d->domid;
    o->hvm = true;
    o->paused = d->pause_count > 0;
    o->shutdown = d->shutdown;
    o->shutdown_reason = d->shutdown_reason;
    o->dying = atomic_load(&d->dying);
    o->max_vcpu_id = d->nr_vcpus - 1;
    o->nr_online_vcpus = d->nr_vcpus;
    o->cpupool = 0;
    o->p2m_size = d->nr_pages;
    o->nr_pages = d->nr_populated;
    for (uint32_t i = 0; i < d->nr_vcpus; i++)
        o->cpu_time_ns += atomic_load(&d->vcpus[i].cpu_time_ns);
    pthread_mutex_unlock(&d->lock);
}

static bool vcpu_running(struct simd_domain *d, struct simd_vcpu *v)
{
    return atomic_load(&d->running) && v->wl.pattern != CVG_PATTERN_IDLE &&
           atomic_load(&v->share_ppm) > 0;
}

int simd_domain_vcpuinfo(struct simd_domain *d, uint32_t vcpu, struct cvg_sim_vcpuinfo *o,
                         struct cvg_err *err)
{
    int rc = check_vcpu(d, vcpu, err);
    struct simd_vcpu *v;

    if (rc)
        return rc;
    v = &d->vcpus[vcpu];
    pthread_mutex_lock(&d->lock);
    o->online = true;
    o->blocked = v->wl.pattern == CVG_PATTERN_IDLE;
    o->running = vcpu_running(d, v);
    o->cpu = vcpu_cpu(v);
    o->cpu_time_ns = atomic_load(&v->cpu_time_ns);
    pthread_mutex_unlock(&d->lock);
    return 0;
}

int simd_domain_info(struct simd_domain *d, struct cvg_sim_info *o, struct cvg_err *err)
{
    memset(o, 0, sizeof(*o));
    o->vcpus = calloc(d->nr_vcpus, sizeof(*o->vcpus));
    if (!o->vcpus)
        return cvg_fail(err, -ENOMEM, "no memory for the info of domain %u", d->domid);
    pthread_mutex_lock(&d->lock);
    o->domid = d->domid;
    snprintf(o->name, sizeof(o->name), "%s", d->name);
    o->hvm = true;
    o->paused = d->pause_count > 0;
    o->shutdown = d->shutdown;
    o->dying = atomic_load(&d->dying);
    o->logdirty = atomic_load(&d->ld.enabled);
    o->pause_count = d->pause_count;
    o->shutdown_reason = d->shutdown_reason;
    o->cap = d->cap;
    o->p2m_size = d->nr_pages;
    o->nr_pages = d->nr_populated;
    o->seed = d->seed;
    o->logdirty_since_ns = d->ld_since_ns;
    o->nr_vcpus = d->nr_vcpus;
    for (uint32_t i = 0; i < d->nr_vcpus; i++) {
        struct simd_vcpu *v = &d->vcpus[i];
        struct cvg_sim_vcpu_state *s = &o->vcpus[i];

        s->id = i;
        s->pattern = (uint32_t)v->wl.pattern;
        s->rate_mib_s = v->wl.pattern == CVG_PATTERN_IDLE ? 0 : v->wl.rate_mib_s;
        s->period_us = v->period_us;
        s->budget_us = v->budget_us;
        s->affinity = v->affinity;
        s->share_ppm = atomic_load(&v->share_ppm);
        s->blocked = v->wl.pattern == CVG_PATTERN_IDLE;
        s->running = vcpu_running(d, v);
        s->work = atomic_load(&v->work);
        s->writes = atomic_load(&v->writes);
        s->cpu_time_ns = atomic_load(&v->cpu_time_ns);
    }
    pthread_mutex_unlock(&d->lock);
    return 0;
}

int simd_domain_truth(struct simd_domain *d, struct cvg_sim_truth *o, struct cvg_err *err)
{
    memset(o, 0, sizeof(*o));
    o->vcpus = calloc(d->nr_vcpus, sizeof(*o->vcpus));
    if (!o->vcpus)
        return cvg_fail(err, -ENOMEM, "no memory for the truth of domain %u", d->domid);
    o->nr_vcpus = d->nr_vcpus;
    /* A consistent cut: no write is half-way while we read the counters. */
    pthread_rwlock_wrlock(&d->ld_lock);
    o->now_ns = simd_now_ns();
    o->clean_ns = d->clean_ns;
    o->logdirty = atomic_load(&d->ld.enabled);
    o->dirty_count = cvg_sim_ld_dirty_count(&d->ld);
    for (uint32_t i = 0; i < d->nr_vcpus; i++) {
        o->vcpus[i].dirtied = atomic_load(&d->ld.vcpus[i].dirtied);
        o->vcpus[i].writes = atomic_load(&d->vcpus[i].writes);
        o->vcpus[i].work = atomic_load(&d->vcpus[i].work);
        o->vcpus[i].cpu_time_ns = atomic_load(&d->vcpus[i].cpu_time_ns);
    }
    pthread_rwlock_unlock(&d->ld_lock);
    return 0;
}

int simd_domain_digest(struct simd_domain *d, uint8_t sha256[32], struct cvg_err *err)
{
    /* Not paused here: a caller wanting a stable digest pauses first, as a
     * migration does before its final comparison. */
    const uint64_t chunk = 16ull << 20;
    uint64_t bytes = d->nr_pages << CVG_SIM_PAGE_SHIFT;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int outlen = 0;
    int rc = 0;

    if (!ctx)
        return cvg_fail(err, -ENOMEM, "no memory for a SHA-256 context");
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        rc = cvg_fail(err, -EIO, "SHA-256 unavailable in libcrypto");
        goto out;
    }
    for (uint64_t off = 0; off < bytes; off += chunk) {
        uint64_t n = bytes - off < chunk ? bytes - off : chunk;

        if (EVP_DigestUpdate(ctx, d->mem + off, n) != 1) {
            rc = cvg_fail(err, -EIO, "SHA-256 update failed at offset %" PRIu64, off);
            goto out;
        }
    }
    if (EVP_DigestFinal_ex(ctx, sha256, &outlen) != 1 || outlen != 32)
        rc = cvg_fail(err, -EIO, "SHA-256 final failed");
out:
    EVP_MD_CTX_free(ctx);
    return rc;
}

void simd_domain_apply_phases(struct simd_domain *d, uint64_t now_ns)
{
    pthread_mutex_lock(&d->lock);
    while (d->ld_since_ns && d->next_phase < d->nr_phases) {
        const struct cvg_workload *p = &d->phases[d->next_phase];

        if ((double)(now_ns - d->ld_since_ns) < p->at_s * 1e9)
            break;
        for (uint32_t v = p->vcpu_first; v <= p->vcpu_last && v < d->nr_vcpus; v++) {
            d->vcpus[v].wl = *p;
            atomic_fetch_add(&d->vcpus[v].wl_gen, 1);
        }
        d->next_phase++;
        pthread_cond_broadcast(&d->cond);
    }
    pthread_mutex_unlock(&d->lock);
}
