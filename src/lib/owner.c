/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guardian/guard.h"
#include "hv/hv.h"
#include "lib/dlc.h"
#include "lib/levers.h"
#include "lib/owner.h"
#include "lib/owner_proto.h"
#include "lib/runpath.h"
#include "lib/usock.h"

#define N CVG_DLC_MAX_VCPUS
#define PAGES_PER_MIB 256.0
#define REPLY_TIMEOUT_MS 500u
#define MIG_POLL_MS 200u

struct session {
    uint64_t start_ms, end_ms;
    uint32_t flags;
    double dt, pages, run[N];
};

struct client {
    int fd;
    uint8_t buf[CVG_OWN_REQ_HDR + CVG_OWN_REQ_BODY_MAX];
    size_t have;
    bool pending;               /* a MEASURE under way */
    struct session s;
};

struct owner {
    const struct cvg_owner_cfg *cfg;
    uint32_t domid, nr, window_ms;
    struct cvg_hv *hv;
    struct cvg_guard *guard;
    struct cvg_levers lv;
    struct cvg_dlc *dlc;
    int lock_fd, listen_fd;
    char sock_path[CVG_RUN_PATH_MAX], lock_path[CVG_RUN_PATH_MAX];
    char mig_path[CVG_RUN_PATH_MAX];
    struct client cl[CVG_OWNER_CLIENTS];
    uint32_t limit[N];          /* MiB/s, 0: none */

    bool active;                /* log-dirty on (ours), windows running */
    bool logdirty_recorded;     /* the guardian would switch it off */
    bool warned_ld_record;
    uint64_t win_start_ms, next_tick_ms;
    uint64_t last_ns[N];

    bool dormant;               /* handed over to a migration */
    pid_t mig_pid;
    int mig_pidfd;
    uint64_t next_mig_check_ms;

    uint64_t idle_since_ms;
    bool done;
    int status;
};

static void olog(struct owner *o, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void olog(struct owner *o, int level, const char *fmt, ...)
{
    char text[768];
    va_list ap;

    if (!o->cfg->log)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    o->cfg->log(o->cfg->opaque, level, text);
}

static void guardian_log(void *opaque, enum cvg_guard_level level, const char *text)
{
    const struct cvg_owner_cfg *cfg = opaque;
    char line[600];

    if (!cfg->log)
        return;
    snprintf(line, sizeof(line), "[guardian] %s", text);
    cfg->log(cfg->opaque, (int)level, line);
}

static uint32_t nr_limits(const struct owner *o)
{
    uint32_t n = 0;

    for (uint32_t v = 0; v < o->nr; v++)
        n += o->limit[v] != 0;
    return n;
}

static uint32_t nr_sessions(const struct owner *o, bool *probe)
{
    uint32_t n = 0;

    *probe = false;
    for (uint32_t i = 0; i < CVG_OWNER_CLIENTS; i++)
        if (o->cl[i].fd >= 0 && o->cl[i].pending) {
            n++;
            if (!(o->cl[i].s.flags & CVG_OWN_MEASURE_NO_PROBE))
                *probe = true;
        }
    return n;
}

static uint32_t nr_clients(const struct owner *o)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < CVG_OWNER_CLIENTS; i++)
        n += o->cl[i].fd >= 0;
    return n;
}

/* A migration of the domain runs here: its status server answers. */
static bool migration_running(struct owner *o)
{
    int fd = cvg_usock_connect(o->mig_path, NULL);

    if (fd < 0)
        return false;
    close(fd);
    return true;
}

static int read_times(struct owner *o, uint64_t *ns, struct cvg_err *err)
{
    struct cvg_vcpuinfo vi;
    int rc;

    for (uint32_t v = 0; v < o->nr; v++) {
        rc = o->hv->ops->vcpuinfo(o->hv, o->domid, v, &vi, err);
        if (rc)
            return rc;
        ns[v] = vi.cpu_time_ns;
    }
    return 0;
}

/* ---- log-dirty and windows ------------------------------------------ */

static int stop_windows(struct owner *o, struct cvg_err *err)
{
    int rc, r;

    if (!o->active)
        return 0;
    rc = cvg_levers_release(&o->lv, err);
    r = o->hv->ops->logdirty_disable(o->hv, o->domid, err);
    if (!r && o->logdirty_recorded) {
        r = cvg_guard_released(o->guard, CVG_GUARD_LOGDIRTY, 0, err);
        o->logdirty_recorded = r != 0;
    }
    o->active = false;
    return rc ? rc : r;
}

