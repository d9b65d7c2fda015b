/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xentoollog.h>

#include "engine/backchannel.h"
#include "xlmig/xen_backend.h"

struct cvg_xlmig_xen {
    xentoollog_logger_stdiostream *logger;
    libxl_ctx *ctx;
    uint32_t domid;
    char *name;
    const char *helper;
};

int cvg_xlmig_xen_open(struct cvg_xlmig_xen **xp, const char *domain,
                       const char *helper, int verbose, struct cvg_err *err)
{
    struct cvg_xlmig_xen *x = calloc(1, sizeof(*x));
    xentoollog_level lvl = verbose >= 2 ? XTL_DEBUG : verbose == 1 ? XTL_DETAIL :
                           XTL_PROGRESS;
    libxl_dominfo info;
    char *end;
    unsigned long v;
    int rc = 0;

    *xp = NULL;
    if (!x)
        return cvg_fail(err, -ENOMEM, "out of memory");
    x->helper = helper;
    /* As xl: progress is hidden while the stream runs. */
    x->logger = xtl_createlogger_stdiostream(stderr, lvl, XTL_STDIOSTREAM_HIDE_PROGRESS);
    if (!x->logger) {
        rc = cvg_fail(err, -ENOMEM, "cannot create a xentoollog logger");
        goto out;
    }
    if (libxl_ctx_alloc(&x->ctx, LIBXL_VERSION, 0, (xentoollog_logger *)x->logger)) {
        x->ctx = NULL;
        rc = cvg_fail(err, -ENODEV, "cannot initialise libxl (is this a Xen dom0? "
                      "For the simulator set XENCONVERGE_SIM)");
        goto out;
    }
    errno = 0;
    v = strtoul(domain, &end, 10);
    if (!errno && end != domain && !*end && v < 0x7FF0) {
        x->domid = (uint32_t)v;
    } else if (libxl_name_to_domid(x->ctx, domain, &x->domid)) {
        rc = cvg_fail(err, -ENOENT, "%s is an invalid domain identifier", domain);
        goto out;
    }
    libxl_dominfo_init(&info);
    if (libxl_domain_info(x->ctx, &info, x->domid)) {
        libxl_dominfo_dispose(&info);
        rc = cvg_fail(err, -ENOENT, "domain %u does not exist", x->domid);
        goto out;
    }
    libxl_dominfo_dispose(&info);
    x->name = libxl_domid_to_name(x->ctx, x->domid);
out:
    if (rc)
        cvg_xlmig_xen_close(x);
    else
        *xp = x;
    return rc;
}

void cvg_xlmig_xen_close(struct cvg_xlmig_xen *x)
{
    if (!x)
        return;
    free(x->name);
    if (x->ctx)
        libxl_ctx_free(x->ctx);
    if (x->logger)
        xtl_logger_destroy((xentoollog_logger *)x->logger);
    free(x);
}

static const char *xen_name(void *priv)
{
    struct cvg_xlmig_xen *x = priv;

    return x->name;
}

static int xen_config_json(void *priv, bool preserve_domid, char **json,
                           struct cvg_err *err)
{
    struct cvg_xlmig_xen *x = priv;
    libxl_domain_config cfg;
    char *s;
    int rc = 0;

    *json = NULL;
    libxl_domain_config_init(&cfg);
    if (libxl_retrieve_domain_configuration(x->ctx, x->domid, &cfg, NULL)) {
        rc = cvg_fail(err, -EIO, "failed to retrieve the configuration of domain %u",
                      x->domid);
        goto out;
    }
    if (!preserve_domid)
        cfg.c_info.domid = 0;
    s = libxl_domain_config_to_json(x->ctx, &cfg);
    if (!s) {
        rc = cvg_fail(err, -ENOMEM, "failed to convert the configuration of domain "
                      "%u to JSON", x->domid);
        goto out;
    }
    *json = s;
out:
    libxl_domain_config_dispose(&cfg);
    return rc;
}

/* One variable set for the length of the suspend, then put back. */
struct saved_var {
    char *name, *old;
    bool had;
};

