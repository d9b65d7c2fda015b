/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The xen hypervisor port: struct cvg_hv_ops over libxenctrl and
 * libxenforeignmemory, with Xen 4.17's semantics and pitfalls
 * (shared/docs/xen-interfaces.md §3, §4).  Decoding and checks live in
 * xen_logic.c; this file only sequences the calls and names each failure
 * with the call, the domain and errno.
 *
 * libxenctrl's own log messages are not printed: a capturing logger keeps
 * the last error-level message and adds it to the failing call's sentence
 * (the helper's stdout is the libxl IPC channel, and the library must not
 * print anyway).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xenguest.h>

#include "hv/hv.h"
#include "hv/xen_logic.h"

/*
 * Exported by libxenctrl.so.4.17 (VERS_4.17.0) but declared only in its
 * private xc_private.h: the XEN_DOMCTL_getpageframeinfo3 wrapper.  arr
 * holds pfns on entry and their XEN_DOMCTL_PFINFO_* types on return; at
 * most 1024 per call (the domctl's limit).
 */
int xc_get_pfn_type_batch(xc_interface *xch, uint32_t dom, unsigned int num,
                          xen_pfn_t *arr);

#define LOG_MSG_MAX 160u
#define MAX_TRACKED_DOMAINS 64u

struct capture_logger {
    xentoollog_logger vtable;   /* first: libxenctrl passes this pointer */
    pthread_mutex_t lock;
    unsigned long seq;
    pthread_t thread;
    char msg[LOG_MSG_MAX];
};

struct xen_priv {
    struct cvg_hv hv;
    xc_interface *xch;
    xenforeignmemory_handle *fmem;
    struct capture_logger log;
    /* Xen 4.17 cannot say whether log-dirty is on: remember what we did. */
    pthread_mutex_t ld_lock;
    struct { uint32_t domid; bool on; } ld[MAX_TRACKED_DOMAINS];
    unsigned nr_ld;
};

static struct xen_priv *P(struct cvg_hv *hv)
{
    return hv->priv;
}

/* ---- libxenctrl's messages -------------------------------------------- */

static void capture_vmessage(xentoollog_logger *lg, xentoollog_level level,
                             int errnoval, const char *context,
                             const char *format, va_list al)
{
    struct capture_logger *c = (struct capture_logger *)lg;

    if (level < XTL_ERROR)
        return;
    pthread_mutex_lock(&c->lock);
    vsnprintf(c->msg, sizeof(c->msg), format, al);
    c->seq++;
    c->thread = pthread_self();
    pthread_mutex_unlock(&c->lock);
}

static void capture_destroy(xentoollog_logger *lg)
{
}

static unsigned long log_mark(struct xen_priv *p)
{
    unsigned long seq;

    pthread_mutex_lock(&p->log.lock);
    seq = p->log.seq;
    pthread_mutex_unlock(&p->log.lock);
    return seq;
}

/*
 * Records "CALL(dom N) failed: strerror (libxc: last message)".  e is the
 * errno libxenctrl left (0 is turned into EIO: a failure must carry one).
 */
static int xfail(struct xen_priv *p, unsigned long mark, struct cvg_err *err,
                 int e, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int xfail(struct xen_priv *p, unsigned long mark, struct cvg_err *err,
                 int e, const char *fmt, ...)
{
    char what[200], extra[LOG_MSG_MAX + 16] = "";
    va_list ap;

    if (e <= 0)
        e = EIO;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&p->log.lock);
    if (p->log.seq != mark && pthread_equal(p->log.thread, pthread_self()))
        snprintf(extra, sizeof(extra), " (libxc: %s)", p->log.msg);
    pthread_mutex_unlock(&p->log.lock);
    return cvg_fail(err, -e, "%s failed: %s%s", what, strerror(e), extra);
}

/* ---- domain and vCPU info ---------------------------------------------- */

static int get_domaininfo(struct xen_priv *p, uint32_t domid,
                          xc_domaininfo_t *di, struct cvg_dominfo *info,
                          struct cvg_err *err)
{
    unsigned long mark = log_mark(p);
    int rc;

    memset(di, 0, sizeof(*di));
    rc = xc_domain_getinfolist(p->xch, domid, 1, di);
    if (rc < 0)
        return xfail(p, mark, err, errno, "xc_domain_getinfolist(dom %u)", domid);
    if (rc == 0)
        return cvg_fail(err, -ESRCH, "dom %u: no such domain", domid);
    return cvg_xen_dominfo_decode(domid, di, info, err);
}

