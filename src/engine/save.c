/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Log-dirty precopy save of an HVM/PVH guest.
 *
 *   headers, STATIC_DATA_END
 *   qemu log-dirty on, log-dirty on
 *   pass 0: every pfn below p2m_size (holes are not sent: the receiver
 *           has nothing to do for them, and the stock first pass spends
 *           most of its time listing them)
 *   loop:   CLEAN -> dirty set; the stop rule decides
 *           continue: send the dirty set live
 *           abort:    stop here, the guest never stopped
 *           stop:     suspend (libxl), CLEAN with LOGDIRTY_FINAL, send the
 *                     rest, TSC_INFO + HVM_CONTEXT + HVM_PARAMS, END
 *   always: log-dirty off, qemu log-dirty off
 *
 * The convergence policy (throttle.h) samples the dirty rate between
 * batches, throttles the guest through the scheduler and decides at the
 * end of each pass; when a pass outlives refresh_interval_ms it refreshes
 * the dirty picture mid-pass (a CLEAN into a scratch bitmap, kept for the
 * next pass).  Every throttle comes off on every exit path.
 *
 * With a back channel (backchannel.h): HELLO after STATIC_DATA_END, STATS
 * after each pass once agreed, and the switchover gate between the stop
 * rule's "stop" and the suspend; after END, the channel is read through BYE.
 *
 * Pages go out in batches of up to 1024 as one writev straight from mapped
 * guest memory (the page contents are read at write time, as libxc does).
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
#include "guardian/guard.h"
#include "engine/ratelimit.h"
#include "engine/throttle.h"
#include "policy/bandwidth.h"
#include "policy/stop_rule.h"
#include "wire/xc_stream.h"

#define BITS_PER_WORD (8 * sizeof(unsigned long))
#define SAVE_BW_WINDOW_MS 2000
/* While the gate holds: longest wait for the back channel between passes
 * (an idle guest would otherwise spin through empty passes). */
#define GATE_POLL_MS 50

struct save_ctx {
    struct cvg_hv *hv;
    const struct cvg_save_params *p;
    const struct cvg_save_ops *ops;
    uint32_t domid;
    struct cvg_sink sink;
    struct xcs_page_scratch *scratch;

    uint64_t p2m_size;
    unsigned long *bitmap;      /* the dirty set the next pass sends */
    unsigned long *final_bm;    /* FINAL or refresh CLEAN, merged */
    unsigned long *next_bm;     /* refreshed bits, for the next pass */
    uint64_t next_count;        /* bits set in next_bm */
    uint64_t last_clean_count;  /* dirty_count of the latest CLEAN */
    size_t bitmap_words;

    /* batch under construction */
    uint64_t pfns[XCS_MAX_BATCH];
    uint32_t types[XCS_MAX_BATCH];
    uint64_t data_pfns[XCS_MAX_BATCH];
    const void *pages[XCS_MAX_BATCH];
    uint32_t nbatch;

    struct cvg_stop_params stop;
    enum cvg_policy policy;
    struct cvg_bw_window bw;
    struct cvg_ratelimit rl;
    uint64_t t0_ns;
    struct cvg_mig_stats st;
    struct cvg_save_result *res;
    char doing[48];
    uint64_t pass_start_ms;     /* dirty rate = pages dirtied over the pass */
    /* Time spent sending batches with data (map, writev, unmap, the rate
     * limiter's wait): the send rate's clock, which predicts how fast a
     * stop-and-copy goes.  Nothing else runs on it: a PVH guest's p2m
     * reaches up to its special pages below 4 GiB, and on Xen under TCG
     * the first pass spent seconds on batches of holes (and the progress
     * messages and samples between them), so a wall-clock window at its
     * end held almost no bytes, read as a dead link, and the throttle went
     * to 99%. */
    uint64_t send_ns;

    bool logdirty_on, qemu_logdirty_on, suspended;

    struct cvg_throttle *thr;   /* NULL: xen-default, throttle=off, not live */

    struct cvg_bc_send bc;
    struct cvg_gate gate;
    uint64_t hold_bw_bps;       /* send rate when the gate first held */
    uint64_t last_expected_ms;  /* of the latest verdict, for STATS */
};

