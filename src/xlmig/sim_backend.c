/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver/driver.h"
#include "engine/backchannel.h"
#include "engine/clock.h"
#include "hv/sim_client.h"
#include "wire/xl_stream.h"
#include "xlmig/sim_backend.h"

extern char **environ;

/* ---- environment for the helpers ----------------------------------- */

static bool same_name(const char *a, const char *b)
{
    size_t n = strcspn(a, "=");

    return a[n] == '=' && !strncmp(a, b, n + 1);
}

char **cvg_xlmig_env_make(char *const *add, const char *extra)
{
    size_t n = 0, nadd = 0, k = 0;
    char **env;

    while (environ[n])
        n++;
    while (add && add[nadd])
        nadd++;
    env = calloc(n + nadd + 2, sizeof(*env));
    if (!env)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        bool replaced = extra && same_name(extra, environ[i]);

        for (size_t j = 0; j < nadd && !replaced; j++)
            replaced = same_name(add[j], environ[i]);
        if (!replaced && !(env[k++] = strdup(environ[i])))
            goto oom;
    }
    for (size_t j = 0; j < nadd; j++)
        if (!(env[k++] = strdup(add[j])))
            goto oom;
    if (extra && !(env[k++] = strdup(extra)))
        goto oom;
    return env;
oom:
    cvg_xlmig_env_free(env);
    return NULL;
}

void cvg_xlmig_env_free(char **env)
{
    if (!env)
        return;
    for (char **e = env; *e; e++)
        free(*e);
    free(env);
}

/* ---- sender -------------------------------------------------------- */

static int find_domain(struct cvg_hv *hv, const char *domain, uint32_t *domid,
                       struct cvg_err *err)
{
    struct cvg_sim_list_entry *doms = NULL;
    uint32_t n = 0, found = 0, hits = 0;
    char *end;
    unsigned long v;
    int rc;

    errno = 0;
    v = strtoul(domain, &end, 10);
    if (!errno && end != domain && !*end && v <= 0x7FEF) {
        *domid = (uint32_t)v;
        return 0;
    }
    rc = cvg_sim_list(hv, &doms, &n, err);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(doms[i].name, domain)) {
            found = doms[i].domid;
            hits++;
        }
    free(doms);
    if (hits != 1)
        return cvg_fail(err, hits ? -EINVAL : -ENOENT, "%s domain named '%s'",
                        hits ? "more than one" : "no", domain);
    *domid = found;
    return 0;
}

int cvg_xlmig_sim_sender_init(struct cvg_xlmig_sim_sender *s, struct cvg_hv *hv,
                              const char *domain, const char *helper,
                              struct cvg_err *err)
{
    struct cvg_sim_info info;
    int rc;

    memset(s, 0, sizeof(*s));
    s->hv = hv;
    s->helper = helper;
    rc = find_domain(hv, domain, &s->domid, err);
    if (!rc)
        rc = cvg_sim_info(hv, s->domid, &info, err);
    if (rc)
        return rc;
    if (!cvg_xlmig_name_ok(info.name))
        rc = cvg_fail(err, -EINVAL, "domain %u: its name '%s' cannot travel in a "
                      "migration", s->domid, info.name);
    else if (!info.hvm)
        rc = cvg_fail(err, -EOPNOTSUPP, "domain %u is PV: not live-migratable here",
                      s->domid);
    else if (info.shutdown || info.dying)
        rc = cvg_fail(err, -EINVAL, "domain %u is %s", s->domid,
                      info.dying ? "dying" : "shut down");
    if (!rc) {
        snprintf(s->cfg.name, sizeof(s->cfg.name), "%s", info.name);
        s->cfg.type = CVG_XLMIG_HVM;
        s->cfg.memkb = info.p2m_size * (CVG_PAGE_SIZE / 1024);
        s->cfg.vcpus = info.nr_vcpus;
    }
    cvg_sim_info_release(&info);
    return rc;
}

static const char *sim_name(void *priv)
{
    struct cvg_xlmig_sim_sender *s = priv;

    return s->cfg.name;
}

static int sim_config_json(void *priv, bool preserve_domid, char **json,
                           struct cvg_err *err)
{
    struct cvg_xlmig_sim_sender *s = priv;
    struct cvg_xlmig_domcfg d = s->cfg;

    d.domid = preserve_domid ? s->domid : 0;
    return cvg_xlmig_domcfg_to_json(&d, json, err);
}

static int on_suspend(void *opaque)
{
    struct cvg_xlmig_sim_sender *s = opaque;
    struct cvg_err err = { 0 };

    s->suspend_asked = true;
    s->t_suspend_ns = cvg_now_ns();
    if (s->hv->ops->suspend(s->hv, s->domid, &err))
        return 0;
    s->suspended = true;
    return 1;
}