static int xen_dominfo(struct cvg_hv *hv, uint32_t domid, struct cvg_dominfo *info,
                       struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    xc_domaininfo_t di;
    xen_pfn_t gpfns = 0;
    unsigned long mark;
    int rc = get_domaininfo(p, domid, &di, info, err);

    if (rc)
        return rc;
    mark = log_mark(p);
    if (xc_domain_nr_gpfns(p->xch, domid, &gpfns) < 0)
        return xfail(p, mark, err, errno, "xc_domain_nr_gpfns(dom %u)", domid);
    info->p2m_size = gpfns;
    return 0;
}

static int xen_vcpuinfo(struct cvg_hv *hv, uint32_t domid, uint32_t vcpu,
                        struct cvg_vcpuinfo *info, struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned long mark = log_mark(p);
    xc_vcpuinfo_t vi;

    memset(&vi, 0, sizeof(vi));
    if (xc_vcpu_getinfo(p->xch, domid, vcpu, &vi) < 0)
        return xfail(p, mark, err, errno, "xc_vcpu_getinfo(dom %u, vCPU %u)",
                     domid, vcpu);
    info->online = vi.online;
    info->blocked = vi.blocked;
    info->running = vi.running;
    info->cpu_time_ns = vi.cpu_time;
    info->cpu = vi.cpu;
    return 0;
}

/* Every pCPU id a cpumap can name: max_cpu_id + 1 (ids may have holes). */
static int xen_nr_pcpus(struct cvg_hv *hv, uint32_t *nr, struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned long mark = log_mark(p);
    xc_physinfo_t pi;

    memset(&pi, 0, sizeof(pi));
    if (xc_physinfo(p->xch, &pi) < 0)
        return xfail(p, mark, err, errno, "xc_physinfo");
    *nr = pi.max_cpu_id + 1;
    return 0;
}

/* ---- guest memory ------------------------------------------------------ */

static xen_pfn_t *copy_pfns(const uint64_t *pfns, size_t n)
{
    xen_pfn_t *arr = malloc(n ? n * sizeof(*arr) : 1);
    size_t i;

    for (i = 0; arr && i < n; i++)
        arr[i] = (xen_pfn_t)pfns[i];
    return arr;
}

static int xen_map(struct cvg_hv *hv, uint32_t domid, int prot, size_t n,
                   const uint64_t *pfns, struct cvg_hv_mapping *map,
                   struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    xen_pfn_t *arr = NULL;
    unsigned long mark;
    uint8_t *base;
    size_t i;
    int rc = 0;

    memset(map, 0, sizeof(*map));
    if (n == 0 || n > CVG_XEN_MAX_BATCH)
        return cvg_fail(err, -EINVAL, "dom %u: cannot map %zu pages (1..%u)",
                        domid, n, CVG_XEN_MAX_BATCH);
    if (prot != PROT_READ && prot != (PROT_READ | PROT_WRITE))
        return cvg_fail(err, -EINVAL, "dom %u: map protection %#x is neither "
                        "read nor read-write", domid, (unsigned)prot);
    arr = copy_pfns(pfns, n);
    map->pages = calloc(n, sizeof(*map->pages));
    map->errs = calloc(n, sizeof(*map->errs));
    if (!arr || !map->pages || !map->errs) {
        rc = cvg_fail(err, -ENOMEM, "dom %u: out of memory mapping %zu pages",
                      domid, n);
        goto out;
    }
    mark = log_mark(p);
    base = xenforeignmemory_map(p->fmem, domid, prot, n, arr, map->errs);
    if (!base) {
        rc = xfail(p, mark, err, errno, "xenforeignmemory_map(dom %u, %zu pages "
                   "from pfn %#llx)", domid, n, (unsigned long long)pfns[0]);
        goto out;
    }
    for (i = 0; i < n; i++) {
        map->errs[i] = cvg_xen_map_err(map->errs[i]);
        map->pages[i] = map->errs[i] ? NULL : base + i * CVG_PAGE_SIZE;
    }
    map->n = n;
    map->priv = base;
out:
    free(arr);
    if (rc) {
        free(map->pages);
        free(map->errs);
        memset(map, 0, sizeof(*map));
    }
    return rc;
}

static void xen_unmap(struct cvg_hv *hv, struct cvg_hv_mapping *map)
{
    struct xen_priv *p = P(hv);

    if (map->priv)
        xenforeignmemory_unmap(p->fmem, map->priv, map->n);
    free(map->pages);
    free(map->errs);
    memset(map, 0, sizeof(*map));
}

