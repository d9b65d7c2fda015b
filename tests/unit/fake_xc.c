/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fake hypervisor behind check_hv_xen: definitions of every
 * libxenctrl / libxenforeignmemory / libxenguest function hv/xen.c calls,
 * with Xen 4.17's semantics where the port depends on them (getinfolist
 * answering with the next domain, credit2 cap rules, weight 0 meaning
 * unchanged, ENABLE_LOGDIRTY refusing an already-on domain, CLEAN/PEEK,
 * cpupool lookup returning the next pool).  See fake_xc.h.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xenguest.h>

#include "fake_xc.h"

/* libxenctrl exports it without a public declaration (see hv/xen.c). */
int xc_get_pfn_type_batch(xc_interface *xch, uint32_t dom, unsigned int num,
                          xen_pfn_t *arr);

struct fake_state fake;
static char fake_xch_storage, fake_fmem_storage;

void fake_reset(void)
{
    struct fake_dom *d;
    unsigned v, i;

    memset(&fake, 0, sizeof(fake));
    fake.pool[0] = (struct fake_pool){ true, 0, XEN_SCHEDULER_CREDIT2 };
    fake.pool[1] = (struct fake_pool){ true, 2, XEN_SCHEDULER_RTDS };

    d = &fake.dom[0];
    d->exists = true;
    d->domid = 3;
    d->flags = XEN_DOMINF_hvm_guest | XEN_DOMINF_running;
    d->nr_vcpus = 4;
    d->cpupool = 0;
    d->tot_pages = 262144;
    d->cpu_time = 123456789;
    d->nr_gpfns = 1000;
    d->resumed_fast = -1;
    d->credit_weight = d->credit2_weight = 256;
    for (v = 0; v < FAKE_MAX_VCPUS; v++) {
        d->rtds[v].period = 10000;
        d->rtds[v].budget = 4000;
        d->affinity[v][0] = 0xff;           /* pCPUs 0-7 */
        d->vcpu_time[v] = 1000000ull * (v + 1);
    }
    for (i = 0; i < FAKE_MAX_PFNS; i++)
        d->pfn_type[i] = XEN_DOMCTL_PFINFO_NOTAB;
    d->hvm_ctx_len = 200;
    for (i = 0; i < d->hvm_ctx_len; i++)
        d->hvm_ctx[i] = (uint8_t)(i ^ 0x5a);

    d = &fake.dom[1];
    d->exists = true;
    d->domid = 9;
    d->flags = XEN_DOMINF_paused;
    d->nr_vcpus = 2;
    d->nr_gpfns = 64;
    d->resumed_fast = -1;
}

struct fake_dom *fake_dom(uint32_t domid)
{
    unsigned i;

    for (i = 0; i < FAKE_MAX_DOMS; i++)
        if (fake.dom[i].exists && fake.dom[i].domid == domid)
            return &fake.dom[i];
    return NULL;
}

static struct fake_pool *pool_of(const struct fake_dom *d)
{
    unsigned i;

    for (i = 0; i < FAKE_MAX_POOLS; i++)
        if (fake.pool[i].exists && fake.pool[i].id == d->cpupool)
            return &fake.pool[i];
    return NULL;
}

static void fake_log(const char *fmt, ...)
{
    va_list ap;

    if (!fake.logger)
        return;
    va_start(ap, fmt);
    fake.logger->vmessage(fake.logger, XTL_ERROR, errno, "xc", fmt, ap);
    va_end(ap);
}

/* Failure injection: true (errno set, message logged) if call must fail. */
static bool inject(const char *call)
{
    if (!fake.fail_call || strcmp(fake.fail_call, call))
        return false;
    fake.fail_call = NULL;
    if (fake.fail_logmsg)
        fake_log("%s", fake.fail_logmsg);
    errno = fake.fail_errno;
    return true;
}

static int fail(int e)
{
    errno = e;
    return -1;
}

/* Looks a domain up the way a domctl does: ESRCH when it is not there. */
#define DOM_OR_FAIL(d, domid) do {                  \
        (d) = fake_dom(domid);                      \
        if (!(d))                                   \
            return fail(ESRCH);                     \
    } while (0)

/* ---- handles ------------------------------------------------------------ */

xc_interface *xc_interface_open(xentoollog_logger *logger,
                                xentoollog_logger *dombuild_logger,
                                unsigned open_flags)
{
    fake.n_interface_open++;
    if (inject("xc_interface_open"))
        return NULL;
    fake.logger = logger;
    return (xc_interface *)&fake_xch_storage;
}

