/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "hv/xen_logic.h"

int cvg_xen_dominfo_decode(uint32_t domid, const xc_domaininfo_t *di,
                           struct cvg_dominfo *info, struct cvg_err *err)
{
    uint32_t f = di->flags;

    if (di->domain != domid)
        return cvg_fail(err, -ESRCH, "dom %u: no such domain", domid);
    memset(info, 0, sizeof(*info));
    info->domid = domid;
    info->hvm = f & XEN_DOMINF_hvm_guest;
    info->paused = f & XEN_DOMINF_paused;
    info->shutdown = f & XEN_DOMINF_shutdown;
    info->dying = f & XEN_DOMINF_dying;
    if (info->shutdown)
        info->shutdown_reason = (f >> XEN_DOMINF_shutdownshift) &
                                XEN_DOMINF_shutdownmask;
    info->max_vcpu_id = di->max_vcpu_id;
    info->nr_online_vcpus = di->nr_online_vcpus;
    info->nr_pages = di->tot_pages;
    info->max_pages = di->max_pages;
    info->cpu_time_ns = di->cpu_time;
    info->cpupool = di->cpupool;
    return 0;
}

int cvg_xen_cap_check(uint32_t domid, uint32_t cap, uint32_t nr_vcpus,
                      struct cvg_err *err)
{
    if (nr_vcpus == 0)
        return cvg_fail(err, -EINVAL, "dom %u: no vCPUs to cap", domid);
    if ((uint64_t)cap > 100ull * nr_vcpus)
        return cvg_fail(err, -EINVAL, "dom %u: cap %u%% exceeds what its %u "
                        "vCPU%s can use (at most %llu%%)", domid, cap, nr_vcpus,
                        nr_vcpus == 1 ? "" : "s", 100ull * nr_vcpus);
    /* credit reads 0xFFFF as "leave the cap unchanged". */
    if (cap >= 0xFFFF)
        return cvg_fail(err, -EINVAL, "dom %u: cap %u%% does not fit Xen's "
                        "16-bit cap field", domid, cap);
    return 0;
}

int cvg_xen_budget_check(uint32_t domid, uint32_t vcpu, uint32_t period_us,
                         uint32_t budget_us, struct cvg_err *err)
{
    if (budget_us < 10 || budget_us > period_us)
        return cvg_fail(err, -EINVAL, "dom %u vCPU %u: RTDS wants 10 us <= "
                        "budget <= period, got budget %u us, period %u us",
                        domid, vcpu, budget_us, period_us);
    return 0;
}

int cvg_xen_cpumap_from_words(const uint64_t *words, size_t nwords,
                              uint8_t *map, size_t map_bytes,
                              struct cvg_err *err)
{
    size_t i, set = 0;

    memset(map, 0, map_bytes);
    for (i = 0; i < nwords * 64; i++) {
        if (!(words[i / 64] >> (i % 64) & 1))
            continue;
        if (i >= map_bytes * 8)
            return cvg_fail(err, -EINVAL, "pCPU %zu does not exist (the host's "
                            "cpumaps hold %zu)", i, map_bytes * 8);
        map[i / 8] |= (uint8_t)(1u << (i % 8));
        set++;
    }
    if (!set)
        return cvg_fail(err, -EINVAL, "empty affinity: a vCPU needs a pCPU");
    return 0;
}

int cvg_xen_cpumap_to_words(const uint8_t *map, size_t map_bytes,
                            uint64_t *words, size_t nwords,
                            struct cvg_err *err)
{
    size_t i;

    memset(words, 0, nwords * sizeof(*words));
    for (i = 0; i < map_bytes * 8; i++) {
        if (!(map[i / 8] >> (i % 8) & 1))
            continue;
        if (i >= nwords * 64)
            return cvg_fail(err, -ERANGE, "affinity includes pCPU %zu, beyond "
                            "the %zu pCPUs asked for", i, nwords * 64);
        words[i / 64] |= 1ull << (i % 64);
    }
    return 0;
}

size_t cvg_xen_bitmap_bytes(uint64_t pages)
{
    const uint64_t bits_per_long = 8 * sizeof(unsigned long);

    return (size_t)((pages + bits_per_long - 1) / bits_per_long) *
           sizeof(unsigned long);
}

size_t cvg_xen_bitmap_buffer_pages(uint64_t pages)
{
    return (cvg_xen_bitmap_bytes(pages) + CVG_PAGE_SIZE - 1) / CVG_PAGE_SIZE;
}

void cvg_xen_bitmap_copy_out(unsigned long *dst, const void *src,
                             uint64_t pages)
{
    size_t used = (size_t)((pages + 7) / 8);
    size_t all = cvg_xen_bitmap_bytes(pages);
    uint8_t *d = (uint8_t *)dst;

    memcpy(d, src, used);
    memset(d + used, 0, all - used);
    if (pages % 8)
        d[used - 1] &= (uint8_t)((1u << (pages % 8)) - 1);
}

int cvg_xen_sched_has_cap(enum cvg_sched_id id)
{
    return id == CVG_SCHED_CREDIT || id == CVG_SCHED_CREDIT2;
}

int cvg_xen_sched_has_budgets(enum cvg_sched_id id)
{
    return id == CVG_SCHED_RTDS;
}

const char *cvg_xen_sched_name(enum cvg_sched_id id)
{
    switch (id) {
    case CVG_SCHED_CREDIT: return "credit";
    case CVG_SCHED_CREDIT2: return "credit2";
    case CVG_SCHED_ARINC653: return "arinc653";
    case CVG_SCHED_RTDS: return "RTDS";
    case CVG_SCHED_NULL: return "null";
    case CVG_SCHED_SIM: return "sim";
    }
    return "unknown";
}
