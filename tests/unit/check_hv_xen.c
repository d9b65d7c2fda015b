/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The xen hypervisor port against a fake libxenctrl (fake_xc.c): the
 * 4.17 pitfalls it must get right, checked without a hypervisor.  The
 * pure helpers of xen_logic.c are checked on their own as well.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <fcntl.h>
#include <unistd.h>

#include "config/tunables.h"
#include "engine/engine.h"
#include "fake_xc.h"
#include "hv/hv.h"
#include "hv/xen_logic.h"
#include "wire/xc_stream.h"

static struct cvg_hv *hv;
static struct cvg_err err;

static void setup(void)
{
    fake_reset();
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_hv_open_xen(&hv, &err), 0);
}

static void teardown(void)
{
    if (hv)
        hv->ops->close(hv);
    hv = NULL;
}

#define HAS(frag) ck_assert_msg(strstr(err.msg, frag), "`%s' not in: %s", frag, err.msg)

/* ---- the fake really stands in for libxenctrl ------------------------- */

START_TEST(test_calls_reach_the_fake)
{
    struct cvg_dominfo info;

    /* Without interposition xc_interface_open would be the real one, which
     * fails here (no Xen) and never counts. */
    ck_assert_uint_eq(fake.n_interface_open, 1);
    ck_assert_uint_eq(fake.n_fmem_open, 1);
    ck_assert_ptr_nonnull(fake.logger);
    ck_assert_str_eq(hv->ops->name, "xen");
    ck_assert_int_eq(hv->ops->dominfo(hv, 3, &info, &err), 0);
    ck_assert_uint_eq(fake.n_getinfolist, 1);
    ck_assert_uint_eq(info.cpu_time_ns, 123456789);     /* only the fake knows */
    hv->ops->close(hv);
    hv = NULL;
    ck_assert_uint_eq(fake.n_interface_close, 1);
    ck_assert_uint_eq(fake.n_fmem_close, 1);
}
END_TEST

START_TEST(test_open_failure_names_the_call)
{
    struct cvg_hv *h2 = NULL;

    fake.fail_call = "xenforeignmemory_open";
    fake.fail_errno = EACCES;
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_hv_open_xen(&h2, &err), -EACCES);
    ck_assert_ptr_null(h2);
    HAS("xenforeignmemory_open failed: Permission denied");
    /* The xc handle opened before it was closed again. */
    ck_assert_uint_eq(fake.n_interface_close, 1);
}
END_TEST

/* ---- domain info ------------------------------------------------------- */

START_TEST(test_dominfo_decodes_flags)
{
    struct cvg_dominfo info;

    ck_assert_int_eq(hv->ops->dominfo(hv, 3, &info, &err), 0);
    ck_assert_uint_eq(info.domid, 3);
    ck_assert(info.hvm);
    ck_assert(!info.paused && !info.shutdown && !info.dying);
    ck_assert_uint_eq(info.max_vcpu_id, 3);
    ck_assert_uint_eq(info.nr_online_vcpus, 4);
    ck_assert_uint_eq(info.p2m_size, 1000);             /* xc_domain_nr_gpfns */
    ck_assert_uint_eq(info.nr_pages, 262144);

    ck_assert_int_eq(hv->ops->dominfo(hv, 9, &info, &err), 0);
    ck_assert(!info.hvm);
    ck_assert(info.paused);
    ck_assert_uint_eq(info.p2m_size, 64);
}
END_TEST

START_TEST(test_dominfo_of_next_domain_is_no_such_domain)
{
    struct cvg_dominfo info;

    /* getinfolist(5) answers with dom 9: that is not dom 5. */
    ck_assert_int_eq(hv->ops->dominfo(hv, 5, &info, &err), -ESRCH);
    HAS("dom 5: no such domain");
    cvg_err_clear(&err);
    /* Past the last domain it answers with nothing at all. */
    ck_assert_int_eq(hv->ops->dominfo(hv, 10, &info, &err), -ESRCH);
    HAS("dom 10: no such domain");
}
END_TEST

START_TEST(test_errors_carry_errno_call_domid_and_libxc_message)
{
    fake.fail_call = "xc_domain_pause";
    fake.fail_errno = EPERM;
    fake.fail_logmsg = "XEN_DOMCTL_pausedomain: denied by XSM";
    ck_assert_int_eq(hv->ops->pause(hv, 3, &err), -EPERM);
    ck_assert_int_eq(err.code, -EPERM);
    HAS("xc_domain_pause(dom 3) failed: Operation not permitted");
    HAS("(libxc: XEN_DOMCTL_pausedomain: denied by XSM)");

    /* An older message is not pinned on a later, unrelated failure. */
    cvg_err_clear(&err);
    ck_assert_int_eq(hv->ops->unpause(hv, 3, &err), -EINVAL);
    HAS("xc_domain_unpause(dom 3) failed: Invalid argument");
    ck_assert_ptr_null(strstr(err.msg, "libxc"));
}
END_TEST