static int set_var(struct saved_var *sv, const char *name, const char *value)
{
    const char *old = getenv(name);

    sv->name = strdup(name);
    sv->had = old != NULL;
    sv->old = old ? strdup(old) : NULL;
    if (!sv->name || (old && !sv->old))
        return -ENOMEM;
    return setenv(name, value, 1) ? -errno : 0;
}

static void restore_var(struct saved_var *sv)
{
    if (!sv->name)
        return;
    if (sv->had)
        setenv(sv->name, sv->old, 1);
    else
        unsetenv(sv->name);
    free(sv->name);
    free(sv->old);
    sv->name = sv->old = NULL;
}

#define MAX_VARS 32

static int xen_suspend(void *priv, int send_fd, int back_fd, bool debug,
                       char *const *env, bool *guest_timedout, struct cvg_err *err)
{
    struct cvg_xlmig_xen *x = priv;
    struct saved_var vars[MAX_VARS];
    char num[16];
    int n = 0, rc = 0, fl = -1, lrc;

    memset(vars, 0, sizeof(vars));
    *guest_timedout = false;
    for (; env && env[n]; n++) {
        char *eq = strchr(env[n], '='), name[128];

        if (n >= MAX_VARS - 2 || !eq || (size_t)(eq - env[n]) >= sizeof(name)) {
            rc = cvg_fail(err, -EINVAL, "bad helper setting '%s'", env[n]);
            goto out;
        }
        snprintf(name, sizeof(name), "%.*s", (int)(eq - env[n]), env[n]);
        if ((rc = set_var(&vars[n], name, eq + 1))) {
            rc = cvg_fail(err, rc, "setting %s: %s", name, strerror(-rc));
            goto out;
        }
    }
    if (back_fd >= 0) {
        snprintf(num, sizeof(num), "%d", back_fd);
        fl = fcntl(back_fd, F_GETFD);
        if (fl < 0 || fcntl(back_fd, F_SETFD, fl & ~FD_CLOEXEC) < 0 ||
            set_var(&vars[n++], CVG_BC_ENV_FD, num) ||
            (x->helper && set_var(&vars[n++], "LIBXL_SAVE_HELPER", x->helper))) {
            rc = cvg_fail(err, -errno ? -errno : -ENOMEM, "handing over the back "
                          "channel: %s", strerror(errno));
            goto out;
        }
    }
    lrc = libxl_domain_suspend(x->ctx, x->domid, send_fd,
                               LIBXL_SUSPEND_LIVE | (debug ? LIBXL_SUSPEND_DEBUG : 0),
                               NULL);
    if (lrc) {
        *guest_timedout = lrc == ERROR_GUEST_TIMEDOUT;
        rc = cvg_fail(err, -EIO, "rc=%d", lrc);
    }
out:
    if (fl >= 0)
        fcntl(back_fd, F_SETFD, fl);
    for (int i = MAX_VARS - 1; i >= 0; i--)
        restore_var(&vars[i]);
    return rc;
}

static int xen_rename(void *priv, const char *from, const char *to, struct cvg_err *err)
{
    struct cvg_xlmig_xen *x = priv;

    if (libxl_domain_rename(x->ctx, x->domid, from, to))
        return cvg_fail(err, -EIO, "failed to rename domain %u from %s to %s",
                        x->domid, from, to);
    return 0;
}

static int xen_destroy(void *priv, struct cvg_err *err)
{
    struct cvg_xlmig_xen *x = priv;

    if (libxl_domain_destroy(x->ctx, x->domid, NULL))
        return cvg_fail(err, -EIO, "failed to destroy domain %u", x->domid);
    return 0;
}

static int xen_resume(void *priv, struct cvg_err *err)
{
    struct cvg_xlmig_xen *x = priv;

    if (libxl_domain_resume(x->ctx, x->domid, 1, NULL))
        return cvg_fail(err, -EIO, "failed to resume domain %u", x->domid);
    return 0;
}

const struct cvg_xlmig_backend_ops cvg_xlmig_xen_ops = {
    .name = xen_name,
    .config_json = xen_config_json,
    .suspend = xen_suspend,
    .rename = xen_rename,
    .destroy = xen_destroy,
    .resume = xen_resume,
};