static int start_windows(struct owner *o, struct cvg_err *err)
{
    struct cvg_dlc_params p;
    struct cvg_err lerr = { 0 };
    bool on = false;
    int rc;

    if (o->active)
        return 0;
    if (migration_running(o))
        return cvg_fail(err, -EBUSY, "a migration of domain %u is running: it owns "
                        "log-dirty and its own throttle governs the domain", o->domid);
    /* Xen 4.17 cannot tell; the simulator can. */
    if (!o->hv->ops->logdirty_enabled(o->hv, o->domid, &on, NULL) && on)
        return cvg_fail(err, -EBUSY, "log-dirty is already on for domain %u and no "
                        "xen-converge migration holds it: something else uses it (a stock "
                        "libxl-save-helper?)", o->domid);
    rc = cvg_guard_save_logdirty(o->guard, o->hv, &lerr);
    if (rc == -EOPNOTSUPP) {
        /* Xen has no query for the mode, so the guardian cannot record it
         * (guard.h has no record-with-value for log-dirty): the scheduler
         * settings stay guarded, log-dirty would stay on after a SIGKILL. */
        if (!o->warned_ld_record)
            olog(o, CVG_OWNER_LOG_WARN, "domain %u: %s; the guardian will not switch "
                 "log-dirty off should this owner be killed", o->domid, lerr.msg);
        o->warned_ld_record = true;
    } else if (rc) {
        return cvg_fail(err, rc, "%s", lerr.msg);
    } else {
        o->logdirty_recorded = true;
    }
    rc = o->hv->ops->logdirty_enable(o->hv, o->domid, err);
    if (rc)
        return rc;
    o->active = true;
    /* A migration that started while we switched it on must win. */
    if (migration_running(o)) {
        stop_windows(o, NULL);
        return cvg_fail(err, -EBUSY, "a migration of domain %u started: it owns log-dirty",
                        o->domid);
    }
    cvg_dlc_defaults(&p);
    cvg_dlc_init(o->dlc, o->nr, &p);
    for (uint32_t v = 0; v < o->nr; v++)
        if (o->limit[v])
            cvg_dlc_set_quota(o->dlc, v, o->limit[v] * PAGES_PER_MIB);
    rc = o->hv->ops->logdirty_op(o->hv, o->domid, CVG_LOGDIRTY_CLEAN, NULL, 0, 0, NULL, err);
    if (!rc)
        rc = read_times(o, o->last_ns, err);
    if (rc) {
        stop_windows(o, NULL);
        return rc;
    }
    o->win_start_ms = cvg_mono_ms();
    o->next_tick_ms = o->win_start_ms + o->window_ms;
    olog(o, CVG_OWNER_LOG_INFO, "domain %u: log-dirty on, measuring in %u ms windows",
         o->domid, o->window_ms);
    return 0;
}

/* ---- replies -------------------------------------------------------- */

static void drop_client(struct owner *o, struct client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->have = 0;
    c->pending = false;
    if (!nr_clients(o))
        o->idle_since_ms = cvg_mono_ms();
}

static void send_reply(struct owner *o, struct client *c, const struct cvg_own_reply *r)
{
    uint8_t buf[CVG_OWN_REPLY_HDR + CVG_OWN_REPLY_BODY_MAX];
    struct cvg_err err = { 0 };
    int n = cvg_own_reply_encode(r, buf, sizeof(buf), &err);

    if (n < 0 || cvg_usock_write(c->fd, buf, (size_t)n, cvg_mono_ms() + REPLY_TIMEOUT_MS,
                                 &err)) {
        olog(o, CVG_OWNER_LOG_WARN, "domain %u: dropping a client: %s", o->domid, err.msg);
        drop_client(o, c);
    }
}

static void reply_status(struct owner *o, struct client *c, enum cvg_own_op op, int status,
                         const char *text)
{
    struct cvg_own_reply *r = calloc(1, sizeof(*r));

    if (!r) {
        drop_client(o, c);
        return;
    }
    r->op = op;
    r->status = status;
    if (status < 0)
        snprintf(r->text, sizeof(r->text), "%s", text ? text : strerror(-status));
    send_reply(o, c, r);
    free(r);
}