static int xen_pfn_types(struct cvg_hv *hv, uint32_t domid, size_t n,
                         const uint64_t *pfns, uint32_t *types,
                         struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    xen_pfn_t arr[CVG_XEN_PFN_BATCH];
    size_t done, i;

    for (done = 0; done < n; done += CVG_XEN_PFN_BATCH) {
        size_t k = n - done < CVG_XEN_PFN_BATCH ? n - done : CVG_XEN_PFN_BATCH;
        unsigned long mark = log_mark(p);

        for (i = 0; i < k; i++)
            arr[i] = (xen_pfn_t)pfns[done + i];
        if (xc_get_pfn_type_batch(p->xch, domid, (unsigned)k, arr) < 0)
            return xfail(p, mark, err, errno, "xc_get_pfn_type_batch(dom %u, "
                         "%zu pfns from %#llx)", domid, k,
                         (unsigned long long)pfns[done]);
        /* Types sit in the top nibble of a 32-bit value (LPINTAB is bit 31). */
        for (i = 0; i < k; i++)
            types[done + i] = (uint32_t)arr[i];
    }
    return 0;
}

static int xen_populate(struct cvg_hv *hv, uint32_t domid, size_t n,
                        const uint64_t *pfns, struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned long mark;
    xen_pfn_t *arr;
    int rc = 0;

    if (n == 0)
        return 0;
    if (n > CVG_XEN_MAX_BATCH)
        return cvg_fail(err, -EINVAL, "dom %u: cannot populate %zu pages at "
                        "once (at most %u)", domid, n, CVG_XEN_MAX_BATCH);
    arr = copy_pfns(pfns, n);
    if (!arr)
        return cvg_fail(err, -ENOMEM, "dom %u: out of memory populating %zu "
                        "pages", domid, n);
    mark = log_mark(p);
    /* 4 KiB extents, as 4.17's restore does (no superpages). */
    if (xc_domain_populate_physmap_exact(p->xch, domid, n, 0, 0, arr) < 0)
        rc = xfail(p, mark, err, errno, "xc_domain_populate_physmap_exact(dom %u, "
                   "%zu pages from pfn %#llx)", domid, n,
                   (unsigned long long)pfns[0]);
    free(arr);
    return rc;
}

/* ---- log-dirty ---------------------------------------------------------- */

static void ld_remember(struct xen_priv *p, uint32_t domid, bool on)
{
    unsigned i;

    pthread_mutex_lock(&p->ld_lock);
    for (i = 0; i < p->nr_ld && p->ld[i].domid != domid; i++)
        ;
    if (i == p->nr_ld && p->nr_ld < MAX_TRACKED_DOMAINS)
        p->ld[p->nr_ld++].domid = domid;
    if (i < p->nr_ld)
        p->ld[i].on = on;
    pthread_mutex_unlock(&p->ld_lock);
}

static int xen_logdirty_enable(struct cvg_hv *hv, uint32_t domid,
                               struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned long mark = log_mark(p);
    int on1, off = 0, on2 = 0;

    if (xc_shadow_control(p->xch, domid, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY,
                          NULL, 0) == 0)
        goto done;
    on1 = errno;
    /* EINVAL: already on, e.g. qemu tracking VRAM in a non-global mode.
     * libxc turns it off and on again; so do we. */
    if (on1 != EINVAL)
        return xfail(p, mark, err, on1, "xc_shadow_control(dom %u, "
                     "ENABLE_LOGDIRTY)%s", domid, on1 == EOPNOTSUPP ?
                     " (PV guest on a hypervisor without shadow paging?)" : "");
    if (xc_shadow_control(p->xch, domid, XEN_DOMCTL_SHADOW_OP_OFF, NULL, 0) < 0)
        off = errno ? errno : EIO;
    else if (xc_shadow_control(p->xch, domid, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY,
                               NULL, 0) < 0)
        on2 = errno ? errno : EIO;
    if (off || on2)
        return xfail(p, mark, err, off ? off : on2, "xc_shadow_control(dom %u, "
                     "ENABLE_LOGDIRTY) after EINVAL and %s (enable: %s, off: %s, "
                     "enable again: %s)", domid, off ? "OFF" : "OFF + ENABLE",
                     strerror(on1), off ? strerror(off) : "ok",
                     on2 ? strerror(on2) : "not tried");
done:
    ld_remember(p, domid, true);
    return 0;
}

static int xen_logdirty_disable(struct cvg_hv *hv, uint32_t domid,
                                struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned long mark = log_mark(p);

    if (xc_shadow_control(p->xch, domid, XEN_DOMCTL_SHADOW_OP_OFF, NULL, 0) < 0)
        return xfail(p, mark, err, errno, "xc_shadow_control(dom %u, OFF)", domid);
    ld_remember(p, domid, false);
    return 0;
}

