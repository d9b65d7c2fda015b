/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/clock.h"
#include "engine/status.h"
#include "lib/owner_client.h"
#include "lib/runpath.h"
#include "lib/usock.h"

#define SERVE_WRITE_TIMEOUT_MS 200u

/* The status thread: each client gets the latest JSON, then EOF.  Nothing
 * is read from clients: there is nothing to parse. */
static void *serve(void *arg)
{
    struct cvg_status *st = arg;
    struct pollfd pfd[2] = {
        { .fd = st->listen_fd, .events = POLLIN },
        { .fd = st->wake[0], .events = POLLIN },
    };
    char json[CVG_STATUS_JSON_MAX];
    size_t len;

    for (;;) {
        int fd;

        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pfd[1].revents)
            break;
        fd = accept4(st->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            continue;
        if (cvg_usock_peer_ok(fd, NULL)) {
            pthread_mutex_lock(&st->lock);
            len = st->json_len;
            memcpy(json, st->json, len);
            pthread_mutex_unlock(&st->lock);
            cvg_usock_write(fd, json, len, cvg_mono_ms() + SERVE_WRITE_TIMEOUT_MS, NULL);
        }
        close(fd);
    }
    return NULL;
}

static void start_server(struct cvg_status *st)
{
    const char *sim = getenv("XENCONVERGE_SIM");
    sigset_t all, old;
    int fd;

    if (cvg_run_mkdir(sim, NULL) ||
        cvg_run_path(st->sock_path, sizeof(st->sock_path), sim, "migrate", st->domid, ".sock",
                     NULL))
        return;
    fd = cvg_usock_listen(st->sock_path, NULL);
    if (fd < 0)
        return;
    if (pipe2(st->wake, O_CLOEXEC)) {
        close(fd);
        unlink(st->sock_path);
        return;
    }
    st->listen_fd = fd;
    pthread_mutex_init(&st->lock, NULL);
    /* Signals (libxl's SIGTERM) are the engine thread's business. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    st->serving = !pthread_create(&st->thread, NULL, serve, st);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!st->serving) {
        close(fd);
        close(st->wake[0]);
        close(st->wake[1]);
        unlink(st->sock_path);
        pthread_mutex_destroy(&st->lock);
    }
}

static void set_json(struct cvg_status *st, const char *json, size_t len)
{
    if (!st->serving || len >= sizeof(st->json))
        return;
    pthread_mutex_lock(&st->lock);
    memcpy(st->json, json, len);
    st->json_len = len;
    pthread_mutex_unlock(&st->lock);
}

void cvg_status_init(struct cvg_status *st, uint32_t domid, uint32_t downtime_limit_ms)
{
    const char *dir = getenv(CVG_STATUS_ENV);
    struct cvg_err err = { 0 };
    char json[256];
    int n;

    st->enabled = false;
    st->serving = false;
    st->last_ms = 0;
    st->downtime_limit_ms = downtime_limit_ms;
    st->domid = domid;
    st->listen_fd = st->wake[0] = st->wake[1] = -1;
    st->json_len = 0;
    st->handover_error[0] = '\0';

    /* Serving first: a dirty-limit owner starting from now on sees the
     * migration and stays away; then the one that may be there leaves. */
    start_server(st);
    n = snprintf(json, sizeof(json), "{\"domid\": %u, \"pid\": %d, \"phase\": \"setup\", "
                 "\"downtime_limit_ms\": %u}\n", domid, (int)getpid(), downtime_limit_ms);
    set_json(st, json, (size_t)n);
    if (cvg_owner_handover(getenv("XENCONVERGE_SIM"), domid, getpid(),
                           CVG_OWNER_HANDOVER_TIMEOUT_MS, &err))
        snprintf(st->handover_error, sizeof(st->handover_error), "%s", err.msg);

    if (!dir || !*dir)
        dir = CVG_STATUS_DEFAULT_DIR;
    if (mkdir(dir, 0755) && errno != EEXIST)
        return;
    snprintf(st->path, sizeof(st->path), "%s/migrate-%u.json", dir, domid);
    st->enabled = true;
}

