/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guardian process: listens to its helper, and when the helper ends
 * (goodbye, hand-over or death) puts the domain back.  See guard.h for the
 * rules; this file is their loop.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "guardian/guard.h"
#include "guardian/putback.h"

#define WATCH_STEP_MS 20

enum end_kind { END_BYE, END_HANDED_OVER, END_EOF, END_GARBLED };

struct guardian {
    const struct cvg_guard_cfg *cfg;
    int fd;
    int libxl_pidfd;
    struct cvg_hv *hv;
    struct cvg_guard_ledger ledger;
};

static void glog(struct guardian *gd, enum cvg_guard_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void glog(struct guardian *gd, enum cvg_guard_level lvl, const char *fmt, ...)
{
    char text[CVG_ERR_MSG_MAX + 256];
    va_list ap;

    if (!gd->cfg->log)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    gd->cfg->log(gd->cfg->opaque, lvl, text);
}

static void on_note(void *opaque, bool ok, const char *text)
{
    glog(opaque, ok ? CVG_GUARD_LOG_NOTICE : CVG_GUARD_LOG_ERROR, "%s", text);
}

static void send_reply(struct guardian *gd, const struct cvg_guard_msg *m)
{
    uint8_t buf[CVG_GUARD_FRAME_MAX];
    size_t n = cvg_guard_msg_encode(m, buf);

    /* Best effort: the helper may be gone, and then nobody waits. */
    if (send(gd->fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
        return;
}

/* Reads and applies messages until the session ends; says how. */
static enum end_kind serve(struct guardian *gd)
{
    uint8_t buf[CVG_GUARD_FRAME_MAX * 4];
    size_t len = 0;
    uint64_t off = 0;

    for (;;) {
        struct cvg_guard_msg m;
        struct cvg_err err = { 0 };
        size_t used = 0;
        ssize_t r;
        int rc = cvg_guard_msg_decode(buf, len, off, &m, &used, &err);

        if (rc == 0) {
            memmove(buf, buf + used, len - used);
            len -= used;
            off += used;
            rc = cvg_guard_ledger_apply(&gd->ledger, &m, &err);
            if (rc < 0) {
                glog(gd, CVG_GUARD_LOG_ERROR, "%s: restoring now", err.msg);
                return END_GARBLED;
            }
            if (rc == 1)
                return m.type == CVG_GMSG_HANDED_OVER ? END_HANDED_OVER : END_BYE;
            continue;
        }
        if (rc < 0) {
            glog(gd, CVG_GUARD_LOG_ERROR, "%s: restoring now", err.msg);
            return END_GARBLED;
        }
        r = recv(gd->fd, buf + len, sizeof(buf) - len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return END_EOF;
        len += (size_t)r;
    }
}

static bool libxl_alive(struct guardian *gd)
{
    pid_t pid = gd->cfg->libxl_pid;

    if (pid <= 0)
        return false;
    if (gd->libxl_pidfd >= 0) {
        struct pollfd p = { .fd = gd->libxl_pidfd, .events = POLLIN };

        return poll(&p, 1, 0) == 0;
    }
    return kill(pid, 0) == 0 || errno == EPERM;
}

static void resume(struct guardian *gd, const char *why)
{
    struct cvg_err err = { 0 };
    bool resumed = false;

    if (cvg_guard_resume(gd->hv, &gd->ledger, &resumed, &err))
        glog(gd, CVG_GUARD_LOG_ERROR, "domain %u: cannot resume the guest: %s",
             gd->ledger.domid, err.msg);
    else if (resumed)
        glog(gd, CVG_GUARD_LOG_NOTICE, "domain %u: guest resumed (%s)", gd->ledger.domid, why);
}

static bool still_suspended(struct guardian *gd)
{
    struct cvg_dominfo info;
    struct cvg_err err = { 0 };

    if (gd->hv->ops->dominfo(gd->hv, gd->ledger.domid, &info, &err))
        return false;           /* gone: nothing to resume */
    return info.shutdown && info.shutdown_reason == CVG_SHUTDOWN_SUSPEND && !info.dying;
}

/*
 * A guest libxl suspended for us and did not get back: libxl's caller
 * resumes it after a failed save, unless libxl died too.  Watch, bounded.
 */
static void watch_suspended(struct guardian *gd)
{
    pid_t pid = gd->cfg->libxl_pid;

    if (pid == 0) {
        glog(gd, CVG_GUARD_LOG_WARN, "domain %u was suspended by its toolstack, which "
             "resumes it (no toolstack process known to watch)", gd->ledger.domid);
        return;
    }
    if (still_suspended(gd) && libxl_alive(gd))
        glog(gd, CVG_GUARD_LOG_INFO, "domain %u is suspended and the save did not complete: "
             "libxl (pid %d) resumes it; resuming it here only if libxl dies within %u ms",
             gd->ledger.domid, (int)pid, CVG_GUARD_LIBXL_GRACE_MS);
    for (unsigned waited = 0; ; waited += WATCH_STEP_MS) {
        struct timespec ts = { 0, WATCH_STEP_MS * 1000000L };

        if (!still_suspended(gd))
            return;
        if (!libxl_alive(gd)) {
            resume(gd, pid > 0 ? "libxl died too: nobody else will resume it" :
                                 "libxl was gone already: nobody else will resume it");
            return;
        }
        if (waited >= CVG_GUARD_LIBXL_GRACE_MS)
            break;
        nanosleep(&ts, NULL);
    }
    glog(gd, CVG_GUARD_LOG_WARN, "domain %u is still suspended after %u ms; libxl (pid %d) "
         "is alive and resumes it after a failed save", gd->ledger.domid,
         CVG_GUARD_LIBXL_GRACE_MS, (int)pid);
}

int cvg_guardian_main(int fd, int libxl_pidfd, const struct cvg_guard_cfg *cfg)
{
    struct guardian gd = { .cfg = cfg, .fd = fd, .libxl_pidfd = libxl_pidfd };
    struct cvg_guard_msg ready = { .type = CVG_GMSG_READY };
    struct cvg_guard_msg done = { .type = CVG_GMSG_RESTORED };
    struct cvg_guard_tally t = { 0 };
    struct cvg_err err = { 0 };
    enum end_kind end;
    bool dirty;
    int rc;

    cvg_guard_ledger_init(&gd.ledger, cfg->domid);
    rc = cvg_hv_open(&gd.hv, &err);
    if (rc) {
        ready.a = (uint32_t)-rc;
        snprintf(ready.text, sizeof(ready.text), "cannot open the hypervisor: %.200s",
                 err.msg);
        send_reply(&gd, &ready);
        return 1;
    }
    send_reply(&gd, &ready);

    end = serve(&gd);
    /* From here on the guardian must end even if the hypervisor hangs. */
    alarm(CVG_GUARD_ALARM_S);
    dirty = cvg_guard_ledger_dirty(&gd.ledger);
    if (end == END_EOF && (dirty || (gd.ledger.suspended && !gd.ledger.handed_over)))
        glog(&gd, CVG_GUARD_LOG_NOTICE, "domain %u: the helper ended without saying goodbye "
             "(killed?): putting the domain back", cfg->domid);
    if (dirty)
        cvg_guard_putback(gd.hv, &gd.ledger, CVG_GUARD_PUT_ALL, on_note, &gd, &t, &err);
    done.a = t.restored;
    done.b = t.failed;
    if (end == END_BYE || end == END_HANDED_OVER)
        send_reply(&gd, &done);

    if (gd.ledger.suspended && !gd.ledger.handed_over) {
        if (gd.ledger.suspended_by == CVG_GUARD_BY_HELPER)
            resume(&gd, "the helper suspended it and did not hand it over");
        else
            watch_suspended(&gd);
    }
    cvg_hv_close(gd.hv);
    close(fd);
    if (libxl_pidfd >= 0)
        close(libxl_pidfd);
    return t.failed ? 1 : 0;
}