static int xen_logdirty_op(struct cvg_hv *hv, uint32_t domid,
                           enum cvg_logdirty_op op, unsigned long *bitmap,
                           uint64_t pages, unsigned mode,
                           struct cvg_logdirty_stats *stats, struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    const char *opname = op == CVG_LOGDIRTY_CLEAN ? "CLEAN" : "PEEK";
    DECLARE_HYPERCALL_BUFFER(unsigned long, hbm);
    xc_shadow_op_stats_t st = { 0, 0 };
    unsigned long mark;
    size_t nr_pages = 0;
    long long done;
    int rc = 0;

    if (op != CVG_LOGDIRTY_CLEAN && op != CVG_LOGDIRTY_PEEK)
        return cvg_fail(err, -EINVAL, "dom %u: log-dirty op %d is neither CLEAN "
                        "nor PEEK", domid, (int)op);
    if (mode & ~CVG_LOGDIRTY_FINAL)
        return cvg_fail(err, -EINVAL, "dom %u: log-dirty mode %#x", domid, mode);
    if (!bitmap != !pages)
        return cvg_fail(err, -EINVAL, "dom %u: log-dirty %s with %s bitmap and "
                        "%llu pages", domid, opname, bitmap ? "a" : "no",
                        (unsigned long long)pages);
    if (pages > ULONG_MAX)
        return cvg_fail(err, -EINVAL, "dom %u: %llu pages", domid,
                        (unsigned long long)pages);

    mark = log_mark(p);
    if (!bitmap) {
        /* Stats only: NULL handle, pages 0 -- Xen copies nothing. */
        done = xc_logdirty_control(p->xch, domid, op, NULL, 0, mode, &st);
        if (done < 0)
            return xfail(p, mark, err, errno, "xc_logdirty_control(dom %u, %s, "
                         "stats only)", domid, opname);
        goto stats;
    }

    nr_pages = cvg_xen_bitmap_buffer_pages(pages);
    if (nr_pages > INT32_MAX)
        return cvg_fail(err, -EINVAL, "dom %u: %llu-page bitmap", domid,
                        (unsigned long long)pages);
    hbm = xc_hypercall_buffer_alloc_pages(p->xch, hbm, (int)nr_pages);
    if (!hbm)
        return xfail(p, mark, err, errno ? errno : ENOMEM,
                     "xc_hypercall_buffer_alloc_pages(%zu pages for dom %u's "
                     "log-dirty bitmap)", nr_pages, domid);
    done = xc_logdirty_control(p->xch, domid, op, HYPERCALL_BUFFER(hbm),
                               (unsigned long)pages, mode, &st);
    if (done < 0) {
        rc = xfail(p, mark, err, errno, "xc_logdirty_control(dom %u, %s, %llu "
                   "pages)", domid, opname, (unsigned long long)pages);
        goto out;
    }
    /* Fewer pages processed than asked: the bitmap is incomplete. */
    if ((unsigned long long)done != pages) {
        rc = cvg_fail(err, -EIO, "xc_logdirty_control(dom %u, %s): processed %lld "
                      "of %llu pages", domid, opname, done,
                      (unsigned long long)pages);
        goto out;
    }
    cvg_xen_bitmap_copy_out(bitmap, hbm, pages);
stats:
    if (stats) {
        stats->fault_count = st.fault_count;
        stats->dirty_count = st.dirty_count;
    }
out:
    if (nr_pages)
        xc_hypercall_buffer_free_pages(p->xch, hbm, (int)nr_pages);
    return rc;
}

static int xen_logdirty_enabled(struct cvg_hv *hv, uint32_t domid, bool *on,
                                struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned i;
    int rc = -EOPNOTSUPP;

    pthread_mutex_lock(&p->ld_lock);
    for (i = 0; i < p->nr_ld; i++)
        if (p->ld[i].domid == domid) {
            *on = p->ld[i].on;
            rc = 0;
        }
    pthread_mutex_unlock(&p->ld_lock);
    if (rc)
        return cvg_fail(err, rc, "dom %u: Xen 4.17 has no query for log-dirty "
                        "mode, and this handle has not switched it", domid);
    return 0;
}

/* ---- run state ---------------------------------------------------------- */

static int xen_pause(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned long mark = log_mark(p);

    if (xc_domain_pause(p->xch, domid) < 0)
        return xfail(p, mark, err, errno, "xc_domain_pause(dom %u)", domid);
    return 0;
}

static int xen_unpause(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned long mark = log_mark(p);

    if (xc_domain_unpause(p->xch, domid) < 0)
        return xfail(p, mark, err, errno, "xc_domain_unpause(dom %u)", domid);
    return 0;
}

static int xen_suspend(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned long mark = log_mark(p);

    if (xc_domain_shutdown(p->xch, domid, SHUTDOWN_suspend) < 0)
        return xfail(p, mark, err, errno, "xc_domain_shutdown(dom %u, "
                     "SHUTDOWN_suspend)", domid);
    return 0;
}