static void finish_session(struct owner *o, struct client *c)
{
    const struct cvg_est *e = &o->dlc->est;
    struct session *s = &c->s;
    struct cvg_own_reply *r;
    double total = 0, wconf = 0;

    c->pending = false;
    if (s->dt <= 0) {
        reply_status(o, c, CVG_OWN_MEASURE, -EAGAIN, "no measurement window completed");
        return;
    }
    r = calloc(1, sizeof(*r));
    if (!r) {
        drop_client(o, c);
        return;
    }
    r->op = CVG_OWN_MEASURE;
    r->source = 0;
    r->period_ms = (uint32_t)lround(s->dt * 1000);
    r->rate_mib_s = s->pages / s->dt / PAGES_PER_MIB;
    r->n = o->nr;
    for (uint32_t v = 0; v < o->nr; v++) {
        struct cvg_own_vcpu *x = &r->v[v];
        double cpu = s->run[v] / s->dt;

        x->vcpu = v;
        x->cpu = cpu > 1 ? 1 : cpu;
        x->flags = cvg_dlc_flags(o->dlc, v) & ~CVG_OWN_VCPU_IDLE;
        if (cpu <= o->dlc->p.idle_cpu) {
            /* What does not run does not write. */
            x->flags = (x->flags & CVG_OWN_VCPU_LIMITED) | CVG_OWN_VCPU_IDLE;
            x->confidence = 1;
            continue;
        }
        x->rate_mib_s = e->r[v] * cpu / PAGES_PER_MIB;
        x->confidence = e->conf[v] < 0 ? 0 : (e->conf[v] > 1 ? 1 : e->conf[v]);
        total += x->rate_mib_s;
        wconf += x->rate_mib_s * x->confidence;
    }
    r->confidence = total > 0 ? wconf / total : (e->r2 > 1 ? 1 : e->r2);
    send_reply(o, c, r);
    free(r);
}

static void fail_sessions(struct owner *o, int status, const char *why)
{
    for (uint32_t i = 0; i < CVG_OWNER_CLIENTS; i++)
        if (o->cl[i].fd >= 0 && o->cl[i].pending) {
            o->cl[i].pending = false;
            reply_status(o, &o->cl[i], CVG_OWN_MEASURE, status, why);
        }
}

/* ---- one window ----------------------------------------------------- */

static int tick(struct owner *o, struct cvg_err *err)
{
    struct cvg_logdirty_stats ls = { 0 };
    struct cvg_dlc_window w;
    uint64_t ns[N], now;
    double run[N], share[N];
    bool on = true, probe;
    uint32_t sessions;
    int rc;

    /* Someone switched log-dirty off under us (the simulator can tell):
     * a tool that does not ask for a hand-over has taken the domain. */
    if (!o->hv->ops->logdirty_enabled(o->hv, o->domid, &on, NULL) && !on)
        return cvg_fail(err, -EBUSY, "log-dirty of domain %u was switched off by someone "
                        "else", o->domid);
    rc = o->hv->ops->logdirty_op(o->hv, o->domid, CVG_LOGDIRTY_CLEAN, NULL, 0, 0, &ls, err);
    if (!rc)
        rc = read_times(o, ns, err);
    if (rc)
        return rc;
    now = cvg_mono_ms();
    w.dt_s = (now - o->win_start_ms) / 1000.0;
    w.pages = ls.dirty_count;
    w.run_s = run;
    for (uint32_t v = 0; v < o->nr; v++) {
        run[v] = ns[v] >= o->last_ns[v] ? (ns[v] - o->last_ns[v]) / 1e9 : 0;
        if (run[v] > w.dt_s)
            run[v] = w.dt_s;
        o->last_ns[v] = ns[v];
    }
    o->win_start_ms = now;
    o->next_tick_ms = now + o->window_ms;
    if (w.dt_s <= 0)
        return 0;
    cvg_dlc_observe(o->dlc, &w);

    for (uint32_t i = 0; i < CVG_OWNER_CLIENTS; i++) {
        struct client *c = &o->cl[i];

        if (c->fd < 0 || !c->pending)
            continue;
        /* Probe windows are slowed on purpose: the rate is the others'. */
        if (!o->dlc->last_was_hit && now > c->s.start_ms) {
            c->s.dt += w.dt_s;
            c->s.pages += w.pages;
            for (uint32_t v = 0; v < o->nr; v++)
                c->s.run[v] += run[v];
        }
        /* A probe round under way at the end is worth waiting for, up to
         * another period. */
        if (now >= c->s.end_ms &&
            (!cvg_dlc_probing(o->dlc) || now - c->s.end_ms >= c->s.end_ms - c->s.start_ms))
            finish_session(o, c);
    }
    sessions = nr_sessions(o, &probe);
    o->dlc->identify = sessions && probe;
    o->dlc->probe_allowed = probe || nr_limits(o);
    cvg_dlc_plan(o->dlc, share);
    if (o->cfg->trace)
        olog(o, CVG_OWNER_LOG_DEBUG, "window %.3f s: %.0f pages, run %.3f %.3f %.3f %.3f, "
             "phase %d, next shares %.2f %.2f %.2f %.2f, unsplit %d%d%d%d, r0 %.0f", w.dt_s,
             w.pages, run[0], o->nr > 1 ? run[1] : 0, o->nr > 2 ? run[2] : 0,
             o->nr > 3 ? run[3] : 0, o->dlc->probe.phase, share[0], o->nr > 1 ? share[1] : 0,
             o->nr > 2 ? share[2] : 0, o->nr > 3 ? share[3] : 0, o->dlc->est.unsplit[0],
             o->dlc->est.unsplit[1], o->dlc->est.unsplit[2], o->dlc->est.unsplit[3],
             o->dlc->est.r[0]);
    return cvg_levers_apply(&o->lv, share, o->dlc->u0, NULL, err);
}

