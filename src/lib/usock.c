/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/usock.h"

uint64_t cvg_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int set_addr(struct sockaddr_un *a, const char *path, struct cvg_err *err)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(a->sun_path))
        return cvg_fail(err, -ENAMETOOLONG, "socket path %s is longer than %zu bytes", path,
                        sizeof(a->sun_path) - 1);
    strcpy(a->sun_path, path);
    return 0;
}

int cvg_usock_listen(const char *path, struct cvg_err *err)
{
    struct sockaddr_un a;
    mode_t old;
    int fd, rc = set_addr(&a, path, err);

    if (rc)
        return rc;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return cvg_fail(err, -errno, "socket(AF_UNIX): %s", strerror(errno));
    /* The caller holds whatever proves it is the only one here (a lock, the
     * domain's migration): a socket left by a killed predecessor goes. */
    unlink(path);
    old = umask(0177);
    rc = bind(fd, (struct sockaddr *)&a, sizeof(a));
    umask(old);
    if (rc || listen(fd, 16)) {
        rc = cvg_fail(err, -errno, "cannot listen on %s: %s", path, strerror(errno));
        close(fd);
        return rc;
    }
    return fd;
}

int cvg_usock_connect(const char *path, struct cvg_err *err)
{
    struct sockaddr_un a;
    int fd, rc = set_addr(&a, path, err);

    if (rc)
        return rc;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return cvg_fail(err, -errno, "socket(AF_UNIX): %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
        rc = -errno;
        close(fd);
        if (rc == -ENOENT || rc == -ECONNREFUSED)
            return rc;
        return cvg_fail(err, rc, "cannot connect to %s: %s", path, strerror(-rc));
    }
    return fd;
}

bool cvg_usock_peer_ok(int fd, int32_t *pid)
{
    struct ucred cr;
    socklen_t len = sizeof(cr);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) || len != sizeof(cr))
        return false;
    if (pid)
        *pid = cr.pid;
    return cr.uid == 0 || cr.uid == geteuid();
}

static int wait_fd(int fd, short ev, uint64_t deadline_ms, struct cvg_err *err)
{
    for (;;) {
        struct pollfd p = { .fd = fd, .events = ev };
        uint64_t now = cvg_mono_ms();
        int n;

        if (now >= deadline_ms)
            return cvg_fail(err, -ETIMEDOUT, "no answer in time");
        n = poll(&p, 1, (int)(deadline_ms - now > 60000 ? 60000 : deadline_ms - now));
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return cvg_fail(err, -errno, "poll: %s", strerror(errno));
    }
}

int cvg_usock_read(int fd, void *buf, size_t len, uint64_t deadline_ms, struct cvg_err *err)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t n = recv(fd, p, len, MSG_DONTWAIT);
        int rc;

        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n == 0)
            return cvg_fail(err, -EPIPE, "the peer closed the connection");
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return cvg_fail(err, -errno, "recv: %s", strerror(errno));
        if ((rc = wait_fd(fd, POLLIN, deadline_ms, err)))
            return rc;
    }
    return 0;
}

int cvg_usock_write(int fd, const void *buf, size_t len, uint64_t deadline_ms,
                    struct cvg_err *err)
{
    const uint8_t *p = buf;

    while (len) {
        ssize_t n = send(fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        int rc;

        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            return cvg_fail(err, -errno, "send: %s", strerror(errno));
        if ((rc = wait_fd(fd, POLLOUT, deadline_ms, err)))
            return rc;
    }
    return 0;
}