static int xen_resume(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned long mark = log_mark(p);

    /* fast = 1: cooperative resume, the guest returns from its suspend
     * hypercall with 1 and carries on where it was (failed migration). */
    if (xc_domain_resume(p->xch, domid, 1) < 0)
        return xfail(p, mark, err, errno, "xc_domain_resume(dom %u, fast)", domid);
    return 0;
}

/* ---- scheduler ---------------------------------------------------------- */

static int sched_of(struct xen_priv *p, uint32_t domid, enum cvg_sched_id *id,
                    struct cvg_dominfo *info, struct cvg_err *err)
{
    xc_domaininfo_t di;
    xc_cpupoolinfo_t *pool;
    unsigned long mark;
    int rc = get_domaininfo(p, domid, &di, info, err);

    if (rc)
        return rc;
    mark = log_mark(p);
    pool = xc_cpupool_getinfo(p->xch, info->cpupool);
    if (!pool)
        return xfail(p, mark, err, errno, "xc_cpupool_getinfo(pool %u of dom %u)",
                     info->cpupool, domid);
    /* It answers with the first pool whose id is >= the one asked for. */
    if (pool->cpupool_id != info->cpupool)
        rc = cvg_fail(err, -ESRCH, "dom %u: its cpupool %u does not exist",
                      domid, info->cpupool);
    else
        *id = (enum cvg_sched_id)pool->sched_id;
    xc_cpupool_infofree(p->xch, pool);
    return rc;
}

static int xen_sched_id(struct cvg_hv *hv, uint32_t domid, enum cvg_sched_id *id,
                        struct cvg_err *err)
{
    struct cvg_dominfo info;

    return sched_of(P(hv), domid, id, &info, err);
}

/* Reads credit or credit2 parameters into one shape. */
static int sched_get(struct xen_priv *p, uint32_t domid, enum cvg_sched_id id,
                     uint16_t *weight, uint16_t *cap, struct cvg_err *err)
{
    unsigned long mark = log_mark(p);

    if (id == CVG_SCHED_CREDIT) {
        struct xen_domctl_sched_credit s = { 0, 0 };

        if (xc_sched_credit_domain_get(p->xch, domid, &s) < 0)
            return xfail(p, mark, err, errno, "xc_sched_credit_domain_get(dom %u)",
                         domid);
        *weight = s.weight;
        *cap = s.cap;
        return 0;
    }
    if (id == CVG_SCHED_CREDIT2) {
        struct xen_domctl_sched_credit2 s = { 0, 0 };

        if (xc_sched_credit2_domain_get(p->xch, domid, &s) < 0)
            return xfail(p, mark, err, errno, "xc_sched_credit2_domain_get(dom %u)",
                         domid);
        *weight = s.weight;
        *cap = s.cap;
        return 0;
    }
    return cvg_fail(err, -EOPNOTSUPP, "dom %u: its %s scheduler has no domain cap "
                    "(credit and credit2 do)", domid, cvg_xen_sched_name(id));
}

static int xen_cap_get(struct cvg_hv *hv, uint32_t domid, uint32_t *cap,
                       struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    struct cvg_dominfo info;
    enum cvg_sched_id id;
    uint16_t w, c;
    int rc = sched_of(p, domid, &id, &info, err);

    if (!rc)
        rc = sched_get(p, domid, id, &w, &c, err);
    if (!rc)
        *cap = c;
    return rc;
}

/*
 * Get-modify-set with weight 0, which both schedulers read as "unchanged":
 * a weight the administrator changes meanwhile is not overwritten.  cap 0
 * means uncapped (credit2 removes the cap), so restoring a saved 0 works.
 */
static int xen_cap_set(struct cvg_hv *hv, uint32_t domid, uint32_t cap,
                       struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    struct cvg_dominfo info;
    enum cvg_sched_id id;
    unsigned long mark;
    uint16_t w, c;
    int rc = sched_of(p, domid, &id, &info, err);

    if (rc)
        return rc;
    rc = cvg_xen_cap_check(domid, cap, info.max_vcpu_id + 1, err);
    if (!rc)
        rc = sched_get(p, domid, id, &w, &c, err);
    if (rc)
        return rc;
    mark = log_mark(p);
    if (id == CVG_SCHED_CREDIT) {
        struct xen_domctl_sched_credit s = { .weight = 0, .cap = (uint16_t)cap };

        if (xc_sched_credit_domain_set(p->xch, domid, &s) < 0)
            return xfail(p, mark, err, errno, "xc_sched_credit_domain_set(dom %u, "
                         "cap %u)", domid, cap);
    } else {
        struct xen_domctl_sched_credit2 s = { .weight = 0, .cap = (uint16_t)cap };

        if (xc_sched_credit2_domain_set(p->xch, domid, &s) < 0)
            return xfail(p, mark, err, errno, "xc_sched_credit2_domain_set(dom %u, "
                         "cap %u)", domid, cap);
    }
    return 0;
}