/* ---- requests ------------------------------------------------------- */

static void list_reply(struct owner *o, struct client *c)
{
    struct cvg_own_reply *r = calloc(1, sizeof(*r));

    if (!r) {
        drop_client(o, c);
        return;
    }
    r->op = CVG_OWN_LIST;
    r->owner_pid = (uint32_t)getpid();
    for (uint32_t v = 0; v < o->nr; v++) {
        struct cvg_own_vcpu *x;

        if (!o->limit[v])
            continue;
        x = &r->v[r->n++];
        x->vcpu = v;
        x->limit_mib_s = o->limit[v];
        x->share = 1;
        x->flags = CVG_OWN_VCPU_LIMITED;
        if (o->dormant) {
            x->state = CVG_OWN_SUSPENDED;
        } else if (o->active) {
            x->state = o->dlc->learning[v] ? CVG_OWN_LEARNING : CVG_OWN_ENFORCING;
            x->rate_mib_s = cvg_dlc_rate(o->dlc, v) / PAGES_PER_MIB;
            x->confidence = cvg_dlc_confidence(o->dlc, v);
            if (x->confidence > 1)
                x->confidence = 1;
            if (x->confidence < 0)
                x->confidence = 0;
            x->flags = cvg_dlc_flags(o->dlc, v);
            x->share = o->dlc->share[v];
        } else {
            x->state = CVG_OWN_LEARNING;
        }
    }
    send_reply(o, c, r);
    free(r);
}

static void go_dormant(struct owner *o, pid_t pid)
{
    struct cvg_err err = { 0 };

    if (o->active && stop_windows(o, &err))
        olog(o, CVG_OWNER_LOG_ERROR, "domain %u: handing over to the migration: %s",
             o->domid, err.msg);
    fail_sessions(o, -EBUSY, "a migration of the domain started: it owns log-dirty now");
    if (o->mig_pidfd >= 0)
        close(o->mig_pidfd);
    o->dormant = true;
    o->mig_pid = pid;
    o->mig_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    o->next_mig_check_ms = cvg_mono_ms() + MIG_POLL_MS;
    olog(o, CVG_OWNER_LOG_INFO, "domain %u: handed over to the migration by pid %d; %u "
         "limit(s) suspended until it ends", o->domid, (int)pid, nr_limits(o));
}