int xc_interface_close(xc_interface *xch)
{
    fake.n_interface_close++;
    return 0;
}

xenforeignmemory_handle *xenforeignmemory_open(struct xentoollog_logger *logger,
                                               unsigned open_flags)
{
    fake.n_fmem_open++;
    if (inject("xenforeignmemory_open"))
        return NULL;
    return (xenforeignmemory_handle *)&fake_fmem_storage;
}

int xenforeignmemory_close(xenforeignmemory_handle *fmem)
{
    fake.n_fmem_close++;
    return 0;
}

/* ---- domains -------------------------------------------------------------- */

int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain,
                          unsigned int max_domains, xc_domaininfo_t *info)
{
    struct fake_dom *best = NULL;
    unsigned i;

    fake.n_getinfolist++;
    if (inject("xc_domain_getinfolist"))
        return -1;
    /* Like Xen: the first domain whose id is >= the one asked for. */
    for (i = 0; i < FAKE_MAX_DOMS; i++) {
        struct fake_dom *d = &fake.dom[i];

        if (d->exists && d->domid >= first_domain && (!best || d->domid < best->domid))
            best = d;
    }
    if (!best || max_domains == 0)
        return 0;
    memset(info, 0, sizeof(*info));
    info->domain = (domid_t)best->domid;
    info->flags = best->flags;
    info->tot_pages = best->tot_pages;
    info->max_pages = best->max_pages;
    info->cpu_time = best->cpu_time;
    info->nr_online_vcpus = best->nr_vcpus;
    info->max_vcpu_id = best->nr_vcpus - 1;
    info->cpupool = best->cpupool;
    return 1;
}

int xc_domain_nr_gpfns(xc_interface *xch, uint32_t domid, xen_pfn_t *gpfns)
{
    struct fake_dom *d;

    DOM_OR_FAIL(d, domid);
    if (inject("xc_domain_nr_gpfns"))
        return -1;
    *gpfns = d->nr_gpfns;
    return 0;
}

int xc_vcpu_getinfo(xc_interface *xch, uint32_t domid, uint32_t vcpu,
                    xc_vcpuinfo_t *info)
{
    struct fake_dom *d;

    DOM_OR_FAIL(d, domid);
    if (vcpu >= d->nr_vcpus)
        return fail(ESRCH);
    info->vcpu = vcpu;
    info->online = 1;
    info->blocked = vcpu == 1;
    info->running = vcpu == 0;
    info->cpu_time = d->vcpu_time[vcpu];
    info->cpu = vcpu + 2;
    return 0;
}

int xc_physinfo(xc_interface *xch, xc_physinfo_t *info)
{
    memset(info, 0, sizeof(*info));
    info->nr_cpus = FAKE_NR_PCPUS;
    info->max_cpu_id = FAKE_NR_PCPUS - 1;
    return 0;
}

int xc_domain_pause(xc_interface *xch, uint32_t domid)
{
    struct fake_dom *d;

    DOM_OR_FAIL(d, domid);
    if (inject("xc_domain_pause"))
        return -1;
    d->pause_count++;
    d->flags |= XEN_DOMINF_paused;
    return 0;
}

int xc_domain_unpause(xc_interface *xch, uint32_t domid)
{
    struct fake_dom *d;

    DOM_OR_FAIL(d, domid);
    if (d->pause_count == 0)
        return fail(EINVAL);
    if (--d->pause_count == 0)
        d->flags &= ~XEN_DOMINF_paused;
    return 0;
}

int xc_domain_shutdown(xc_interface *xch, uint32_t domid, int reason)
{
    struct fake_dom *d;

    DOM_OR_FAIL(d, domid);
    d->flags &= ~(XEN_DOMINF_shutdownmask << XEN_DOMINF_shutdownshift);
    d->flags |= XEN_DOMINF_shutdown |
                ((uint32_t)reason & XEN_DOMINF_shutdownmask) << XEN_DOMINF_shutdownshift;
    return 0;
}

int xc_domain_resume(xc_interface *xch, uint32_t domid, int fast)
{
    struct fake_dom *d;

    DOM_OR_FAIL(d, domid);
    if (!(d->flags & XEN_DOMINF_shutdown))
        return fail(EINVAL);
    d->flags &= ~(XEN_DOMINF_shutdown |
                  XEN_DOMINF_shutdownmask << XEN_DOMINF_shutdownshift);
    d->resumed_fast = fast;
    return 0;
}