START_TEST(test_vcpuinfo_and_pcpus)
{
    struct cvg_vcpuinfo vi;
    uint32_t n;

    ck_assert_int_eq(hv->ops->vcpuinfo(hv, 3, 2, &vi, &err), 0);
    ck_assert(vi.online);
    ck_assert_uint_eq(vi.cpu_time_ns, 3000000);
    ck_assert_uint_eq(vi.cpu, 4);
    ck_assert_int_eq(hv->ops->vcpuinfo(hv, 3, 4, &vi, &err), -ESRCH);
    HAS("xc_vcpu_getinfo(dom 3, vCPU 4)");
    ck_assert_int_eq(hv->ops->nr_pcpus(hv, &n, &err), 0);
    ck_assert_uint_eq(n, FAKE_NR_PCPUS);
}
END_TEST

START_TEST(test_suspend_and_resume)
{
    struct cvg_dominfo info;

    ck_assert_int_eq(hv->ops->suspend(hv, 3, &err), 0);
    ck_assert_int_eq(hv->ops->dominfo(hv, 3, &info, &err), 0);
    ck_assert(info.shutdown);
    ck_assert_uint_eq(info.shutdown_reason, SHUTDOWN_suspend);
    ck_assert_int_eq(hv->ops->resume(hv, 3, &err), 0);
    ck_assert_int_eq(fake_dom(3)->resumed_fast, 1);     /* cooperative */
    ck_assert_int_eq(hv->ops->dominfo(hv, 3, &info, &err), 0);
    ck_assert(!info.shutdown);
    ck_assert_uint_eq(info.shutdown_reason, 0);
}
END_TEST

/* ---- scheduler ------------------------------------------------------------ */

START_TEST(test_sched_id_through_cpupool)
{
    enum cvg_sched_id id;

    ck_assert_int_eq(hv->ops->sched_id(hv, 3, &id, &err), 0);
    ck_assert_int_eq(id, CVG_SCHED_CREDIT2);
    fake_dom(3)->cpupool = 2;
    ck_assert_int_eq(hv->ops->sched_id(hv, 3, &id, &err), 0);
    ck_assert_int_eq(id, CVG_SCHED_RTDS);
    /* Pool 1 does not exist: xc_cpupool_getinfo(1) answers with pool 2. */
    fake_dom(3)->cpupool = 1;
    ck_assert_int_eq(hv->ops->sched_id(hv, 3, &id, &err), -ESRCH);
    HAS("dom 3: its cpupool 1 does not exist");
    /* Every pool info it got was freed. */
    ck_assert_uint_eq(fake.n_cpupool_infofree, fake.n_cpupool_getinfo);
    ck_assert_uint_eq(fake.n_cpupool_getinfo, 3);
}
END_TEST

START_TEST(test_cap_set_keeps_weight_credit2)
{
    uint32_t cap;

    fake_dom(3)->credit2_weight = 512;
    ck_assert_int_eq(hv->ops->cap_set(hv, 3, 150, &err), 0);
    ck_assert_uint_eq(fake_dom(3)->credit2_cap, 150);
    ck_assert_uint_eq(fake_dom(3)->credit2_weight, 512);
    /* Weight 0 is "unchanged": a concurrent weight change is not undone. */
    ck_assert_uint_eq(fake.last_credit2_set_weight, 0);
    ck_assert_uint_ge(fake.n_credit2_get, 1);
    ck_assert_int_eq(hv->ops->cap_get(hv, 3, &cap, &err), 0);
    ck_assert_uint_eq(cap, 150);
}
END_TEST

START_TEST(test_restoring_cap_zero_uncaps_credit2)
{
    uint32_t cap;

    ck_assert_int_eq(hv->ops->cap_get(hv, 3, &cap, &err), 0);
    ck_assert_uint_eq(cap, 0);                          /* saved: uncapped */
    ck_assert_int_eq(hv->ops->cap_set(hv, 3, 40, &err), 0);
    ck_assert_uint_eq(fake_dom(3)->credit2_cap, 40);
    ck_assert_int_eq(hv->ops->cap_set(hv, 3, cap, &err), 0);
    ck_assert_uint_eq(fake_dom(3)->credit2_cap, 0);
    ck_assert_int_eq(hv->ops->cap_get(hv, 3, &cap, &err), 0);
    ck_assert_uint_eq(cap, 0);
}
END_TEST

START_TEST(test_cap_beyond_vcpus_refused_before_xen)
{
    ck_assert_int_eq(hv->ops->cap_set(hv, 3, 401, &err), -EINVAL);
    HAS("dom 3: cap 401% exceeds what its 4 vCPUs can use (at most 400%)");
    ck_assert_uint_eq(fake.n_credit2_set, 0);
    ck_assert_int_eq(hv->ops->cap_set(hv, 3, 400, &err), 0);
    ck_assert_uint_eq(fake_dom(3)->credit2_cap, 400);
}
END_TEST

START_TEST(test_cap_credit1_and_unsupported)
{
    uint32_t cap;

    fake.pool[0].sched_id = XEN_SCHEDULER_CREDIT;
    fake_dom(3)->credit_weight = 300;
    ck_assert_int_eq(hv->ops->cap_set(hv, 3, 80, &err), 0);
    ck_assert_uint_eq(fake.n_credit_set, 1);
    ck_assert_uint_eq(fake.n_credit2_set, 0);
    ck_assert_uint_eq(fake_dom(3)->credit_cap, 80);
    ck_assert_uint_eq(fake_dom(3)->credit_weight, 300);
    ck_assert_uint_eq(fake.last_credit_set_weight, 0);
    ck_assert_int_eq(hv->ops->cap_get(hv, 3, &cap, &err), 0);
    ck_assert_uint_eq(cap, 80);

    fake.pool[0].sched_id = XEN_SCHEDULER_ARINC653;
    ck_assert_int_eq(hv->ops->cap_get(hv, 3, &cap, &err), -EOPNOTSUPP);
    HAS("arinc653 scheduler has no domain cap");
}
END_TEST

