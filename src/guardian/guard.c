/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The helper's end of the guardian: starting it, recording before each
 * change, releases, the hand-over and the goodbye.  The guardian's own
 * loop is in guardian.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guardian/guard.h"
#include "guardian/putback.h"

struct cvg_guard {
    int fd;
    pid_t pid;
    struct cvg_guard_ledger ledger;
    bool broken;                /* the channel failed: the guardian is gone */
    bool ended;                 /* HANDED_OVER or BYE sent */
    uint8_t in[CVG_GUARD_FRAME_MAX * 2];
    size_t in_len;
    uint64_t in_off;
};

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const struct cvg_guard_ledger *cvg_guard_ledger(const struct cvg_guard *g)
{
    return g ? &g->ledger : NULL;
}

pid_t cvg_guard_pid(const struct cvg_guard *g)
{
    return g ? g->pid : 0;
}

static int send_msg(struct cvg_guard *g, const struct cvg_guard_msg *m, struct cvg_err *err)
{
    uint8_t buf[CVG_GUARD_FRAME_MAX];
    size_t n = cvg_guard_msg_encode(m, buf), off = 0;

    if (g->broken || g->ended)
        return cvg_fail(err, -EPIPE, "domain %u: the guardian is %s: %s not recorded, so not "
                        "changed", g->ledger.domid, g->broken ? "gone" : "finished",
                        cvg_guard_msg_name(m->type));
    while (off < n) {
        ssize_t w = send(g->fd, buf + off, n - off, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EPIPE;

            g->broken = true;
            return cvg_fail(err, -e, "domain %u: the guardian (pid %d) is gone (%s): %s not "
                            "recorded, so not changed", g->ledger.domid, (int)g->pid,
                            strerror(e), cvg_guard_msg_name(m->type));
        }
        off += (size_t)w;
    }
    return 0;
}

/* Sends m and mirrors it in our ledger. */
static int record(struct cvg_guard *g, const struct cvg_guard_msg *m, struct cvg_err *err)
{
    struct cvg_guard_ledger probe;
    int rc;

    /* Check against a copy first: a message the guardian would refuse is
     * never sent. */
    memcpy(&probe, &g->ledger, sizeof(probe));
    rc = cvg_guard_ledger_apply(&probe, m, err);
    if (rc < 0)
        return rc;
    rc = send_msg(g, m, err);
    if (rc)
        return rc;
    return cvg_guard_ledger_apply(&g->ledger, m, err) < 0 ? -EINVAL : 0;
}

/* Waits up to ms for one guardian message; 1 on EOF or timeout. */
static int recv_msg(struct cvg_guard *g, struct cvg_guard_msg *m, unsigned ms,
                    struct cvg_err *err)
{
    uint64_t deadline = now_ms() + ms;

