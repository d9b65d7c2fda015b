/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Restore of an HVM/PVH libxc stream into a domain libxl created (empty,
 * paused).  Reads exactly through the libxc END and nothing more (libxl
 * reads its own records after it from the same fd).
 *
 * As stock 4.17 restore: pages are populated on first sight and copied in
 * straight from the stream into the mapped frame; TSC info and params are
 * applied when they arrive, except the HVM context, which is buffered and
 * applied at END after the event-channel params (the 4.17 sender emits
 * HVM_CONTEXT before HVM_PARAMS).  Every pfn must lie inside the domain.
 *
 * Our own records (HELLO, STATS) drive the back channel (backchannel.h):
 * HELLO_ACK, SWITCHOVER_ACK once a pass is applied and setup is done, BYE
 * at the end.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine/backchannel.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/hvm_state.h"
#include "wire/cvg_records.h"
#include "wire/xc_stream.h"

#define BITS_PER_WORD (8 * sizeof(unsigned long))
#define CVG_FOUR_GIB_PFNS (1ull << (32 - XCS_PAGE_SHIFT))

struct restore_ctx {
    struct cvg_hv *hv;
    const struct cvg_restore_params *p;
    const struct cvg_restore_ops *ops;
    struct cvg_restore_result *res;
    struct cvg_src src;
    struct xcs_reader rd;
    uint64_t p2m_size;
    unsigned long *populated;
    uint64_t to_populate[XCS_MAX_BATCH];
    uint8_t *hvm_context;
    size_t hvm_context_len;
    bool verify;                /* after VERIFY: compare, do not write */
    uint64_t verify_mismatches;
    uint8_t scratch[XCS_PAGE_SIZE];
    uint64_t t0_ns;
    struct cvg_bc_recv bc;
};

