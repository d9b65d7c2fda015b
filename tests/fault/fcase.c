/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "driver/driver.h"
#include "engine/digest.h"
#include "fcase.h"
#include "hv/sim_client.h"
#include "proxy.h"

#define CASE_DEADLINE_MS     20000u  /* a case that takes longer hangs */
#define STALL_ABORT_MS        1000u  /* libxl gives up on a stalled stream */
#define TERM_OBEY_MS          3000u  /* a helper must end this soon after SIGTERM */
#define RESTORE_DEADLINE_MS   1000u  /* the promise: the source is back within 1 s */
#define LINGER_MS             2000u  /* guardians must be gone by then */
#define MAX_VCPUS 8

static const char *const kind_names[FK__COUNT] = {
    [FK_NONE] = "none",
    [FK_CUT_RECORD] = "cut-at-record",
    [FK_EOF_RECORD] = "eof-to-dest-at-record",
    [FK_CUT_BYTES] = "cut-in-page-data",
    [FK_FLIP] = "flip-page-data",
    [FK_FLIP_HEADER] = "flip-record-header",
    [FK_SAVE_KILL] = "save-sigkill",
    [FK_SAVE_TERM] = "save-sigterm",
    [FK_RESTORE_KILL] = "restore-sigkill",
    [FK_RESTORE_TERM] = "restore-sigterm",
    [FK_DEST_NO_DOMAIN] = "dest-no-domain",
    [FK_DEST_TOO_SMALL] = "dest-too-small",
    [FK_DEST_SDD_REFUSED] = "dest-libxl-refuses",
    [FK_DEST_EXITS] = "dest-helper-exits",
    [FK_STALL] = "dest-stalls",
    [FK_LIBXL_DIES] = "libxl-dies-too",
    [FK_BC_GARBAGE] = "back-channel-garbage",
    [FK_BC_FLIP] = "back-channel-flip",
    [FK_BC_CUT] = "back-channel-cut",
    [FK_BC_STALL] = "back-channel-stalls",
};

static const char *const phase_names[PH__COUNT] = {
    [PH_FIRST] = "first pass",
    [PH_LATER] = "later pass",
    [PH_STOP] = "stop-and-copy (suspend)",
    [PH_STOP_SENDING] = "stop-and-copy (sending)",
};

const char *fault_kind_name(enum fault_kind k)
{
    return (unsigned)k < FK__COUNT ? kind_names[k] : "?";
}

const char *fault_phase_name(enum fault_phase p)
{
    return (unsigned)p < PH__COUNT ? phase_names[p] : "?";
}

static bool back_channel(enum fault_kind k)
{
    return k == FK_BC_GARBAGE || k == FK_BC_FLIP || k == FK_BC_CUT || k == FK_BC_STALL;
}

static bool phased(enum fault_kind k)
{
    return k == FK_SAVE_KILL || k == FK_SAVE_TERM || k == FK_RESTORE_KILL ||
           k == FK_RESTORE_TERM || k == FK_STALL || k == FK_LIBXL_DIES;
}

void fault_describe(const struct fault_spec *f, char *buf, size_t len)
{
    switch (f->kind) {
    case FK_CUT_RECORD:
    case FK_EOF_RECORD:
        if (f->index < 0)
            snprintf(buf, len, "%s offset %d", fault_kind_name(f->kind),
                     f->index == -3 ? 0 : f->index == -2 ? 12 : 24);
        else
            snprintf(buf, len, "%s %" PRId64, fault_kind_name(f->kind), f->index);
        break;
    case FK_CUT_BYTES:
        snprintf(buf, len, "%s #%" PRId64 " +%" PRIu64, fault_kind_name(f->kind), f->index,
                 f->offset);
        break;
    case FK_FLIP:
        snprintf(buf, len, "%s #%" PRId64 " rnd %#x", fault_kind_name(f->kind), f->index, f->rnd);
        break;
    case FK_FLIP_HEADER:
        snprintf(buf, len, "%s record %" PRId64 " rnd %#x", fault_kind_name(f->kind), f->index,
                 f->rnd);
        break;
    case FK_BC_GARBAGE:
    case FK_BC_FLIP:
    case FK_BC_CUT:
    case FK_BC_STALL:
        snprintf(buf, len, "%s at byte %" PRIu64 " (rnd %#x)", fault_kind_name(f->kind),
                 f->offset, f->rnd);
        break;
    default:
        if (phased(f->kind) && f->phase == PH_FIRST)
            snprintf(buf, len, "%s in the %s (PAGE_DATA #%" PRId64 " +%" PRIu64 ")",
                     fault_kind_name(f->kind), fault_phase_name(f->phase), f->index,
                     f->offset);
        else if (phased(f->kind))
            snprintf(buf, len, "%s in the %s", fault_kind_name(f->kind),
                     fault_phase_name(f->phase));
        else
            snprintf(buf, len, "%s", fault_kind_name(f->kind));
    }
}