static void handle(struct owner *o, struct client *c, const struct cvg_own_req *q)
{
    struct cvg_err err = { 0 };
    char text[CVG_OWN_TEXT_MAX + 1];
    uint32_t first = q->vcpu == CVG_OWN_ALL ? 0 : q->vcpu;
    uint32_t last = q->vcpu == CVG_OWN_ALL ? o->nr : q->vcpu + 1;
    int rc;

    switch (q->op) {
    case CVG_OWN_SET:
        if (o->dormant) {
            snprintf(text, sizeof(text), "a migration of domain %u is running (pid %d): its "
                     "own throttle governs the domain until it ends", o->domid,
                     (int)o->mig_pid);
            reply_status(o, c, q->op, -EBUSY, text);
            return;
        }
        if (q->vcpu != CVG_OWN_ALL && q->vcpu >= o->nr) {
            snprintf(text, sizeof(text), "domain %u has no vcpu %u (it has %u)", o->domid,
                     q->vcpu, o->nr);
            reply_status(o, c, q->op, -ESRCH, text);
            return;
        }
        rc = start_windows(o, &err);
        if (rc) {
            reply_status(o, c, q->op, rc, err.msg);
            return;
        }
        for (uint32_t v = first; v < last; v++) {
            o->limit[v] = q->rate_mib_s;
            cvg_dlc_set_quota(o->dlc, v, q->rate_mib_s * PAGES_PER_MIB);
        }
        if (q->vcpu == CVG_OWN_ALL)
            olog(o, CVG_OWNER_LOG_INFO, "domain %u: every vCPU limited to %u MiB/s",
                 o->domid, q->rate_mib_s);
        else
            olog(o, CVG_OWNER_LOG_INFO, "domain %u: vcpu %u limited to %u MiB/s", o->domid,
                 q->vcpu, q->rate_mib_s);
        reply_status(o, c, q->op, 0, NULL);
        return;
    case CVG_OWN_CANCEL:
        for (uint32_t v = first; v < last && v < o->nr; v++) {
            if (o->limit[v])
                olog(o, CVG_OWNER_LOG_INFO, "domain %u: vcpu %u's limit of %u MiB/s "
                     "cancelled", o->domid, v, o->limit[v]);
            o->limit[v] = 0;
            if (o->active)
                cvg_dlc_set_quota(o->dlc, v, 0);
        }
        /* The share comes back with the next window; without limits the
         * windows stop and everything is put back now. */
        reply_status(o, c, q->op, 0, NULL);
        return;
    case CVG_OWN_LIST:
        list_reply(o, c);
        return;
    case CVG_OWN_MEASURE:
        if (o->dormant) {
            reply_status(o, c, q->op, -EBUSY, "a migration of the domain is running: it owns "
                         "log-dirty (read its statistics instead)");
            return;
        }
        rc = start_windows(o, &err);
        if (rc) {
            reply_status(o, c, q->op, rc, err.msg);
            return;
        }
        memset(&c->s, 0, sizeof(c->s));
        c->s.start_ms = cvg_mono_ms();
        c->s.end_ms = c->s.start_ms + q->period_ms;
        c->s.flags = q->flags;
        c->pending = true;
        return;
    case CVG_OWN_HANDOVER:
        go_dormant(o, (pid_t)q->pid);
        reply_status(o, c, q->op, 0, NULL);
        return;
    }
}

static void read_client(struct owner *o, struct client *c)
{
    struct cvg_err err = { 0 };
    struct cvg_own_req q;
    uint16_t op;
    uint32_t len;
    ssize_t n;

    for (;;) {
        size_t want = CVG_OWN_REQ_HDR;

        if (c->have >= CVG_OWN_REQ_HDR) {
            if (cvg_own_req_header(c->buf, &op, &len, &err))
                goto bad;
            want = CVG_OWN_REQ_HDR + len;
            if (c->have == want)
                break;
        }
        n = recv(c->fd, c->buf + c->have, want - c->have, MSG_DONTWAIT);
        if (n == 0) {
            drop_client(o, c);
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                drop_client(o, c);
            return;
        }
        c->have += (size_t)n;
    }
    if (cvg_own_req_decode(c->buf, c->have, &q, &err))
        goto bad;
    c->have = 0;
    handle(o, c, &q);
    return;
bad:
    olog(o, CVG_OWNER_LOG_WARN, "domain %u: a client sent a bad request: %s", o->domid,
         err.msg);
    reply_status(o, c, CVG_OWN_LIST, -EPROTO, err.msg);
    drop_client(o, c);
}