static int rtds_pool(struct xen_priv *p, uint32_t domid, struct cvg_err *err)
{
    struct cvg_dominfo info;
    enum cvg_sched_id id;
    int rc = sched_of(p, domid, &id, &info, err);

    if (!rc && !cvg_xen_sched_has_budgets(id))
        rc = cvg_fail(err, -EOPNOTSUPP, "dom %u: its %s scheduler has no per-vCPU "
                      "budget (only RTDS has, and Debian's Xen lacks RTDS)", domid,
                      cvg_xen_sched_name(id));
    return rc;
}

static int xen_vcpu_budget_get(struct cvg_hv *hv, uint32_t domid, uint32_t vcpu,
                               uint32_t *period_us, uint32_t *budget_us,
                               struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    struct xen_domctl_schedparam_vcpu v;
    unsigned long mark;
    int rc = rtds_pool(p, domid, err);

    if (rc)
        return rc;
    memset(&v, 0, sizeof(v));
    v.vcpuid = vcpu;
    mark = log_mark(p);
    if (xc_sched_rtds_vcpu_get(p->xch, domid, &v, 1) < 0)
        return xfail(p, mark, err, errno, "xc_sched_rtds_vcpu_get(dom %u, vCPU %u)",
                     domid, vcpu);
    *period_us = v.u.rtds.period;
    *budget_us = v.u.rtds.budget;
    return 0;
}

static int xen_vcpu_budget_set(struct cvg_hv *hv, uint32_t domid, uint32_t vcpu,
                               uint32_t period_us, uint32_t budget_us,
                               struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    struct xen_domctl_schedparam_vcpu v;
    unsigned long mark;
    int rc = rtds_pool(p, domid, err);

    if (!rc)
        rc = cvg_xen_budget_check(domid, vcpu, period_us, budget_us, err);
    if (rc)
        return rc;
    /* Get first: keep the vCPU's extratime flag as the administrator set it. */
    memset(&v, 0, sizeof(v));
    v.vcpuid = vcpu;
    mark = log_mark(p);
    if (xc_sched_rtds_vcpu_get(p->xch, domid, &v, 1) < 0)
        return xfail(p, mark, err, errno, "xc_sched_rtds_vcpu_get(dom %u, vCPU %u)",
                     domid, vcpu);
    v.vcpuid = vcpu;
    v.u.rtds.period = period_us;
    v.u.rtds.budget = budget_us;
    if (xc_sched_rtds_vcpu_set(p->xch, domid, &v, 1) < 0)
        return xfail(p, mark, err, errno, "xc_sched_rtds_vcpu_set(dom %u, vCPU %u, "
                     "%u/%u us)", domid, vcpu, budget_us, period_us);
    return 0;
}

/* ---- affinity ----------------------------------------------------------- */

static int cpumap_new(struct xen_priv *p, xc_cpumap_t *map, size_t *bytes,
                      struct cvg_err *err)
{
    unsigned long mark = log_mark(p);
    int n = xc_get_cpumap_size(p->xch);

    if (n <= 0)
        return xfail(p, mark, err, errno, "xc_get_cpumap_size");
    *map = xc_cpumap_alloc(p->xch);
    if (!*map)
        return xfail(p, mark, err, errno ? errno : ENOMEM, "xc_cpumap_alloc");
    *bytes = (size_t)n;
    return 0;
}

static int xen_vcpu_affinity_get(struct cvg_hv *hv, uint32_t domid, uint32_t vcpu,
                                 uint64_t *cpumap, size_t nwords,
                                 struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    xc_cpumap_t hard = NULL;
    unsigned long mark;
    size_t bytes;
    int rc = cpumap_new(p, &hard, &bytes, err);

    if (rc)
        return rc;
    mark = log_mark(p);
    if (xc_vcpu_getaffinity(p->xch, domid, (int)vcpu, hard, NULL,
                            XEN_VCPUAFFINITY_HARD) < 0)
        rc = xfail(p, mark, err, errno, "xc_vcpu_getaffinity(dom %u, vCPU %u)",
                   domid, vcpu);
    else
        rc = cvg_xen_cpumap_to_words(hard, bytes, cpumap, nwords, err);
    free(hard);
    return rc;
}