/* ---- state of the source ------------------------------------------- */

struct dom_state {
    uint32_t cap;
    uint32_t period[MAX_VCPUS], budget[MAX_VCPUS];
    uint64_t affinity[MAX_VCPUS];
    bool logdirty, paused, suspended;
};

static int get_state(struct cvg_hv *hv, uint32_t dom, uint32_t vcpus, struct dom_state *s,
                     struct cvg_err *err)
{
    struct cvg_dominfo di;
    int rc;

    memset(s, 0, sizeof(*s));
    rc = hv->ops->cap_get(hv, dom, &s->cap, err);
    for (uint32_t v = 0; !rc && v < vcpus && v < MAX_VCPUS; v++) {
        rc = hv->ops->vcpu_budget_get(hv, dom, v, &s->period[v], &s->budget[v], err);
        if (!rc)
            rc = hv->ops->vcpu_affinity_get(hv, dom, v, &s->affinity[v], 1, err);
    }
    if (!rc)
        rc = hv->ops->logdirty_enabled(hv, dom, &s->logdirty, err);
    if (!rc)
        rc = hv->ops->dominfo(hv, dom, &di, err);
    if (!rc) {
        s->paused = di.paused;
        s->suspended = di.shutdown && di.shutdown_reason == CVG_SHUTDOWN_SUSPEND;
    }
    return rc;
}

