/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver/driver.h"

/* Runs in the child: what libxl__exec does for the helper. */
static void child_exec(const char *helper, char *const argv[], char *const envp[],
                       int in_rd, int out_wr, const int *keep, int nkeep)
{
    if (dup2(in_rd, STDIN_FILENO) < 0 || dup2(out_wr, STDOUT_FILENO) < 0)
        _exit(127);
    for (int i = 0; i < nkeep; i++) {
        int fl;

        if (keep[i] < 0)
            continue;
        fl = fcntl(keep[i], F_GETFD);
        if (fl >= 0)
            fcntl(keep[i], F_SETFD, fl & ~FD_CLOEXEC);
    }
    signal(SIGPIPE, SIG_DFL);
    if (envp)
        execve(helper, argv, envp);
    else
        execvp(helper, argv);
    fprintf(stderr, "driver: cannot execute %s: %s\n", helper, strerror(errno));
    _exit(127);
}

static int spawn(const char *helper, char *const argv[], char *const envp[],
                 const int *keep, int nkeep, enum cvg_ipc_role role, unsigned cbflags,
                 struct cvg_helper_proc *p, struct cvg_err *err)
{
    int in[2] = { -1, -1 }, out[2] = { -1, -1 };
    pid_t pid;

    for (int i = 0; i < nkeep; i++)
        if (keep[i] >= 0 && keep[i] <= 2)
            return cvg_fail(err, -EINVAL, "fd %d would clash with the helper's stdio "
                            "(libxl dup()s such fds first)", keep[i]);
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
        int e = errno;

        if (in[0] >= 0) {
            close(in[0]);
            close(in[1]);
        }
        return cvg_fail(err, -e, "pipe: %s", strerror(e));
    }
    pid = fork();
    if (pid < 0) {
        int e = errno;

        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        return cvg_fail(err, -e, "fork: %s", strerror(e));
    }
    if (pid == 0)
        child_exec(helper, argv, envp, in[0], out[1], keep, nkeep);
    close(in[0]);
    close(out[1]);
    p->pid = pid;
    p->role = role;
    p->cbflags = cbflags;
    p->to_helper = in[1];
    p->from_helper = out[0];
    return 0;
}

int cvg_driver_spawn_save(const char *helper, int io_fd, int recv_fd, uint32_t domid,
                          unsigned xcflags, unsigned cbflags, unsigned stream_type,
                          char *const envp[], struct cvg_helper_proc *p,
                          struct cvg_err *err)
{
    char a[6][16];
    char *argv[9];
    const int keep[2] = { io_fd, recv_fd };

    snprintf(a[0], sizeof(a[0]), "%d", io_fd);
    snprintf(a[1], sizeof(a[1]), "%d", recv_fd);
    snprintf(a[2], sizeof(a[2]), "%u", domid);
    snprintf(a[3], sizeof(a[3]), "%u", xcflags);
    snprintf(a[4], sizeof(a[4]), "%u", cbflags);
    snprintf(a[5], sizeof(a[5]), "%u", stream_type);
    argv[0] = (char *)helper;
    argv[1] = (char *)"--save-domain";
    for (int i = 0; i < 6; i++)
        argv[2 + i] = a[i];
    argv[8] = NULL;
    return spawn(helper, argv, envp, keep, 2, CVG_IPC_SAVE, cbflags, p, err);
}

int cvg_driver_spawn_restore(const char *helper, int io_fd, int send_back_fd,
                             uint32_t domid, uint32_t store_evtchn,
                             uint32_t store_domid, uint32_t console_evtchn,
                             uint32_t console_domid, unsigned cbflags,
                             unsigned stream_type, char *const envp[],
                             struct cvg_helper_proc *p, struct cvg_err *err)
{
    char a[9][16];
    char *argv[12];
    const int keep[2] = { io_fd, send_back_fd };

    snprintf(a[0], sizeof(a[0]), "%d", io_fd);
    snprintf(a[1], sizeof(a[1]), "%d", send_back_fd);
    snprintf(a[2], sizeof(a[2]), "%u", domid);
    snprintf(a[3], sizeof(a[3]), "%u", store_evtchn);
    snprintf(a[4], sizeof(a[4]), "%u", store_domid);
    snprintf(a[5], sizeof(a[5]), "%u", console_evtchn);
    snprintf(a[6], sizeof(a[6]), "%u", console_domid);
    snprintf(a[7], sizeof(a[7]), "%u", cbflags);
    snprintf(a[8], sizeof(a[8]), "%u", stream_type);
    argv[0] = (char *)helper;
    argv[1] = (char *)"--restore-domain";
    for (int i = 0; i < 9; i++)
        argv[2 + i] = a[i];
    argv[11] = NULL;
    return spawn(helper, argv, envp, keep, 2, CVG_IPC_RESTORE, cbflags, p, err);
}