START_TEST(test_cap_set_failure_from_xen)
{
    fake.fail_call = "xc_sched_credit2_domain_set";
    fake.fail_errno = EBUSY;
    ck_assert_int_eq(hv->ops->cap_set(hv, 3, 50, &err), -EBUSY);
    HAS("xc_sched_credit2_domain_set(dom 3, cap 50) failed");
}
END_TEST

START_TEST(test_budgets_only_on_rtds)
{
    uint32_t period, budget;

    ck_assert_int_eq(hv->ops->vcpu_budget_get(hv, 3, 1, &period, &budget, &err),
                     -EOPNOTSUPP);
    HAS("credit2 scheduler has no per-vCPU budget");
    ck_assert_uint_eq(fake.n_rtds_get, 0);

    cvg_err_clear(&err);
    fake_dom(3)->cpupool = 2;
    fake_dom(3)->rtds[1].flags = XEN_DOMCTL_SCHEDRT_extra;
    ck_assert_int_eq(hv->ops->vcpu_budget_set(hv, 3, 1, 20000, 5000, &err), 0);
    ck_assert_uint_eq(fake_dom(3)->rtds[1].period, 20000);
    ck_assert_uint_eq(fake_dom(3)->rtds[1].budget, 5000);
    ck_assert_uint_eq(fake_dom(3)->rtds[1].flags, XEN_DOMCTL_SCHEDRT_extra);
    ck_assert_uint_eq(fake_dom(3)->rtds[0].budget, 4000);  /* others untouched */
    ck_assert_int_eq(hv->ops->vcpu_budget_get(hv, 3, 1, &period, &budget, &err), 0);
    ck_assert_uint_eq(period, 20000);
    ck_assert_uint_eq(budget, 5000);

    ck_assert_int_eq(hv->ops->vcpu_budget_set(hv, 3, 1, 100, 200, &err), -EINVAL);
    HAS("budget <= period");
}
END_TEST

/* ---- affinity ---------------------------------------------------------------- */

START_TEST(test_affinity_round_trip_through_cpumap_bytes)
{
    uint64_t set[2] = { (1ull << 1) | (1ull << 3) | (1ull << 20), 0 };
    uint64_t got[2] = { ~0ull, ~0ull };

    ck_assert_int_eq(hv->ops->vcpu_affinity_set(hv, 3, 2, set, 2, &err), 0);
    /* Xen's cpumap: bit i of byte i/8. */
    ck_assert_uint_eq(fake_dom(3)->affinity[2][0], 0x0a);
    ck_assert_uint_eq(fake_dom(3)->affinity[2][1], 0x00);
    ck_assert_uint_eq(fake_dom(3)->affinity[2][2], 0x10);
    ck_assert_uint_eq(fake_dom(3)->affinity[1][0], 0xff);
    ck_assert_int_eq(hv->ops->vcpu_affinity_get(hv, 3, 2, got, 2, &err), 0);
    ck_assert_uint_eq(got[0], set[0]);
    ck_assert_uint_eq(got[1], 0);
}
END_TEST

START_TEST(test_affinity_refusals)
{
    uint64_t beyond = 1ull << 40, none = 0, one = 1;
    uint64_t small;

    ck_assert_int_eq(hv->ops->vcpu_affinity_set(hv, 3, 0, &beyond, 1, &err), -EINVAL);
    HAS("dom 3 vCPU 0: pCPU 40 does not exist");
    cvg_err_clear(&err);
    ck_assert_int_eq(hv->ops->vcpu_affinity_set(hv, 3, 0, &none, 1, &err), -EINVAL);
    HAS("empty affinity");
    ck_assert_uint_eq(fake.n_setaffinity, 0);
    ck_assert_int_eq(hv->ops->vcpu_affinity_set(hv, 3, 0, &one, 1, &err), 0);
    /* The caller's map is too small for what Xen holds. */
    fake_dom(3)->affinity[1][3] = 0x80;                 /* pCPU 31 */
    cvg_err_clear(&err);
    ck_assert_int_eq(hv->ops->vcpu_affinity_get(hv, 3, 1, &small, 0, &err), -ERANGE);
    HAS("pCPU 0");
}
END_TEST

/* ---- log-dirty ------------------------------------------------------------- */

START_TEST(test_logdirty_enable_retries_after_einval)
{
    bool on;

    fake_dom(3)->logdirty_on = true;        /* qemu's VRAM tracking holds it */
    ck_assert_int_eq(hv->ops->logdirty_enable(hv, 3, &err), 0);
    ck_assert_uint_eq(fake.n_shadow, 3);
    ck_assert_uint_eq(fake.shadow[0].op, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY);
    ck_assert_uint_eq(fake.shadow[1].op, XEN_DOMCTL_SHADOW_OP_OFF);
    ck_assert_uint_eq(fake.shadow[2].op, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY);
    ck_assert(fake_dom(3)->logdirty_on);
    ck_assert_int_eq(hv->ops->logdirty_enabled(hv, 3, &on, &err), 0);
    ck_assert(on);
}
END_TEST

