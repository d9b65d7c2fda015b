/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The owner's clients: one request at a time per connection (a MEASURE is
 * answered when its period is over), peers checked (root or our own user),
 * frames decoded strictly (owner_proto.h), and the migration's hand-over.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/owner_priv.h"
#include "lib/usock.h"

void cvg_owner_drop_client(struct owner *o, struct client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->have = 0;
    c->pending = false;
    if (!cvg_owner_nr_clients(o))
        o->idle_since_ms = cvg_mono_ms();
}

void cvg_owner_send_reply(struct owner *o, struct client *c, const struct cvg_own_reply *r)
{
    uint8_t buf[CVG_OWN_REPLY_HDR + CVG_OWN_REPLY_BODY_MAX];
    struct cvg_err err = { 0 };
    int n = cvg_own_reply_encode(r, buf, sizeof(buf), &err);

    if (n < 0 || cvg_usock_write(c->fd, buf, (size_t)n, cvg_mono_ms() + CVG_OWNER_REPLY_TIMEOUT_MS,
                                 &err)) {
        cvg_owner_log(o, CVG_OWNER_LOG_WARN, "domain %u: dropping a client: %s", o->domid, err.msg);
        cvg_owner_drop_client(o, c);
    }
}

void cvg_owner_reply_status(struct owner *o, struct client *c, enum cvg_own_op op, int status,
                            const char *text)
{
    struct cvg_own_reply *r = calloc(1, sizeof(*r));

    if (!r) {
        cvg_owner_drop_client(o, c);
        return;
    }
    r->op = op;
    r->status = status;
    if (status < 0)
        snprintf(r->text, sizeof(r->text), "%s", text ? text : strerror(-status));
    cvg_owner_send_reply(o, c, r);
    free(r);
}

static void list_reply(struct owner *o, struct client *c)
{
    struct cvg_own_reply *r = calloc(1, sizeof(*r));

    if (!r) {
        cvg_owner_drop_client(o, c);
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
            x->rate_mib_s = cvg_dlc_rate(o->dlc, v) / CVG_OWNER_PAGES_PER_MIB;
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
    cvg_owner_send_reply(o, c, r);
    free(r);
}

static void go_dormant(struct owner *o, pid_t pid)
{
    struct cvg_err err = { 0 };

    if (o->active && cvg_owner_stop_windows(o, &err))
        cvg_owner_log(o, CVG_OWNER_LOG_ERROR, "domain %u: handing over to the migration: %s",
                      o->domid, err.msg);
    cvg_owner_fail_sessions(o, -EBUSY, "a migration of the domain started: it owns log-dirty now");
    if (o->mig_pidfd >= 0)
        close(o->mig_pidfd);
    o->dormant = true;
    o->mig_pid = pid;
    o->mig_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    o->next_mig_check_ms = cvg_mono_ms() + CVG_OWNER_MIG_POLL_MS;
    cvg_owner_log(o, CVG_OWNER_LOG_INFO, "domain %u: handed over to the migration by pid %d; %u "
                  "limit(s) suspended until it ends", o->domid, (int)pid, cvg_owner_nr_limits(o));
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
            cvg_owner_reply_status(o, c, q->op, -EBUSY, text);
            return;
        }
        if (q->vcpu != CVG_OWN_ALL && q->vcpu >= o->nr) {
            snprintf(text, sizeof(text), "domain %u has no vcpu %u (it has %u)", o->domid,
                     q->vcpu, o->nr);
            cvg_owner_reply_status(o, c, q->op, -ESRCH, text);
            return;
        }
        rc = cvg_owner_start_windows(o, &err);
        if (rc) {
            cvg_owner_reply_status(o, c, q->op, rc, err.msg);
            return;
        }
        for (uint32_t v = first; v < last; v++) {
            o->limit[v] = q->rate_mib_s;
            cvg_dlc_set_quota(o->dlc, v, q->rate_mib_s * CVG_OWNER_PAGES_PER_MIB);
        }
        if (q->vcpu == CVG_OWN_ALL)
            cvg_owner_log(o, CVG_OWNER_LOG_INFO, "domain %u: every vCPU limited to %u MiB/s",
                          o->domid, q->rate_mib_s);
        else
            cvg_owner_log(o, CVG_OWNER_LOG_INFO, "domain %u: vcpu %u limited to %u MiB/s", o->domid,
                          q->vcpu, q->rate_mib_s);
        cvg_owner_reply_status(o, c, q->op, 0, NULL);
        return;
    case CVG_OWN_CANCEL:
        for (uint32_t v = first; v < last && v < o->nr; v++) {
            if (o->limit[v])
                cvg_owner_log(o, CVG_OWNER_LOG_INFO, "domain %u: vcpu %u's limit of %u MiB/s "
                              "cancelled", o->domid, v, o->limit[v]);
            o->limit[v] = 0;
            if (o->active)
                cvg_dlc_set_quota(o->dlc, v, 0);
        }
        /* The share comes back with the next window; without limits the
         * windows stop and everything is put back now. */
        cvg_owner_reply_status(o, c, q->op, 0, NULL);
        return;
    case CVG_OWN_LIST:
        list_reply(o, c);
        return;
    case CVG_OWN_MEASURE:
        if (o->dormant) {
            cvg_owner_reply_status(o, c, q->op, -EBUSY, "a migration of the domain is running: "
                                   "it owns log-dirty (read its statistics instead)");
            return;
        }
        rc = cvg_owner_start_windows(o, &err);
        if (rc) {
            cvg_owner_reply_status(o, c, q->op, rc, err.msg);
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
        cvg_owner_reply_status(o, c, q->op, 0, NULL);
        return;
    }
}

void cvg_owner_read_client(struct owner *o, struct client *c)
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
            cvg_owner_drop_client(o, c);
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                cvg_owner_drop_client(o, c);
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
    cvg_owner_log(o, CVG_OWNER_LOG_WARN, "domain %u: a client sent a bad request: %s", o->domid,
                  err.msg);
    cvg_owner_reply_status(o, c, CVG_OWN_LIST, -EPROTO, err.msg);
    cvg_owner_drop_client(o, c);
}

void cvg_owner_accept_clients(struct owner *o)
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