static void accept_clients(struct owner *o)
{
    for (;;) {
        int fd = accept4(o->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        uint32_t i;

        if (fd < 0)
            return;
        if (!cvg_usock_peer_ok(fd, NULL)) {
            close(fd);
            continue;
        }
        for (i = 0; i < CVG_OWNER_CLIENTS && o->cl[i].fd >= 0; i++)
            ;
        if (i == CVG_OWNER_CLIENTS) {
            close(fd);          /* full: the client sees EOF and may retry */
            continue;
        }
        o->cl[i].fd = fd;
        o->cl[i].have = 0;
        o->cl[i].pending = false;
    }
}

/* ---- the migration's end -------------------------------------------- */

static bool mig_ended(struct owner *o)
{
    if (o->mig_pidfd >= 0) {
        struct pollfd p = { .fd = o->mig_pidfd, .events = POLLIN };

        return poll(&p, 1, 0) > 0;
    }
    return kill(o->mig_pid, 0) < 0 && errno == ESRCH;
}

static void after_migration(struct owner *o)
{
    struct cvg_dominfo di;
    struct cvg_err err = { 0 };
    int rc;

    if (o->mig_pidfd >= 0)
        close(o->mig_pidfd);
    o->mig_pidfd = -1;
    o->dormant = false;
    rc = o->hv->ops->dominfo(o->hv, o->domid, &di, &err);
    if (rc || di.dying || di.shutdown) {
        olog(o, CVG_OWNER_LOG_INFO, "domain %u is %s after its migration: the owner ends",
             o->domid, rc ? "gone" : "shut down");
        o->done = true;
        return;
    }
    if (!nr_limits(o)) {
        o->idle_since_ms = cvg_mono_ms();
        return;
    }
    rc = start_windows(o, &err);
    if (rc) {
        olog(o, CVG_OWNER_LOG_ERROR, "domain %u: the migration ended but its limits cannot "
             "come back: %s", o->domid, err.msg);
        o->done = true;
        o->status = 1;
        return;
    }
    olog(o, CVG_OWNER_LOG_INFO, "domain %u: the migration ended here; %u limit(s) back",
         o->domid, nr_limits(o));
}

/* ---- set-up and the loop -------------------------------------------- */

static int take_lock(struct owner *o, struct cvg_err *err)
{
    for (int tries = 0; tries < 8; tries++) {
        struct stat a, b;
        char pid[32];
        int fd = open(o->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600), n;

        if (fd < 0)
            return cvg_fail(err, -errno, "cannot open %s: %s", o->lock_path, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB)) {
            int e = errno;

            n = (int)pread(fd, pid, sizeof(pid) - 1, 0);
            close(fd);
            pid[n > 0 ? n : 0] = '\0';
            pid[strcspn(pid, "\n")] = '\0';
            if (e == EWOULDBLOCK)
                return cvg_fail(err, -EEXIST, "domain %u already has a dirty-limit owner "
                                "(pid %s)", o->domid, pid[0] ? pid : "unknown");
            return cvg_fail(err, -e, "flock %s: %s", o->lock_path, strerror(e));
        }
        /* The file may have been unlinked by the owner before us between
         * our open and our lock: then this lock proves nothing. */
        if (fstat(fd, &a) || stat(o->lock_path, &b) || a.st_ino != b.st_ino ||
            a.st_dev != b.st_dev) {
            close(fd);
            continue;
        }
        n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
        if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n) {
            /* Only informative: the lock is what counts. */
        }
        o->lock_fd = fd;
        return 0;
    }
    return cvg_fail(err, -EAGAIN, "%s keeps changing under us", o->lock_path);
}