START_TEST(test_logdirty_enable_other_errors_not_retried)
{
    fake_dom(9)->no_shadow = true;
    ck_assert_int_eq(hv->ops->logdirty_enable(hv, 9, &err), -EOPNOTSUPP);
    ck_assert_uint_eq(fake.n_shadow, 1);
    HAS("xc_shadow_control(dom 9, ENABLE_LOGDIRTY)");
    HAS("without shadow paging");
}
END_TEST

START_TEST(test_logdirty_enabled_is_what_we_did)
{
    bool on = true;

    /* Xen 4.17 cannot be asked: unknown until this handle switches it. */
    ck_assert_int_eq(hv->ops->logdirty_enabled(hv, 3, &on, &err), -EOPNOTSUPP);
    HAS("no query for log-dirty mode");
    ck_assert_int_eq(hv->ops->logdirty_enable(hv, 3, &err), 0);
    ck_assert_uint_eq(fake.n_shadow, 1);                /* no retry needed */
    ck_assert_int_eq(hv->ops->logdirty_disable(hv, 3, &err), 0);
    ck_assert(!fake_dom(3)->logdirty_on);
    ck_assert_int_eq(hv->ops->logdirty_enabled(hv, 3, &on, &err), 0);
    ck_assert(!on);
}
END_TEST

START_TEST(test_stats_only_peek_passes_null_bitmap)
{
    struct cvg_logdirty_stats st = { 7, 7 };
    struct fake_dom *d = fake_dom(3);

    ck_assert_int_eq(hv->ops->logdirty_enable(hv, 3, &err), 0);
    d->dirty_count = 42;
    d->dirty[0] = 0x01;
    ck_assert_int_eq(hv->ops->logdirty_op(hv, 3, CVG_LOGDIRTY_PEEK, NULL, 0, 0, &st,
                                          &err), 0);
    ck_assert_uint_eq(st.dirty_count, 42);
    ck_assert_uint_eq(st.fault_count, 0);
    ck_assert(fake.shadow[1].bitmap_null);
    ck_assert_uint_eq(fake.shadow[1].pages, 0);
    ck_assert_uint_eq(fake.shadow[1].op, XEN_DOMCTL_SHADOW_OP_PEEK);
    ck_assert_uint_eq(fake.n_hcbuf_alloc, 0);
    ck_assert_uint_eq(d->dirty_count, 42);              /* PEEK keeps */
    /* Stats-only CLEAN just resets. */
    ck_assert_int_eq(hv->ops->logdirty_op(hv, 3, CVG_LOGDIRTY_CLEAN, NULL, 0, 0, &st,
                                          &err), 0);
    ck_assert(fake.shadow[2].bitmap_null);
    ck_assert_uint_eq(d->dirty_count, 0);
    /* A bitmap without a size (or the reverse) is a caller bug. */
    ck_assert_int_eq(hv->ops->logdirty_op(hv, 3, CVG_LOGDIRTY_PEEK, NULL, 10, 0, &st,
                                          &err), -EINVAL);
}
END_TEST

START_TEST(test_clean_copies_bitmap_and_masks_tail)
{
    struct fake_dom *d = fake_dom(3);
    struct cvg_logdirty_stats st;
    unsigned long bm[2];                                /* 100 pages: 2 words */

    ck_assert_int_eq(hv->ops->logdirty_enable(hv, 3, &err), 0);
    d->dirty[0] = 0x22;                                 /* pfns 1, 5 */
    d->dirty[8] = 0x01;                                 /* pfn 64 */
    d->dirty[12] = 0x08;                                /* pfn 99 */
    d->dirty_count = 4;
    memset(bm, 0xff, sizeof(bm));                       /* caller's leftovers */

    ck_assert_int_eq(hv->ops->logdirty_op(hv, 3, CVG_LOGDIRTY_PEEK, bm, 100, 0, &st,
                                          &err), 0);
    ck_assert_uint_eq(bm[0], (1ul << 1) | (1ul << 5));
    ck_assert_uint_eq(bm[1], (1ul << 0) | (1ul << 35)); /* nothing past pfn 99 */
    ck_assert_uint_eq(st.dirty_count, 4);
    ck_assert_uint_eq(d->dirty[0], 0x22);               /* PEEK keeps */

    memset(bm, 0, sizeof(bm));
    ck_assert_int_eq(hv->ops->logdirty_op(hv, 3, CVG_LOGDIRTY_CLEAN, bm, 100,
                                          CVG_LOGDIRTY_FINAL, &st, &err), 0);
    ck_assert_uint_eq(bm[1], (1ul << 0) | (1ul << 35));
    ck_assert_uint_eq(fake.shadow[2].mode, XEN_DOMCTL_SHADOW_LOGDIRTY_FINAL);
    ck_assert(!fake.shadow[2].bitmap_null);
    ck_assert_uint_eq(fake.shadow[2].pages, 100);
    ck_assert_uint_eq(d->dirty[0], 0);                  /* CLEAN clears */
    ck_assert_uint_eq(fake.n_hcbuf_alloc, 2);
    ck_assert_uint_eq(fake.n_hcbuf_free, 2);
}
END_TEST