    for (;;) {
        struct pollfd pfd = { .fd = g->fd, .events = POLLIN };
        size_t used = 0;
        uint64_t t;
        ssize_t r;
        int rc = cvg_guard_msg_decode(g->in, g->in_len, g->in_off, m, &used, err);

        if (rc < 0)
            return rc;
        if (rc == 0) {
            memmove(g->in, g->in + used, g->in_len - used);
            g->in_len -= used;
            g->in_off += used;
            return 0;
        }
        t = now_ms();
        if (t >= deadline)
            return 1;
        rc = poll(&pfd, 1, (int)(deadline - t));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return 1;
        r = recv(g->fd, g->in + g->in_len, sizeof(g->in) - g->in_len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 1;
        g->in_len += (size_t)r;
    }
}

/* Reaps the guardian if it has exited, waiting at most ms. */
static bool reap(struct cvg_guard *g, unsigned ms)
{
    uint64_t deadline = now_ms() + ms;

    while (g->pid > 0) {
        pid_t r = waitpid(g->pid, NULL, WNOHANG);

        if (r == g->pid || (r < 0 && errno != EINTR)) {
            g->pid = 0;
            return true;
        }
        if (now_ms() >= deadline)
            return false;
        usleep(2000);
    }
    return true;
}

/* In the child: a process of its own that nothing of the helper's reaches. */
static void become_guardian(int sock, int pidfd, const struct cvg_guard_cfg *cfg)
{
    static const int ignored[] = { SIGINT, SIGHUP, SIGQUIT, SIGTERM, SIGPIPE, SIGTSTP,
                                   SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2 };
    struct sigaction dfl = { .sa_handler = SIG_DFL }, ign = { .sa_handler = SIG_IGN };
    sigset_t none;
    int keep, keep_pidfd = -1, null;

    setsid();
    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
        sigaction(ignored[i], &ign, NULL);
    sigaction(SIGCHLD, &dfl, NULL);
    sigaction(SIGALRM, &dfl, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    prctl(PR_SET_NAME, "cvg-guardian", 0, 0, 0);

    /* Keep only the channel, the libxl pidfd and stderr (xl's log): the
     * helper's stream and IPC descriptors must close when it dies. */
    keep = fcntl(sock, F_DUPFD, 10);
    if (pidfd >= 0)
        keep_pidfd = fcntl(pidfd, F_DUPFD, 10);
    null = open("/dev/null", O_RDWR);
    if (keep < 0 || null < 0)
        _exit(1);
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    if (dup2(keep, 3) < 0)
        _exit(1);
    if (keep_pidfd >= 0 && dup2(keep_pidfd, 4) < 0)
        _exit(1);
    syscall(SYS_close_range, keep_pidfd >= 0 ? 5u : 4u, ~0u, 0u);
    _exit(cvg_guardian_main(3, keep_pidfd >= 0 ? 4 : -1, cfg));
}

/*
 * A descriptor that becomes readable when libxl's process exits; -1 when it
 * is gone already (*gone) or cannot be watched (then kill(pid, 0) is used).
 */
static int watch_libxl(pid_t pid, bool *gone)
{
    int fd;

    *gone = false;
    if (pid <= 0)
        return -1;
    fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) {
        *gone = errno == ESRCH;
        return -1;
    }
    /* The pid was read before the pidfd existed: if libxl died in between,
     * it is no longer our parent and the pid may be someone else's. */
    if (getppid() != pid) {
        close(fd);
        *gone = true;
        return -1;
    }
    return fd;
}

int cvg_guard_start(struct cvg_guard **gp, const struct cvg_guard_cfg *cfg,
                    struct cvg_err *err)
{
    struct cvg_guard *g = calloc(1, sizeof(*g));
    struct cvg_guard_cfg child_cfg = *cfg;
    struct cvg_guard_msg m;
    int sv[2] = { -1, -1 }, pidfd = -1, rc;
    bool libxl_gone = false;

    *gp = NULL;
    if (!g)
        return cvg_fail(err, -ENOMEM, "out of memory");
    cvg_guard_ledger_init(&g->ledger, cfg->domid);
    g->fd = -1;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
        rc = cvg_fail(err, -errno, "guardian: socketpair: %s", strerror(errno));
        goto fail;
    }
    pidfd = watch_libxl(cfg->libxl_pid, &libxl_gone);
    if (libxl_gone)
        child_cfg.libxl_pid = -1;       /* gone already: see guard.h */
    g->pid = fork();
    if (g->pid < 0) {
        rc = cvg_fail(err, -errno, "guardian: fork: %s", strerror(errno));
        g->pid = 0;
        goto fail;
    }
    if (g->pid == 0) {
        /* The child's copy of the helper's handle is of no use to it. */
        close(sv[0]);
        free(g);
        become_guardian(sv[1], pidfd, &child_cfg);
    }
    close(sv[1]);
    sv[1] = -1;
    if (pidfd >= 0)
        close(pidfd);
    pidfd = -1;
    g->fd = sv[0];
    sv[0] = -1;
    rc = recv_msg(g, &m, CVG_GUARD_START_TIMEOUT_MS, err);
    if (rc == 1)
        rc = cvg_fail(err, -ETIMEDOUT, "guardian (pid %d) did not start within %u ms",
                      (int)g->pid, CVG_GUARD_START_TIMEOUT_MS);
    else if (!rc && m.type != CVG_GMSG_READY)
        rc = cvg_fail(err, -EPROTO, "guardian (pid %d) said %s before READY", (int)g->pid,
                      cvg_guard_msg_name(m.type));
    else if (!rc && m.a)
        rc = cvg_fail(err, -(int)(m.a < 4096 ? m.a : EIO), "guardian: %s", m.text);
    if (rc)
        goto fail;
    *gp = g;
    return 0;
fail:
    if (g->pid > 0) {
        kill(g->pid, SIGKILL);
        waitpid(g->pid, NULL, 0);
    }
    if (g->fd >= 0)
        close(g->fd);
    if (sv[0] >= 0)
        close(sv[0]);
    if (sv[1] >= 0)
        close(sv[1]);
    if (pidfd >= 0)
        close(pidfd);
    free(g);
    return rc;
}