static void state_text(const struct dom_state *s, uint32_t vcpus, char *buf, size_t len)
{
    int n = snprintf(buf, len, "cap %u, log-dirty %s%s%s", s->cap, s->logdirty ? "on" : "off",
                     s->paused ? ", paused" : "", s->suspended ? ", suspended" : "");

    for (uint32_t v = 0; v < vcpus && v < MAX_VCPUS && n > 0 && (size_t)n < len; v++)
        n += snprintf(buf + n, len - (size_t)n, "; vcpu%u %u/%u us %#llx", v, s->budget[v],
                      s->period[v], (unsigned long long)s->affinity[v]);
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

/* ---- one side, as libxl serves it --------------------------------------- */

struct side {
    struct cvg_helper_proc proc;
    struct cvg_driver_cbs cbs;
    struct cvg_driver_result res;
    struct cvg_err err;
    pthread_t thread;
    bool started;
    bool done;
    uint64_t done_ms;
    char error[CVG_ERR_MSG_MAX];    /* the helper's last ERROR log line */
};

struct fc {
    const struct case_env *env;
    const struct fault_spec *f;
    struct case_result *r;
    uint32_t src, dst;
    bool have_src, have_dst;
    struct side save, restore;
    struct proxy px;
    struct proxy bpx;               /* the back channel, destination to source */
    int back_src, back_dst;         /* the helpers' ends of it, -1: none */
    char **save_env;                /* the save helper's, with $CONVERGE_BACK_FD */
    bool suspended;         /* libxl (we) suspended the source */
    bool fired;
    bool later_armed;
    /* FK_LIBXL_DIES: libxl is another process */
    pid_t mini, mini_helper;
    int mini_note;                  /* its notes: 'P' pid, 'S' suspended, 'L' later pass */
    bool mini_dead;
    bool mini_completing;           /* the helper was about to complete */
    uint64_t mini_done_ms;
    pthread_mutex_t lock;
};

static void failf(struct fc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void failf(struct fc *c, const char *fmt, ...)
{
    va_list ap;

    if (c->r->failure[0])
        return;
    c->r->passed = false;
    va_start(ap, fmt);
    vsnprintf(c->r->failure, sizeof(c->r->failure), fmt, ap);
    va_end(ap);
}

static void *run_side(void *arg)
{
    struct side *s = arg;

    cvg_driver_run(&s->proc, &s->cbs, &s->res, &s->err);
    s->done_ms = now_ms();
    __atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
    return NULL;
}

/* The fault's blow: a signal to a helper, or libxl and its helper killed. */
static void strike(void *opaque)
{
    struct fc *c = opaque;

    if (__atomic_exchange_n(&c->fired, true, __ATOMIC_ACQ_REL))
        return;
    switch (c->f->kind) {
    case FK_SAVE_KILL:
        cvg_driver_kill(&c->save.proc);
        break;
    case FK_SAVE_TERM:
        cvg_driver_stop(&c->save.proc);
        break;
    case FK_RESTORE_KILL:
        cvg_driver_kill(&c->restore.proc);
        break;
    case FK_RESTORE_TERM:
        cvg_driver_stop(&c->restore.proc);
        break;
    case FK_LIBXL_DIES:
        /* xl first, then its helper: the guardian must see libxl gone. */
        if (c->mini > 0)
            kill(c->mini, SIGKILL);
        if (c->mini_helper > 0)
            kill(c->mini_helper, SIGKILL);
        break;
    default:
        break;
    }
}

static void on_log(void *opaque, const struct cvg_ipc_msg *m)
{
    struct side *s = opaque;

    if (m->u.log.level >= CVG_XTL_ERROR)
        snprintf(s->error, sizeof(s->error), "%s", m->u.log.text);
}

static void on_save_log(void *opaque, const struct cvg_ipc_msg *m)
{
    struct fc *c = opaque;

    on_log(&c->save, m);
    if (c->env->verbose)
        fprintf(stderr, "  save: %s\n", m->u.log.text);
}

static void on_restore_log(void *opaque, const struct cvg_ipc_msg *m)
{
    struct fc *c = opaque;

    on_log(&c->restore, m);
    if (c->env->verbose)
        fprintf(stderr, "  restore: %s\n", m->u.log.text);
}

/* "Frames iteration N" with N >= 1: a later pass begins. */
static bool later_pass(const char *doing)
{
    unsigned n;

    return doing && sscanf(doing, "Frames iteration %u", &n) == 1 && n >= 1;
}

static void on_save_progress(void *opaque, const struct cvg_ipc_msg *m)
{
    struct fc *c = opaque;

    if (c->f->phase == PH_LATER && phased(c->f->kind) && later_pass(m->u.progress.doing_what) &&
        !__atomic_exchange_n(&c->later_armed, true, __ATOMIC_ACQ_REL))
        proxy_arm(&c->px);
}

/* libxl's suspend: stop the guest (the fault may strike while libxl holds
 * the helper waiting for this answer). */
static int on_suspend(void *opaque)
{
    struct fc *c = opaque;
    struct cvg_err err = { 0 };

    if (c->env->hv->ops->suspend(c->env->hv, c->src, &err)) {
        failf(c, "harness: suspend of the source failed: %s", err.msg);
        return 0;
    }
    __atomic_store_n(&c->suspended, true, __ATOMIC_RELEASE);
    if (phased(c->f->kind) && c->f->phase == PH_STOP && c->f->kind != FK_STALL)
        strike(c);
    if (phased(c->f->kind) && c->f->phase == PH_STOP_SENDING)
        proxy_arm(&c->px);
    return 1;
}

static int on_sdd(void *opaque, unsigned missing)
{
    struct fc *c = opaque;

    (void)missing;
    if (c->f->kind == FK_DEST_SDD_REFUSED) {
        __atomic_store_n(&c->fired, true, __ATOMIC_RELEASE);
        return -1;
    }
    return 0;
}

/* ---- libxl as a process of its own (FK_LIBXL_DIES) ------------------------- */

struct mini {
    struct cvg_hv *hv;
    uint32_t src;
    int note;
    bool later_sent;
    bool hold_suspend;          /* PH_STOP: die while the helper waits for us */
};

static void mini_note(struct mini *m, char what, int32_t value)
{
    char buf[5];

    buf[0] = what;
    memcpy(buf + 1, &value, 4);
    if (write(m->note, buf, 5) != 5)
        _exit(3);
}

static int mini_suspend(void *opaque)
{
    struct mini *m = opaque;

    if (m->hv->ops->suspend(m->hv, m->src, NULL))
        return 0;
    mini_note(m, 'S', 0);
    /* The strike comes while the helper waits for this answer. */
    while (m->hold_suspend)
        pause();
    return 1;
}

/* The helper logs "complete r=0" before it sends complete: from here on
 * it may hand the guest over, and a dead libxl then leaves it suspended. */
static void mini_log(void *opaque, const struct cvg_ipc_msg *msg)
{
    struct mini *m = opaque;

    if (!strncmp(msg->u.log.text, "complete r=0", 12))
        mini_note(m, 'C', 0);
}

static void mini_progress(void *opaque, const struct cvg_ipc_msg *msg)
{
    struct mini *m = opaque;

    if (!m->later_sent && later_pass(msg->u.progress.doing_what)) {
        m->later_sent = true;
        mini_note(m, 'L', 0);
    }
}

/* Runs in the forked "xl": spawns the save helper and serves it. */
static void mini_libxl(const struct case_env *env, uint32_t src, int io_fd, int note,
                       bool hold_suspend)
{
    struct mini m = { .src = src, .note = note, .hold_suspend = hold_suspend };
    struct cvg_driver_cbs cbs = { .suspend = mini_suspend, .progress = mini_progress,
                                  .log = mini_log, .opaque = &m };
    struct cvg_helper_proc p;
    struct cvg_driver_result res;

    if (cvg_hv_open(&m.hv, NULL) ||
        cvg_driver_spawn_save(env->helper, io_fd, -1, src, 1, CVG_IPC_CBFLAGS_PLAIN_SAVE, 0,
                              NULL, &p, NULL))
        _exit(2);
    close(io_fd);
    mini_note(&m, 'P', p.pid);
    cvg_driver_run(&p, &cbs, &res, NULL);
    _exit(res.ok ? 0 : 1);
}

/* Reads the mini-libxl's notes; acts on them. */
static void mini_poll(struct fc *c)
{
    char buf[5];
    int32_t v;

    while (c->mini_note >= 0 && recv(c->mini_note, buf, 5, MSG_DONTWAIT) == 5) {
        memcpy(&v, buf + 1, 4);
        if (buf[0] == 'P')
            c->mini_helper = v;
        if (buf[0] == 'S') {
            __atomic_store_n(&c->suspended, true, __ATOMIC_RELEASE);
            if (c->f->phase == PH_STOP)
                strike(c);
            else if (c->f->phase == PH_STOP_SENDING)
                proxy_arm(&c->px);
        }
        if (buf[0] == 'L' && c->f->phase == PH_LATER)
            proxy_arm(&c->px);
        if (buf[0] == 'C')
            c->mini_completing = true;
    }
}

/* ---- setting up ---------------------------------------------------------------- */

static struct proxy_fault proxy_fault_of(const struct fault_spec *f)
{
    struct proxy_fault pf = { .action = PX_NONE };
    static const uint64_t header_offsets[3] = { 0, 12, 24 };

    switch (f->kind) {
    case FK_CUT_RECORD:
    case FK_EOF_RECORD:
        pf.action = f->kind == FK_CUT_RECORD ? PX_CUT : PX_EOF_DEST;
        if (f->index < 0) {
            pf.where = PW_OFFSET;
            pf.offset = header_offsets[(f->index + 3) % 3];
        } else {
            pf.where = PW_RECORD;
            pf.index = f->index;
        }
        break;
    case FK_CUT_BYTES:
        pf = (struct proxy_fault){ PX_CUT, PW_PAGE_DATA, f->index, f->offset, 0 };
        break;
    case FK_FLIP:
        pf = (struct proxy_fault){ PX_FLIP, PW_PAGE_DATA, f->index, 0, f->rnd };
        break;
    case FK_FLIP_HEADER:
        pf = (struct proxy_fault){ PX_FLIP, PW_RECORD, f->index, 0, f->rnd };
        break;
    default:
        if (!phased(f->kind))
            break;
        pf.action = f->kind == FK_STALL ? PX_STALL : PX_CALLBACK;
        if (f->phase == PH_FIRST) {
            pf.where = PW_PAGE_DATA;
            pf.index = f->index;
            pf.offset = f->offset;
        } else if (f->phase == PH_STOP && f->kind != FK_STALL) {
            pf.action = PX_NONE;        /* struck in the suspend callback */
        } else {
            pf.where = PW_ARMED;
        }
    }
    return pf;
}

/* Settings of an administrator's own, so that "restored" cannot mean "reset". */
static int admin_settings(struct cvg_hv *hv, uint32_t dom, uint32_t vcpus, struct cvg_err *err)
{
    const uint64_t map0 = 0x3;
    int rc = hv->ops->cap_set(hv, dom, 150, err);

    if (!rc && vcpus > 1)
        rc = hv->ops->vcpu_budget_set(hv, dom, 1, 10000, 7000, err);
    if (!rc)
        rc = hv->ops->vcpu_affinity_set(hv, dom, 0, &map0, 1, err);
    return rc;
}

static int start_side(struct fc *c, struct side *s, bool save, int io_fd, struct cvg_err *err)
{
    const struct case_env *e = c->env;
    int rc;

    s->cbs.opaque = c;
    if (save) {
        s->cbs.suspend = on_suspend;
        s->cbs.log = on_save_log;
        s->cbs.progress = on_save_progress;
        rc = cvg_driver_spawn_save(e->helper, io_fd, c->back_src, c->src, 1,
                                   CVG_IPC_CBFLAGS_PLAIN_SAVE, 0, c->save_env, &s->proc, err);
    } else {
        uint32_t dom = c->f->kind == FK_DEST_NO_DOMAIN ? 999999u : c->dst;
        const char *helper = c->f->kind == FK_DEST_EXITS ? "/bin/false" : e->helper;

        s->cbs.log = on_restore_log;
        s->cbs.static_data_done = on_sdd;
        rc = cvg_driver_spawn_restore(helper, io_fd, c->back_dst, dom, 1, 0, 2, 0,
                                      CVG_IPC_CBFLAGS_PLAIN_RESTORE, 0, NULL, &s->proc, err);
        if (!rc && (c->f->kind == FK_DEST_NO_DOMAIN || c->f->kind == FK_DEST_EXITS))
            __atomic_store_n(&c->fired, true, __ATOMIC_RELEASE);
    }
    if (rc)
        return rc;
    if (pthread_create(&s->thread, NULL, run_side, s)) {
        cvg_driver_kill(&s->proc);
        return cvg_fail(err, -EAGAIN, "cannot start a driver thread");
    }
    s->started = true;
    return 0;
}

/* ---- waiting, bounded ---------------------------------------------------------- */

static bool save_done(struct fc *c)
{
    if (c->mini > 0) {
        int st;

        if (!c->mini_dead && waitpid(c->mini, &st, WNOHANG) == c->mini)
            c->mini_dead = true;
        /* Its helper comes to us (the subreaper) once libxl is gone; the
         * guardian's clock starts when the helper is dead too. */
        if (c->mini_dead && !c->mini_done_ms) {
            pid_t r = c->mini_helper > 0 ? waitpid(c->mini_helper, &st, WNOHANG) : 0;

            /* ECHILD and no such process: libxl reaped it before dying. */
            if (c->mini_helper <= 0 || r == c->mini_helper ||
                (r < 0 && errno == ECHILD && kill(c->mini_helper, 0) < 0 && errno == ESRCH))
                c->mini_done_ms = now_ms();
        }
        return c->mini_done_ms != 0;
    }
    return !c->save.started || __atomic_load_n(&c->save.done, __ATOMIC_ACQUIRE);
}

static bool restore_done(struct fc *c)
{
    return !c->restore.started || __atomic_load_n(&c->restore.done, __ATOMIC_ACQUIRE);
}

static void kill_everything(struct fc *c)
{
    if (c->save.started && !save_done(c))
        cvg_driver_kill(&c->save.proc);
    if (c->restore.started && !restore_done(c))
        cvg_driver_kill(&c->restore.proc);
    if (c->mini > 0 && !c->mini_dead)
        kill(c->mini, SIGKILL);
    if (c->mini_helper > 0)
        kill(c->mini_helper, SIGKILL);
}

static void wait_helpers(struct fc *c)
{
    uint64_t t0 = now_ms(), stalled_since = 0, term_at = 0;
    bool torn_down = false;

    for (;;) {
        uint64_t t = now_ms();

        if (c->mini > 0)
            mini_poll(c);
        if (save_done(c) && restore_done(c))
            break;
        /* xl exits after a failed save and its transport (ssh) dies with it. */
        if (save_done(c) && !torn_down && (c->mini > 0 || !c->save.res.ok)) {
            proxy_stop(&c->px);
            proxy_stop(&c->bpx);
            torn_down = true;
        }
        if (__atomic_load_n(&c->px.stalled, __ATOMIC_ACQUIRE) && !stalled_since)
            stalled_since = t;
        /* libxl's bounded patience with a stream that no longer moves: it
         * aborts the save (SIGTERM); once the save is done, xl stops
         * waiting for the receiver and its transport goes. */
        if (stalled_since && !term_at && t - stalled_since >= STALL_ABORT_MS) {
            if (!save_done(c))
                cvg_driver_stop(&c->save.proc);
            term_at = t;
        }
        if (stalled_since && save_done(c) && !torn_down && t - stalled_since >= STALL_ABORT_MS) {
            proxy_stop(&c->px);
            proxy_stop(&c->bpx);
            torn_down = true;
        }
        if (term_at && !save_done(c) && t - term_at > TERM_OBEY_MS) {
            failf(c, "the save helper still runs %u ms after libxl's SIGTERM (blocked on a "
                  "stalled destination)", TERM_OBEY_MS);
            kill_everything(c);
            term_at = UINT64_MAX / 2;
        }
        if (t - t0 > CASE_DEADLINE_MS) {
            failf(c, "hang: the helpers still run after %u ms (save %s, restore %s)",
                  CASE_DEADLINE_MS, save_done(c) ? "done" : "running",
                  restore_done(c) ? "done" : "running");
            kill_everything(c);
            t0 = UINT64_MAX / 2;
        }
        sleep_ms(5);
    }
    if (c->save.started)
        pthread_join(c->save.thread, NULL);
    if (c->restore.started)
        pthread_join(c->restore.thread, NULL);
    proxy_stop(&c->px);
    proxy_stop(&c->bpx);
}

/* ---- after: xl's part, then the verdict --------------------------------------- */

/* The product's own "same memory" (engine/digest.h), as sim-migrate's:
 * pages a restore legitimately clears (the back ends' rings) left out. */
static bool digests_equal(struct fc *c, struct cvg_err *err)
{
    char a[CVG_DIGEST_HEX_LEN + 1], b[CVG_DIGEST_HEX_LEN + 1];

    return cvg_memory_digest(c->env->hv, c->src, a, err) == 0 &&
           cvg_memory_digest(c->env->hv, c->dst, b, err) == 0 && !strcmp(a, b);
}

/* Polls the source until it is as before (and running); ms it took. */
static void expect_source_back(struct fc *c, const struct dom_state *before, uint64_t since)
{
    struct cvg_hv *hv = c->env->hv;
    struct dom_state now;
    struct cvg_err err = { 0 };
    char a[512], b[512];

    for (;;) {
        uint64_t t = now_ms();

        if (get_state(hv, c->src, c->env->vcpus, &now, &err)) {
            failf(c, "the source domain %u cannot be read after the failure: %s", c->src,
                  err.msg);
            return;
        }
        if (!memcmp(&now, before, sizeof(now))) {
            c->r->restore_ms = t > since ? t - since : 0;
            return;
        }
        if (t - since > RESTORE_DEADLINE_MS) {
            state_text(&now, c->env->vcpus, a, sizeof(a));
            state_text(before, c->env->vcpus, b, sizeof(b));
            failf(c, "the source is not as before %u ms after the helper ended: %s; before: %s",
                  RESTORE_DEADLINE_MS, a, b);
            if (getenv("FAULT_DEBUG")) {
                char cmd[128];

                fprintf(stderr, "DEBUG mini %d helper %d\n", (int)c->mini, (int)c->mini_helper);
                snprintf(cmd, sizeof(cmd), "ps -eo pid,ppid,pgid,stat,wchan:20,comm >&2");
                if (system(cmd))
                    fprintf(stderr, "ps failed\n");
            }
            return;
        }
        sleep_ms(5);
    }
}

/* We are every helper's subreaper: what is left must end, soon. */
static void reap_orphans(struct fc *c)
{
    uint64_t t0 = now_ms();

    for (;;) {
        pid_t r = waitpid(-1, NULL, WNOHANG);

        if (r > 0)
            continue;
        if (r < 0 && errno == ECHILD)
            return;
        if (now_ms() - t0 > LINGER_MS)
            break;
        sleep_ms(5);
    }
    {
        char path[64], line[256];
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
        f = fopen(path, "r");
        line[0] = '\0';
        if (f) {
            if (!fgets(line, sizeof(line), f))
                line[0] = '\0';
            fclose(f);
        }
        failf(c, "processes still running %u ms after the case: %s", LINGER_MS, line);
        for (char *s = strtok(line, " \n"); s; s = strtok(NULL, " \n"))
            kill((pid_t)atoi(s), SIGKILL);
        while (waitpid(-1, NULL, 0) > 0)
            ;
    }
}

static bool stream_fault(enum fault_kind k)
{
    return k == FK_CUT_RECORD || k == FK_EOF_RECORD || k == FK_CUT_BYTES || k == FK_FLIP ||
           k == FK_FLIP_HEADER;
}

static void verdict(struct fc *c, const struct dom_state *before)
{
    struct cvg_hv *hv = c->env->hv;
    const struct fault_spec *f = c->f;
    struct case_result *r = c->r;
    bool save_ok = c->mini > 0 ? false : c->save.res.ok;
    bool restore_ok = c->restore.res.ok;
    bool suspended = __atomic_load_n(&c->suspended, __ATOMIC_ACQUIRE);
    uint64_t save_end = c->mini > 0 ? c->mini_done_ms : c->save.done_ms;
    bool handed_over = false;
    struct cvg_err err = { 0 };

    r->injected = f->kind == FK_NONE || __atomic_load_n(&c->fired, __ATOMIC_ACQUIRE) ||
                  __atomic_load_n(&c->px.fired, __ATOMIC_ACQUIRE) ||
                  __atomic_load_n(&c->bpx.fired, __ATOMIC_ACQUIRE) ||
                  f->kind == FK_DEST_TOO_SMALL;
    r->records = c->px.records;
    r->page_data = c->px.page_data;

    if (save_ok && restore_ok) {
        /* xl's switchover: the destination runs, the source goes. */
        if (hv->ops->unpause(hv, c->dst, &err))
            failf(c, "switchover: unpause of the destination: %s", err.msg);
        else if (!digests_equal(c, &err))
            failf(c, "the destination reported success but its memory differs from the "
                  "source's%s%s", err.msg[0] ? ": " : "", err.msg);
        else
            snprintf(r->outcome, sizeof(r->outcome), "migrated, memory verified");
        if (!cvg_sim_destroy(hv, c->src, NULL))
            c->have_src = false;
        if (f->kind == FK_NONE || !r->injected)
            return;
        /* The fault happened and the migration still succeeded, memory
         * verified: a harmless flip (an L1TAB type in an HVM stream, a
         * statistic on the back channel), a kill after `complete`, or a
         * back channel given up for a stock peer's silence. */
        if (!r->failure[0])
            snprintf(r->outcome, sizeof(r->outcome), "migrated, memory verified, despite "
                     "the fault");
        return;
    }
    if (f->kind == FK_NONE)
        failf(c, "the reference migration failed: save: %s; restore: %s",
              c->save.res.why[0] ? c->save.res.why : "ok",
              c->restore.res.why[0] ? c->restore.res.why : "ok");

    /* The destination must not claim a stream that never reached END. */
    if (restore_ok && stream_fault(f->kind) && __atomic_load_n(&c->px.fired, __ATOMIC_ACQUIRE) &&
        !__atomic_load_n(&c->px.end_forwarded, __ATOMIC_ACQUIRE) &&
        (f->kind == FK_CUT_RECORD || f->kind == FK_EOF_RECORD || f->kind == FK_CUT_BYTES))
        failf(c, "the destination reported success for a stream cut at offset %" PRIu64
              " before END", c->px.fired_at);
    /* A refusal names what and where. */
    if (!restore_ok && stream_fault(f->kind) && c->restore.error[0] &&
        !strstr(c->restore.error, "offset") && !strstr(c->restore.error, "pfn"))
        failf(c, "the destination's refusal does not say where: \"%s\"", c->restore.error);
    if (!restore_ok && (stream_fault(f->kind) || f->kind == FK_DEST_TOO_SMALL) &&
        !c->restore.error[0] && r->injected)
        failf(c, "the destination failed without saying why (%s)", c->restore.res.why);

    /*
     * libxl died after the helper said complete: the guest may have been
     * handed over, and then nobody but the administrator resumes it (the
     * guardian must not: xl may have let the destination run it).
     */
    if (f->kind == FK_LIBXL_DIES) {
        struct dom_state now;

        mini_poll(c);
        handed_over = c->mini_completing &&
                      !get_state(hv, c->src, c->env->vcpus, &now, &err) && now.suspended;
    }
    /* xl's part (or the administrator's): resume what libxl suspended, drop
     * the half-made copy.  The clock for the promise starts at the later of
     * the helper's end and that resume. */
    if (suspended && (f->kind != FK_LIBXL_DIES || handed_over)) {
        save_end = now_ms();
        if (hv->ops->resume(hv, c->src, &err))
            failf(c, "%s could not resume the source (resumed behind libxl's back?): %s",
                  handed_over ? "the administrator" : "xl", err.msg);
    }
    if (c->have_dst && !cvg_sim_destroy(hv, c->dst, &err))
        c->have_dst = false;
    expect_source_back(c, before, save_end ? save_end : now_ms());
    if (handed_over)
        snprintf(r->outcome, sizeof(r->outcome), "handed over before libxl died: left "
                 "suspended for the administrator, who resumed it");
    else
        snprintf(r->outcome, sizeof(r->outcome), "%s%s%.120s",
                 restore_ok ? "destination complete, source failed: copy discarded" :
                 "destination refused", restore_ok || !c->restore.error[0] ? "" : ": ",
                 restore_ok ? "" : c->restore.error);
}

extern char **environ;

/*
 * As xl-converge migrate does: the destination's helper writes to its
 * send_back_fd, the source's reads $CONVERGE_BACK_FD; between them, the
 * raw proxy with the fault.
 */
static int setup_back_channel(struct fc *c, struct cvg_err *err)
{
    struct proxy_fault bf = { .where = PW_OFFSET, .offset = c->f->offset, .rnd = c->f->rnd };
    int s[2] = { -1, -1 }, d[2] = { -1, -1 };
    size_t n = 0;

    switch (c->f->kind) {
    case FK_BC_GARBAGE: bf.action = PX_GARBAGE; break;
    case FK_BC_FLIP: bf.action = PX_FLIP; break;
    case FK_BC_CUT: bf.action = PX_CUT; break;
    default: bf.action = PX_STALL; break;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, d))
        return cvg_fail(err, -errno, "socketpair: %s", strerror(errno));
    if (proxy_start_raw(&c->bpx, d[1], s[1], &bf)) {
        close(s[0]); close(s[1]); close(d[0]); close(d[1]);
        return cvg_fail(err, -EAGAIN, "cannot start the back-channel proxy");
    }
    c->back_src = s[0];
    c->back_dst = d[0];
    while (environ[n])
        n++;
    c->save_env = calloc(n + 2, sizeof(*c->save_env));
    if (!c->save_env)
        return cvg_fail(err, -ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        c->save_env[i] = strdup(environ[i]);
    if (asprintf(&c->save_env[n], "CONVERGE_BACK_FD=%d", c->back_src) < 0)
        c->save_env[n] = NULL;
    return 0;
}

void fault_case_run(const struct case_env *env, const struct fault_spec *f,
                    struct case_result *r)
{
    struct fc *c = calloc(1, sizeof(*c));
    struct proxy_fault pf = proxy_fault_of(f);
    struct dom_state before;
    struct cvg_err err = { 0 };
    int a[2] = { -1, -1 }, b[2] = { -1, -1 }, note[2] = { -1, -1 };
    uint64_t t0 = now_ms();
    uint32_t n;
    struct cvg_sim_list_entry *doms = NULL;

    memset(r, 0, sizeof(*r));
    r->passed = true;
    fault_describe(f, r->desc, sizeof(r->desc));
    if (!c) {
        snprintf(r->failure, sizeof(r->failure), "out of memory");
        r->passed = false;
        return;
    }
    c->env = env;
    c->f = f;
    c->r = r;
    c->mini_note = -1;
    c->back_src = c->back_dst = -1;
    pthread_mutex_init(&c->lock, NULL);

    if (cvg_sim_create_scenario(env->hv, env->scenario, strlen(env->scenario), "fault.cfg",
                                &c->src, &err) ||
        (c->have_src = true, admin_settings(env->hv, c->src, env->vcpus, &err)) ||
        get_state(env->hv, c->src, env->vcpus, &before, &err) ||
        cvg_sim_create_empty(env->hv, f->kind == FK_DEST_TOO_SMALL ? env->pages / 2 :
                             env->pages, env->vcpus, true, "fault--incoming", &c->dst, &err)) {
        failf(c, "setup: %s", err.msg);
        goto out;
    }
    c->have_dst = true;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a) ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b)) {
        failf(c, "setup: socketpair: %s", strerror(errno));
        goto out;
    }
    if (f->kind == FK_LIBXL_DIES) {
        /* Before any thread of ours exists: the child is a plain process. */
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, note)) {
            failf(c, "setup: socketpair: %s", strerror(errno));
            goto out;
        }
        c->mini = fork();
        if (c->mini == 0) {
            close(note[0]);
            close(a[1]);
            close(b[0]);
            close(b[1]);
            mini_libxl(env, c->src, a[0], note[1], f->phase == PH_STOP);
        }
        close(note[1]);
        c->mini_note = note[0];
        if (c->mini < 0) {
            failf(c, "setup: fork: %s", strerror(errno));
            goto out;
        }
    }
    if (proxy_start(&c->px, a[1], b[1], &pf, strike, c)) {
        failf(c, "setup: cannot start the proxy");
        goto out;
    }
    a[1] = b[1] = -1;
    if (back_channel(f->kind) && setup_back_channel(c, &err)) {
        failf(c, "setup: %s", err.msg);
        goto out;
    }
    if (start_side(c, &c->restore, false, b[0], &err) ||
        (!c->mini && start_side(c, &c->save, true, a[0], &err))) {
        failf(c, "setup: %s", err.msg);
        kill_everything(c);
    }
    /* The helpers hold the connection now; our copies would hide an EOF. */
    close(a[0]);
    close(b[0]);
    a[0] = b[0] = -1;
    if (c->back_src >= 0)
        close(c->back_src);
    if (c->back_dst >= 0)
        close(c->back_dst);
    c->back_src = c->back_dst = -1;
    wait_helpers(c);
    if (!r->failure[0])
        verdict(c, &before);
    if (env->verbose)
        fprintf(stderr, "  save: %s; restore: %s\n", c->save.res.why[0] ? c->save.res.why : "ok",
                c->restore.res.why[0] ? c->restore.res.why : "ok");
out:
    if (c->have_dst)
        cvg_sim_destroy(env->hv, c->dst, NULL);
    if (c->have_src)
        cvg_sim_destroy(env->hv, c->src, NULL);
    for (int i = 0; i < 2; i++) {
        if (a[i] >= 0)
            close(a[i]);
        if (b[i] >= 0)
            close(b[i]);
    }
    if (c->mini_note >= 0)
        close(c->mini_note);
    if (c->back_src >= 0)
        close(c->back_src);
    if (c->back_dst >= 0)
        close(c->back_dst);
    proxy_stop(&c->bpx);
    if (c->save_env) {
        for (char **e = c->save_env; *e; e++)
            free(*e);
        free(c->save_env);
    }
    reap_orphans(c);
    /* Nothing of this case may remain on the hypervisor. */
    if (cvg_sim_list(env->hv, &doms, &n, &err) == 0 && n)
        failf(c, "%u domain(s) left behind, e.g. %u \"%s\"", n, doms[0].domid, doms[0].name);
    free(doms);
    r->ms = now_ms() - t0;
    pthread_mutex_destroy(&c->lock);
    free(c);
}
