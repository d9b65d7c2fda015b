/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The owner's set-up, lock, loop and end (owner.h, owner_priv.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/owner_priv.h"
#include "lib/usock.h"

static void guardian_log(void *opaque, enum cvg_guard_level level, const char *text)
{
    const struct cvg_owner_cfg *cfg = opaque;
    char line[600];

    if (!cfg->log)
        return;
    snprintf(line, sizeof(line), "[guardian] %s", text);
    cfg->log(cfg->opaque, (int)level, line);
}

void cvg_owner_log(struct owner *o, int level, const char *fmt, ...)
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

uint32_t cvg_owner_nr_limits(const struct owner *o)
{
    uint32_t n = 0;

    for (uint32_t v = 0; v < o->nr; v++)
        n += o->limit[v] != 0;
    return n;
}

uint32_t cvg_owner_nr_sessions(const struct owner *o, bool *probe)
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

uint32_t cvg_owner_nr_clients(const struct owner *o)
{
    uint32_t n = 0;

    for (uint32_t i = 0; i < CVG_OWNER_CLIENTS; i++)
        n += o->cl[i].fd >= 0;
    return n;
}

/* A migration of the domain runs here: its status server answers. */

bool cvg_owner_migration_running(struct owner *o)
{
    int fd = cvg_usock_connect(o->mig_path, NULL);

    if (fd < 0)
        return false;
    close(fd);
    return true;
}

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
        cvg_owner_log(o, CVG_OWNER_LOG_INFO, "domain %u is %s after its migration: the owner ends",
                      o->domid, rc ? "gone" : "shut down");
        o->done = true;
        return;
    }
    if (!cvg_owner_nr_limits(o)) {
        o->idle_since_ms = cvg_mono_ms();
        return;
    }
    rc = cvg_owner_start_windows(o, &err);
    if (rc) {
        cvg_owner_log(o, CVG_OWNER_LOG_ERROR, "domain %u: the migration ended but its limits "
                      "cannot come back: %s", o->domid, err.msg);
        o->done = true;
        o->status = 1;
        return;
    }
    cvg_owner_log(o, CVG_OWNER_LOG_INFO, "domain %u: the migration ended here; %u limit(s) back",
                  o->domid, cvg_owner_nr_limits(o));
}

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
    o->nr = di.max_vcpu_id + 1 > CVG_DLC_MAX_VCPUS ? CVG_DLC_MAX_VCPUS : di.max_vcpu_id + 1;
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
    if (cvg_owner_migration_running(o))
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

    return !o->dormant && !cvg_owner_nr_limits(o) && !cvg_owner_nr_sessions(o, &probe);
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
        if (o->active && idle(o) && cvg_owner_stop_windows(o, &err))
            cvg_owner_log(o, CVG_OWNER_LOG_ERROR, "domain %u: %s", o->domid, err.msg);
        if (idle(o) && !cvg_owner_nr_clients(o) && now >= o->idle_since_ms + o->cfg->linger_ms)
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
            cvg_owner_log(o, CVG_OWNER_LOG_ERROR, "poll: %s", strerror(errno));
            o->status = 1;
            break;
        }
        for (nfds_t i = 1; rc > 0 && i < n; i++) {
            if (!pfd[i].revents || who[i]->fd < 0)
                continue;
            if (who[i]->pending)
                cvg_owner_drop_client(o, who[i]);
            else
                cvg_owner_read_client(o, who[i]);
        }
        if (rc > 0 && pfd[0].revents)
            cvg_owner_accept_clients(o);

        now = cvg_mono_ms();
        if (o->dormant && now >= o->next_mig_check_ms) {
            o->next_mig_check_ms = now + CVG_OWNER_MIG_POLL_MS;
            if (mig_ended(o))
                after_migration(o);
        }
        if (o->active && now >= o->next_tick_ms && (rc = cvg_owner_tick(o, &err))) {
            cvg_owner_log(o, CVG_OWNER_LOG_ERROR, "domain %u: %s: the owner ends", o->domid,
                          err.msg);
            cvg_owner_fail_sessions(o, rc, err.msg);
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
        cvg_owner_log(o, CVG_OWNER_LOG_ERROR, "domain %u: %s", c.domid, err.msg);
        o->status = rc == -EEXIST || rc == -EBUSY ? 3 : 1;
        goto out;
    }
    cvg_owner_log(o, CVG_OWNER_LOG_INFO, "domain %u: dirty-limit owner ready (pid %d, guardian %d, "
                  "lever %s, %u vCPUs)", c.domid, (int)getpid(), (int)cvg_guard_pid(o->guard),
                  cvg_lever_name(o->lv.lever), o->nr);
    o->idle_since_ms = cvg_mono_ms();
    loop(o);
    if (*c.stop)
        cvg_owner_log(o, CVG_OWNER_LOG_INFO, "domain %u: stopped by a signal", c.domid);

out:
    err = (struct cvg_err){ 0 };
    if (o->active && cvg_owner_stop_windows(o, &err)) {
        cvg_owner_log(o, CVG_OWNER_LOG_ERROR, "domain %u: putting it back: %s", c.domid, err.msg);
        o->status = 1;
    }
    for (uint32_t i = 0; i < CVG_OWNER_CLIENTS; i++)
        if (o->cl[i].fd >= 0) {
            if (o->cl[i].pending)
                cvg_owner_reply_status(o, &o->cl[i], CVG_OWN_MEASURE, -ESHUTDOWN,
                                       "the owner ended");
            cvg_owner_drop_client(o, &o->cl[i]);
        }
    if (o->guard) {
        err = (struct cvg_err){ 0 };
        if (cvg_guard_finish(o->guard, &failed, &err) || failed) {
            cvg_owner_log(o, CVG_OWNER_LOG_ERROR, "domain %u: the guardian could not put %u "
                          "item(s) back: %s", c.domid, failed, err.msg);
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