static int set_up(struct owner *o, struct cvg_err *err)
{
    const struct cvg_owner_cfg *cfg = o->cfg;
    struct cvg_guard_cfg gcfg = {
        .domid = cfg->domid, .libxl_pid = 0, .log = guardian_log, .opaque = (void *)cfg,
    };
    struct cvg_dominfo di;
    int rc;

    rc = cfg->sim_socket ? cvg_hv_open_sim(&o->hv, cfg->sim_socket, err) :
                           cvg_hv_open_xen(&o->hv, err);
    if (rc)
        return rc;
    rc = o->hv->ops->dominfo(o->hv, o->domid, &di, err);
    if (rc)
        return rc;
    if (di.dying || di.shutdown)
        return cvg_fail(err, -ESRCH, "domain %u is %s", o->domid,
                        di.dying ? "dying" : "shut down");
    o->nr = di.max_vcpu_id + 1 > N ? N : di.max_vcpu_id + 1;
    if ((rc = cvg_run_mkdir(cfg->sim_socket, err)) ||
        (rc = cvg_run_path(o->sock_path, sizeof(o->sock_path), cfg->sim_socket,
                           "dirty-limit", o->domid, ".sock", err)) ||
        (rc = cvg_run_path(o->lock_path, sizeof(o->lock_path), cfg->sim_socket,
                           "dirty-limit", o->domid, ".lock", err)) ||
        (rc = cvg_run_path(o->mig_path, sizeof(o->mig_path), cfg->sim_socket, "migrate",
                           o->domid, ".sock", err)))
        return rc;
    rc = take_lock(o, err);
    if (rc)
        return rc;
    /* Listening before anything else: a migration starting from now on
     * finds us and asks for the domain (its request waits in the backlog). */
    o->listen_fd = cvg_usock_listen(o->sock_path, err);
    if (o->listen_fd < 0)
        return o->listen_fd;
    if (migration_running(o))
        return cvg_fail(err, -EBUSY, "a migration of domain %u is running: it owns log-dirty "
                        "and its own throttle governs the domain", o->domid);
    o->dlc = calloc(1, sizeof(*o->dlc));
    if (!o->dlc)
        return cvg_fail(err, -ENOMEM, "out of memory for the controller");
    rc = cvg_levers_init(&o->lv, o->hv, NULL, o->domid, o->nr, err);
    if (rc)
        return rc;
    /* The guardian, before the first change to the domain. */
    rc = cvg_guard_start(&o->guard, &gcfg, err);
    if (rc)
        return rc;
    o->lv.guard = o->guard;
    return 0;
}

