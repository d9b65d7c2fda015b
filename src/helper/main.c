/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * converge-helper: a drop-in for libxl-save-helper (Xen 4.17).
 *
 * Same argv, same IPC on stdin/stdout, same exit rules: log and progress
 * go to libxl as IPC messages, `restore_results` precedes `complete`, the
 * reply to `complete` is read before exit(0).  Nothing else ever reaches
 * stdout: the IPC channel moves to a private fd and fd 1 is pointed at
 * stderr, so a stray printf anywhere cannot corrupt the protocol.
 *
 * Runs we do not handle (PV guests, Remus/COLO, the debug VERIFY pass,
 * unknown flags) execv() the stock helper with the same argv and fds.
 * SIGTERM (libxl's abort) stops a save at the next batch and runs the
 * normal cleanup; a restore dies, as the stock one does.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/tunables.h"
#include "engine/backchannel.h"
#include "engine/engine.h"
#include "engine/status.h"
#include "guardian/guard.h"
#include "helper/args.h"
#include "helper/progress.h"
#include "helper/report.h"
#include "hv/hv.h"
#include "hv/sim_client.h"
#include "wire/ipc.h"

#define CTX "converge-helper"

struct helper {
    struct cvg_helper_args args;
    struct cvg_ipc_helper ipc;
    struct cvg_sink out;
    struct cvg_src in;
    bool ipc_broken;
    struct cvg_hv *hv;
    struct cvg_helper_report *rep;
    struct cvg_status status;
    struct cvg_guard *guard;    /* save: puts the domain back if we die */
    struct cvg_progress_gate progress;
};

static volatile sig_atomic_t stop_requested;
static int sigterm_devnull = -1, sigterm_io_fd = -1;

/*
 * libxl's abort.  As the stock helper does, /dev/null (read-only) replaces
 * the stream fd, so a write blocked on a stalled peer fails at once; the
 * flag stops the engine at its next batch.  Both paths end in the normal
 * cleanup: log-dirty off, qemu's too, complete(failure).
 */
static void on_sigterm(int sig)
{
    (void)sig;
    stop_requested = 1;
    if (sigterm_devnull >= 0)
        dup2(sigterm_devnull, sigterm_io_fd);
}

static void hlog(struct helper *h, enum cvg_log_level lvl, int errnoval,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void hlog(struct helper *h, enum cvg_log_level lvl, int errnoval,
                 const char *fmt, ...)
{
    char text[1024];
    struct cvg_err err = { 0 };
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (h->ipc_broken || cvg_ipc_log(&h->ipc, (uint32_t)lvl, errnoval, CTX, text, &err)) {
        h->ipc_broken = true;
        fprintf(stderr, CTX ": %s\n", text);
    }
}

/* The guardian has no IPC of its own: its lines go to xl's log (stderr). */
static void guardian_log(void *opaque, enum cvg_guard_level level, const char *text)
{
    (void)opaque;
    fprintf(stderr, CTX "[guardian]: %s%s\n", level >= CVG_GUARD_LOG_ERROR ? "error: " : "",
            text);
}

static void cb_log(void *opaque, enum cvg_log_level level, int errnoval, const char *text)
{
    hlog(opaque, level, errnoval, "%s", text);
}

static void cb_progress(void *opaque, const char *doing, uint64_t done, uint64_t total)
{
    struct helper *h = opaque;
    struct cvg_err err = { 0 };

    if (!h->ipc_broken && cvg_progress_gate_pass(&h->progress, doing, done, total) &&
        cvg_ipc_progress(&h->ipc, CTX, doing, done, total, &err))
        h->ipc_broken = true;
}

static void cb_stats(void *opaque, const struct cvg_mig_stats *s)
{
    struct helper *h = opaque;

    cvg_status_publish(&h->status, s, "precopy", false);
}

static int cb_suspend(void *opaque)
{
    struct helper *h = opaque;
    struct cvg_err err = { 0 };
    int reply = 0;

    if (cvg_ipc_suspend(&h->ipc, &reply, &err)) {
        h->ipc_broken = true;
        return -1;
    }
    return reply == 1 ? 0 : -1;     /* libxl answers 1 for a suspended guest */
}

static int cb_qemu_logdirty(void *opaque, uint32_t domid, bool enable)
{
    struct helper *h = opaque;
    struct cvg_err err = { 0 };
    int reply = -1;

    if (cvg_ipc_switch_qemu_logdirty(&h->ipc, domid, enable, &reply, &err)) {
        h->ipc_broken = true;
        return -1;
    }
    return reply;
}

static int cb_static_data_done(void *opaque, unsigned missing)
{
    struct helper *h = opaque;
    struct cvg_err err = { 0 };
    int reply = -1;

    if (cvg_ipc_static_data_done(&h->ipc, missing, &reply, &err)) {
        h->ipc_broken = true;
        return -1;
    }
    return reply;
}

/* libxl handed us this run but it is the stock helper's: hand it on. */
static void delegate(char *const argv[], const char *why, const char *stock)
{
    fprintf(stderr, CTX ": %s: running the stock helper %s\n", why, stock);
    execv(stock, argv);
    fprintf(stderr, CTX ": cannot run the stock helper %s: %s\n", stock, strerror(errno));
    exit(1);
}

/* Moves the IPC off fd 1 and points fd 1 at stderr. */
static int isolate_stdout(struct helper *h)
{
    int ipc_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);

    if (ipc_out < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
        return -errno;
    cvg_sink_init_fd(&h->out, ipc_out);
    cvg_src_init_fd(&h->in, STDIN_FILENO);
    return 0;
}

static int do_save(struct helper *h, const struct cvg_tunables *tun,
                   struct cvg_helper_report *rep, struct cvg_err *err)
{
    struct cvg_save_ops ops = {
        .suspend = cb_suspend,
        .switch_qemu_logdirty = cb_qemu_logdirty,
        .log = cb_log,
        .progress = cb_progress,
        .stats = cb_stats,
        .opaque = h,
    };
    struct cvg_save_params p = {
        .domid = h->args.domid,
        .live = h->args.xcflags & CVG_XCFLAGS_LIVE,
        .debug = h->args.xcflags & CVG_XCFLAGS_DEBUG,
        .tun = tun,
        .stop_requested = &stop_requested,
        .guard = h->guard,
    };
    struct cvg_save_result res;
    const char *why;
    int rc;

    /* The back channel is the one our sender driver exported; libxl's own
     * recv_fd is a dup of xl's stdin in a plain migration. */
    p.back_fd = cvg_bc_env_fd(&why);
    p.back_channel = p.back_fd >= 0;
    if (why)
        hlog(h, CVG_LOG_WARN, -1, "%s=%s %s: no back channel", CVG_BC_ENV_FD,
             getenv(CVG_BC_ENV_FD), why);
    cvg_status_init(&h->status, h->args.domid, cvg_tun_downtime_limit_ms(tun));
    rc = cvg_save(h->hv, &p, &ops, h->args.io_fd, &res, err);
    cvg_status_remove(&h->status);
    cvg_helper_report_save(rep, rc, &res);
    return rc;
}

static int do_restore(struct helper *h, struct cvg_helper_report *rep, struct cvg_err *err)
{
    struct cvg_restore_ops ops = {
        .static_data_done = cb_static_data_done,
        .log = cb_log,
        .progress = cb_progress,
        .opaque = h,
    };
    struct cvg_restore_params p = {
        .domid = h->args.domid,
        .store_evtchn = h->args.store_evtchn,
        .store_domid = h->args.store_domid,
        .console_evtchn = h->args.console_evtchn,
        .console_domid = h->args.console_domid,
        .send_back_fd = h->args.back_fd,
    };
    struct cvg_restore_result res = { 0 };
    int rc;

    /* The destination's setup time and apply rate exist only as a model. */
    if (cvg_hv_is_sim(h->hv) &&
        (cvg_bc_env_u64(CVG_BC_ENV_SIM_READY_AT, &p.ready_at_ns) ||
         cvg_bc_env_u64(CVG_BC_ENV_SIM_APPLY_RATE, &p.apply_limit_bps)))
        rc = cvg_fail(err, -EINVAL, "%s or %s is not a decimal number",
                      CVG_BC_ENV_SIM_READY_AT, CVG_BC_ENV_SIM_APPLY_RATE);
    else
        rc = cvg_restore(h->hv, &p, &ops, h->args.io_fd, &res, err);
    /* Like the stock helper, results go out even after a failure (zero
     * gfns then): without them libxl only says "exited without providing
     * results" and the real error is lost.  The failure is in complete. */
    if (cvg_ipc_restore_results(&h->ipc, rc ? 0 : res.store_gfn,
                                rc ? 0 : res.console_gfn, err)) {
        h->ipc_broken = true;
        rc = rc ? rc : -EPIPE;
    }
    cvg_helper_report_restore(rep, rc, &res);
    return rc;
}

int main(int argc, char **argv)
{
    struct helper h = { 0 };
    struct cvg_tunables tun;
    struct cvg_helper_report rep;
    struct cvg_err err = { 0 };
    struct cvg_dominfo info;
    const char *why;
    int rc, reply;

    cvg_progress_gate_init(&h.progress);
    rc = cvg_helper_parse_args(argc, argv, &h.args, &err);
    if (rc) {
        fprintf(stderr, CTX ": %s\n", err.msg);
        return 2;
    }
    rc = cvg_tunables_load(&tun, NULL, NULL, &err);
    why = cvg_helper_delegate_reason(&h.args);
    if (why && !rc)
        delegate(argv, why, cvg_tun_stock_helper(&tun));
    if (why)
        delegate(argv, why, CVG_STOCK_HELPER);
    /* The domain itself decides the last case: PV is the stock helper's. */
    if (!rc)
        rc = cvg_hv_open(&h.hv, &err);
    if (!rc && h.args.save) {
        rc = h.hv->ops->dominfo(h.hv, h.args.domid, &info, &err);
        if (!rc && !info.hvm) {
            cvg_hv_close(h.hv);
            delegate(argv, "PV guest", cvg_tun_stock_helper(&tun));
        }
    }

    if (isolate_stdout(&h)) {
        fprintf(stderr, CTX ": cannot set up the IPC channel: %s\n", strerror(errno));
        return 1;
    }
    if (cvg_ipc_helper_init(&h.ipc, h.args.save ? CVG_IPC_SAVE : CVG_IPC_RESTORE,
                            h.args.cbflags, &h.out, &h.in, rc ? NULL : &err)) {
        fprintf(stderr, CTX ": %s\n", err.msg);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    if (h.args.save) {
        struct sigaction sa = { .sa_handler = on_sigterm };

        sigterm_devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        sigterm_io_fd = h.args.io_fd;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
    }
    cvg_helper_report_init(&rep, h.args.save, &tun);
    h.rep = &rep;
    /* Before anything on the domain changes (guardian/guard.h). */
    if (!rc && h.args.save) {
        const struct cvg_guard_cfg gcfg = { .domid = h.args.domid, .libxl_pid = getppid(),
                                            .log = guardian_log };

        rc = cvg_guard_start(&h.guard, &gcfg, &err);
    }
    hlog(&h, CVG_LOG_DEBUG, -1, "starting %s of domain %u", h.args.save ? "save" : "restore",
         h.args.domid);
    if (!rc)
        rc = h.args.save ? do_save(&h, &tun, &rep, &err) : do_restore(&h, &rep, &err);
    else if (!h.args.save && !h.ipc_broken) {
        struct cvg_err rerr = { 0 };

        if (cvg_ipc_restore_results(&h.ipc, 0, 0, &rerr))
            h.ipc_broken = true;
    }
    if (rc)
        hlog(&h, CVG_LOG_ERROR, -rc, "%s", err.msg);
    hlog(&h, CVG_LOG_DEBUG, -1, "complete r=%d", rc ? -1 : 0);
    reply = 0;
    if (h.ipc_broken ||
        cvg_ipc_complete(&h.ipc, rc ? -1 : 0, rc ? -rc : 0, &reply, &err)) {
        fprintf(stderr, CTX ": libxl went away before complete: %s\n", err.msg);
        rc = -EPIPE;
    } else {
        /* After complete, so that hashing the memory is not downtime: a
         * saved guest stays suspended until libxl destroys or resumes it,
         * and a restored one is still paused, so the memory is still what
         * it was at switchover. */
        if (!rc)
            cvg_guard_handed_over(h.guard, NULL);   /* libxl owns the guest now */
        if (!rc)
            cvg_helper_report_digest(&rep, h.hv, h.args.domid);
        cvg_helper_report_write(&rep, rc ? err.msg : NULL);
        rc = 0;
    }
    cvg_guard_finish(h.guard, NULL, NULL);
    if (h.hv)
        cvg_hv_close(h.hv);
    return rc ? 1 : 0;
}
