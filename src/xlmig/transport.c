/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/clock.h"
#include "xlmig/transport.h"

int cvg_xlmig_rune(const struct cvg_xlmig_rune_opts *o, char **rune, struct cvg_err *err)
{
    const char *ssh = o->ssh ? o->ssh : "ssh";
    int n;

    *rune = NULL;
    if (!o->host || !*o->host)
        return cvg_fail(err, -EINVAL, "no host (with -s \"\", the host is the "
                        "command to run)");
    if (!*ssh)
        n = asprintf(rune, "%s", o->host);
    else
        n = asprintf(rune, "exec %s %s xl%s migrate-receive%s%s%s", ssh, o->host,
                     o->tty ? " -t" : "", o->no_daemon ? " -e" : "",
                     o->debug ? " -d" : "", o->paused ? " -p" : "");
    if (n < 0) {
        *rune = NULL;
        return cvg_fail(err, -ENOMEM, "out of memory");
    }
    return 0;
}

int cvg_xlmig_transport_start(struct cvg_xlmig_transport *t, const char *rune,
                            struct cvg_err *err)
{
    int to[2] = { -1, -1 }, from[2] = { -1, -1 }, e;
    pid_t pid;

    t->pid = -1;
    t->send_fd = t->recv_fd = -1;
    if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC)) {
        e = errno;
        goto fail;
    }
    pid = fork();
    if (pid < 0) {
        e = errno;
        goto fail;
    }
    if (pid == 0) {
        /* dup2 clears close-on-exec on the copies the shell gets. */
        if (dup2(to[0], STDIN_FILENO) < 0 || dup2(from[1], STDOUT_FILENO) < 0)
            _exit(127);
        signal(SIGPIPE, SIG_DFL);
        execlp("sh", "sh", "-c", rune, (char *)NULL);
        fprintf(stderr, "failed to exec sh: %s\n", strerror(errno));
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    t->pid = pid;
    t->send_fd = to[1];
    t->recv_fd = from[0];
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        if (to[i] >= 0)
            close(to[i]);
        if (from[i] >= 0)
            close(from[i]);
    }
    return cvg_fail(err, -e, "starting the migration transport: %s", strerror(e));
}

void cvg_xlmig_transport_finish(struct cvg_xlmig_transport *t, unsigned wait_ms,
                              int *status)
{
    uint64_t deadline = cvg_now_ns() + (uint64_t)wait_ms * 1000000ull;
    int st = -1;

    if (t->send_fd >= 0)
        close(t->send_fd);
    t->send_fd = -1;
    while (t->pid > 0) {
        pid_t r = waitpid(t->pid, &st, WNOHANG);
        struct timespec ts = { 0, 1000000 };

        if (r == t->pid) {
            t->pid = -1;
            break;
        }
        if ((r < 0 && errno != EINTR) || cvg_now_ns() >= deadline) {
            st = -1;
            break;
        }
        nanosleep(&ts, NULL);
    }
    if (t->recv_fd >= 0)
        close(t->recv_fd);
    t->recv_fd = -1;
    *status = st;
}