static void ready(int fd, int rc, const char *msg)
{
    char line[CVG_ERR_MSG_MAX + 32];
    int n;

    if (fd < 0)
        return;
    if (rc)
        n = snprintf(line, sizeof(line), "%d %s\n", rc, msg);
    else
        n = snprintf(line, sizeof(line), "0 %d\n", (int)getpid());
    if (n > 0 && write(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0) {
        /* The starter is gone; the owner serves whoever comes. */
    }
    close(fd);
}

static bool idle(const struct owner *o)
{
    bool probe;

    return !o->dormant && !nr_limits(o) && !nr_sessions(o, &probe);
}

static void loop(struct owner *o)
{
    while (!o->done && !*o->cfg->stop) {
        struct pollfd pfd[CVG_OWNER_CLIENTS + 2];
        struct client *who[CVG_OWNER_CLIENTS + 2];
        struct cvg_err err = { 0 };
        uint64_t now = cvg_mono_ms(), wake = now + 500;
        nfds_t n = 0;
        int rc;

        /* Nothing to hold: windows off, everything back. */
        if (o->active && idle(o) && stop_windows(o, &err))
            olog(o, CVG_OWNER_LOG_ERROR, "domain %u: %s", o->domid, err.msg);
        if (idle(o) && !nr_clients(o) && now >= o->idle_since_ms + o->cfg->linger_ms)
            break;
        if (o->active && o->next_tick_ms < wake)
            wake = o->next_tick_ms;
        if (o->dormant && o->next_mig_check_ms < wake)
            wake = o->next_mig_check_ms;

        pfd[n] = (struct pollfd){ .fd = o->listen_fd, .events = POLLIN };
        who[n++] = NULL;
        for (uint32_t i = 0; i < CVG_OWNER_CLIENTS; i++) {
            if (o->cl[i].fd < 0)
                continue;
            /* One request at a time: a pending MEASURE is only watched for
             * the client going away. */
            pfd[n] = (struct pollfd){ .fd = o->cl[i].fd,
                                      .events = o->cl[i].pending ? POLLRDHUP : POLLIN };
            who[n++] = &o->cl[i];
        }
        rc = poll(pfd, n, wake > now ? (int)(wake - now) : 0);
        if (rc < 0 && errno != EINTR) {
            olog(o, CVG_OWNER_LOG_ERROR, "poll: %s", strerror(errno));
            o->status = 1;
            break;
        }
        for (nfds_t i = 1; rc > 0 && i < n; i++) {
            if (!pfd[i].revents || who[i]->fd < 0)
                continue;
            if (who[i]->pending)
                drop_client(o, who[i]);
            else
                read_client(o, who[i]);
        }
        if (rc > 0 && pfd[0].revents)
            accept_clients(o);

        now = cvg_mono_ms();
        if (o->dormant && now >= o->next_mig_check_ms) {
            o->next_mig_check_ms = now + MIG_POLL_MS;
            if (mig_ended(o))
                after_migration(o);
        }
        if (o->active && now >= o->next_tick_ms && (rc = tick(o, &err))) {
            olog(o, CVG_OWNER_LOG_ERROR, "domain %u: %s: the owner ends", o->domid, err.msg);
            fail_sessions(o, rc, err.msg);
            o->status = rc == -ESRCH || rc == -ENOENT ? 0 : 1;
            break;
        }
    }
}

int cvg_owner_run(const struct cvg_owner_cfg *cfg, int ready_fd)
{
    static volatile int never;
    struct cvg_owner_cfg c = *cfg;
    struct owner *o = calloc(1, sizeof(*o));
    struct cvg_err err = { 0 };
    uint32_t failed = 0;
    int rc;

    if (!o) {
        ready(ready_fd, -ENOMEM, "out of memory");
        return 1;
    }
    if (!c.window_ms)
        c.window_ms = CVG_OWNER_WINDOW_MS;
    if (!c.linger_ms)
        c.linger_ms = CVG_OWNER_LINGER_MS;
    if (!c.stop)
        c.stop = &never;
    o->cfg = &c;
    o->domid = c.domid;
    o->window_ms = c.window_ms;
    o->lock_fd = o->listen_fd = o->mig_pidfd = -1;
    for (uint32_t i = 0; i < CVG_OWNER_CLIENTS; i++)
        o->cl[i].fd = -1;

    rc = set_up(o, &err);
    ready(ready_fd, rc, err.msg);
    if (rc) {
        olog(o, CVG_OWNER_LOG_ERROR, "domain %u: %s", c.domid, err.msg);
        o->status = rc == -EEXIST || rc == -EBUSY ? 3 : 1;
        goto out;
    }
    olog(o, CVG_OWNER_LOG_INFO, "domain %u: dirty-limit owner ready (pid %d, guardian %d, "
         "lever %s, %u vCPUs)", c.domid, (int)getpid(), (int)cvg_guard_pid(o->guard),
         cvg_lever_name(o->lv.lever), o->nr);
    o->idle_since_ms = cvg_mono_ms();
    loop(o);
    if (*c.stop)
        olog(o, CVG_OWNER_LOG_INFO, "domain %u: stopped by a signal", c.domid);

out:
    err = (struct cvg_err){ 0 };
    if (o->active && stop_windows(o, &err)) {
        olog(o, CVG_OWNER_LOG_ERROR, "domain %u: putting it back: %s", c.domid, err.msg);
        o->status = 1;
    }
    for (uint32_t i = 0; i < CVG_OWNER_CLIENTS; i++)
        if (o->cl[i].fd >= 0) {
            if (o->cl[i].pending)
                reply_status(o, &o->cl[i], CVG_OWN_MEASURE, -ESHUTDOWN, "the owner ended");
            drop_client(o, &o->cl[i]);
        }
    if (o->guard) {
        err = (struct cvg_err){ 0 };
        if (cvg_guard_finish(o->guard, &failed, &err) || failed) {
            olog(o, CVG_OWNER_LOG_ERROR, "domain %u: the guardian could not put %u item(s) "
                 "back: %s", c.domid, failed, err.msg);
            o->status = 1;
        }
    }
    if (o->listen_fd >= 0) {
        unlink(o->sock_path);
        close(o->listen_fd);
    }
    if (o->lock_fd >= 0) {
        /* Unlinked while still held: a newcomer that opened it meanwhile
         * sees the inode change and starts over (take_lock). */
        unlink(o->lock_path);
        close(o->lock_fd);
    }
    if (o->mig_pidfd >= 0)
        close(o->mig_pidfd);
    if (o->hv)
        cvg_hv_close(o->hv);
    rc = o->status;
    free(o->dlc);
    free(o);
    return rc;
}