START_TEST(test_short_logdirty_is_an_error)
{
    unsigned long bm[2];

    ck_assert_int_eq(hv->ops->logdirty_enable(hv, 3, &err), 0);
    fake_dom(3)->short_by = 36;
    ck_assert_int_eq(hv->ops->logdirty_op(hv, 3, CVG_LOGDIRTY_CLEAN, bm, 100, 0, NULL,
                                          &err), -EIO);
    HAS("processed 64 of 100 pages");
    ck_assert_uint_eq(fake.n_hcbuf_free, 1);
}
END_TEST

/* ---- memory -------------------------------------------------------------------- */

START_TEST(test_pfn_types_passed_through_in_batches)
{
    static uint64_t pfns[2500];
    static uint32_t types[2500];
    struct fake_dom *d = fake_dom(3);
    unsigned i;

    d->nr_gpfns = 3000;
    d->pfn_type[7] = XEN_DOMCTL_PFINFO_XTAB;
    d->pfn_type[8] = XEN_DOMCTL_PFINFO_XALLOC;
    d->pfn_type[2049] = XEN_DOMCTL_PFINFO_L1TAB | XEN_DOMCTL_PFINFO_LPINTAB;
    for (i = 0; i < 2500; i++)
        pfns[i] = i;
    ck_assert_int_eq(hv->ops->pfn_types(hv, 3, 2500, pfns, types, &err), 0);
    ck_assert_uint_eq(fake.n_pfn_type_calls, 3);
    ck_assert_uint_eq(fake.max_pfn_type_batch, 1024);
    ck_assert_uint_eq(types[0], XEN_DOMCTL_PFINFO_NOTAB);
    ck_assert_uint_eq(types[7], XEN_DOMCTL_PFINFO_XTAB);
    ck_assert_uint_eq(types[8], XEN_DOMCTL_PFINFO_XALLOC);
    ck_assert_uint_eq(types[2049], XEN_DOMCTL_PFINFO_L1TAB | XEN_DOMCTL_PFINFO_LPINTAB);
    ck_assert_uint_eq(types[2499], XEN_DOMCTL_PFINFO_NOTAB);
}
END_TEST

START_TEST(test_map_fills_pages_and_errors)
{
    const uint64_t pfns[4] = { 10, 11, 2000, 12 };      /* 2000 is past p2m */
    struct cvg_hv_mapping map;
    const uint8_t *p;

    fake_dom(3)->pfn_type[12] = XEN_DOMCTL_PFINFO_BROKEN;
    ck_assert_int_eq(hv->ops->map(hv, 3, PROT_READ, 4, pfns, &map, &err), 0);
    ck_assert_uint_eq(map.n, 4);
    p = map.pages[0];
    ck_assert_uint_eq(p[0], fake_page_byte(10));
    ck_assert_uint_eq(p[4095], fake_page_byte(10));
    ck_assert_ptr_eq(map.pages[1], (const uint8_t *)map.pages[0] + 4096);
    ck_assert_uint_eq(((const uint8_t *)map.pages[1])[17], fake_page_byte(11));
    ck_assert_ptr_null(map.pages[2]);
    ck_assert_int_eq(map.errs[2], -ENOENT);
    ck_assert_ptr_null(map.pages[3]);
    ck_assert_int_eq(map.errs[3], -EIO);                /* positive errno normalised */
    hv->ops->unmap(hv, &map);
    ck_assert_uint_eq(fake.n_unmap, 1);
    ck_assert_uint_eq(fake.last_unmap_pages, 4);
    ck_assert_ptr_null(map.pages);

    ck_assert_int_eq(hv->ops->map(hv, 7, PROT_READ, 1, pfns, &map, &err), -ESRCH);
    HAS("xenforeignmemory_map(dom 7, 1 pages from pfn 0xa)");
    ck_assert_ptr_null(map.pages);
}
END_TEST

START_TEST(test_populate)
{
    const uint64_t pfns[3] = { 5, 6, 900 };

    ck_assert_int_eq(hv->ops->populate(hv, 3, 3, pfns, &err), 0);
    ck_assert(fake_dom(3)->populated[900]);
    ck_assert_uint_eq(fake.populated_extents, 3);
    ck_assert_int_eq(hv->ops->populate(hv, 3, 1, pfns, &err), -EBUSY);
    HAS("xc_domain_populate_physmap_exact(dom 3, 1 pages from pfn 0x5)");
}
END_TEST

/* ---- HVM state ----------------------------------------------------------------- */