/* ---- scheduling ----------------------------------------------------------- */

xc_cpupoolinfo_t *xc_cpupool_getinfo(xc_interface *xch, uint32_t poolid)
{
    struct fake_pool *best = NULL;
    xc_cpupoolinfo_t *info;
    unsigned i;

    fake.n_cpupool_getinfo++;
    /* Like libxenctrl: the first pool whose id is >= poolid. */
    for (i = 0; i < FAKE_MAX_POOLS; i++)
        if (fake.pool[i].exists && fake.pool[i].id >= poolid &&
            (!best || fake.pool[i].id < best->id))
            best = &fake.pool[i];
    if (!best) {
        errno = ENOENT;
        return NULL;
    }
    info = calloc(1, sizeof(*info));
    info->cpumap = calloc(1, FAKE_CPUMAP_BYTES);
    info->cpupool_id = best->id;
    info->sched_id = best->sched_id;
    return info;
}

void xc_cpupool_infofree(xc_interface *xch, xc_cpupoolinfo_t *info)
{
    fake.n_cpupool_infofree++;
    if (info)
        free(info->cpumap);
    free(info);
}

static int sched_dom(uint32_t domid, uint32_t sched, struct fake_dom **d)
{
    struct fake_pool *pool;

    *d = fake_dom(domid);
    if (!*d)
        return fail(ESRCH);
    pool = pool_of(*d);
    /* Xen: EINVAL when the op is for another scheduler than the pool's. */
    if (!pool || pool->sched_id != sched)
        return fail(EINVAL);
    return 0;
}

int xc_sched_credit_domain_get(xc_interface *xch, uint32_t domid,
                               struct xen_domctl_sched_credit *sdom)
{
    struct fake_dom *d;

    fake.n_credit_get++;
    if (sched_dom(domid, XEN_SCHEDULER_CREDIT, &d))
        return -1;
    sdom->weight = d->credit_weight;
    sdom->cap = d->credit_cap;
    return 0;
}

int xc_sched_credit_domain_set(xc_interface *xch, uint32_t domid,
                               struct xen_domctl_sched_credit *sdom)
{
    struct fake_dom *d;

    fake.n_credit_set++;
    fake.last_credit_set_weight = sdom->weight;
    if (sched_dom(domid, XEN_SCHEDULER_CREDIT, &d))
        return -1;
    if (sdom->weight)
        d->credit_weight = sdom->weight;
    if (sdom->cap != (uint16_t)~0U)        /* 0xFFFF: unchanged */
        d->credit_cap = sdom->cap;
    return 0;
}

int xc_sched_credit2_domain_get(xc_interface *xch, uint32_t domid,
                                struct xen_domctl_sched_credit2 *sdom)
{
    struct fake_dom *d;

    fake.n_credit2_get++;
    if (sched_dom(domid, XEN_SCHEDULER_CREDIT2, &d))
        return -1;
    sdom->weight = d->credit2_weight;
    sdom->cap = d->credit2_cap;
    return 0;
}

int xc_sched_credit2_domain_set(xc_interface *xch, uint32_t domid,
                                struct xen_domctl_sched_credit2 *sdom)
{
    struct fake_dom *d;

    fake.n_credit2_set++;
    fake.last_credit2_set_weight = sdom->weight;
    if (sched_dom(domid, XEN_SCHEDULER_CREDIT2, &d))
        return -1;
    if (inject("xc_sched_credit2_domain_set"))
        return -1;
    /* credit2 putinfo: cap beyond 100 per vCPU is EINVAL, 0 removes it. */
    if (sdom->cap > 100u * d->nr_vcpus)
        return fail(EINVAL);
    if (sdom->weight)
        d->credit2_weight = sdom->weight;
    d->credit2_cap = sdom->cap;
    return 0;
}

int xc_sched_rtds_vcpu_get(xc_interface *xch, uint32_t domid,
                           struct xen_domctl_schedparam_vcpu *vcpus,
                           uint32_t num_vcpus)
{
    struct fake_dom *d;
    uint32_t i;

    fake.n_rtds_get++;
    if (sched_dom(domid, XEN_SCHEDULER_RTDS, &d))
        return -1;
    for (i = 0; i < num_vcpus; i++) {
        uint32_t v = vcpus[i].vcpuid;

        if (v >= d->nr_vcpus)
            return fail(EINVAL);
        vcpus[i].u.rtds.period = d->rtds[v].period;
        vcpus[i].u.rtds.budget = d->rtds[v].budget;
        vcpus[i].u.rtds.flags = d->rtds[v].flags;
    }
    return 0;
}