int cvg_guard_save_cap(struct cvg_guard *g, struct cvg_hv *hv, struct cvg_err *err)
{
    struct cvg_guard_msg m = { .type = CVG_GMSG_CAP };
    int rc;

    if (!g || g->ledger.cap_saved)
        return 0;
    rc = hv->ops->cap_get(hv, g->ledger.domid, &m.a, err);
    return rc ? rc : record(g, &m, err);
}

int cvg_guard_save_budget(struct cvg_guard *g, struct cvg_hv *hv, uint32_t vcpu,
                          struct cvg_err *err)
{
    struct cvg_guard_msg m = { .type = CVG_GMSG_BUDGET, .vcpu = vcpu };
    int rc;

    if (!g)
        return 0;
    if (vcpu >= CVG_GUARD_MAX_VCPUS)
        return cvg_fail(err, -EINVAL, "domain %u: vcpu %u beyond the guardian's %u",
                        g->ledger.domid, vcpu, CVG_GUARD_MAX_VCPUS);
    if (g->ledger.budget_saved[vcpu])
        return 0;
    rc = hv->ops->vcpu_budget_get(hv, g->ledger.domid, vcpu, &m.a, &m.b, err);
    return rc ? rc : record(g, &m, err);
}

int cvg_guard_save_affinity(struct cvg_guard *g, struct cvg_hv *hv, uint32_t vcpu,
                            struct cvg_err *err)
{
    struct cvg_guard_msg m = { .type = CVG_GMSG_AFFINITY, .vcpu = vcpu };
    uint32_t pcpus = 0;
    int rc;

    if (!g)
        return 0;
    if (vcpu >= CVG_GUARD_MAX_VCPUS)
        return cvg_fail(err, -EINVAL, "domain %u: vcpu %u beyond the guardian's %u",
                        g->ledger.domid, vcpu, CVG_GUARD_MAX_VCPUS);
    if (g->ledger.affinity_saved[vcpu])
        return 0;
    rc = hv->ops->nr_pcpus(hv, &pcpus, err);
    if (rc)
        return rc;
    m.nwords = (pcpus + 63) / 64;
    if (!m.nwords || m.nwords > CVG_GUARD_MAP_WORDS)
        return cvg_fail(err, -EOVERFLOW, "domain %u: %u pCPUs: the guardian records "
                        "affinity of at most %u", g->ledger.domid, pcpus,
                        64 * CVG_GUARD_MAP_WORDS);
    rc = hv->ops->vcpu_affinity_get(hv, g->ledger.domid, vcpu, m.map, m.nwords, err);
    return rc ? rc : record(g, &m, err);
}

int cvg_guard_save_logdirty(struct cvg_guard *g, struct cvg_hv *hv, struct cvg_err *err)
{
    struct cvg_guard_msg m = { .type = CVG_GMSG_LOGDIRTY };
    struct cvg_err lerr = { 0 };
    bool on = false;
    int rc;

    if (!g || g->ledger.logdirty_saved)
        return 0;
    /* Xen 4.17 cannot say whether log-dirty is on (the xen back end knows
     * only what its own handle did): then the original is taken as off,
     * which is what a finished save leaves behind too (libxc's cleanup). */
    rc = hv->ops->logdirty_enabled(hv, g->ledger.domid, &on, &lerr);
    if (rc == -EOPNOTSUPP) {
        on = false;
        rc = 0;
    } else if (rc) {
        return cvg_fail(err, rc, "%s", lerr.msg);
    }
    m.a = on;
    return record(g, &m, err);
}

int cvg_guard_record_cap(struct cvg_guard *g, uint32_t cap, struct cvg_err *err)
{
    struct cvg_guard_msg m = { .type = CVG_GMSG_CAP, .a = cap };

    return g && !g->ledger.cap_saved ? record(g, &m, err) : 0;
}