static int xen_vcpu_affinity_set(struct cvg_hv *hv, uint32_t domid, uint32_t vcpu,
                                 const uint64_t *cpumap, size_t nwords,
                                 struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    xc_cpumap_t hard = NULL;
    unsigned long mark;
    size_t bytes;
    int rc = cpumap_new(p, &hard, &bytes, err);

    if (rc)
        return rc;
    rc = cvg_xen_cpumap_from_words(cpumap, nwords, hard, bytes, err);
    if (rc) {
        cvg_err_prefix(err, "dom %u vCPU %u", domid, vcpu);
        goto out;
    }
    mark = log_mark(p);
    /* Hard affinity only: soft affinity stays the administrator's. */
    if (xc_vcpu_setaffinity(p->xch, domid, (int)vcpu, hard, NULL,
                            XEN_VCPUAFFINITY_HARD) < 0)
        rc = xfail(p, mark, err, errno, "xc_vcpu_setaffinity(dom %u, vCPU %u)",
                   domid, vcpu);
out:
    free(hard);
    return rc;
}

/* ---- HVM state ---------------------------------------------------------- */

static int xen_hvm_context_get(struct cvg_hv *hv, uint32_t domid, uint8_t **buf,
                               size_t *len, struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned long mark = log_mark(p);
    uint8_t *b;
    int size, got;

    *buf = NULL;
    *len = 0;
    /* NULL buffer: Xen answers with the size it needs. */
    size = xc_domain_hvm_getcontext(p->xch, domid, NULL, 0);
    if (size < 0)
        return xfail(p, mark, err, errno, "xc_domain_hvm_getcontext(dom %u, size)",
                     domid);
    if (size == 0 || (unsigned)size > CVG_XEN_MAX_HVM_CONTEXT)
        return cvg_fail(err, -EINVAL, "dom %u: HVM context of %d bytes (expected "
                        "1..%u)", domid, size, CVG_XEN_MAX_HVM_CONTEXT);
    b = malloc((size_t)size);
    if (!b)
        return cvg_fail(err, -ENOMEM, "dom %u: out of memory for a %d-byte HVM "
                        "context", domid, size);
    got = xc_domain_hvm_getcontext(p->xch, domid, b, (uint32_t)size);
    if (got < 0 || got > size) {
        int rc = got < 0
            ? xfail(p, mark, err, errno, "xc_domain_hvm_getcontext(dom %u, %d bytes)",
                    domid, size)
            : cvg_fail(err, -EIO, "dom %u: HVM context grew from %d to %d bytes",
                       domid, size, got);

        free(b);
        return rc;
    }
    *buf = b;
    *len = (size_t)got;
    return 0;
}

static int xen_hvm_context_set(struct cvg_hv *hv, uint32_t domid,
                               const uint8_t *buf, size_t len, struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned long mark;
    uint8_t *copy;
    int rc = 0;

    if (len == 0 || len > CVG_XEN_MAX_HVM_CONTEXT)
        return cvg_fail(err, -EINVAL, "dom %u: HVM context of %zu bytes (expected "
                        "1..%u)", domid, len, CVG_XEN_MAX_HVM_CONTEXT);
    /* libxenctrl takes a non-const buffer. */
    copy = malloc(len);
    if (!copy)
        return cvg_fail(err, -ENOMEM, "dom %u: out of memory", domid);
    memcpy(copy, buf, len);
    mark = log_mark(p);
    if (xc_domain_hvm_setcontext(p->xch, domid, copy, (uint32_t)len) < 0)
        rc = xfail(p, mark, err, errno, "xc_domain_hvm_setcontext(dom %u, %zu "
                   "bytes)", domid, len);
    free(copy);
    return rc;
}

static int xen_hvm_param_get(struct cvg_hv *hv, uint32_t domid, uint32_t index,
                             uint64_t *value, struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned long mark = log_mark(p);

    if (xc_hvm_param_get(p->xch, domid, index, value) < 0)
        return xfail(p, mark, err, errno, "xc_hvm_param_get(dom %u, param %u)",
                     domid, index);
    return 0;
}

static int xen_hvm_param_set(struct cvg_hv *hv, uint32_t domid, uint32_t index,
                             uint64_t value, struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned long mark = log_mark(p);

    if (xc_hvm_param_set(p->xch, domid, index, value) < 0)
        return xfail(p, mark, err, errno, "xc_hvm_param_set(dom %u, param %u = "
                     "%#llx)", domid, index, (unsigned long long)value);
    return 0;
}

static int xen_gnttab_seed(struct cvg_hv *hv, uint32_t domid, uint64_t console_gfn,
                           uint64_t store_gfn, uint32_t console_domid,
                           uint32_t store_domid, struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned long mark = log_mark(p);

    if (xc_dom_gnttab_seed(p->xch, domid, true, (xen_pfn_t)console_gfn,
                           (xen_pfn_t)store_gfn, console_domid, store_domid) < 0)
        return xfail(p, mark, err, errno, "xc_dom_gnttab_seed(dom %u, console gfn "
                     "%#llx for dom %u, xenstore gfn %#llx for dom %u)", domid,
                     (unsigned long long)console_gfn, console_domid,
                     (unsigned long long)store_gfn, store_domid);
    return 0;
}