int64_t cvg_status_eta_ms(const struct cvg_mig_stats *s, uint32_t downtime_limit_ms)
{
    double bw = (double)s->bandwidth_bps;
    double dirty_bps = (double)s->dirty_rate_pps * CVG_MIG_PAGE_SIZE;
    double remaining = (double)s->dirty_pages * CVG_MIG_PAGE_SIZE;
    double target = bw * downtime_limit_ms / 1000.0;

    if (s->pass == 0) {
        /* First pass: what is left of it, then the dirty set it leaves. */
        remaining = (double)(s->pass_pages_total - s->pass_pages_sent) * CVG_MIG_PAGE_SIZE;
        target = 0;
    }
    if (bw <= 0)
        return -1;
    if (remaining <= target)
        return 0;
    if (s->pass > 0 && dirty_bps >= bw)
        return -1;
    /* Each pass shrinks the set by the ratio of dirtying to sending. */
    return (int64_t)((remaining - target) / (bw - (s->pass ? dirty_bps : 0)) * 1000.0);
}

void cvg_status_publish(struct cvg_status *st, const struct cvg_mig_stats *s,
                        const char *phase, bool force)
{
    char tmp[4200], json[CVG_STATUS_JSON_MAX];
    uint64_t now = cvg_now_ms();
    uint64_t dt_ms = s->bandwidth_bps ?
        s->dirty_pages * CVG_MIG_PAGE_SIZE * 1000 / s->bandwidth_bps : 0;
    FILE *f;
    int n;

    if ((!st->enabled && !st->serving) ||
        (!force && now - st->last_ms < CVG_STATUS_MIN_INTERVAL_MS))
        return;
    st->last_ms = now;
    n = snprintf(json, sizeof(json), "{\"domid\": %u, \"pid\": %d, "
                 "\"phase\": \"%s\", \"elapsed_ms\": %" PRIu64 ", \"pass\": %u, "
                 "\"memory_bytes\": %" PRIu64 ", \"bytes_sent\": %" PRIu64 ", "
                 "\"pass_pages_sent\": %" PRIu64 ", \"pass_pages_total\": %" PRIu64 ", "
                 "\"remaining_bytes\": %" PRIu64 ", \"dirty_rate_bps\": %" PRIu64 ", "
                 "\"bandwidth_bps\": %" PRIu64 ", \"throttle_pct\": %u, "
                 "\"expected_downtime_ms\": %" PRIu64 ", \"downtime_limit_ms\": %u, "
                 "\"eta_ms\": %" PRId64 "}\n",
                 st->domid, (int)getpid(), phase, s->now_ms, s->pass, s->memory_bytes,
                 s->bytes_sent, s->pass_pages_sent, s->pass_pages_total,
                 s->dirty_pages * CVG_MIG_PAGE_SIZE, s->dirty_rate_pps * CVG_MIG_PAGE_SIZE,
                 s->bandwidth_bps, s->throttle_pct, dt_ms, st->downtime_limit_ms,
                 cvg_status_eta_ms(s, st->downtime_limit_ms));
    if (n < 0 || (size_t)n >= sizeof(json))
        return;
    set_json(st, json, (size_t)n);
    if (!st->enabled)
        return;
    snprintf(tmp, sizeof(tmp), "%s.tmp", st->path);
    f = fopen(tmp, "w");
    if (!f)
        return;
    fputs(json, f);
    if (fclose(f) == 0)
        rename(tmp, st->path);
    else
        unlink(tmp);
}

void cvg_status_remove(struct cvg_status *st)
{
    if (st->serving) {
        if (write(st->wake[1], "x", 1) != 1) {
            /* The pipe cannot be full: one byte, once. */
        }
        pthread_join(st->thread, NULL);
        close(st->listen_fd);
        close(st->wake[0]);
        close(st->wake[1]);
        unlink(st->sock_path);
        pthread_mutex_destroy(&st->lock);
        st->serving = false;
    }
    if (st->enabled)
        unlink(st->path);
    st->enabled = false;
}
