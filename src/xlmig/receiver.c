/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "driver/driver.h"
#include "engine/backchannel.h"
#include "engine/clock.h"
#include "hv/sim_client.h"
#include "wire/xl_header.h"
#include "wire/xl_migrate.h"
#include "wire/xl_stream.h"
#include "xlmig/domconfig.h"
#include "xlmig/receiver.h"
#include "xlmig/sim_backend.h"

struct recv {
    struct cvg_hv *hv;
    const struct cvg_xlmig_recv_opts *o;
    struct cvg_xlmig_recv_result *res;
    struct cvg_src in;
    struct cvg_sink out;
    int in_fd, out_fd;
    uint64_t t0_ns, ready_at_ns;
};

static void say(struct recv *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct recv *r, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    if (!r->o->say)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    r->o->say(r->o->opaque, msg);
}

static void on_log(void *opaque, const struct cvg_ipc_msg *m)
{
    struct recv *r = opaque;

    if (r->o->log)
        r->o->log(r->o->opaque, m);
}

/* The xl header and config; then the destination xl would create. */
static int create(struct recv *r, struct cvg_err *err)
{
    struct cvg_xlmig_domcfg d;
    struct cvg_xlh h = { 0 };
    char name[CVG_XLMIG_NAME_MAX + 16];
    int rc;

    rc = cvg_xlh_read(&r->in, &h, err);
    if (rc)
        goto out;
    if (!h.stream_v2) {
        rc = cvg_fail(err, -EOPNOTSUPP, "a legacy (v1) libxl stream: not supported");
        goto out;
    }
    if (!h.config) {
        rc = cvg_fail(err, -EINVAL, "the sender sent no domain config");
        goto out;
    }
    rc = h.config_is_json ?
         cvg_xlmig_domcfg_from_json(h.config, strlen(h.config), &d, err) :
         cvg_xlmig_domcfg_from_xlcfg(h.config, strlen(h.config), "migration config",
                                     &d, err);
    if (rc)
        goto out;
    if (d.type == CVG_XLMIG_PV) {
        rc = cvg_fail(err, -EOPNOTSUPP, "domain %s is PV: the simulator has HVM/PVH "
                      "guests only", d.name);
        goto out;
    }
    /* xl's name for a domain still arriving (renamed after the GO). */
    snprintf(name, sizeof(name), "%s--incoming", d.name);
    if (strlen(name) > CVG_SIM_MAX_NAME) {
        rc = cvg_fail(err, -ENAMETOOLONG, "domain name '%s' is too long for the "
                      "simulator (at most %u characters with --incoming)", d.name,
                      CVG_SIM_MAX_NAME);
        goto out;
    }
    if (d.domid)
        say(r, "migration target: the simulator cannot preserve domid %u", d.domid);
    rc = cvg_sim_create_empty(r->hv, d.memkb / (CVG_PAGE_SIZE / 1024), d.vcpus, true,
                              name, &r->res->domid, err);
    if (!rc)
        r->res->created = true;
out:
    cvg_xlh_free(&h);
    return rc;
}

/* libxl's records around the libxc stream; stop_at: LIBXC_CONTEXT or END. */
static int read_libxl_until(struct recv *r, struct cvg_xl_reader *rd, uint32_t stop_at,
                            struct cvg_err *err)
{
    for (;;) {
        struct cvg_xl_rec rec;
        int rc = cvg_xl_reader_next(rd, &rec, err);

        if (rc)
            return rc;
        cvg_xl_rec_free(&rec);
        if (rec.type == stop_at)
            return 0;
        if (rec.type == CVG_XL_REC_LIBXC_CONTEXT || rec.type == CVG_XL_REC_END)
            return cvg_fail(err, -EPROTO, "libxl stream: %s at offset %" PRIu64 " "
                            "where %s was expected", cvg_xl_rec_type_name(rec.type),
                            rec.offset, cvg_xl_rec_type_name(stop_at));
    }
}