static int xen_tsc_info_get(struct cvg_hv *hv, uint32_t domid, uint32_t *mode,
                            uint64_t *nsec, uint32_t *khz, uint32_t *incarnation,
                            struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned long mark = log_mark(p);

    if (xc_domain_get_tsc_info(p->xch, domid, mode, nsec, khz, incarnation) < 0)
        return xfail(p, mark, err, errno, "xc_domain_get_tsc_info(dom %u)", domid);
    return 0;
}

static int xen_tsc_info_set(struct cvg_hv *hv, uint32_t domid, uint32_t mode,
                            uint64_t nsec, uint32_t khz, uint32_t incarnation,
                            struct cvg_err *err)
{
    struct xen_priv *p = P(hv);
    unsigned long mark = log_mark(p);

    if (xc_domain_set_tsc_info(p->xch, domid, mode, nsec, khz, incarnation) < 0)
        return xfail(p, mark, err, errno, "xc_domain_set_tsc_info(dom %u)", domid);
    return 0;
}

/* ---- open and close ------------------------------------------------------ */

static void xen_close(struct cvg_hv *hv)
{
    struct xen_priv *p;

    if (!hv)
        return;
    p = P(hv);
    if (p->fmem)
        xenforeignmemory_close(p->fmem);
    if (p->xch)
        xc_interface_close(p->xch);
    pthread_mutex_destroy(&p->log.lock);
    pthread_mutex_destroy(&p->ld_lock);
    free(p);
}

static const struct cvg_hv_ops xen_ops = {
    .name = "xen",
    .close = xen_close,
    .dominfo = xen_dominfo,
    .vcpuinfo = xen_vcpuinfo,
    .nr_pcpus = xen_nr_pcpus,
    .map = xen_map,
    .unmap = xen_unmap,
    .pfn_types = xen_pfn_types,
    .populate = xen_populate,
    .logdirty_enable = xen_logdirty_enable,
    .logdirty_disable = xen_logdirty_disable,
    .logdirty_op = xen_logdirty_op,
    .logdirty_enabled = xen_logdirty_enabled,
    .pause = xen_pause,
    .unpause = xen_unpause,
    .suspend = xen_suspend,
    .resume = xen_resume,
    .sched_id = xen_sched_id,
    .cap_get = xen_cap_get,
    .cap_set = xen_cap_set,
    .vcpu_budget_get = xen_vcpu_budget_get,
    .vcpu_budget_set = xen_vcpu_budget_set,
    .vcpu_affinity_get = xen_vcpu_affinity_get,
    .vcpu_affinity_set = xen_vcpu_affinity_set,
    .hvm_context_get = xen_hvm_context_get,
    .hvm_context_set = xen_hvm_context_set,
    .hvm_param_get = xen_hvm_param_get,
    .hvm_param_set = xen_hvm_param_set,
    .gnttab_seed = xen_gnttab_seed,
    .tsc_info_get = xen_tsc_info_get,
    .tsc_info_set = xen_tsc_info_set,
};

int cvg_hv_open_xen(struct cvg_hv **hv, struct cvg_err *err)
{
    struct xen_priv *p;
    int e;

    *hv = NULL;
    p = calloc(1, sizeof(*p));
    if (!p)
        return cvg_fail(err, -ENOMEM, "xen: out of memory");
    p->log.vtable.vmessage = capture_vmessage;
    p->log.vtable.progress = NULL;
    p->log.vtable.destroy = capture_destroy;
    pthread_mutex_init(&p->log.lock, NULL);
    pthread_mutex_init(&p->ld_lock, NULL);
    p->hv.ops = &xen_ops;
    p->hv.priv = p;

    p->xch = xc_interface_open(&p->log.vtable, &p->log.vtable, 0);
    if (!p->xch) {
        e = errno ? errno : ENOENT;
        xen_close(&p->hv);
        return cvg_fail(err, -e, "xc_interface_open failed: %s (is this dom0 "
                        "of a running Xen, with privcmd loaded?)", strerror(e));
    }
    p->fmem = xenforeignmemory_open(&p->log.vtable, 0);
    if (!p->fmem) {
        e = errno ? errno : ENOENT;
        xen_close(&p->hv);
        return cvg_fail(err, -e, "xenforeignmemory_open failed: %s", strerror(e));
    }
    *hv = &p->hv;
    return 0;
}
