/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "engine/clock.h"
#include "wire/xl_header.h"
#include "wire/xl_migrate.h"
#include "xlmig/sender.h"

/* How long xl waits for its transport to exit before giving up on it. */
#define TRANSPORT_WAIT_MS 2000

const char *cvg_xlmig_outcome_name(enum cvg_xlmig_outcome o)
{
    switch (o) {
    case CVG_XLMIG_MIGRATED: return "migrated";
    case CVG_XLMIG_RESUMED: return "resumed at the source";
    case CVG_XLMIG_NOT_RESUMED: return "not resumed";
    case CVG_XLMIG_UNDEFINED: return "undefined";
    }
    return "unknown";
}

static void say(const struct cvg_xlmig_send_opts *o, const char *msg)
{
    if (o->say)
        o->say(o->opaque, msg);
}

/* The config a -C file holds: JSON as it is, xl.cfg text as it is (the
 * receiving xl parses it itself, as for images of xl before 4.5). */
struct config {
    char *data;
    size_t len;
    bool json;
};

static int read_config_file(const char *path, struct config *c, struct cvg_err *err)
{
    size_t cap = 4096;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
    const char *p;

    if (fd < 0)
        return cvg_fail(err, -errno, "-C %s: %s", path, strerror(errno));
    c->data = malloc(cap + 1);
    c->len = 0;
    for (;;) {
        ssize_t n;

        if (!c->data) {
            rc = cvg_fail(err, -ENOMEM, "out of memory");
            break;
        }
        if (c->len == cap) {
            char *bigger;

            if (cap >= CVG_XLMIG_CONFIG_FILE_MAX) {
                rc = cvg_fail(err, -E2BIG, "-C %s: longer than %u bytes", path,
                              CVG_XLMIG_CONFIG_FILE_MAX);
                break;
            }
            cap *= 2;
            bigger = realloc(c->data, cap + 1);
            if (!bigger) {
                rc = cvg_fail(err, -ENOMEM, "out of memory");
                break;
            }
            c->data = bigger;
        }
        n = read(fd, c->data + c->len, cap - c->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = cvg_fail(err, -errno, "-C %s: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        c->len += (size_t)n;
    }
    close(fd);
    if (!rc && (c->len == 0 || memchr(c->data, '\0', c->len)))
        rc = cvg_fail(err, -EINVAL, "-C %s: %s", path, c->len ? "holds a NUL byte" :
                      "is empty");
    if (rc) {
        free(c->data);
        c->data = NULL;
        return rc;
    }
    c->data[c->len] = '\0';
    for (p = c->data; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'; p++)
        ;
    c->json = *p == '{';
    return 0;
}

/* xl's save_domain_core_writeconfig(); xl.cfg text goes without the JSON
 * flag and without a NUL, as an old xl wrote it. */
static int write_header(struct cvg_sink *sink, const struct config *c,
                        struct cvg_err *err)
{
    uint8_t b[CVG_XLH_SIZE + 4];
    struct iovec iov[2];

    if (c->json)
        return cvg_xlh_write(sink, c->data, err);
    if (c->len > CVG_XLH_OPTDATA_MAX - 4)
        return cvg_fail(err, -E2BIG, "a %zu-byte config exceeds the xl header's "
                        "limit", c->len);
    memcpy(b, CVG_XLH_MAGIC, CVG_XLH_MAGIC_SIZE);
    cvg_put_le32(b + 32, CVG_XLH_BYTEORDER);
    cvg_put_le32(b + 36, CVG_XLH_MANDATORY_STREAMV2);
    cvg_put_le32(b + 40, 0);
    cvg_put_le32(b + 44, 4 + (uint32_t)c->len);
    cvg_put_le32(b + 48, (uint32_t)c->len);
    iov[0] = (struct iovec){ b, sizeof(b) };
    iov[1] = (struct iovec){ c->data, c->len };
    return cvg_sink_writev(sink, iov, 2, err);
}

int cvg_xlmig_send(const struct cvg_xlmig_send_opts *o, const struct cvg_xlmig_backend *b,
                 struct cvg_xlmig_send_result *res, struct cvg_err *err)
{
    const struct cvg_xlmig_backend_ops *ops = b->ops;
    struct cvg_xlmig_transport t = { .pid = -1, .send_fd = -1, .recv_fd = -1 };
    struct config cfg = { 0 };
    struct cvg_src in;
    struct cvg_sink out;
    const char *name = ops->name(b->priv);
    char *rune = NULL, *away = NULL;
    bool timedout = false;
    unsigned late = 0;
    char msg[160];
    int rc;

    memset(res, 0, sizeof(*res));
    res->outcome = CVG_XLMIG_NOT_RESUMED;
    res->transport_status = -1;
    if (o->config_file)
        rc = read_config_file(o->config_file, &cfg, err);
    else {
        cfg.json = true;
        rc = ops->config_json(b->priv, o->preserve_domid, &cfg.data, err);
        cfg.len = cfg.data ? strlen(cfg.data) : 0;
    }
    if (!rc && name && asprintf(&away, "%s--migratedaway", name) < 0) {
        away = NULL;
        rc = cvg_fail(err, -ENOMEM, "out of memory");
    }
    if (!rc)
        rc = cvg_xlmig_rune(&o->rune, &rune, err);
    if (!rc)
        rc = cvg_xlmig_transport_start(&t, rune, err);
    if (rc)
        goto out;
    res->t_start_ns = cvg_now_ns();
    cvg_src_init_fd(&in, t.recv_fd);
    cvg_sink_init_fd(&out, t.send_fd);

    rc = cvg_xlm_expect(&in, CVG_XLM_MSG_BANNER, err);
    if (!rc)
        rc = write_header(&out, &cfg, err);
    if (rc) {
        cvg_err_prefix(err, "migration receiver stream (command run was: %s)", rune);
        goto out;       /* nothing suspended yet: nothing to resume */
    }

    rc = ops->suspend(b->priv, t.send_fd, o->converge ? t.recv_fd : -1, o->debug,
                      o->helper_env, &timedout, err);
    if (rc) {
        cvg_err_prefix(err, "migration sender: libxl_domain_suspend failed");
        if (timedout)
            goto out;   /* xl's failed_suspend: the guest is left as it is */
        goto failed_resume;
    }
    /* A destination helper of ours that answered HELLO after the save
     * helper's deadline (a slow receiver start) left back-channel records
     * nobody read; they come before xl's message and mean nothing now. */
    rc = cvg_xlm_expect_skipping(&in, CVG_XLM_MSG_READY, &late, err);
    if (rc) {
        cvg_err_prefix(err, "migration receiver stream");
        goto failed_resume;
    }
    if (late) {
        snprintf(msg, sizeof(msg), "migration sender: %u late back-channel record(s) of "
                 "the destination helper dropped", late);
        say(o, msg);
    }
    say(o, "migration sender: Target has acknowledged transfer.");
    if (name) {
        rc = ops->rename(b->priv, name, away, err);
        if (rc)
            goto failed_resume;
    }
    /* The point of no return: once GO may have reached the receiver, two
     * copies could run; only the administrator can sort that out. */
    say(o, "migration sender: Giving target permission to start.");
    rc = cvg_xlm_send(&out, CVG_XLM_MSG_GO, err);
    if (!rc)
        rc = cvg_xlm_read_report(&in, &res->target_status, err);
    if (rc) {
        res->outcome = CVG_XLMIG_UNDEFINED;
        cvg_err_prefix(err, "Migration failed during final handshake; domain state is "
                       "now undefined: check both ends before resuming at most one "
                       "instance");
        goto out;
    }
    res->t_report_ns = cvg_now_ns();
    if (res->target_status) {
        snprintf(msg, sizeof(msg), "migration sender: Target reports startup failure "
                 "(status code %d).", (int8_t)res->target_status);
        say(o, msg);
        rc = cvg_xlm_expect(&in, CVG_XLM_MSG_GO, err);
        if (rc) {
            res->outcome = CVG_XLMIG_UNDEFINED;
            cvg_err_prefix(err, "waiting for the permission to resume");
            goto out;
        }
        say(o, "migration sender: Trying to resume at our end.");
        if (name)
            ops->rename(b->priv, away, name, NULL);
        res->resume_rc = ops->resume(b->priv, NULL);
        if (!res->resume_rc)
            say(o, "migration sender: Resumed OK.");
        res->outcome = CVG_XLMIG_RESUMED;
        rc = cvg_fail(err, -EREMOTEIO, "Migration failed due to problems at target "
                      "(status %d)", (int8_t)res->target_status);
        goto out;
    }
    say(o, "migration sender: Target reports successful startup.");
    if (ops->switched_over)
        ops->switched_over(b->priv);
    rc = ops->destroy(b->priv, err);
    if (rc)
        cvg_err_prefix(err, "the destination runs, but destroying the source failed");
    res->outcome = CVG_XLMIG_MIGRATED;
    if (!rc)
        say(o, "Migration successful.");
    goto out;

failed_resume:
    /* The receiver sees the stream end and destroys its copy. */
    cvg_xlmig_transport_finish(&t, TRANSPORT_WAIT_MS, &res->transport_status);
    say(o, "Migration failed, resuming at sender.");
    res->resume_rc = ops->resume(b->priv, NULL);
    res->outcome = CVG_XLMIG_RESUMED;
out:
    if (t.pid > 0 || t.send_fd >= 0)
        cvg_xlmig_transport_finish(&t, TRANSPORT_WAIT_MS, &res->transport_status);
    free(cfg.data);
    free(rune);
    free(away);
    return rc;
}