START_TEST(test_hvm_context_params_tsc)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    uint64_t v;
    uint32_t mode, khz, inc;
    uint64_t nsec;

    ck_assert_int_eq(hv->ops->hvm_context_get(hv, 3, &buf, &len, &err), 0);
    ck_assert_uint_eq(fake.n_hvm_getcontext_size_queries, 1);
    ck_assert_uint_eq(len, 200);
    ck_assert_int_eq(memcmp(buf, fake_dom(3)->hvm_ctx, 200), 0);
    buf[0] ^= 0xff;
    ck_assert_int_eq(hv->ops->hvm_context_set(hv, 9, buf, len, &err), 0);
    ck_assert_uint_eq(fake_dom(9)->hvm_ctx_len, 200);
    ck_assert_uint_eq(fake_dom(9)->hvm_ctx[0], buf[0]);
    free(buf);

    ck_assert_int_eq(hv->ops->hvm_param_set(hv, 3, 12, 0xfeedull, &err), 0);
    ck_assert_int_eq(hv->ops->hvm_param_get(hv, 3, 12, &v, &err), 0);
    ck_assert_uint_eq(v, 0xfeed);
    ck_assert_int_eq(hv->ops->hvm_param_get(hv, 3, 99, &v, &err), -EINVAL);
    HAS("xc_hvm_param_get(dom 3, param 99)");

    ck_assert_int_eq(hv->ops->tsc_info_set(hv, 3, 2, 555, 2400000, 3, &err), 0);
    ck_assert_int_eq(hv->ops->tsc_info_get(hv, 3, &mode, &nsec, &khz, &inc, &err), 0);
    ck_assert_uint_eq(mode, 2);
    ck_assert_uint_eq(nsec, 555);
    ck_assert_uint_eq(khz, 2400000);
    ck_assert_uint_eq(inc, 3);
}
END_TEST

/* ---- the restore engine on this port: what real Xen showed ----------------- */

/* A libxc stream in a memfd: headers, pfns as one PAGE_DATA, TSC, an HVM
 * context of 64 bytes, HVM_PARAMS (if any), END. */