/*
 * A helper killed while its callback was being answered leaves a pipe
 * without a reader; the reply must then fail with EPIPE, not kill the
 * process that embeds the driver (libvirtd through libxenconverge, a
 * test harness), whatever it did with SIGPIPE.  The signal is held back
 * for this thread while writing and one our write raised is taken back
 * before the mask is restored.
 */
static int reply_nosigpipe(struct cvg_ipc_libxl *l, int value, struct cvg_err *err)
{
    static const struct timespec now = { 0, 0 };
    sigset_t pipe_set, old, pending;
    bool was_pending;
    int rc;

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
    rc = cvg_ipc_libxl_reply(l, value, err);
    if (rc == -EPIPE && !was_pending)
        while (sigtimedwait(&pipe_set, NULL, &now) < 0 && errno == EINTR)
            ;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static int answer(const struct cvg_driver_cbs *cbs, const struct cvg_ipc_msg *m)
{
    switch (m->num) {
    case CVG_IPC_SUSPEND:
        return cbs->suspend ? cbs->suspend(cbs->opaque) : 0;
    case CVG_IPC_SWITCH_QEMU_LOGDIRTY:
        return cbs->qemu_logdirty ?
               cbs->qemu_logdirty(cbs->opaque, m->u.logdirty.domid, m->u.logdirty.enable) : 0;
    case CVG_IPC_STATIC_DATA_DONE:
        return cbs->static_data_done ?
               cbs->static_data_done(cbs->opaque, m->u.sdd.missing) : 0;
    case CVG_IPC_COMPLETE:
        return 0;           /* libxl always answers 0 */
    default:
        return 0;           /* postcopy/checkpoint: not in a plain stream */
    }
}

int cvg_driver_run(struct cvg_helper_proc *p, const struct cvg_driver_cbs *cbs,
                   struct cvg_driver_result *res, struct cvg_err *err)
{
    struct cvg_ipc_libxl *l = malloc(sizeof(*l));
    struct cvg_src in;
    struct cvg_sink out;
    struct cvg_ipc_msg m;
    struct cvg_err perr = { 0 };
    int rc = 0, status = 0;

    memset(res, 0, sizeof(*res));
    if (!l) {
        cvg_driver_kill(p);
        rc = cvg_fail(err, -ENOMEM, "out of memory");
        goto reap;
    }
    cvg_src_init_fd(&in, p->from_helper);
    cvg_sink_init_fd(&out, p->to_helper);
    rc = cvg_ipc_libxl_init(l, p->role, p->cbflags, &in, &out, &perr);
    while (!rc) {
        const struct cvg_ipc_msginfo *info;

        rc = cvg_ipc_libxl_next(l, &m, &perr);
        if (rc)
            break;
        res->nr_msgs++;
        info = cvg_ipc_msginfo(m.num);
        if (m.num == CVG_IPC_LOG && cbs->log)
            cbs->log(cbs->opaque, &m);
        else if (m.num == CVG_IPC_PROGRESS && cbs->progress)
            cbs->progress(cbs->opaque, &m);
        if (info && info->reply)
            rc = reply_nosigpipe(l, answer(cbs, &m), &perr);
        if (!rc && m.num == CVG_IPC_COMPLETE && cbs->complete)
            cbs->complete(cbs->opaque, m.u.complete.retval, m.u.complete.errnoval);
    }
    if (rc > 0)
        rc = 0;             /* the helper closed its stdout */
    if (rc) {
        /* libxl's helper_failed: a helper speaking nonsense is killed. */
        snprintf(res->why, sizeof(res->why), "bad message from the helper: %s", perr.msg);
        cvg_driver_kill(p);
    }
    res->completed = l->completed;
    res->retval = l->retval;
    res->errnoval = l->errnoval;
    res->have_results = l->have_results;
    res->store_gfn = l->store_gfn;
    res->console_gfn = l->console_gfn;
reap:
    close(p->to_helper);
    close(p->from_helper);
    p->to_helper = p->from_helper = -1;
    while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
        ;
    res->exit_status = status;
    if (!res->why[0]) {
        if (!WIFEXITED(status) || WEXITSTATUS(status))
            snprintf(res->why, sizeof(res->why), "helper %s %d",
                     WIFSIGNALED(status) ? "died of signal" : "exited with status",
                     WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        else if (!res->completed)
            snprintf(res->why, sizeof(res->why), "helper exited without signaling completion");
        else if (p->role == CVG_IPC_RESTORE && !res->have_results)
            snprintf(res->why, sizeof(res->why), "helper exited without providing results");
        else if (res->retval)
            snprintf(res->why, sizeof(res->why), "helper reported failure (errno %d: %s)",
                     res->errnoval, strerror(res->errnoval));
    }
    res->ok = !res->why[0];
    free(l);
    return rc ? cvg_fail(err, rc, "%s", res->why) : 0;
}

void cvg_driver_stop(struct cvg_helper_proc *p)
{
    if (p->pid > 0)
        kill(p->pid, SIGTERM);
}

void cvg_driver_kill(struct cvg_helper_proc *p)
{
    if (p->pid > 0)
        kill(p->pid, SIGKILL);
}