int cvg_guard_record_budget(struct cvg_guard *g, uint32_t vcpu, uint32_t period_us,
                            uint32_t budget_us, struct cvg_err *err)
{
    struct cvg_guard_msg m = { .type = CVG_GMSG_BUDGET, .vcpu = vcpu, .a = period_us,
                               .b = budget_us };

    if (!g)
        return 0;
    if (vcpu >= CVG_GUARD_MAX_VCPUS)
        return cvg_fail(err, -EINVAL, "domain %u: vcpu %u beyond the guardian's %u",
                        g->ledger.domid, vcpu, CVG_GUARD_MAX_VCPUS);
    return g->ledger.budget_saved[vcpu] ? 0 : record(g, &m, err);
}

int cvg_guard_record_affinity(struct cvg_guard *g, uint32_t vcpu, const uint64_t *cpumap,
                              size_t nwords, struct cvg_err *err)
{
    struct cvg_guard_msg m = { .type = CVG_GMSG_AFFINITY, .vcpu = vcpu };

    if (!g)
        return 0;
    if (vcpu >= CVG_GUARD_MAX_VCPUS)
        return cvg_fail(err, -EINVAL, "domain %u: vcpu %u beyond the guardian's %u",
                        g->ledger.domid, vcpu, CVG_GUARD_MAX_VCPUS);
    if (!nwords || nwords > CVG_GUARD_MAP_WORDS)
        return cvg_fail(err, -EOVERFLOW, "domain %u: a cpumap of %zu words (the guardian "
                        "records 1 to %u)", g->ledger.domid, nwords, CVG_GUARD_MAP_WORDS);
    if (g->ledger.affinity_saved[vcpu])
        return 0;
    m.nwords = (uint32_t)nwords;
    memcpy(m.map, cpumap, 8 * nwords);
    return record(g, &m, err);
}

int cvg_guard_note_pause(struct cvg_guard *g, struct cvg_err *err)
{
    struct cvg_guard_msg m = { .type = CVG_GMSG_PAUSE };

    return g ? record(g, &m, err) : 0;
}

int cvg_guard_note_suspend(struct cvg_guard *g, enum cvg_guard_suspender by,
                           struct cvg_err *err)
{
    struct cvg_guard_msg m = { .type = CVG_GMSG_SUSPEND, .a = by };

    return g ? record(g, &m, err) : 0;
}

int cvg_guard_released(struct cvg_guard *g, enum cvg_guard_item item, uint32_t vcpu,
                       struct cvg_err *err)
{
    struct cvg_guard_msg m = { .type = CVG_GMSG_RELEASE, .a = item, .vcpu = vcpu };

    return g ? record(g, &m, err) : 0;
}

int cvg_guard_handed_over(struct cvg_guard *g, struct cvg_err *err)
{
    struct cvg_guard_msg m = { .type = CVG_GMSG_HANDED_OVER };
    int rc;

    if (!g)
        return 0;
    rc = record(g, &m, err);
    if (!rc)
        g->ended = true;
    return rc;
}

/* Sends a RELEASE for every sched item that was saved in before and is not now. */
static int release_diff(struct cvg_guard *g, const struct cvg_guard_ledger *before,
                        struct cvg_err *err)
{
    const struct cvg_guard_ledger *now = &g->ledger;
    struct cvg_guard_msg m = { .type = CVG_GMSG_RELEASE };
    int rc = 0;

    for (uint32_t v = 0; v < CVG_GUARD_MAX_VCPUS && !rc; v++) {
        m.vcpu = v;
        m.a = CVG_GUARD_BUDGET;
        if (before->budget_saved[v] && !now->budget_saved[v])
            rc = send_msg(g, &m, err);
        m.a = CVG_GUARD_AFFINITY;
        if (!rc && before->affinity_saved[v] && !now->affinity_saved[v])
            rc = send_msg(g, &m, err);
    }
    m.vcpu = 0;
    m.a = CVG_GUARD_CAP;
    if (!rc && before->cap_saved && !now->cap_saved)
        rc = send_msg(g, &m, err);
    return rc;
}

int cvg_guard_restore_sched(struct cvg_guard *g, struct cvg_hv *hv, struct cvg_err *err)
{
    struct cvg_guard_ledger *before;
    struct cvg_guard_tally t = { 0 };
    int rc, rc2;

    if (!g)
        return 0;
    before = malloc(sizeof(*before));
    if (!before)
        return cvg_fail(err, -ENOMEM, "out of memory");
    memcpy(before, &g->ledger, sizeof(*before));
    rc = cvg_guard_putback(hv, &g->ledger, CVG_GUARD_PUT_SCHED, NULL, NULL, &t, err);
    /* What we put back, the guardian must not put back again later (the
     * administrator may change it once we are done). */
    rc2 = release_diff(g, before, err);
    free(before);
    return rc ? rc : rc2;
}

