/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/frame.h"
#include "sim/ops.h"
#include "sim/server.h"

#define CLIENT_STACK (1u << 20)

static void logf_(struct simd_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void logf_(struct simd_server *s, const char *fmt, ...)
{
    va_list ap;

    if (!s->verbose)
        return;
    va_start(ap, fmt);
    fputs("converge-simd: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int reply_error(int fd, const struct cvg_sim_hdr *h, const struct cvg_err *err)
{
    const char *msg = err->msg[0] ? err->msg : "request failed";

    return cvg_sim_send_reply(fd, h, err->code < 0 ? err->code : -EIO, msg, strlen(msg), -1);
}

/* One request: false when the connection must end. */
static bool serve_one(struct simd_client *c)
{
    struct simd_server *s = c->srv;
    uint8_t raw[CVG_SIM_HDR_SIZE];
    uint8_t *payload = NULL;
    struct cvg_sim_hdr h;
    struct cvg_sim_req req;
    struct cvg_sink reply;
    struct cvg_err err = { 0 };
    int pass_fd = -1, rc;
    bool keep = true;

    cvg_sink_init_mem(&reply);
    reply.max = CVG_SIM_MAX_REPLY_PAYLOAD;
    if (cvg_sim_recv_exact(c->fd, raw, sizeof(raw), NULL))
        return false;           /* gone, or a partial header: nothing to answer */
    if ((rc = cvg_sim_hdr_decode(raw, false, &h, &err))) {
        /* The stream cannot be framed any more: say why, then hang up. */
        logf_(s, "client %u: %s", c->id, err.msg);
        reply_error(c->fd, &h, &err);
        return false;
    }
    if (h.len) {
        if (!(payload = malloc(h.len))) {
            cvg_fail(&err, -ENOMEM, "no memory for a %u-byte request", h.len);
            reply_error(c->fd, &h, &err);
            return false;
        }
        if (cvg_sim_recv_exact(c->fd, payload, h.len, NULL)) {
            /* Died mid-request: it is not executed. */
            logf_(s, "client %u: request op %u truncated", c->id, h.op);
            free(payload);
            return false;
        }
    }
    if ((rc = cvg_sim_req_decode(&h, payload, &req, &err)) == 0)
        rc = simd_handle(s->m, &req, &reply, &pass_fd, &err);
    if (rc) {
        if (!err.code)
            cvg_fail(&err, rc, "%s", strerror(-rc));
        logf_(s, "client %u: %s (domid %u): %s", c->id,
              cvg_sim_op_name(h.op) ? cvg_sim_op_name(h.op) : "?", h.domid, err.msg);
        keep = reply_error(c->fd, &h, &err) == 0;
    } else {
        if (h.op == CVG_SIM_OP_CREATE_SCENARIO || h.op == CVG_SIM_OP_CREATE_EMPTY)
            logf_(s, "client %u: created domain %u", c->id, cvg_get_le32(reply.buf));
        else if (h.op == CVG_SIM_OP_DESTROY)
            logf_(s, "client %u: destroyed domain %u", c->id, h.domid);
        keep = cvg_sim_send_reply(c->fd, &h, 0, reply.buf, reply.len, pass_fd) == 0;
    }
    if (pass_fd >= 0)
        close(pass_fd);
    free(payload);
    cvg_sink_free(&reply);
    return keep;
}

static void *client_main(void *arg)
{
    struct simd_client *c = arg;
    struct simd_server *s = c->srv;

    pthread_setname_np(pthread_self(), "client");
    while (serve_one(c))
        ;
    pthread_mutex_lock(&s->lock);
    shutdown(c->fd, SHUT_RDWR);
    c->done = true;
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int simd_server_open(struct simd_server *s, struct simd_machine *m, const char *path,
                     bool verbose, struct cvg_err *err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct stat st;
    mode_t old;
    int fd = -1, rc;

    memset(s, 0, sizeof(*s));
    s->m = m;
    s->listen_fd = -1;
    s->verbose = verbose;
    pthread_mutex_init(&s->lock, NULL);
    if (strlen(path) >= sizeof(sa.sun_path))
        return cvg_fail(err, -ENAMETOOLONG, "socket path %s is longer than %zu bytes", path,
                        sizeof(sa.sun_path) - 1);
    memcpy(sa.sun_path, path, strlen(path));
    if (lstat(path, &st) == 0) {
        int probe;

        if (!S_ISSOCK(st.st_mode))
            return cvg_fail(err, -EEXIST, "%s exists and is not a socket", path);
        probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe < 0)
            return cvg_fail(err, -errno, "socket: %s", strerror(errno));
        rc = connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : -errno;
        close(probe);
        if (rc == 0)
            return cvg_fail(err, -EADDRINUSE, "another converge-simd is serving %s", path);
        if (rc != -ECONNREFUSED)
            return cvg_fail(err, rc, "probing %s: %s", path, strerror(-rc));
        unlink(path);           /* stale: its daemon is gone */
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return cvg_fail(err, -errno, "socket: %s", strerror(errno));
    old = umask(077);
    rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
    umask(old);
    if (rc) {
        close(fd);
        return cvg_fail(err, rc, "binding %s: %s", path, strerror(-rc));
    }
    if (listen(fd, 16)) {
        rc = -errno;
        close(fd);
        unlink(path);
        return cvg_fail(err, rc, "listening on %s: %s", path, strerror(-rc));
    }
    s->listen_fd = fd;
    snprintf(s->path, sizeof(s->path), "%s", path);
    return 0;
}

static void reap(struct simd_server *s, bool all)
{
    for (unsigned i = 0; i < SIMD_MAX_CLIENTS; i++) {
        struct simd_client *c = &s->clients[i];
        bool join;

        pthread_mutex_lock(&s->lock);
        if (all && c->used && !c->done)
            shutdown(c->fd, SHUT_RDWR);         /* wakes its blocking recv */
        join = c->used && (all || c->done);
        pthread_mutex_unlock(&s->lock);
        if (!join)
            continue;
        pthread_join(c->thread, NULL);
        close(c->fd);
        pthread_mutex_lock(&s->lock);
        c->used = c->done = false;
        pthread_mutex_unlock(&s->lock);
    }
}

static void accept_one(struct simd_server *s)
{
    struct simd_client *c = NULL;
    pthread_attr_t attr;
    int fd, e;

    fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        /* Out of descriptors or memory: the connection stays queued; do not spin. */
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            poll(NULL, 0, 100);
        return;
    }
    reap(s, false);
    for (unsigned i = 0; i < SIMD_MAX_CLIENTS && !c; i++)
        if (!s->clients[i].used)
            c = &s->clients[i];
    if (!c) {
        struct cvg_err err = { 0 };

        cvg_fail(&err, -EBUSY, "converge-simd serves %u clients already", SIMD_MAX_CLIENTS);
        reply_error(fd, NULL, &err);
        close(fd);
        return;
    }
    c->srv = s;
    c->fd = fd;
    c->id = ++s->next_id;
    c->done = false;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, CLIENT_STACK);
    e = pthread_create(&c->thread, &attr, client_main, c);
    pthread_attr_destroy(&attr);
    if (e) {
        close(fd);
        return;
    }
    c->used = true;
}

int simd_server_run(struct simd_server *s, int stop_fd, struct cvg_err *err)
{
    for (;;) {
        struct pollfd p[2] = {
            { .fd = s->listen_fd, .events = POLLIN },
            { .fd = stop_fd, .events = POLLIN },
        };

        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return cvg_fail(err, -errno, "poll: %s", strerror(errno));
        }
        if (p[1].revents)
            return 0;
        if (p[0].revents & POLLIN)
            accept_one(s);
    }
}

void simd_server_close(struct simd_server *s)
{
    reap(s, true);
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        unlink(s->path);
        s->listen_fd = -1;
    }
    pthread_mutex_destroy(&s->lock);
}