static void say(struct restore_ctx *c, enum cvg_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(struct restore_ctx *c, enum cvg_log_level lvl, const char *fmt, ...)
{
    char text[512];
    va_list ap;

    if (!c->ops->log)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    c->ops->log(c->ops->opaque, lvl, -1, text);
}

static bool test_and_set(unsigned long *bm, uint64_t pfn)
{
    unsigned long bit = 1ul << (pfn % BITS_PER_WORD);
    bool was = bm[pfn / BITS_PER_WORD] & bit;

    bm[pfn / BITS_PER_WORD] |= bit;
    return was;
}

/*
 * How far the stream's pfns may reach.  A domain libxl has just created for
 * a restore is still empty, so its p2m (xc_domain_nr_gpfns) does not reach
 * where the guest's memory will be; what bounds an x86 HVM/PVH guest is
 * its maximum memory: RAM below 4 GiB and, what the MMIO hole displaces,
 * above it, so no pfn lies past 4 GiB + max_pages.  Back ends that do not
 * know max_pages (the simulator's domains are full size) keep the p2m.
 */
static uint64_t pfn_limit(const struct cvg_dominfo *info)
{
    uint64_t limit = info->p2m_size;

    if (info->max_pages && info->max_pages <= XCS_PFN_LIMIT - CVG_FOUR_GIB_PFNS &&
        CVG_FOUR_GIB_PFNS + info->max_pages > limit)
        limit = CVG_FOUR_GIB_PFNS + info->max_pages;
    return limit;
}

static int page_data(struct restore_ctx *c, const struct xcs_rec *rec, struct cvg_err *err)
{
    struct cvg_hv_mapping map = { 0 };
    uint64_t data_pfns[XCS_MAX_BATCH];
    uint32_t n = 0, ndata = 0, i;
    uint64_t t0 = cvg_now_ns();
    int rc = 0;

    for (i = 0; i < rec->count; i++) {
        if (!xcs_page_type_has_data(rec->types[i]))
            continue;
        data_pfns[ndata++] = rec->pfns[i];
        if (!test_and_set(c->populated, rec->pfns[i]))
            c->to_populate[n++] = rec->pfns[i];
    }
    if (n) {
        rc = c->hv->ops->populate(c->hv, c->p->domid, n, c->to_populate, err);
        if (rc)
            goto out;
    }
    if (!ndata)
        goto out;
    rc = c->hv->ops->map(c->hv, c->p->domid, PROT_READ | PROT_WRITE, ndata, data_pfns,
                         &map, err);
    if (rc)
        goto out;
    for (i = 0; i < ndata; i++) {
        if (!map.pages[i] || (map.errs && map.errs[i])) {
            rc = xcs_rec_fail(rec, err, -EFAULT, "cannot map pfn %#" PRIx64
                              " of domain %u", data_pfns[i], c->p->domid);
            goto out;
        }
    }
    if (!c->verify) {
        /* The whole batch in one call (through the reader's buffer). */
        rc = xcs_read_pages(&c->rd, map.pages, ndata, err);
        goto out;
    }
    /* The debug pass (xl migrate --debug) resends every page after VERIFY
     * for comparison, as libxc's restore does. */
    for (i = 0; i < ndata; i++) {
        uint64_t pfn;

        rc = xcs_read_page(&c->rd, c->scratch, &pfn, err);
        if (rc)
            goto out;
        if (memcmp(c->scratch, map.pages[i], XCS_PAGE_SIZE) && c->verify_mismatches++ < 8)
            say(c, CVG_LOG_ERROR, "verify: pfn %#" PRIx64 " differs", pfn);
    }
out:
    if (!rc && !c->verify) {
        c->res->pages_applied += ndata;
        cvg_bc_recv_applied(&c->bc, ndata, t0);
    }
    if (map.pages)
        c->hv->ops->unmap(c->hv, &map);
    return rc;
}

/*
 * The pages the toolstack's back ends share with the guest (xenstore and
 * console rings) and qemu's ioreq pages start empty at the destination, as
 * 4.17's restore leaves them: what they hold belongs to the source's back
 * ends.  Only where there are such back ends (hv.h, gnttab_seed).  Like
 * libxc, a page that cannot be cleared is not fatal.
 */
static void clear_page(struct restore_ctx *c, const char *what, uint64_t pfn)
{
    struct cvg_hv_mapping map = { 0 };
    struct cvg_err e = { 0 };

    if (!pfn || !c->hv->ops->gnttab_seed)
        return;
    if (!c->hv->ops->map(c->hv, c->p->domid, PROT_READ | PROT_WRITE, 1, &pfn, &map, &e) &&
        map.pages[0] && !(map.errs && map.errs[0]))
        memset(map.pages[0], 0, XCS_PAGE_SIZE);
    else
        say(c, CVG_LOG_WARN, "cannot clear the %s page (pfn %#" PRIx64 ")%s%s", what, pfn,
            e.msg[0] ? ": " : "", e.msg);
    if (map.pages)
        c->hv->ops->unmap(c->hv, &map);
}

static int hvm_params(struct restore_ctx *c, const struct xcs_rec *rec, struct cvg_err *err)
{
    struct xcs_hvm_params *hp = malloc(sizeof(*hp));
    int rc;

    if (!hp)
        return cvg_fail(err, -ENOMEM, "out of memory");
    rc = xcs_decode_hvm_params(rec, hp, err);
    for (uint32_t i = 0; !rc && i < hp->count; i++) {
        uint64_t idx = hp->param[i].index, v = hp->param[i].value;

        switch (idx) {
        case CVG_HVM_PARAM_PAE_ENABLED:
            continue;           /* dropped by 4.17 restore too */
        case CVG_HVM_PARAM_STORE_PFN:
            c->res->store_gfn = v;
            clear_page(c, "xenstore ring", v);
            break;
        case CVG_HVM_PARAM_CONSOLE_PFN:
            c->res->console_gfn = v;
            clear_page(c, "console ring", v);
            break;
        case CVG_HVM_PARAM_IOREQ_PFN:
        case CVG_HVM_PARAM_BUFIOREQ_PFN:
            clear_page(c, "ioreq", v);
            break;
        default:
            break;
        }
        if (idx > UINT32_MAX) {
            rc = xcs_rec_fail(rec, err, -EINVAL, "param index %#" PRIx64 " out of range", idx);
            break;
        }
        rc = c->hv->ops->hvm_param_set(c->hv, c->p->domid, (uint32_t)idx, v, err);
    }
    free(hp);
    return rc;
}

static int on_record(struct restore_ctx *c, const struct xcs_rec *rec, struct cvg_err *err)
{
    struct xcs_tsc_info tsc;
    int rc = 0;

    if (rec->static_data_end_inferred || rec->type == XCS_REC_STATIC_DATA_END) {
        /* The stream's CPU policy is not applied here (the port has no
         * policy call yet), so libxl is told it is missing and regenerates
         * one, as it does for streams from before 4.14. */
        unsigned missing = 1u | 2u;     /* XGR_SDD_MISSING_CPUID | _MSR */

        if (c->ops->static_data_done && c->ops->static_data_done(c->ops->opaque, missing))
            return cvg_fail(err, -EIO, "libxl refused static_data_done(missing=%u)", missing);
    }
    switch (rec->type) {
    case XCS_REC_PAGE_DATA:
        /* A plain stream sends the CPU state once, after every page
         * (end_of_checkpoint); found by tests/fault flipping record types. */
        if (c->hvm_context && !c->p->checkpointed)
            return xcs_rec_fail(rec, err, -EINVAL, "after HVM_CONTEXT: memory must come "
                                "before the CPU state");
        return page_data(c, rec, err);
    case XCS_REC_X86_CPUID_POLICY:
        /* Applying a CPU policy needs libxenguest's xc_cpu_policy_*; until the
         * port has it, report it missing so libxl regenerates one. */
        say(c, CVG_LOG_WARN, "CPUID policy in the stream not applied: libxl regenerates one");
        return 0;
    case XCS_REC_X86_MSR_POLICY:
        say(c, CVG_LOG_WARN, "MSR policy in the stream not applied: libxl regenerates one");
        return 0;
    case XCS_REC_X86_TSC_INFO:
        rc = xcs_decode_tsc_info(rec, &tsc, err);
        if (!rc)
            rc = c->hv->ops->tsc_info_set(c->hv, c->p->domid, tsc.mode, tsc.nsec, tsc.khz,
                                          tsc.incarnation, err);
        return rc;
    case XCS_REC_HVM_CONTEXT:
        if (c->hvm_context && !c->p->checkpointed)
            return xcs_rec_fail(rec, err, -EINVAL, "a second HVM_CONTEXT in a plain stream");
        free(c->hvm_context);
        c->hvm_context = malloc(rec->length);
        if (!c->hvm_context)
            return cvg_fail(err, -ENOMEM, "out of memory for the HVM context");
        memcpy(c->hvm_context, rec->body, rec->length);
        c->hvm_context_len = rec->length;
        return 0;
    case XCS_REC_HVM_PARAMS:
        return hvm_params(c, rec, err);
    case XCS_REC_VERIFY:
        c->verify = true;
        return 0;
    case XCS_REC_STATIC_DATA_END:
    case XCS_REC_END:
        return 0;
    default:
        if (rec->skipped) {
            c->res->optional_skipped++;
            say(c, CVG_LOG_DETAIL, "skipped optional record %#x (%u bytes) at offset %"
                PRIu64, rec->type, rec->length, rec->offset);
            return 0;
        }
        if (cvg_rec_in_range(rec->type))
            return cvg_bc_recv_record(&c->bc, rec, err);
        return xcs_rec_fail(rec, err, -EOPNOTSUPP, "not expected in an HVM restore");
    }
}

static int finish(struct restore_ctx *c, struct cvg_err *err)
{
    int rc;

    if (!c->hvm_context)
        return cvg_fail(err, -EINVAL, "stream ended without HVM_CONTEXT: the CPU state "
                        "of domain %u would be undefined", c->p->domid);
    rc = c->hv->ops->hvm_param_set(c->hv, c->p->domid, CVG_HVM_PARAM_STORE_EVTCHN,
                                   c->p->store_evtchn, err);
    if (!rc)
        rc = c->hv->ops->hvm_param_set(c->hv, c->p->domid, CVG_HVM_PARAM_CONSOLE_EVTCHN,
                                       c->p->console_evtchn, err);
    if (!rc)
        rc = c->hv->ops->hvm_context_set(c->hv, c->p->domid, c->hvm_context,
                                         c->hvm_context_len, err);
    /* Without it xenstored cannot map the ring and libxl gives up waiting
     * for the console: the restored guest is destroyed (seen on Xen). */
    if (!rc && c->hv->ops->gnttab_seed)
        rc = c->hv->ops->gnttab_seed(c->hv, c->p->domid, c->res->console_gfn,
                                     c->res->store_gfn, c->p->console_domid,
                                     c->p->store_domid, err);
    return rc;
}

int cvg_restore(struct cvg_hv *hv, const struct cvg_restore_params *p,
                const struct cvg_restore_ops *ops, int io_fd,
                struct cvg_restore_result *res, struct cvg_err *err)
{
    struct restore_ctx *c = calloc(1, sizeof(*c));
    struct xcs_reader_cfg cfg = { 0 };
    struct cvg_dominfo info;
    struct xcs_rec rec;
    bool reader = false;
    int rc;

    memset(res, 0, sizeof(*res));
    if (!c)
        return cvg_fail(err, -ENOMEM, "out of memory");
    c->hv = hv;
    c->p = p;
    c->ops = ops;
    c->res = res;
    c->t0_ns = cvg_now_ns();
    cvg_src_init_fd(&c->src, io_fd);

    rc = hv->ops->dominfo(hv, p->domid, &info, err);
    if (rc)
        goto out;
    if (!info.hvm) {
        rc = cvg_fail(err, -EOPNOTSUPP, "domain %u is PV: restored by the stock helper",
                      p->domid);
        goto out;
    }
    c->p2m_size = pfn_limit(&info);
    if (!c->p2m_size) {
        /* the reader would read max_pfn 0 as "no limit" */
        rc = cvg_fail(err, -EINVAL, "domain %u: neither its p2m nor its maximum "
                      "memory says where its pages may lie", p->domid);
        goto out;
    }
    cvg_bc_recv_init(&c->bc, p->send_back_fd, p->domid, p->ready_at_ns,
                     p->apply_limit_bps);
    c->populated = calloc((c->p2m_size + BITS_PER_WORD - 1) / BITS_PER_WORD,
                          sizeof(unsigned long));
    if (!c->populated) {
        rc = cvg_fail(err, -ENOMEM, "out of memory for a %" PRIu64 "-page bitmap",
                      c->p2m_size);
        goto out;
    }
    cfg.max_pfn = c->p2m_size;
    cfg.expect_dom_type = XCS_DOM_X86_HVM;
    cfg.checkpointed = p->checkpointed;
    rc = xcs_reader_init(&c->rd, &c->src, &cfg, err);
    if (rc)
        goto out;
    reader = true;
    rc = xcs_read_headers(&c->rd, err);
    if (rc)
        goto out;
    say(c, CVG_LOG_INFO, "Found %s domain from Xen %u.%u",
        xcs_dom_type_name(c->rd.dhdr.type), c->rd.dhdr.xen_major, c->rd.dhdr.xen_minor);
    do {
        rc = cvg_bc_recv_before_read(&c->bc, io_fd, err);
        if (!rc)
            rc = xcs_read_record(&c->rd, &rec, err);
        if (!rc)
            rc = on_record(c, &rec, err);
    } while (!rc && rec.type != XCS_REC_END);
    if (!rc)
        rc = finish(c, err);
    if (!rc) {
        uint64_t ms = (cvg_now_ns() - c->t0_ns) / 1000000ull;

        res->bytes_read = c->src.off;
        res->apply_rate_bps = cvg_bc_recv_apply_rate(&c->bc);
        if (!res->apply_rate_bps && ms)
            res->apply_rate_bps = c->src.off * 1000 / ms;
        say(c, CVG_LOG_INFO, "Restore successful: %" PRIu64 " pages applied", res->pages_applied);
        if (c->verify_mismatches)
            say(c, CVG_LOG_ERROR, "verify: %" PRIu64 " pages differed", c->verify_mismatches);
    }
out:
    /* The sender drains the back channel to this record before libxl's
     * handshake: it goes out on every path once agreed. */
    {
        int brc = cvg_bc_recv_bye(&c->bc, rc, rc ? NULL : err);

        rc = rc ? rc : brc;
    }
    if (reader)
        xcs_reader_free(&c->rd);
    free(c->populated);
    free(c->hvm_context);
    free(c);
    return rc;
}