int xc_sched_rtds_vcpu_set(xc_interface *xch, uint32_t domid,
                           struct xen_domctl_schedparam_vcpu *vcpus,
                           uint32_t num_vcpus)
{
    struct fake_dom *d;
    uint32_t i;

    fake.n_rtds_set++;
    if (sched_dom(domid, XEN_SCHEDULER_RTDS, &d))
        return -1;
    for (i = 0; i < num_vcpus; i++) {
        uint32_t v = vcpus[i].vcpuid;

        if (v >= d->nr_vcpus)
            return fail(EINVAL);
        d->rtds[v].period = vcpus[i].u.rtds.period;
        d->rtds[v].budget = vcpus[i].u.rtds.budget;
        d->rtds[v].flags = vcpus[i].u.rtds.flags;
    }
    return 0;
}

int xc_get_cpumap_size(xc_interface *xch)
{
    return FAKE_CPUMAP_BYTES;
}

xc_cpumap_t xc_cpumap_alloc(xc_interface *xch)
{
    return calloc(1, FAKE_CPUMAP_BYTES);
}

int xc_vcpu_getaffinity(xc_interface *xch, uint32_t domid, int vcpu,
                        xc_cpumap_t cpumap_hard, xc_cpumap_t cpumap_soft,
                        uint32_t flags)
{
    struct fake_dom *d;

    DOM_OR_FAIL(d, domid);
    if (vcpu < 0 || (uint32_t)vcpu >= d->nr_vcpus || !(flags & XEN_VCPUAFFINITY_HARD))
        return fail(EINVAL);
    memcpy(cpumap_hard, d->affinity[vcpu], FAKE_CPUMAP_BYTES);
    return 0;
}

int xc_vcpu_setaffinity(xc_interface *xch, uint32_t domid, int vcpu,
                        xc_cpumap_t cpumap_hard_inout,
                        xc_cpumap_t cpumap_soft_inout, uint32_t flags)
{
    struct fake_dom *d;

    fake.n_setaffinity++;
    DOM_OR_FAIL(d, domid);
    if (vcpu < 0 || (uint32_t)vcpu >= d->nr_vcpus || flags != XEN_VCPUAFFINITY_HARD)
        return fail(EINVAL);
    memcpy(d->affinity[vcpu], cpumap_hard_inout, FAKE_CPUMAP_BYTES);
    return 0;
}

/* ---- log-dirty ------------------------------------------------------------ */

static void record_shadow(uint32_t domid, unsigned op, unsigned mode,
                          bool bitmap_null, unsigned long pages)
{
    if (fake.n_shadow < FAKE_MAX_CALLS)
        fake.shadow[fake.n_shadow] = (struct fake_shadow_call){
            domid, op, mode, bitmap_null, pages };
    fake.n_shadow++;
}

int xc_shadow_control(xc_interface *xch, uint32_t domid, unsigned int sop,
                      unsigned int *mb, unsigned int mode)
{
    struct fake_dom *d;

    record_shadow(domid, sop, mode, true, 0);
    DOM_OR_FAIL(d, domid);
    switch (sop) {
    case XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY:
        if (d->no_shadow)
            return fail(EOPNOTSUPP);
        if (d->logdirty_on)                 /* paging_log_dirty_enable */
            return fail(EINVAL);
        d->logdirty_on = true;
        return 0;
    case XEN_DOMCTL_SHADOW_OP_OFF:
        d->logdirty_on = false;
        return 0;
    }
    return fail(EINVAL);
}