static void on_log(void *opaque, const struct cvg_ipc_msg *m)
{
    struct cvg_xlmig_sim_sender *s = opaque;

    if (s->log)
        s->log(s->opaque, m);
}

static int set_cloexec(int fd, bool on)
{
    int fl = fcntl(fd, F_GETFD);

    if (fl < 0)
        return -errno;
    return fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC) < 0 ? -errno : 0;
}

static int sim_suspend(void *priv, int send_fd, int back_fd, bool debug,
                       char *const *env, bool *guest_timedout, struct cvg_err *err)
{
    struct cvg_xlmig_sim_sender *s = priv;
    struct cvg_driver_cbs cbs = {
        .suspend = on_suspend,
        .log = on_log,
        .opaque = s,
    };
    struct cvg_helper_proc proc;
    struct cvg_driver_result res;
    struct cvg_sink sink;
    char back[32] = "";
    char **envp = NULL;
    int rc;

    *guest_timedout = false;
    cvg_sink_init_fd(&sink, send_fd);
    rc = cvg_xl_write_header(&sink, 0, err);
    if (!rc)
        rc = cvg_xl_write_libxc_context(&sink, err);
    if (rc)
        return rc;
    /* As xl-converge does on Xen: the helper learns its back channel from
     * the environment and inherits the fd (not close-on-exec for the
     * moment of the spawn). */
    if (back_fd >= 0)
        snprintf(back, sizeof(back), "%s=%d", CVG_BC_ENV_FD, back_fd);
    envp = cvg_xlmig_env_make(env, back[0] ? back : NULL);
    if (!envp)
        return cvg_fail(err, -ENOMEM, "out of memory");
    if (back_fd >= 0 && (rc = set_cloexec(back_fd, false)))
        goto out;
    rc = cvg_driver_spawn_save(s->helper, send_fd, -1, s->domid,
                               1u | (debug ? 2u : 0u), CVG_IPC_CBFLAGS_PLAIN_SAVE, 0,
                               envp, &proc, err);
    if (back_fd >= 0)
        set_cloexec(back_fd, true);
    if (rc)
        goto out;
    rc = cvg_driver_run(&proc, &cbs, &res, err);
    if (!rc && !res.ok)
        rc = cvg_fail(err, -EIO, "%s", res.why);
    if (rc) {
        snprintf(s->helper_failure, sizeof(s->helper_failure), "%s", res.why);
        *guest_timedout = s->suspend_asked && !s->suspended;
        goto out;
    }
    rc = cvg_xl_write_end(&sink, err);
out:
    cvg_xlmig_env_free(envp);
    return rc;
}

static int sim_rename(void *priv, const char *from, const char *to, struct cvg_err *err)
{
    /* converge-simd keeps the name a domain was created with. */
    (void)priv; (void)from; (void)to; (void)err;
    return 0;
}

static void sim_switched_over(void *priv)
{
    struct cvg_xlmig_sim_sender *s = priv;
    uint8_t sha[32];

    /* Suspended since the stop-and-copy: this is the memory at switchover. */
    if (cvg_sim_digest(s->hv, s->domid, sha, NULL))
        return;
    for (int i = 0; i < 32; i++)
        snprintf(s->digest + 2 * i, 3, "%02x", sha[i]);
    s->have_digest = true;
}

static int sim_destroy(void *priv, struct cvg_err *err)
{
    struct cvg_xlmig_sim_sender *s = priv;

    return cvg_sim_destroy(s->hv, s->domid, err);
}

/* The source ends running with log-dirty off, whatever the helper did. */
static int sim_resume(void *priv, struct cvg_err *err)
{
    struct cvg_xlmig_sim_sender *s = priv;
    struct cvg_dominfo info;
    bool on = false;
    int rc = 0;

    if (s->suspended || (s->hv->ops->dominfo(s->hv, s->domid, &info, NULL) == 0 &&
                         info.shutdown && info.shutdown_reason == CVG_SHUTDOWN_SUSPEND))
        rc = s->hv->ops->resume(s->hv, s->domid, err);
    if (!rc)
        s->suspended = false;
    if (s->hv->ops->logdirty_enabled(s->hv, s->domid, &on, NULL) == 0 && on) {
        int r2 = s->hv->ops->logdirty_disable(s->hv, s->domid, err);

        rc = rc ? rc : r2;
    }
    return rc;
}

const struct cvg_xlmig_backend_ops cvg_xlmig_sim_sender_ops = {
    .name = sim_name,
    .config_json = sim_config_json,
    .suspend = sim_suspend,
    .rename = sim_rename,
    .switched_over = sim_switched_over,
    .destroy = sim_destroy,
    .resume = sim_resume,
};