/* The restore helper, as libxl runs it for xl migrate-receive. */
static int run_helper(struct recv *r, struct cvg_err *err)
{
    struct cvg_driver_cbs cbs = { .log = on_log, .opaque = r };
    struct cvg_helper_proc proc;
    struct cvg_driver_result dres;
    char ready[64], rate[64];
    char *const add[] = { ready, rate, NULL };
    char **envp = NULL;
    int io = -1, back = -1, rc;

    snprintf(ready, sizeof(ready), "%s=%" PRIu64, CVG_BC_ENV_SIM_READY_AT, r->ready_at_ns);
    snprintf(rate, sizeof(rate), "%s=%" PRIu64, CVG_BC_ENV_SIM_APPLY_RATE,
             (uint64_t)(r->o->apply_rate_mib_s * 1048576.0));
    envp = cvg_xlmig_env_make(add, NULL);
    /* libxl dup()s fds 0-2 before handing them to the helper. */
    io = fcntl(r->in_fd, F_DUPFD_CLOEXEC, 3);
    if (!r->o->ignore_hello)
        back = fcntl(r->out_fd, F_DUPFD_CLOEXEC, 3);
    if (!envp || io < 0 || (!r->o->ignore_hello && back < 0)) {
        rc = cvg_fail(err, envp ? -errno : -ENOMEM, "preparing the restore helper: %s",
                      envp ? strerror(errno) : "out of memory");
        goto out;
    }
    rc = cvg_driver_spawn_restore(r->o->helper, io, back, r->res->domid,
                                  1, 0, 2, 0, CVG_IPC_CBFLAGS_PLAIN_RESTORE, 0, envp,
                                  &proc, err);
    if (rc)
        goto out;
    rc = cvg_driver_run(&proc, &cbs, &dres, err);
    if (!rc && !dres.ok)
        rc = cvg_fail(err, -EIO, "restore helper: %s", dres.why);
out:
    if (io >= 0)
        close(io);
    if (back >= 0)
        close(back);
    cvg_xlmig_env_free(envp);
    return rc;
}

/* What xl's perhaps_destroy_notify_rc does after a failed start. */
static void notify_failure(struct recv *r, int rc)
{
    uint8_t status = (uint8_t)((-rc) & 0xff);
    struct cvg_err e2 = { 0 };

    if (!status)
        status = 1;
    if (cvg_xlm_send_report(&r->out, status, &e2))
        return;
    say(r, "migration target: Failure, destroying our copy.");
    if (cvg_sim_destroy(r->hv, r->res->domid, &e2)) {
        say(r, "migration target: Failed to destroy our copy: %s", e2.msg);
        return;
    }
    r->res->created = false;
    say(r, "migration target: Cleanup OK, granting sender permission to resume.");
    cvg_xlm_send(&r->out, CVG_XLM_MSG_GO, &e2);
}

int cvg_xlmig_receive(struct cvg_hv *hv, const struct cvg_xlmig_recv_opts *o,
                      int in_fd, int out_fd, struct cvg_xlmig_recv_result *res,
                      struct cvg_err *err)
{
    struct recv r = { .hv = hv, .o = o, .res = res, .in_fd = in_fd, .out_fd = out_fd };
    struct cvg_xl_reader rd;
    uint64_t now;
    int rc;

    memset(res, 0, sizeof(*res));
    r.t0_ns = cvg_now_ns();
    r.ready_at_ns = r.t0_ns + (uint64_t)o->setup_ms * 1000000ull;
    cvg_src_init_fd(&r.in, in_fd);
    cvg_sink_init_fd(&r.out, out_fd);

    say(&r, "migration target: Ready to receive domain.");
    rc = cvg_xlm_send(&r.out, CVG_XLM_MSG_BANNER, err);
    if (!rc)
        rc = create(&r, err);
    if (rc)
        goto failed;
    cvg_xl_reader_init(&rd, &r.in, false, CVG_XL_SKIP_EMULATOR_BLOB);
    rc = read_libxl_until(&r, &rd, CVG_XL_REC_LIBXC_CONTEXT, err);
    if (!rc)
        rc = run_helper(&r, err);
    if (!rc)
        rc = read_libxl_until(&r, &rd, CVG_XL_REC_END, err);
    if (rc)
        goto failed;
    now = cvg_now_ns();
    res->stream_ms = (now - r.t0_ns) / 1000000ull;
    /* The destination's own setup (on Xen: the device model starts after
     * the stream) must be done before the domain can run. */
    if (now < r.ready_at_ns) {
        uint64_t d = r.ready_at_ns - now;
        struct timespec ts = { (time_t)(d / 1000000000ull), (long)(d % 1000000000ull) };

        res->setup_wait_ms = d / 1000000ull;
        while (nanosleep(&ts, &ts) && errno == EINTR)
            ;
    }
    say(&r, "migration target: Transfer complete, requesting permission to start "
        "domain.");
    rc = cvg_xlm_send(&r.out, CVG_XLM_MSG_READY, err);
    if (rc)
        goto failed;
    rc = cvg_xlm_expect(&r.in, CVG_XLM_MSG_GO, err);
    if (!rc) {
        say(&r, "migration target: Got permission, starting domain.");
        if (!o->paused)
            rc = hv->ops->unpause(hv, res->domid, err);
    }
    if (rc) {
        notify_failure(&r, rc);
        goto failed;
    }
    say(&r, "migration target: Domain started successsfully.");
    res->started = true;
    /* Past the GO our copy is the one: a lost report does not undo it. */
    return cvg_xlm_send_report(&r.out, 0, err);

failed:
    if (res->created) {
        struct cvg_err e2 = { 0 };

        if (cvg_sim_destroy(hv, res->domid, &e2))
            say(&r, "migration target: Failed to destroy our copy: %s", e2.msg);
        else
            res->created = false;
    }
    return rc;
}