long long xc_logdirty_control(xc_interface *xch, uint32_t domid, unsigned int sop,
                              xc_hypercall_buffer_t *dirty_bitmap,
                              unsigned long pages, unsigned int mode,
                              xc_shadow_op_stats_t *stats)
{
    struct fake_dom *d;
    unsigned long i;

    record_shadow(domid, sop, mode, dirty_bitmap == NULL, pages);
    DOM_OR_FAIL(d, domid);
    if (!d->logdirty_on || (sop != XEN_DOMCTL_SHADOW_OP_CLEAN &&
                            sop != XEN_DOMCTL_SHADOW_OP_PEEK))
        return fail(EINVAL);
    if (dirty_bitmap && pages > FAKE_MAX_PFNS)
        return fail(EINVAL);
    stats->fault_count = 0;
    stats->dirty_count = d->dirty_count;
    if (dirty_bitmap) {
        uint8_t *out = dirty_bitmap->hbuf;

        /* Whole bytes, as Xen copies them: pfns >= nr_gpfns read as
         * garbage here, to prove the port masks them. */
        for (i = 0; i < (pages + 7) / 8; i++)
            out[i] = d->dirty[i];
        if (pages % 8)
            out[pages / 8] |= (uint8_t)(0xff << (pages % 8));
    }
    if (sop == XEN_DOMCTL_SHADOW_OP_CLEAN) {
        memset(d->dirty, 0, sizeof(d->dirty));
        d->dirty_count = 0;
    }
    return (long long)(dirty_bitmap ? pages - d->short_by : 0);
}

void *xc__hypercall_buffer_alloc_pages(xc_interface *xch, xc_hypercall_buffer_t *b,
                                       int nr_pages)
{
    void *p = NULL;

    fake.n_hcbuf_alloc++;
    if (nr_pages <= 0 || posix_memalign(&p, 4096, (size_t)nr_pages * 4096))
        return NULL;
    memset(p, 0xa5, (size_t)nr_pages * 4096);   /* not zeroed, like a reused one */
    b->hbuf = p;
    return p;
}

void xc__hypercall_buffer_free_pages(xc_interface *xch, xc_hypercall_buffer_t *b,
                                     int nr_pages)
{
    fake.n_hcbuf_free++;
    free(b->hbuf);
    b->hbuf = NULL;
}

/* ---- memory --------------------------------------------------------------- */

int xc_get_pfn_type_batch(xc_interface *xch, uint32_t dom, unsigned int num,
                          xen_pfn_t *arr)
{
    struct fake_dom *d;
    unsigned i;

    fake.n_pfn_type_calls++;
    if (num > fake.max_pfn_type_batch)
        fake.max_pfn_type_batch = num;
    DOM_OR_FAIL(d, dom);
    if (num > 1024)                     /* getpageframeinfo3's limit */
        return fail(E2BIG);
    for (i = 0; i < num; i++)
        arr[i] = arr[i] < d->nr_gpfns && arr[i] < FAKE_MAX_PFNS
                 ? d->pfn_type[arr[i]] : XEN_DOMCTL_PFINFO_XTAB;
    for (i = 0; i < num && arr[i] == XEN_DOMCTL_PFINFO_XTAB; i++)
        ;
    if (num && i == num && fake.hole_batch_delay_us)
        usleep(fake.hole_batch_delay_us);
    return 0;
}

void *xenforeignmemory_map(xenforeignmemory_handle *fmem, uint32_t dom, int prot,
                           size_t pages, const xen_pfn_t arr[], int err[])
{
    struct fake_dom *d = fake_dom(dom);
    uint8_t *base;
    size_t i;

    fake.n_map++;
    if (!d) {
        errno = ESRCH;
        return NULL;
    }
    base = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        return NULL;
    for (i = 0; i < pages; i++) {
        xen_pfn_t pfn = arr[i];

        if (pfn >= d->nr_gpfns || d->pfn_type[pfn] == XEN_DOMCTL_PFINFO_XTAB) {
            err[i] = -ENOENT;           /* Linux privcmd: negative */
        } else if (d->pfn_type[pfn] == XEN_DOMCTL_PFINFO_BROKEN) {
            err[i] = EIO;               /* the header says "errno values" */
        } else {
            err[i] = 0;
            memset(base + i * 4096, fake_page_byte(pfn), 4096);
            if (prot & PROT_WRITE)
                fake.rw_mapped[fake.n_rw_mapped++ % FAKE_MAX_CALLS] = pfn;
        }
    }
    return base;
}

int xenforeignmemory_unmap(xenforeignmemory_handle *fmem, void *addr, size_t pages)
{
    fake.n_unmap++;
    fake.last_unmap_pages = pages;
    return munmap(addr, pages * 4096);
}

