/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/owner_client.h"
#include "lib/runpath.h"
#include "lib/usock.h"

/* Only async-signal-safe calls between fork and exec. */
static void child(int ready_w, int log_fd, int null_fd, const char *path, char *const argv[])
{
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    sigset_t none;
    int w, l, nl;

    setsid();
    switch (fork()) {
    case -1:
        _exit(1);
    case 0:
        break;
    default:
        _exit(0);               /* the owner is reparented: no zombie for our caller */
    }
    w = fcntl(ready_w, F_DUPFD_CLOEXEC, 10);
    l = fcntl(log_fd, F_DUPFD_CLOEXEC, 10);
    nl = fcntl(null_fd, F_DUPFD_CLOEXEC, 10);
    if (w < 0 || l < 0 || nl < 0 || dup2(nl, 0) < 0 || dup2(nl, 1) < 0 || dup2(l, 2) < 0 ||
        dup2(w, 3) < 0)
        _exit(127);
    syscall(SYS_close_range, 4u, ~0u, 0u);
    /* Whatever the caller blocked or ignored is not the owner's business:
     * it waits for its guardian (SIGCHLD) and ends on SIGTERM. */
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(path, argv);
    _exit(127);
}

int cvg_owner_spawn(const char *path, const char *sim_socket, uint32_t domid, pid_t *pid,
                    struct cvg_err *err)
{
    char dom[16], logpath[CVG_RUN_PATH_MAX], line[CVG_ERR_MSG_MAX + 32];
    char *argv[] = { (char *)path, "--domain", dom, "--ready-fd", "3",
                     sim_socket ? "--sim" : NULL, (char *)sim_socket, NULL };
    int p[2] = { -1, -1 }, log_fd = -1, null_fd = -1, rc, status;
    uint64_t deadline = cvg_mono_ms() + CVG_OWNER_START_TIMEOUT_MS;
    size_t have = 0;
    pid_t c;
    long v;
    char *end;

    if (pid)
        *pid = 0;
    snprintf(dom, sizeof(dom), "%u", domid);
    if (access(path, X_OK))
        return cvg_fail(err, -errno, "cannot run the dirty-limit owner %s: %s (set "
                        "LIBXENCONVERGE_LIMITD to its path)", path, strerror(errno));
    if ((rc = cvg_run_mkdir(sim_socket, err)) ||
        (rc = cvg_run_path(logpath, sizeof(logpath), sim_socket, "dirty-limit", domid, ".log",
                           err)))
        return rc;
    log_fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (log_fd < 0 || null_fd < 0 || pipe2(p, O_CLOEXEC)) {
        rc = cvg_fail(err, -errno, "starting the dirty-limit owner: %s: %s",
                      log_fd < 0 ? logpath : "pipe", strerror(errno));
        goto out;
    }
    c = fork();
    if (c < 0) {
        rc = cvg_fail(err, -errno, "fork: %s", strerror(errno));
        goto out;
    }
    if (c == 0)
        child(p[1], log_fd, null_fd, path, argv);
    close(p[1]);
    p[1] = -1;
    while (waitpid(c, &status, 0) < 0 && errno == EINTR)
        ;
    /* One line: "0 PID" or "-ERRNO why", then end of file. */
    while (have < sizeof(line) - 1 && !memchr(line, '\n', have)) {
        struct pollfd pf = { .fd = p[0], .events = POLLIN };
        uint64_t now = cvg_mono_ms();
        ssize_t n;

        if (now >= deadline) {
            rc = cvg_fail(err, -ETIMEDOUT, "the dirty-limit owner of domain %u did not start "
                          "within %u ms (log: %s)", domid, CVG_OWNER_START_TIMEOUT_MS,
                          logpath);
            goto out;
        }
        if (poll(&pf, 1, (int)(deadline - now)) < 0 && errno != EINTR) {
            rc = cvg_fail(err, -errno, "poll: %s", strerror(errno));
            goto out;
        }
        n = read(p[0], line + have, sizeof(line) - 1 - have);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            rc = cvg_fail(err, -errno, "reading the owner's start: %s", strerror(errno));
            goto out;
        }
        have += (size_t)n;
    }
    line[have] = '\0';
    line[strcspn(line, "\n")] = '\0';
    errno = 0;
    v = strtol(line, &end, 10);
    if (!have || errno || end == line || (*end && *end != ' ') || v > 0 || v < -4095) {
        rc = cvg_fail(err, -EIO, "the dirty-limit owner %s of domain %u ended at start "
                      "without saying why (log: %s)", path, domid, logpath);
        goto out;
    }
    if (v < 0) {
        rc = (int)v;
        if (rc != -EEXIST)
            cvg_fail(err, rc, "%s", *end ? end + 1 : strerror(-rc));
        goto out;
    }
    if (pid)
        *pid = (pid_t)strtol(end, NULL, 10);
    rc = 0;
out:
    if (p[0] >= 0)
        close(p[0]);
    if (p[1] >= 0)
        close(p[1]);
    if (log_fd >= 0)
        close(log_fd);
    if (null_fd >= 0)
        close(null_fd);
    return rc;
}