int cvg_guard_release_sched(struct cvg_guard *g, struct cvg_err *err)
{
    struct cvg_guard_ledger *before;
    int rc;

    if (!g)
        return 0;
    before = malloc(sizeof(*before));
    if (!before)
        return cvg_fail(err, -ENOMEM, "out of memory");
    memcpy(before, &g->ledger, sizeof(*before));
    g->ledger.cap_saved = false;
    memset(g->ledger.budget_saved, 0, sizeof(g->ledger.budget_saved));
    memset(g->ledger.affinity_saved, 0, sizeof(g->ledger.affinity_saved));
    rc = release_diff(g, before, err);
    free(before);
    return rc;
}

int cvg_guarded_cap_set(struct cvg_guard *g, struct cvg_hv *hv, uint32_t domid, uint32_t cap,
                        struct cvg_err *err)
{
    int rc = cvg_guard_save_cap(g, hv, err);

    return rc ? rc : hv->ops->cap_set(hv, domid, cap, err);
}

int cvg_guarded_budget_set(struct cvg_guard *g, struct cvg_hv *hv, uint32_t domid,
                           uint32_t vcpu, uint32_t period_us, uint32_t budget_us,
                           struct cvg_err *err)
{
    int rc = cvg_guard_save_budget(g, hv, vcpu, err);

    return rc ? rc : hv->ops->vcpu_budget_set(hv, domid, vcpu, period_us, budget_us, err);
}

int cvg_guarded_affinity_set(struct cvg_guard *g, struct cvg_hv *hv, uint32_t domid,
                             uint32_t vcpu, const uint64_t *cpumap, size_t nwords,
                             struct cvg_err *err)
{
    int rc = cvg_guard_save_affinity(g, hv, vcpu, err);

    return rc ? rc : hv->ops->vcpu_affinity_set(hv, domid, vcpu, cpumap, nwords, err);
}

int cvg_guarded_pause(struct cvg_guard *g, struct cvg_hv *hv, uint32_t domid,
                      struct cvg_err *err)
{
    int rc = cvg_guard_note_pause(g, err);

    if (rc)
        return rc;
    rc = hv->ops->pause(hv, domid, err);
    /* The reference was recorded but not taken: give the record back. */
    if (rc && g)
        cvg_guard_released(g, CVG_GUARD_PAUSE, 0, NULL);
    return rc;
}

int cvg_guarded_unpause(struct cvg_guard *g, struct cvg_hv *hv, uint32_t domid,
                        struct cvg_err *err)
{
    int rc = hv->ops->unpause(hv, domid, err);

    return rc ? rc : cvg_guard_released(g, CVG_GUARD_PAUSE, 0, err);
}

int cvg_guard_finish(struct cvg_guard *g, uint32_t *failed, struct cvg_err *err)
{
    struct cvg_guard_msg m = { .type = CVG_GMSG_BYE };
    int rc = 0;

    if (failed)
        *failed = 0;
    if (!g)
        return 0;
    if (!g->ended && !g->broken && send_msg(g, &m, err) == 0)
        g->ended = true;
    /* RESTORED comes once the guardian has put everything back; it may
     * then go on watching a suspended guest, so we do not wait for its exit. */
    for (;;) {
        int r = g->broken ? 1 : recv_msg(g, &m, CVG_GUARD_FINISH_TIMEOUT_MS, err);

        if (r < 0) {
            rc = r;
            break;
        }
        if (r == 1) {
            if (!reap(g, 0) && !g->broken)
                rc = cvg_fail(err, -ETIMEDOUT, "domain %u: no word from the guardian "
                              "(pid %d) within %u ms", g->ledger.domid, (int)g->pid,
                              CVG_GUARD_FINISH_TIMEOUT_MS);
            break;
        }
        if (m.type == CVG_GMSG_RESTORED) {
            if (failed)
                *failed = m.b;
            if (m.b)
                rc = cvg_fail(err, -EIO, "domain %u: the guardian could not restore %u "
                              "item(s) (see its messages)", g->ledger.domid, m.b);
            break;
        }
    }
    reap(g, 200);
    close(g->fd);
    free(g);
    return rc;
}