int xc_domain_populate_physmap_exact(xc_interface *xch, uint32_t domid,
                                     unsigned long nr_extents,
                                     unsigned int extent_order,
                                     unsigned int mem_flags,
                                     xen_pfn_t *extent_start)
{
    struct fake_dom *d;
    unsigned long i;

    fake.n_populate++;
    DOM_OR_FAIL(d, domid);
    if (extent_order != 0)
        return fail(EINVAL);
    for (i = 0; i < nr_extents; i++) {
        if (extent_start[i] >= FAKE_MAX_PFNS || d->populated[extent_start[i]])
            return fail(EBUSY);
        d->populated[extent_start[i]] = true;
        if (extent_start[i] >= d->nr_gpfns)
            d->nr_gpfns = extent_start[i] + 1;
    }
    fake.populated_extents += nr_extents;
    return 0;
}

/* ---- HVM state ------------------------------------------------------------ */

int xc_domain_hvm_getcontext(xc_interface *xch, uint32_t domid, uint8_t *ctxt_buf,
                             uint32_t size)
{
    struct fake_dom *d;

    DOM_OR_FAIL(d, domid);
    if (!ctxt_buf) {
        fake.n_hvm_getcontext_size_queries++;
        return (int)d->hvm_ctx_len;
    }
    if (size < d->hvm_ctx_len)
        return fail(ENOSPC);
    memcpy(ctxt_buf, d->hvm_ctx, d->hvm_ctx_len);
    return (int)d->hvm_ctx_len;
}

int xc_domain_hvm_setcontext(xc_interface *xch, uint32_t domid, uint8_t *hvm_ctxt,
                             uint32_t size)
{
    struct fake_dom *d;

    DOM_OR_FAIL(d, domid);
    if (size > sizeof(d->hvm_ctx))
        return fail(EINVAL);
    memcpy(d->hvm_ctx, hvm_ctxt, size);
    d->hvm_ctx_len = size;
    return 0;
}

int xc_dom_gnttab_seed(xc_interface *xch, uint32_t guest_domid, bool is_hvm,
                       xen_pfn_t console_gfn, xen_pfn_t xenstore_gfn,
                       uint32_t console_domid, uint32_t xenstore_domid)
{
    struct fake_dom *d;

    DOM_OR_FAIL(d, guest_domid);
    if (inject("xc_dom_gnttab_seed"))
        return -1;
    if (!is_hvm)
        return fail(EINVAL);
    fake.gnttab_seed.n++;
    fake.gnttab_seed.domid = guest_domid;
    fake.gnttab_seed.console_gfn = console_gfn;
    fake.gnttab_seed.store_gfn = xenstore_gfn;
    fake.gnttab_seed.console_domid = console_domid;
    fake.gnttab_seed.store_domid = xenstore_domid;
    fake.gnttab_seed.after_setcontext = d->hvm_ctx_len != 0;
    return 0;
}

int xc_hvm_param_get(xc_interface *handle, uint32_t dom, uint32_t param,
                     uint64_t *value)
{
    struct fake_dom *d;

    DOM_OR_FAIL(d, dom);
    if (param >= 64)
        return fail(EINVAL);
    *value = d->params[param];
    return 0;
}

int xc_hvm_param_set(xc_interface *handle, uint32_t dom, uint32_t param,
                     uint64_t value)
{
    struct fake_dom *d;

    DOM_OR_FAIL(d, dom);
    if (param >= 64)
        return fail(EINVAL);
    d->params[param] = value;
    return 0;
}

int xc_domain_get_tsc_info(xc_interface *xch, uint32_t domid, uint32_t *tsc_mode,
                           uint64_t *elapsed_nsec, uint32_t *gtsc_khz,
                           uint32_t *incarnation)
{
    struct fake_dom *d;

    DOM_OR_FAIL(d, domid);
    *tsc_mode = d->tsc_mode;
    *elapsed_nsec = d->tsc_nsec;
    *gtsc_khz = d->tsc_khz;
    *incarnation = d->tsc_incarnation;
    return 0;
}

int xc_domain_set_tsc_info(xc_interface *xch, uint32_t domid, uint32_t tsc_mode,
                           uint64_t elapsed_nsec, uint32_t gtsc_khz,
                           uint32_t incarnation)
{
    struct fake_dom *d;

    DOM_OR_FAIL(d, domid);
    d->tsc_mode = tsc_mode;
    d->tsc_nsec = elapsed_nsec;
    d->tsc_khz = gtsc_khz;
    d->tsc_incarnation = incarnation;
    return 0;
}