static int stream_fd_params(const uint64_t *pfns, uint32_t n,
                            const struct xcs_hvm_param *params, uint32_t nparams)
{
    static const uint8_t page[4096] = { 0x42 };
    const struct xcs_dhdr dh = { XCS_DOM_X86_HVM, XCS_PAGE_SHIFT, 4, 17 };
    const struct xcs_tsc_info tsc = { 0 };
    struct xcs_page_scratch *scratch = malloc(sizeof(*scratch));
    const void *pages[8];
    uint32_t types[8] = { 0 };
    uint8_t ctx[64] = { 1 };
    struct cvg_sink sink;
    int fd = memfd_create("stream", 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_ptr_nonnull(scratch);
    ck_assert_uint_le(n, 8);
    for (uint32_t i = 0; i < n; i++)
        pages[i] = page;
    cvg_sink_init_fd(&sink, fd);
    ck_assert_int_eq(xcs_write_ihdr(&sink, XCS_VERSION, &err), 0);
    ck_assert_int_eq(xcs_write_dhdr(&sink, &dh, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&sink, XCS_REC_STATIC_DATA_END, &err), 0);
    ck_assert_int_eq(xcs_write_page_data(&sink, scratch, n, pfns, types, pages, &err), 0);
    ck_assert_int_eq(xcs_write_tsc_info(&sink, &tsc, &err), 0);
    ck_assert_int_eq(xcs_write_record_buf(&sink, XCS_REC_HVM_CONTEXT, ctx, sizeof(ctx), &err), 0);
    if (nparams)
        ck_assert_int_eq(xcs_write_hvm_params(&sink, params, nparams, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&sink, XCS_REC_END, &err), 0);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    free(scratch);
    return fd;
}

static int stream_fd(const uint64_t *pfns, uint32_t n)
{
    return stream_fd_params(pfns, n, NULL, 0);
}

static int restore_into(uint32_t domid, const uint64_t *pfns, uint32_t n,
                        struct cvg_restore_result *res)
{
    const struct cvg_restore_params p = { .domid = domid, .send_back_fd = -1 };
    const struct cvg_restore_ops ops = { 0 };
    int fd = stream_fd(pfns, n), rc;

    rc = cvg_restore(hv, &p, &ops, fd, res, &err);
    close(fd);
    return rc;
}

START_TEST(test_restore_into_a_domain_libxl_just_created)
{
    /* What libxl hands a restore helper on Xen: a domain with no memory
     * yet, whose p2m (nr_gpfns) ends before the first pfn, and maxmem set.
     * The stream's pfns reach as far as the guest's memory did. */
    const uint64_t pfns[4] = { 0, 1, 5, 3000 };
    struct fake_dom *d = fake_dom(3);
    struct cvg_restore_result res;

    d->nr_gpfns = 0;
    d->tot_pages = 0;
    d->max_pages = 1280;
    ck_assert_msg(restore_into(3, pfns, 4, &res) == 0, "%s", err.msg);
    ck_assert_uint_eq(res.pages_applied, 4);
    ck_assert(d->populated[0] && d->populated[5] && d->populated[3000]);
    ck_assert_uint_eq(fake.populated_extents, 4);
    ck_assert_uint_eq(d->hvm_ctx_len, 64);
}
END_TEST

START_TEST(test_restore_leaves_rings_empty_and_seeds_grants)
{
    /* On Xen, xenstored maps a restored guest's ring only through grant
     * entry 1 and libxl waits for xenconsoled to attach: without the seed
     * the restored guest was destroyed.  The rings (and qemu's ioreq
     * pages) start empty, as libxc leaves them. */
    const uint64_t pfns[5] = { 0, 1, 2, 3, 4 };
    const struct xcs_hvm_param params[4] = {
        { 1, 3 },       /* STORE_PFN */
        { 17, 4 },      /* CONSOLE_PFN */
        { 5, 2 },       /* IOREQ_PFN */
        { 12, 0xfeed }, /* IDENT_PT: not a ring */
    };
    const struct cvg_restore_params p = {
        .domid = 3, .send_back_fd = -1, .store_evtchn = 7, .store_domid = 0,
        .console_evtchn = 8, .console_domid = 0,
    };
    const struct cvg_restore_ops ops = { 0 };
    struct cvg_restore_result res;
    int fd;

    fake_dom(3)->nr_gpfns = 0;
    fake_dom(3)->max_pages = 1280;
    fake_dom(3)->hvm_ctx_len = 0;
    fd = stream_fd_params(pfns, 5, params, 4);
    ck_assert_msg(cvg_restore(hv, &p, &ops, fd, &res, &err) == 0, "%s", err.msg);
    close(fd);
    ck_assert_uint_eq(res.store_gfn, 3);
    ck_assert_uint_eq(res.console_gfn, 4);
    ck_assert_uint_eq(fake.gnttab_seed.n, 1);
    ck_assert_uint_eq(fake.gnttab_seed.domid, 3);
    ck_assert_uint_eq(fake.gnttab_seed.console_gfn, 4);
    ck_assert_uint_eq(fake.gnttab_seed.store_gfn, 3);
    ck_assert(fake.gnttab_seed.after_setcontext);
    ck_assert_uint_eq(fake_dom(3)->params[2], 7);       /* STORE_EVTCHN */
    ck_assert_uint_eq(fake_dom(3)->params[18], 8);      /* CONSOLE_EVTCHN */
    /* the page data (pfns 0-4), then each ring page once more, to clear */
    ck_assert_uint_eq(fake.n_rw_mapped, 8);
    ck_assert_uint_eq(fake.rw_mapped[5], 3);
    ck_assert_uint_eq(fake.rw_mapped[6], 4);
    ck_assert_uint_eq(fake.rw_mapped[7], 2);
}
END_TEST

START_TEST(test_restore_bounds_pfns_by_maxmem)
{
    /* RAM the MMIO hole displaces lies above 4 GiB: nothing past 4 GiB +
     * maxmem is the guest's. */
    const uint64_t pfns[2] = { 0, (1ull << 20) + 1280 };
    struct fake_dom *d = fake_dom(3);
    struct cvg_restore_result res;

    d->nr_gpfns = 0;
    d->max_pages = 1280;
    ck_assert_int_eq(restore_into(3, pfns, 2, &res), -ERANGE);
    HAS("beyond the domain's 0x100500 pages");
    ck_assert_uint_eq(fake.populated_extents, 0);
}
END_TEST

START_TEST(test_restore_into_a_domain_without_bounds_refused)
{
    const uint64_t pfns[1] = { 0 };
    struct fake_dom *d = fake_dom(3);
    struct cvg_restore_result res;

    d->nr_gpfns = 0;
    d->max_pages = 0;
    ck_assert_int_eq(restore_into(3, pfns, 1, &res), -EINVAL);
    HAS("domain 3: neither its p2m nor its maximum memory");
}
END_TEST

/* ---- the save engine on this port ------------------------------------------ */

static uint64_t pass0_bw;

static void keep_pass0_bw(void *opaque, const struct cvg_mig_stats *s)
{
    if (s->pass == 0)
        pass0_bw = s->bandwidth_bps;
}

static int suspend_dom3(void *opaque)
{
    fake_dom(3)->flags |= XEN_DOMINF_shutdown |
                          (SHUTDOWN_suspend << XEN_DOMINF_shutdownshift);
    return 0;
}

START_TEST(test_save_rate_ignores_time_spent_on_holes)
{
    /* Seen on Xen: a PVH guest's RAM at the bottom, special pages at the
     * top of its p2m, the walk through the hole between slow; the rate
     * window at the end of the first pass held almost no bytes, the stop
     * rule expected hours of downtime and the throttle went to 99%. */
    struct fake_dom *d = fake_dom(3);
    const struct cvg_save_ops ops = { .suspend = suspend_dom3, .stats = keep_pass0_bw };
    struct cvg_tunables tun;
    struct cvg_save_params p = { .domid = 3, .live = true, .tun = &tun };
    struct cvg_save_result res;
    int out = open("/dev/null", O_WRONLY);

    ck_assert_int_ge(out, 0);
    cvg_tunables_init(&tun);
    d->nr_gpfns = 4096;
    d->tot_pages = 128;
    for (unsigned i = 64; i < 4032; i++)
        d->pfn_type[i] = XEN_DOMCTL_PFINFO_XTAB;
    /* the two batches of holes only (pfns 1024-3071) take 2.2 s */
    fake.hole_batch_delay_us = 1100000;
    ck_assert_msg(cvg_save(hv, &p, &ops, out, &res, &err) == 0, "%s", err.msg);
    close(out);
    ck_assert_uint_eq(res.pages_sent, 128);
    /* 128 pages written to /dev/null in well under a second of sending:
     * without the holes' time this is far above 10 MiB/s; with it, the
     * 2 s window ending at the top pages held 64 pages: ~0.1 MiB/s */
    ck_assert_msg(pass0_bw > (10u << 20), "pass 0 measured %llu B/s",
                  (unsigned long long)pass0_bw);
}
END_TEST

/* ---- pure helpers ---------------------------------------------------------------- */

START_TEST(test_logic_bitmap_sizes_and_copy)
{
    uint8_t src[16];
    unsigned long dst[2];

    ck_assert_uint_eq(cvg_xen_bitmap_bytes(1), 8);
    ck_assert_uint_eq(cvg_xen_bitmap_bytes(64), 8);
    ck_assert_uint_eq(cvg_xen_bitmap_bytes(65), 16);
    ck_assert_uint_eq(cvg_xen_bitmap_buffer_pages(32768), 1);
    ck_assert_uint_eq(cvg_xen_bitmap_buffer_pages(32769), 2);
    memset(src, 0xff, sizeof(src));
    memset(dst, 0xee, sizeof(dst));
    cvg_xen_bitmap_copy_out(dst, src, 67);
    ck_assert_uint_eq(dst[0], ~0ul);
    ck_assert_uint_eq(dst[1], 0x7);
    cvg_xen_bitmap_copy_out(dst, src, 8);
    ck_assert_uint_eq(dst[0], 0xff);
}
END_TEST

START_TEST(test_logic_dominfo_and_caps)
{
    xc_domaininfo_t di;
    struct cvg_dominfo info;

    memset(&di, 0, sizeof(di));
    di.domain = 4;
    di.flags = XEN_DOMINF_shutdown | XEN_DOMINF_dying |
               (SHUTDOWN_crash << XEN_DOMINF_shutdownshift);
    ck_assert_int_eq(cvg_xen_dominfo_decode(4, &di, &info, &err), 0);
    ck_assert(info.shutdown && info.dying && !info.hvm);
    ck_assert_uint_eq(info.shutdown_reason, SHUTDOWN_crash);
    ck_assert_int_eq(cvg_xen_dominfo_decode(5, &di, &info, &err), -ESRCH);

    ck_assert_int_eq(cvg_xen_cap_check(1, 100, 1, NULL), 0);
    ck_assert_int_eq(cvg_xen_cap_check(1, 101, 1, NULL), -EINVAL);
    ck_assert_int_eq(cvg_xen_cap_check(1, 0, 1, NULL), 0);
    ck_assert_int_eq(cvg_xen_cap_check(1, 65535, 1000, NULL), -EINVAL);
    ck_assert_int_eq(cvg_xen_cap_check(1, 10, 0, NULL), -EINVAL);
    ck_assert_int_eq(cvg_xen_map_err(ENOENT), -ENOENT);
    ck_assert_int_eq(cvg_xen_map_err(-ENOENT), -ENOENT);
    ck_assert_int_eq(cvg_xen_map_err(0), 0);
}
END_TEST

static Suite *hv_xen_suite(void)
{
    Suite *s = suite_create("hv_xen");
    TCase *tc = tcase_create("port");
    TCase *tl = tcase_create("logic");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_calls_reach_the_fake);
    tcase_add_test(tc, test_open_failure_names_the_call);
    tcase_add_test(tc, test_dominfo_decodes_flags);
    tcase_add_test(tc, test_dominfo_of_next_domain_is_no_such_domain);
    tcase_add_test(tc, test_errors_carry_errno_call_domid_and_libxc_message);
    tcase_add_test(tc, test_vcpuinfo_and_pcpus);
    tcase_add_test(tc, test_suspend_and_resume);
    tcase_add_test(tc, test_sched_id_through_cpupool);
    tcase_add_test(tc, test_cap_set_keeps_weight_credit2);
    tcase_add_test(tc, test_restoring_cap_zero_uncaps_credit2);
    tcase_add_test(tc, test_cap_beyond_vcpus_refused_before_xen);
    tcase_add_test(tc, test_cap_credit1_and_unsupported);
    tcase_add_test(tc, test_cap_set_failure_from_xen);
    tcase_add_test(tc, test_budgets_only_on_rtds);
    tcase_add_test(tc, test_affinity_round_trip_through_cpumap_bytes);
    tcase_add_test(tc, test_affinity_refusals);
    tcase_add_test(tc, test_logdirty_enable_retries_after_einval);
    tcase_add_test(tc, test_logdirty_enable_other_errors_not_retried);
    tcase_add_test(tc, test_logdirty_enabled_is_what_we_did);
    tcase_add_test(tc, test_stats_only_peek_passes_null_bitmap);
    tcase_add_test(tc, test_clean_copies_bitmap_and_masks_tail);
    tcase_add_test(tc, test_short_logdirty_is_an_error);
    tcase_add_test(tc, test_pfn_types_passed_through_in_batches);
    tcase_add_test(tc, test_map_fills_pages_and_errors);
    tcase_add_test(tc, test_populate);
    tcase_add_test(tc, test_hvm_context_params_tsc);
    tcase_add_test(tc, test_restore_into_a_domain_libxl_just_created);
    tcase_add_test(tc, test_restore_bounds_pfns_by_maxmem);
    tcase_add_test(tc, test_restore_leaves_rings_empty_and_seeds_grants);
    tcase_add_test(tc, test_save_rate_ignores_time_spent_on_holes);
    tcase_add_test(tc, test_restore_into_a_domain_without_bounds_refused);
    suite_add_tcase(s, tc);

    tcase_add_test(tl, test_logic_bitmap_sizes_and_copy);
    tcase_add_test(tl, test_logic_dominfo_and_caps);
    suite_add_tcase(s, tl);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hv_xen_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