int cvg_owner_connect(const char *sim_socket, uint32_t domid, const char *limitd_path,
                      int *fd, struct cvg_err *err)
{
    char path[CVG_RUN_PATH_MAX];
    int rc = cvg_run_path(path, sizeof(path), sim_socket, "dirty-limit", domid, ".sock", err);

    *fd = -1;
    if (rc)
        return rc;
    rc = cvg_usock_connect(path, err);
    if (rc >= 0 || (rc != -ENOENT && rc != -ECONNREFUSED))
        goto done;
    if (!limitd_path)
        return -ENOENT;
    rc = cvg_owner_spawn(limitd_path, sim_socket, domid, NULL, err);
    if (rc && rc != -EEXIST)
        return rc;
    rc = cvg_usock_connect(path, err);
    if (rc == -ENOENT || rc == -ECONNREFUSED)
        rc = cvg_fail(err, rc, "the dirty-limit owner of domain %u started but does not "
                      "answer on %s", domid, path);
done:
    if (rc < 0)
        return rc;
    *fd = rc;
    return 0;
}

int cvg_owner_call(int fd, const struct cvg_own_req *q, struct cvg_own_reply *r,
                   uint32_t timeout_ms, struct cvg_err *err)
{
    uint8_t req[CVG_OWN_REQ_HDR + CVG_OWN_REQ_BODY_MAX];
    uint8_t buf[CVG_OWN_REPLY_HDR + CVG_OWN_REPLY_BODY_MAX];
    uint64_t deadline = cvg_mono_ms() + timeout_ms;
    uint16_t op;
    int32_t status;
    uint32_t len;
    int n = cvg_own_req_encode(q, req, sizeof(req), err), rc;

    if (n < 0)
        return n;
    if ((rc = cvg_usock_write(fd, req, (size_t)n, deadline, err)) ||
        (rc = cvg_usock_read(fd, buf, CVG_OWN_REPLY_HDR, deadline, err)) ||
        (rc = cvg_own_reply_header(buf, &op, &status, &len, err)) ||
        (rc = cvg_usock_read(fd, buf + CVG_OWN_REPLY_HDR, len, deadline, err)) ||
        (rc = cvg_own_reply_decode(buf, CVG_OWN_REPLY_HDR + len, r, err)))
        goto fail;
    if (r->op != q->op && r->status >= 0) {
        rc = cvg_fail(err, -EPROTO, "asked %s, the owner answered %s", cvg_own_op_name(q->op),
                      cvg_own_op_name(r->op));
        goto fail;
    }
    return 0;
fail:
    if (rc == -ECONNRESET)
        rc = -EPIPE;
    return rc;
}

/* Someone holds domid's owner lock: an owner lives (perhaps not listening
 * yet, or on its way out). */
static bool lock_held(const char *lock_path)
{
    int fd = open(lock_path, O_RDONLY | O_CLOEXEC);
    bool held;

    if (fd < 0)
        return false;
    held = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK;
    close(fd);
    return held;
}

int cvg_owner_handover(const char *sim_socket, uint32_t domid, pid_t pid,
                       uint32_t timeout_ms, struct cvg_err *err)
{
    struct cvg_own_req q = { .op = CVG_OWN_HANDOVER, .pid = (uint32_t)pid };
    struct cvg_own_reply *r = NULL;
    char sock[CVG_RUN_PATH_MAX], lock[CVG_RUN_PATH_MAX];
    uint64_t deadline = cvg_mono_ms() + timeout_ms;
    int rc, fd = -1;

    if ((rc = cvg_run_path(sock, sizeof(sock), sim_socket, "dirty-limit", domid, ".sock",
                           err)) ||
        (rc = cvg_run_path(lock, sizeof(lock), sim_socket, "dirty-limit", domid, ".lock",
                           err)))
        return rc;
    for (;;) {
        fd = cvg_usock_connect(sock, err);
        if (fd >= 0)
            break;
        if ((fd != -ENOENT && fd != -ECONNREFUSED) || !lock_held(lock))
            return fd == -ENOENT || fd == -ECONNREFUSED ? 0 : fd;
        if (cvg_mono_ms() >= deadline)
            return cvg_fail(err, -ETIMEDOUT, "domain %u's dirty-limit owner holds its lock "
                            "but does not answer on %s", domid, sock);
        nanosleep(&(struct timespec){ 0, 10 * 1000000L }, NULL);
    }
    r = calloc(1, sizeof(*r));
    if (!r) {
        rc = cvg_fail(err, -ENOMEM, "out of memory");
        goto out;
    }
    rc = cvg_owner_call(fd, &q, r, timeout_ms, err);
    if (rc == -EPIPE) {
        /* It ended before answering: an owner's end puts everything back. */
        cvg_err_clear(err);
        rc = 0;
    } else if (!rc && r->status < 0) {
        rc = cvg_fail(err, r->status, "domain %u's dirty-limit owner refused the hand-over: "
                      "%s", domid, r->text);
    }
out:
    free(r);
    close(fd);
    return rc;
}