static void say(struct save_ctx *c, enum cvg_log_level lvl, int errnoval,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void say(struct save_ctx *c, enum cvg_log_level lvl, int errnoval,
                const char *fmt, ...)
{
    char text[512];
    va_list ap;

    if (!c->ops->log)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    c->ops->log(c->ops->opaque, lvl, errnoval, text);
}

static uint64_t elapsed_ms(const struct save_ctx *c)
{
    return (cvg_now_ns() - c->t0_ns) / 1000000ull;
}

static void publish(struct save_ctx *c)
{
    c->st.now_ms = elapsed_ms(c);
    c->st.throttle_pct = cvg_throttle_current_pct(c->thr);
    c->st.bandwidth_bps = cvg_bw_rate(&c->bw);
    /* Waiting for the ack leaves the link idle, which is no news about
     * its speed: keep the rate measured before the switchover was held. */
    if (c->gate.hold_since_ns && c->st.bandwidth_bps < c->hold_bw_bps)
        c->st.bandwidth_bps = c->hold_bw_bps;
    if (c->ops->stats)
        c->ops->stats(c->ops->opaque, &c->st);
}

static int check_stop(struct save_ctx *c, struct cvg_err *err)
{
    if (c->p->stop_requested && *c->p->stop_requested)
        return cvg_fail(err, -EINTR, "domain %u: save aborted by request (SIGTERM)",
                        c->domid);
    return 0;
}

/* Reads what the back channel has (waiting up to timeout_ms) and says
 * what changed. */
static int bc_poll(struct save_ctx *c, int timeout_ms, struct cvg_err *err)
{
    enum cvg_bc_state was = c->bc.state;
    bool acked = c->bc.acked;
    int rc = cvg_bc_send_poll(&c->bc, timeout_ms, err);

    if (rc)
        return rc;
    if (was == CVG_BC_ASKED && c->bc.state == CVG_BC_AGREED)
        say(c, CVG_LOG_INFO, -1, "back channel: destination domain %u agreed "
            "(caps %#x) after %" PRIu64 " ms", c->bc.peer_domid, c->bc.caps,
            (cvg_now_ns() - c->bc.hello_ns) / 1000000);
    else if (was == CVG_BC_ASKED && c->bc.state == CVG_BC_STOCK)
        say(c, CVG_LOG_INFO, -1, "back channel: no HELLO_ACK within %u ms (a stock "
            "receiver): migrating without switchover-ack",
            cvg_tun_hello_timeout_ms(c->p->tun));
    if (c->bc.ack.apply_rate)
        c->st.apply_rate_bps = c->bc.ack.apply_rate;
    if (!acked && c->bc.acked)
        say(c, CVG_LOG_INFO, -1, "back channel: destination ready for switchover "
            "(%" PRIu64 " pages applied, %" PRIu64 " MiB/s apply rate)",
            c->bc.ack.pages_applied, c->bc.ack.apply_rate >> 20);
    return 0;
}

static void merge_into(unsigned long *dst, const unsigned long *src, size_t words)
{
    for (size_t w = 0; w < words; w++)
        dst[w] |= src[w];
}

static uint64_t count_bits(const unsigned long *bm, size_t words)
{
    uint64_t n = 0;

    for (size_t w = 0; w < words; w++)
        n += (uint64_t)__builtin_popcountl(bm[w]);
    return n;
}

/*
 * Background refresh: Xen's dirty bits since the last CLEAN go into the
 * next pass's set now, so the counter starts afresh and the controllers
 * see this pass's dirtying, not a saturated total.
 */
static int refresh(struct save_ctx *c, struct cvg_err *err)
{
    struct cvg_logdirty_stats ls = { 0 };
    int rc = c->hv->ops->logdirty_op(c->hv, c->domid, CVG_LOGDIRTY_CLEAN, c->final_bm,
                                     c->p2m_size, 0, &ls, err);

    if (rc)
        return rc;
    merge_into(c->next_bm, c->final_bm, c->bitmap_words);
    c->next_count = count_bits(c->next_bm, c->bitmap_words);
    say(c, CVG_LOG_DEBUG, -1, "pass %u: dirty picture refreshed mid-pass (%u new, %"
        PRIu64 " for the next pass)", c->st.pass, ls.dirty_count, c->next_count);
    return cvg_throttle_refreshed(c->thr, &c->st, ls.dirty_count, c->next_count, err);
}

/* Between batches: the policy samples, throttles, may refresh or give up. */
static int throttle_poll(struct save_ctx *c, struct cvg_err *err)
{
    enum cvg_decision d;
    bool want_refresh;
    int rc;

    if (!c->thr || c->suspended)
        return 0;
    rc = cvg_throttle_poll(c->thr, &c->st, c->next_count, &want_refresh, &d, err);
    if (!rc && want_refresh)
        rc = refresh(c, err);
    if (!rc && d == CVG_ABORT) {
        c->res->aborted = true;
        rc = cvg_fail(err, -ECANCELED, "domain %u: migration aborted in pass %u: "
                      "max_time reached (on_timeout = abort); the guest keeps running "
                      "here", c->domid, c->st.pass);
    }
    return rc;
}

/* Sends the batch in c->pfns/types: map the pages with data, one writev. */
static int flush_batch(struct save_ctx *c, struct cvg_err *err)
{
    struct cvg_hv_mapping map = { 0 };
    uint32_t n = c->nbatch, ndata = 0, i, j;
    uint64_t bytes, t0 = cvg_now_ns();
    int rc;

    if (!n)
        return 0;
    rc = c->hv->ops->pfn_types(c->hv, c->domid, n, c->pfns, c->types, err);
    if (rc)
        goto out;
    /* Holes (XTAB) are dropped from the batch: nothing to restore there. */
    for (i = j = 0; i < n; i++) {
        if ((c->types[i] & XCS_PFINFO_MASK) == XCS_PFINFO_XTAB)
            continue;
        c->pfns[j] = c->pfns[i];
        c->types[j] = c->types[i] & XCS_PFINFO_MASK;
        if (xcs_page_type_has_data(c->types[j]))
            c->data_pfns[ndata++] = c->pfns[j];
        j++;
    }
    n = j;
    if (!n)
        goto out;
    if (ndata) {
        rc = c->hv->ops->map(c->hv, c->domid, PROT_READ, ndata, c->data_pfns, &map, err);
        if (rc)
            goto out;
        for (i = j = 0; i < n; i++) {
            c->pages[i] = NULL;
            if (!xcs_page_type_has_data(c->types[i]))
                continue;
            if (!map.pages[j] || (map.errs && map.errs[j])) {
                rc = cvg_fail(err, -EFAULT, "domain %u: cannot map pfn %#" PRIx64
                              " (error %d)", c->domid, c->pfns[i],
                              map.errs ? map.errs[j] : 0);
                goto out;
            }
            c->pages[i] = map.pages[j++];
        }
    }
    rc = xcs_write_page_data(&c->sink, c->scratch, n, c->pfns, c->types, c->pages, err);
    if (rc)
        goto out;
    bytes = XCS_RHDR_SIZE + 8 + 8ull * n + (uint64_t)ndata * XCS_PAGE_SIZE;
    c->st.bytes_sent += bytes;
    c->st.pages_sent += ndata;
    c->st.pass_pages_sent += c->nbatch;
    cvg_ratelimit_wait(&c->rl, bytes);
    if (map.pages)
        c->hv->ops->unmap(c->hv, &map);
    map.pages = NULL;
    /* Recorded once sent and waited for, as the window's marks assume. */
    c->send_ns += cvg_now_ns() - t0;
    cvg_bw_add(&c->bw, c->send_ns / 1000ull, bytes);
out:
    if (map.pages)
        c->hv->ops->unmap(c->hv, &map);
    c->nbatch = 0;
    if (!rc && c->ops->progress)
        c->ops->progress(c->ops->opaque, c->doing, c->st.pass_pages_sent,
                         c->st.pass_pages_total);
    if (!rc)
        publish(c);
    if (!rc)
        rc = bc_poll(c, 0, err);
    if (!rc)
        rc = throttle_poll(c, err);
    return rc ? rc : check_stop(c, err);
}

static int queue_pfn(struct save_ctx *c, uint64_t pfn, struct cvg_err *err)
{
    c->pfns[c->nbatch++] = pfn;
    return c->nbatch == XCS_MAX_BATCH ? flush_batch(c, err) : 0;
}

static void begin_pass(struct save_ctx *c, uint64_t pages)
{
    c->pass_start_ms = elapsed_ms(c);
    snprintf(c->doing, sizeof(c->doing), "Frames iteration %u", c->st.pass);
    c->st.pass_pages_total = pages;
    c->st.pass_pages_sent = 0;
    if (c->ops->progress)
        c->ops->progress(c->ops->opaque, c->doing, 0, pages);
}

static int send_all(struct save_ctx *c, struct cvg_err *err)
{
    int rc = 0;

    begin_pass(c, c->p2m_size);
    for (uint64_t pfn = 0; pfn < c->p2m_size && !rc; pfn++)
        rc = queue_pfn(c, pfn, err);
    return rc ? rc : flush_batch(c, err);
}

/* The hot bitmap walk: whole zero words are skipped, set bits found with ctz. */
static int send_dirty(struct save_ctx *c, uint64_t dirty, struct cvg_err *err)
{
    int rc = 0;

    begin_pass(c, dirty);
    for (size_t w = 0; w < c->bitmap_words && !rc; w++) {
        unsigned long bits = c->bitmap[w];

        while (bits && !rc) {
            unsigned b = (unsigned)__builtin_ctzl(bits);
            uint64_t pfn = (uint64_t)w * BITS_PER_WORD + b;

            bits &= bits - 1;
            if (pfn < c->p2m_size)
                rc = queue_pfn(c, pfn, err);
        }
    }
    return rc ? rc : flush_batch(c, err);
}

static uint64_t bitmap_count(const struct save_ctx *c)
{
    uint64_t n = 0;

    for (size_t w = 0; w < c->bitmap_words; w++)
        n += (uint64_t)__builtin_popcountl(c->bitmap[w]);
    return n;
}

/*
 * CLEAN into the bitmap; sizes the next pass.  The final CLEAN is merged
 * into the set the stop decision was taken on, which is still unsent.
 */
static int clean(struct save_ctx *c, unsigned mode, uint64_t *dirty,
                 struct cvg_err *err)
{
    struct cvg_logdirty_stats ls = { 0 };
    uint64_t t = cvg_now_ns();
    bool merge = mode & CVG_LOGDIRTY_FINAL;
    int rc;

    rc = c->hv->ops->logdirty_op(c->hv, c->domid, CVG_LOGDIRTY_CLEAN,
                                 merge ? c->final_bm : c->bitmap,
                                 c->p2m_size, mode, &ls, err);
    if (rc)
        return rc;
    if (merge)
        merge_into(c->bitmap, c->final_bm, c->bitmap_words);
    /* What refreshes collected during the pass belongs to this set too. */
    if (c->next_count) {
        merge_into(c->bitmap, c->next_bm, c->bitmap_words);
        memset(c->next_bm, 0, c->bitmap_words * sizeof(unsigned long));
        c->next_count = 0;
    }
    c->last_clean_count = ls.dirty_count;
    *dirty = bitmap_count(c);
    /* Rate over the pass that just ended: distinct pages it dirtied. */
    {
        uint64_t pass_ms = elapsed_ms(c) - c->pass_start_ms;

        if (pass_ms)
            c->st.dirty_rate_pps = *dirty * 1000 / pass_ms;
    }
    c->st.dirty_pages = *dirty;
    say(c, CVG_LOG_DEBUG, -1, "pass %u: %" PRIu64 " pages dirty (CLEAN took %" PRIu64 " us)",
        c->st.pass, *dirty, (cvg_now_ns() - t) / 1000);
    return 0;
}

/* The plain rule, with the switchover's fixed cost kept out of the limit
 * (the converge policy does the same with it). */
static struct cvg_stop_verdict plain_rule(struct save_ctx *c)
{
    struct cvg_stop_params sp = c->stop;
    uint32_t o = cvg_tun_switchover_overhead_ms(c->p->tun);

    sp.downtime_limit_ms = sp.downtime_limit_ms > o ? sp.downtime_limit_ms - o : 1;
    return cvg_stop_rule(&sp, &c->st);
}

static struct cvg_stop_verdict decide(struct save_ctx *c)
{
    struct cvg_stop_verdict v;

    publish(c);
    if (c->thr) {
        struct cvg_err terr = { 0 };

        /* The policy's verdict embeds the stop rule; if the hypervisor
         * refuses a sample here, the plain rule still decides. */
        if (cvg_throttle_pass_end(c->thr, &c->st, c->last_clean_count, &v, &terr)) {
            say(c, CVG_LOG_WARN, -1, "throttle: %s", terr.msg);
            v = plain_rule(c);
        }
        publish(c);
    } else if (c->policy == CVG_POLICY_XEN_DEFAULT) {
        v = cvg_stop_rule_xen_default(&c->st);
    } else {
        v = plain_rule(c);
    }
    c->last_expected_ms = v.expected_downtime_ms;
    if (v.expected_downtime_ms == UINT64_MAX)
        say(c, c->gate.hold_since_ns ? CVG_LOG_DEBUG : CVG_LOG_INFO, -1, "pass %u: %" PRIu64 " pages dirty, rate unknown: %s (%s)",
            c->st.pass, c->st.dirty_pages, cvg_decision_name(v.decision), v.reason);
    else
        say(c, c->gate.hold_since_ns ? CVG_LOG_DEBUG : CVG_LOG_INFO, -1,
            "pass %u: %" PRIu64 " pages dirty, %" PRIu64
            " MiB/s, expected downtime %" PRIu64 " ms, throttle %u%%: %s (%s)", c->st.pass,
            c->st.dirty_pages, c->st.bandwidth_bps >> 20, v.expected_downtime_ms,
            c->st.throttle_pct, cvg_decision_name(v.decision), v.reason);
    return v;
}

static int setup(struct save_ctx *c, struct cvg_err *err)
{
    const struct cvg_tunables *t = c->p->tun;
    struct cvg_dominfo info;
    int rc;

    rc = c->hv->ops->dominfo(c->hv, c->domid, &info, err);
    if (rc)
        return rc;
    if (!info.hvm)
        return cvg_fail(err, -EOPNOTSUPP, "domain %u is PV: only HVM/PVH guests are "
                        "saved here (PV goes to the stock helper)", c->domid);
    if (info.shutdown || info.dying)
        return cvg_fail(err, -EINVAL, "domain %u is %s", c->domid,
                        info.dying ? "dying" : "shut down");
    c->p2m_size = info.p2m_size;
    if (!c->p2m_size || c->p2m_size > XCS_PFN_LIMIT)
        return cvg_fail(err, -EINVAL, "domain %u: p2m size %" PRIu64 " out of range",
                        c->domid, c->p2m_size);
    c->st.memory_bytes = info.nr_pages * CVG_PAGE_SIZE;
    c->st.guest_paused = info.paused;

    c->policy = cvg_tun_policy(t);
    c->stop.downtime_limit_ms = cvg_tun_downtime_limit_ms(t);
    c->stop.bandwidth_cap_bps = (uint64_t)cvg_tun_bandwidth_mib_s(t) << 20;
    c->stop.max_time_ms = cvg_tun_max_time_s(t) * 1000u;
    c->stop.max_passes = cvg_tun_max_passes(t);
    c->stop.on_limit = cvg_tun_on_timeout(t) == CVG_ON_TIMEOUT_SWITCHOVER ?
                       CVG_ON_LIMIT_SWITCHOVER : CVG_ON_LIMIT_ABORT;
    c->gate.ack_timeout_ms = cvg_tun_ack_timeout_ms(t);

    c->bitmap_words = (size_t)((c->p2m_size + BITS_PER_WORD - 1) / BITS_PER_WORD);
    c->bitmap = calloc(c->bitmap_words, sizeof(unsigned long));
    c->final_bm = calloc(c->bitmap_words, sizeof(unsigned long));
    c->next_bm = calloc(c->bitmap_words, sizeof(unsigned long));
    c->scratch = malloc(sizeof(*c->scratch));
    if (!c->bitmap || !c->final_bm || !c->next_bm || !c->scratch)
        return cvg_fail(err, -ENOMEM, "out of memory for a %" PRIu64 "-page bitmap",
                        c->p2m_size);
    return 0;
}

static int write_headers(struct save_ctx *c, struct cvg_err *err)
{
    const struct xcs_dhdr dh = { XCS_DOM_X86_HVM, XCS_PAGE_SHIFT, 4, 17 };
    int rc;

    rc = xcs_write_ihdr(&c->sink, XCS_VERSION, err);
    if (!rc)
        rc = xcs_write_dhdr(&c->sink, &dh, err);
    /* No CPUID/MSR policy records yet: a 4.17 receiver then regenerates a
     * policy (static_data_done with the MISSING bits), as for 4.13 streams. */
    if (!rc)
        rc = xcs_write_empty(&c->sink, XCS_REC_STATIC_DATA_END, err);
    return rc;
}

static int switch_qemu(struct save_ctx *c, bool on, struct cvg_err *err)
{
    int r;

    if (!c->ops->switch_qemu_logdirty)
        return 0;
    r = c->ops->switch_qemu_logdirty(c->ops->opaque, c->domid, on);
    if (r)
        return cvg_fail(err, -EIO, "domain %u: libxl could not switch qemu's log-dirty %s",
                        c->domid, on ? "on" : "off");
    c->qemu_logdirty_on = on;
    return 0;
}

static int suspend_guest(struct save_ctx *c, struct cvg_err *err)
{
    struct cvg_dominfo info;
    int rc;

    /* The guardian learns that the guest is stopped for us (guard.h says
     * who resumes it if we die) before libxl stops it. */
    rc = cvg_guard_note_suspend(c->p->guard, CVG_GUARD_BY_LIBXL, err);
    if (rc)
        return rc;
    if (!c->ops->suspend || c->ops->suspend(c->ops->opaque) != 0)
        return cvg_fail(err, -ETIMEDOUT, "domain %u: suspend failed (the guest did not "
                        "respond to the suspend request)", c->domid);
    c->suspended = true;
    rc = c->hv->ops->dominfo(c->hv, c->domid, &info, err);
    if (rc)
        return rc;
    /* Like libxc: a suspend that did not really stop the guest would send
     * a stale image. */
    if (!(info.shutdown && info.shutdown_reason == CVG_SHUTDOWN_SUSPEND) &&
        !info.paused)
        return cvg_fail(err, -EINVAL, "domain %u: not suspended after the suspend "
                        "callback", c->domid);
    return 0;
}

/* The end of a pass, for a receiver of ours: everything before it is sent. */
static int send_stats(struct save_ctx *c, struct cvg_err *err)
{
    const struct cvg_stats s = {
        .pass = c->st.pass,
        .bytes_sent = c->st.bytes_sent,
        .remaining = c->st.dirty_pages * CVG_PAGE_SIZE,
        .dirty_rate = c->st.dirty_rate_pps * CVG_PAGE_SIZE,
        .throttle_pct = c->st.throttle_pct > 100 ? 100 : c->st.throttle_pct,
        .expected_downtime_ms = c->last_expected_ms > UINT32_MAX ? UINT32_MAX :
                                (uint32_t)c->last_expected_ms,
    };

    return cvg_bc_send_stats(&c->bc, &c->sink, &s, err);
}

/*
 * Between "stop" and the suspend: the destination's switchover-ack (QEMU's
 * model: holding only delays the stop, precopy goes on meanwhile).  Turns a
 * held stop into another live pass, a timeout into on_timeout's choice.
 */
static int gate_switchover(struct save_ctx *c, struct cvg_stop_verdict *v,
                           struct cvg_err *err)
{
    enum cvg_gate_verdict g;
    struct cvg_dominfo info;
    const char *why;
    bool held, was_acked = c->bc.acked;
    int rc = send_stats(c, err);

    if (rc || v->decision != CVG_STOP_AND_COPY)
        return rc;
    if (c->hv->ops->dominfo(c->hv, c->domid, &info, NULL) == 0)
        c->st.guest_paused = info.paused;
    rc = bc_poll(c, 0, err);
    if (rc)
        return rc;
    held = c->gate.hold_since_ns != 0;
    g = cvg_gate_check(&c->gate, &c->bc, c->st.guest_paused, cvg_now_ns(), &why);
    if (g == CVG_GATE_HOLD) {
        if (!held)
            c->hold_bw_bps = c->st.bandwidth_bps;
        if (!held)
            say(c, CVG_LOG_INFO, -1, "switchover held: %s (at most %u ms)", why,
                c->gate.ack_timeout_ms);
        rc = bc_poll(c, GATE_POLL_MS, err);
        if (!rc)
            rc = check_stop(c, err);
        if (rc)
            return rc;
        g = cvg_gate_check(&c->gate, &c->bc, c->st.guest_paused, cvg_now_ns(), &why);
    }
    /* The ack brings the destination's apply rate: the stop must still
     * hold with it (the gate stays open for the passes that follow). */
    if (g == CVG_GATE_GO && !was_acked && c->bc.acked) {
        *v = decide(c);
        if (v->decision != CVG_STOP_AND_COPY)
            return 0;
    }
    switch (g) {
    case CVG_GATE_GO:
        if (c->gate.hold_since_ns)
            say(c, CVG_LOG_INFO, -1, "switchover: %s after %" PRIu64 " ms held", why,
                (cvg_now_ns() - c->gate.hold_since_ns) / 1000000);
        return 0;
    case CVG_GATE_HOLD:
        v->decision = CVG_CONTINUE;
        v->reason = why;
        return 0;
    case CVG_GATE_TIMEOUT:
        say(c, CVG_LOG_WARN, -1, "no SWITCHOVER_ACK within ack_timeout_ms (%u ms): %s",
            c->gate.ack_timeout_ms, c->stop.on_limit == CVG_ON_LIMIT_SWITCHOVER ?
            "switching over anyway (on_timeout = switchover)" : "giving up "
            "(on_timeout = abort)");
        if (c->stop.on_limit != CVG_ON_LIMIT_SWITCHOVER) {
            v->decision = CVG_ABORT;
            v->reason = "the destination did not acknowledge switchover in time";
            v->forced = true;
        }
        return 0;
    case CVG_GATE_LOST:
        break;
    }
    return cvg_fail(err, -EPIPE, "domain %u: %s; the guest keeps running here",
                    c->domid, why);
}

/* The throttle's "about to change" hook: the guardian records the value
 * first, so a SIGKILLed helper's throttle still comes off. */
static int guard_record(void *opaque, enum cvg_throttle_setting what, uint32_t vcpu,
                        uint64_t value)
{
    struct save_ctx *c = opaque;

    switch (what) {
    case CVG_SETTING_CAP:
        return cvg_guard_record_cap(c->p->guard, (uint32_t)value, NULL);
    case CVG_SETTING_BUDGET:
        return cvg_guard_record_budget(c->p->guard, vcpu, (uint32_t)(value >> 32),
                                       (uint32_t)value, NULL);
    case CVG_SETTING_AFFINITY:
        return cvg_guard_record_affinity(c->p->guard, vcpu, &value, 1, NULL);
    }
    return -EINVAL;
}

static int live_phase(struct save_ctx *c, struct cvg_err *err)
{
    struct cvg_stop_verdict v;
    uint64_t dirty;
    int rc;

    rc = cvg_guard_save_logdirty(c->p->guard, c->hv, err);
    if (!rc)
        rc = c->hv->ops->logdirty_enable(c->hv, c->domid, err);
    if (rc)
        return rc;
    c->logdirty_on = true;
    if (c->policy != CVG_POLICY_XEN_DEFAULT && cvg_tun_throttle(c->p->tun)) {
        const struct cvg_throttle_hooks hooks = { guard_record, c };

        rc = cvg_throttle_init(&c->thr, c->hv, c->domid, c->p->tun, &c->stop, &hooks, err);
        if (rc)
            return rc;
        say(c, CVG_LOG_DETAIL, -1, "policy %s, throttle lever %s",
            cvg_policy_name(c->policy), cvg_throttle_lever(c->thr));
    }
    rc = send_all(c, err);
    for (;;) {
        if (rc)
            return rc;
        rc = clean(c, 0, &dirty, err);
        if (rc)
            return rc;
        v = decide(c);
        rc = gate_switchover(c, &v, err);
        if (rc)
            return rc;
        c->res->last_decision = v.decision;
        if (v.decision != CVG_CONTINUE)
            break;
        c->st.pass++;
        rc = send_dirty(c, dirty, err);
    }
    if (v.decision == CVG_ABORT) {
        c->res->aborted = true;
        return cvg_fail(err, -ECANCELED, "domain %u: migration aborted after %u passes: "
                        "%s (expected downtime %" PRIu64 " ms, limit %u ms); the guest "
                        "keeps running here", c->domid, c->st.pass + 1, v.reason,
                        v.expected_downtime_ms, c->stop.downtime_limit_ms);
    }
    c->res->converged = !v.forced;
    return 0;
}

static int final_phase(struct save_ctx *c, bool live, struct cvg_err *err)
{
    uint64_t t_suspend = cvg_now_ns(), dirty, before;
    int rc;

    uint64_t t_suspended, t_sent;

    /* A PVH/HVM guest suspends itself when libxl asks: capped to 1 % of a
     * CPU it would run its freezer and device suspend a hundred times
     * slower (under TCG the suspend alone takes 0.2-2 s), all of it
     * downtime.  Unthrottled, it reaches its suspend hypercall at full
     * speed; what it dirties meanwhile goes in the final pass. */
    if (c->thr) {
        c->res->max_throttle_pct = cvg_throttle_max_pct(c->thr);
        rc = cvg_throttle_release(c->thr, err);
        if (rc)
            return rc;
        cvg_guard_release_sched(c->p->guard, NULL);
    }
    rc = suspend_guest(c, err);
    if (rc)
        return rc;
    t_suspended = cvg_now_ns();
    c->st.pass++;
    before = c->st.pages_sent;
    if (live) {
        rc = clean(c, CVG_LOGDIRTY_FINAL, &dirty, err);
        if (!rc)
            rc = send_dirty(c, dirty, err);
    } else {
        rc = send_all(c, err);
    }
    t_sent = cvg_now_ns();
    if (!rc)
        rc = cvg_hvm_state_send(c->hv, c->domid, &c->sink, err);
    if (!rc)
        rc = xcs_write_empty(&c->sink, XCS_REC_END, err);
    if (rc)
        return rc;
    c->res->final_pages = c->st.pages_sent - before;
    c->res->downtime_ms = (cvg_now_ns() - t_suspend) / 1000000ull;
    /* Nothing of ours may reach xl's handshake on this fd. */
    rc = cvg_bc_send_drain(&c->bc, c->gate.ack_timeout_ms, err);
    if (rc)
        return rc;
    say(c, CVG_LOG_DETAIL, -1, "stop-and-copy: suspend %" PRIu64 " ms, %" PRIu64
        " pages in %" PRIu64 " ms, CPU state and END %" PRIu64 " ms",
        (t_suspended - t_suspend) / 1000000, c->res->final_pages,
        (t_sent - t_suspended) / 1000000, (cvg_now_ns() - t_sent) / 1000000);
    return 0;
}

int cvg_save(struct cvg_hv *hv, const struct cvg_save_params *p,
             const struct cvg_save_ops *ops, int io_fd,
             struct cvg_save_result *res, struct cvg_err *err)
{
    struct save_ctx *c = calloc(1, sizeof(*c));
    struct cvg_err cleanup_err = { 0 };
    int rc;

    memset(res, 0, sizeof(*res));
    if (!c)
        return cvg_fail(err, -ENOMEM, "out of memory");
    c->hv = hv;
    c->p = p;
    c->ops = ops;
    c->domid = p->domid;
    c->res = res;
    c->t0_ns = cvg_now_ns();
    cvg_sink_init_fd(&c->sink, io_fd);
    cvg_bc_send_init(&c->bc, p->back_channel ? p->back_fd : -1);
    cvg_bw_init_us(&c->bw, SAVE_BW_WINDOW_MS * 1000ull);
    cvg_bw_add(&c->bw, 0, 0);

    say(c, CVG_LOG_INFO, -1, "Saving domain %u, type x86 HVM (%s)", c->domid,
        p->live ? "live" : "not live");
    rc = setup(c, err);
    if (rc)
        goto out;
    cvg_ratelimit_init(&c->rl, c->stop.bandwidth_cap_bps, cvg_now_ns());
    rc = switch_qemu(c, true, err);
    if (!rc)
        rc = write_headers(c, err);
    if (!rc && p->live)
        rc = cvg_bc_send_hello(&c->bc, &c->sink, c->domid, c->p2m_size,
                               cvg_tun_hello_timeout_ms(p->tun), cvg_now_ns(), err);
    if (!rc && p->live)
        rc = live_phase(c, err);
    if (!rc)
        rc = final_phase(c, p->live, err);
out:
    /* Every path: throttles off, log-dirty off, ours and qemu's; a failure
     * here matters less than the one that brought us here, but is still
     * reported. */
    if (c->thr) {
        res->max_throttle_pct = cvg_throttle_max_pct(c->thr);
        if (cvg_throttle_release(c->thr, &cleanup_err))
            say(c, CVG_LOG_ERROR, -1, "%s", cleanup_err.msg);
        else
            cvg_guard_release_sched(p->guard, NULL);
        cvg_throttle_free(c->thr);
        c->thr = NULL;
    }
    if (c->logdirty_on &&
        hv->ops->logdirty_disable(hv, c->domid, &cleanup_err))
        say(c, CVG_LOG_ERROR, -1, "%s", cleanup_err.msg);
    else if (c->logdirty_on)
        cvg_guard_released(p->guard, CVG_GUARD_LOGDIRTY, 0, NULL);
    if (c->qemu_logdirty_on && switch_qemu(c, false, &cleanup_err))
        say(c, CVG_LOG_ERROR, -1, "%s", cleanup_err.msg);
    if (!rc && cleanup_err.code)
        rc = cvg_fail(err, cleanup_err.code, "%s", cleanup_err.msg);
    publish(c);
    res->iterations = c->st.pass + 1;
    res->bytes_sent = c->st.bytes_sent;
    res->pages_sent = c->st.pages_sent;
    res->total_time_ms = elapsed_ms(c);
    res->last = c->st;
    free(c->bitmap);
    free(c->final_bm);
    free(c->next_bm);
    free(c->scratch);
    free(c);
    return rc;
}
