/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/sim_migrate.h"
#include "common/json.h"
#include "driver/driver.h"
#include "engine/clock.h"
#include "engine/digest.h"
#include "hv/sim_client.h"

extern char **environ;

struct side {
    struct cvg_helper_proc proc;
    struct cvg_driver_cbs cbs;
    struct cvg_driver_result res;
    struct cvg_err err;
    pthread_t thread;
    bool started, done;
    bool completed_ok;          /* complete(0) arrived; it may still be logging */
};

struct mig {
    const struct cvg_simmig_opts *o;
    struct cvg_hv *hv;
    struct cvg_scenario sc;
    uint32_t src, dst;
    bool have_src, have_dst;
    struct side save, restore;
    char dir[64];
    char **env;
    pthread_mutex_t lock;
    pthread_cond_t changed;     /* a side finished or completed (under lock) */
    /* set by the suspend callback */
    bool suspended;
    uint64_t t0_ns, t_suspend_ns, t_unpause_ns;
    char src_digest[CVG_DIGEST_HEX_LEN + 1];
    bool have_src_digest;
    struct cvg_sim_info info0, info1;
    bool have_info0, have_info1;
    int64_t last_pass_printed;
};

int cvg_find_program(const char *name, const char *installed_dir, char *out, size_t size)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

    if (n > 0) {
        char *slash;

        self[n] = '\0';
        slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            snprintf(out, size, "%s/%s", self, name);
            if (access(out, X_OK) == 0)
                return 0;
        }
    }
    snprintf(out, size, "%s/%s", installed_dir, name);
    return access(out, X_OK) == 0 ? 0 : -ENOENT;
}

/* Sets *flag and wakes the switchover, which waits for both sides (the
 * flags are read under g->lock, or after the threads are joined). */
static void side_event(struct mig *g, bool *flag, bool value)
{
    pthread_mutex_lock(&g->lock);
    *flag = value;
    pthread_cond_broadcast(&g->changed);
    pthread_mutex_unlock(&g->lock);
}

static void *run_side(void *arg)
{
    struct side *s = arg;

    cvg_driver_run(&s->proc, &s->cbs, &s->res, &s->err);
    side_event(s->cbs.opaque, &s->done, true);
    return NULL;
}

static void on_save_complete(void *opaque, int retval, int errnoval)
{
    struct mig *g = opaque;

    (void)errnoval;
    side_event(g, &g->save.completed_ok, retval == 0);
}

/* The restore helper sends restore_results before complete (the IPC layer
 * refuses otherwise), so complete(0) means the domain is ready. */
static void on_restore_complete(void *opaque, int retval, int errnoval)
{
    struct mig *g = opaque;

    (void)errnoval;
    side_event(g, &g->restore.completed_ok, retval == 0);
}

static void on_log(void *opaque, const struct cvg_ipc_msg *m)
{
    struct mig *g = opaque;

    if (g->o->verbose || m->u.log.level >= CVG_XTL_WARN)
        fprintf(stderr, "%s: %s\n", m->u.log.context, m->u.log.text);
}

/* libxl's suspend: stop the guest.  The source memory is final from here. */
static int on_suspend(void *opaque)
{
    struct mig *g = opaque;
    struct cvg_err err = { 0 };
    int ok;

    pthread_mutex_lock(&g->lock);
    g->t_suspend_ns = cvg_now_ns();
    ok = g->hv->ops->suspend(g->hv, g->src, &err) == 0;
    /* The work snapshot is cheap; the source's digest waits for the end
     * (a suspended guest's memory does not change), so that hashing does
     * not count as downtime. */
    if (ok) {
        g->suspended = true;
        g->have_info1 = cvg_sim_info(g->hv, g->src, &g->info1, &err) == 0;
    }
    pthread_mutex_unlock(&g->lock);
    if (!ok)
        fprintf(stderr, "sim-migrate: suspend of domain %u failed: %s\n", g->src, err.msg);
    return ok ? 1 : 0;
}

static int tcp_pair(int *send_fd, int *recv_fd, struct cvg_err *err)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t alen = sizeof(a);
    int l = -1, c = -1, s = -1, one = 1, rc = 0;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
        getsockname(l, (struct sockaddr *)&a, &alen) ||
        connect(c, (struct sockaddr *)&a, sizeof(a)) ||
        (s = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0) {
        rc = cvg_fail(err, -errno, "loopback TCP connection: %s", strerror(errno));
        goto out;
    }
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    *send_fd = c;
    *recv_fd = s;
    c = s = -1;
out:
    if (l >= 0)
        close(l);
    if (c >= 0)
        close(c);
    if (s >= 0)
        close(s);
    return rc;
}

/* The settings a scenario and sim-migrate decide; the environment's own
 * values of these are replaced, every other variable passes through (so
 * XENCONVERGE_ON_TIMEOUT and friends reach the helpers as under libxl). */
static const char *const run_owned[] = {
    "XENCONVERGE_DOWNTIME_LIMIT_MS=", "XENCONVERGE_BANDWIDTH_MIB_S=",
    "XENCONVERGE_MAX_TIME_S=", "XENCONVERGE_POLICY=", "XENCONVERGE_SIM_REPORT=",
    "XENCONVERGE_STATUS_DIR=",
};

static bool owned(const char *var)
{
    for (size_t i = 0; i < sizeof(run_owned) / sizeof(run_owned[0]); i++)
        if (!strncmp(var, run_owned[i], strlen(run_owned[i])))
            return true;
    return false;
}

static char **make_env(const struct mig *g, const char *report)
{
    const struct cvg_scenario *sc = &g->sc;
    size_t n = 0, k = 0;
    char **env;

    while (environ[n])
        n++;
    env = calloc(n + 12, sizeof(*env));
    if (!env)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!owned(environ[i]))
            env[k++] = strdup(environ[i]);
    if (asprintf(&env[k++], "XENCONVERGE_DOWNTIME_LIMIT_MS=%u", sc->downtime_limit_ms) < 0 ||
        asprintf(&env[k++], "XENCONVERGE_BANDWIDTH_MIB_S=%.0f",
                 sc->bandwidth_mib_s < 1 ? 1 : sc->bandwidth_mib_s) < 0 ||
        asprintf(&env[k++], "XENCONVERGE_MAX_TIME_S=%u", sc->max_time_s) < 0 ||
        asprintf(&env[k++], "XENCONVERGE_POLICY=%s", cvg_policy_name(g->o->policy)) < 0 ||
        asprintf(&env[k++], "XENCONVERGE_SIM_REPORT=%s/%s", g->dir, report) < 0 ||
        asprintf(&env[k++], "XENCONVERGE_STATUS_DIR=%s", g->dir) < 0)
        env[k] = NULL;
    return env;
}

static void free_env(char **env)
{
    if (!env)
        return;
    for (char **e = env; *e; e++)
        free(*e);
    free(env);
}

static void progress_line(struct mig *g)
{
    char path[128];
    json_object *j, *v;
    uint64_t pass, sent, rem, drate, bw, thr, edt;
    int64_t eta;

    snprintf(path, sizeof(path), "%s/migrate-%u.json", g->dir, g->src);
    j = json_object_from_file(path);
    if (!j)
        return;
#define GET(k, var) var = json_object_object_get_ex(j, k, &v) ? (uint64_t)json_object_get_int64(v) : 0
    GET("pass", pass);
    GET("bytes_sent", sent);
    GET("remaining_bytes", rem);
    GET("dirty_rate_bps", drate);
    GET("bandwidth_bps", bw);
    GET("throttle_pct", thr);
    GET("expected_downtime_ms", edt);
    eta = json_object_object_get_ex(j, "eta_ms", &v) ? json_object_get_int64(v) : -1;
#undef GET
    json_object_put(j);
    /* Not a terminal: one line per pass, not five a second. */
    if (!g->o->tty && g->last_pass_printed == (int64_t)pass)
        return;
    g->last_pass_printed = (int64_t)pass;
    fprintf(g->o->progress, "%spass %" PRIu64 "  sent %" PRIu64 " MiB  remaining %" PRIu64
            " MiB  dirty %" PRIu64 " MiB/s  link %" PRIu64 " MiB/s  throttle %" PRIu64
            "%%  downtime~%" PRIu64 " ms  ",
            g->o->tty ? "\r\033[K" : "", pass, sent >> 20, rem >> 20, drate >> 20, bw >> 20,
            thr, edt);
    if (eta < 0)
        fprintf(g->o->progress, "ETA none (not converging)");
    else
        fprintf(g->o->progress, "ETA %" PRId64 ".%01" PRId64 " s", eta / 1000, eta % 1000 / 100);
    if (!g->o->tty)
        fputc('\n', g->o->progress);
    fflush(g->o->progress);
}

static void read_save_report(struct mig *g, struct cvg_simmig_report *rep)
{
    char path[128];
    json_object *j, *v;

    snprintf(path, sizeof(path), "%s/save.json", g->dir);
    j = json_object_from_file(path);
    if (!j)
        return;
    if (json_object_object_get_ex(j, "converged", &v))
        rep->converged = json_object_get_boolean(v);
    if (json_object_object_get_ex(j, "aborted", &v))
        rep->aborted = json_object_get_boolean(v);
    if (json_object_object_get_ex(j, "iterations", &v))
        rep->iterations = (uint32_t)json_object_get_int(v);
    if (json_object_object_get_ex(j, "bytes_sent", &v))
        rep->bytes_sent = (uint64_t)json_object_get_int64(v);
    if (json_object_object_get_ex(j, "max_throttle_pct", &v))
        rep->max_throttle_pct = (uint32_t)json_object_get_int(v);
    json_object_put(j);
}

static void work_retained(struct mig *g, struct cvg_simmig_report *rep)
{
    double secs = (double)(g->t_suspend_ns - g->t0_ns) / 1e9;

    rep->nr_vcpus = 0;
    if (!g->have_info0 || !g->have_info1 || secs <= 0)
        return;
    for (uint32_t i = 0; i < g->info1.nr_vcpus && i < g->info0.nr_vcpus &&
                         i < CVG_SCENARIO_MAX_VCPUS; i++) {
        const struct cvg_sim_vcpu_state *a = &g->info0.vcpus[i], *b = &g->info1.vcpus[i];
        double full = b->rate_mib_s * 256.0 * secs;    /* page operations at full speed */

        rep->vcpus[i].id = b->id;
        rep->vcpus[i].work_retained =
            (b->pattern == CVG_PATTERN_IDLE || full <= 0) ? 1.0 :
            (double)(b->work - a->work) / full;
        rep->nr_vcpus++;
    }
}

static int start_side(struct mig *g, struct side *s, bool save, int io_fd,
                      struct cvg_err *err)
{
    int rc;

    free_env(g->env);
    g->env = make_env(g, save ? "save.json" : "restore.json");
    if (!g->env)
        return cvg_fail(err, -ENOMEM, "out of memory");
    s->cbs.log = on_log;
    s->cbs.opaque = g;
    if (save) {
        s->cbs.suspend = on_suspend;
        s->cbs.complete = on_save_complete;
        rc = cvg_driver_spawn_save(g->o->helper, io_fd, -1, g->src, 1 /* LIVE */,
                                   CVG_IPC_CBFLAGS_PLAIN_SAVE, 0, g->env, &s->proc, err);
    } else {
        s->cbs.complete = on_restore_complete;
        rc = cvg_driver_spawn_restore(g->o->helper, io_fd, -1, g->dst, 1, 0, 2, 0,
                                      CVG_IPC_CBFLAGS_PLAIN_RESTORE, 0, g->env,
                                      &s->proc, err);
    }
    if (rc)
        return rc;
    if (pthread_create(&s->thread, NULL, run_side, s)) {
        cvg_driver_kill(&s->proc);
        return cvg_fail(err, -EAGAIN, "cannot start a driver thread");
    }
    s->started = true;
    return 0;
}

static void finish(struct mig *g, struct cvg_simmig_report *rep)
{
    struct cvg_err err = { 0 };
    char dst_digest[CVG_DIGEST_HEX_LEN + 1];
    struct cvg_dominfo di;

    if (rep->ok) {
        /* The switchover (unpause) happened as soon as both completed. */
        if (!g->t_unpause_ns) {
            rep->ok = false;
            snprintf(rep->error, sizeof(rep->error), "switchover: destination not unpaused");
        } else {
            rep->downtime_ms = (g->t_unpause_ns - g->t_suspend_ns) / 1000000ull;
            /* The destination's vCPUs are idle until a guest kernel would
             * run; the source stays suspended until destroyed. */
            g->have_src_digest =
                cvg_memory_digest(g->hv, g->src, g->src_digest, &err) == 0;
            rep->verified = g->have_src_digest &&
                cvg_memory_digest(g->hv, g->dst, dst_digest, &err) == 0 &&
                !strcmp(dst_digest, g->src_digest);
            cvg_sim_destroy(g->hv, g->src, &err);
            g->have_src = false;
            return;
        }
    }
    /* Failure: the source must run on as before, the destination goes. */
    if (g->suspended && g->hv->ops->resume(g->hv, g->src, &err))
        fprintf(stderr, "sim-migrate: resume of domain %u failed: %s\n", g->src, err.msg);
    if (g->hv->ops->dominfo(g->hv, g->src, &di, &err) == 0)
        rep->source_running = !di.paused && !di.shutdown;
    if (g->have_dst && !cvg_sim_destroy(g->hv, g->dst, &err))
        g->have_dst = false;
}

int cvg_sim_migrate(const struct cvg_simmig_opts *o, struct cvg_simmig_report *rep,
                    struct cvg_err *err)
{
    struct mig *g = calloc(1, sizeof(*g));
    const char *sock = getenv("XENCONVERGE_SIM");
    int send_fd = -1, recv_fd = -1, rc;

    memset(rep, 0, sizeof(*rep));
    if (!g)
        return cvg_fail(err, -ENOMEM, "out of memory");
    pthread_mutex_init(&g->lock, NULL);
    {
        pthread_condattr_t ca;

        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&g->changed, &ca);
        pthread_condattr_destroy(&ca);
    }
    g->o = o;
    g->last_pass_printed = -1;
    if (!sock || !*sock) {
        rc = cvg_fail(err, -EINVAL, "XENCONVERGE_SIM does not name a converge-simd socket");
        goto out;
    }
    rc = cvg_scenario_load(o->scenario_path, &g->sc, err);
    if (rc)
        goto out;
    snprintf(rep->scenario, sizeof(rep->scenario), "%s", g->sc.name);
    snprintf(rep->policy, sizeof(rep->policy), "%s", cvg_policy_name(o->policy));
    rep->downtime_limit_ms = g->sc.downtime_limit_ms;
    rep->memory_bytes = g->sc.memory_mib << 20;
    snprintf(g->dir, sizeof(g->dir), "/tmp/cvg-simmig-XXXXXX");
    if (!mkdtemp(g->dir)) {
        rc = cvg_fail(err, -errno, "mkdtemp: %s", strerror(errno));
        goto out;
    }
    rc = cvg_hv_open_sim(&g->hv, sock, err);
    if (rc)
        goto out;
    rc = cvg_sim_create_scenario_file(g->hv, o->scenario_path, &g->src, err);
    if (rc)
        goto out;
    g->have_src = true;
    {
        /* xl migrate-receive's name for a domain still arriving. */
        char name[96];

        snprintf(name, sizeof(name), "%.60s--incoming", g->sc.name);
        rc = cvg_sim_create_empty(g->hv, g->sc.memory_mib * 256, g->sc.vcpus, true,
                                  name, &g->dst, err);
    }
    if (rc)
        goto out;
    g->have_dst = true;
    rc = tcp_pair(&send_fd, &recv_fd, err);
    if (rc)
        goto out;
    g->t0_ns = cvg_now_ns();
    g->have_info0 = cvg_sim_info(g->hv, g->src, &g->info0, err) == 0;
    rc = start_side(g, &g->restore, false, recv_fd, err);
    if (!rc)
        rc = start_side(g, &g->save, true, send_fd, err);
    /* The helpers hold the connection now; our copies would hide an EOF. */
    close(send_fd);
    close(recv_fd);
    if (rc)
        goto join;
    /* xl unpauses the destination once both helpers said complete; a
     * helper that still logs or hashes after that is not downtime, and
     * neither may be the wait for it: the sides wake this loop. */
    pthread_mutex_lock(&g->lock);
    for (uint64_t next_line = cvg_now_ns();
         !(g->save.done || g->save.completed_ok) || !(g->restore.done || g->restore.completed_ok);) {
        struct timespec until;
        uint64_t now = cvg_now_ns();

        /* A failed side must not leave the other waiting on the socket. */
        if (g->save.done && !g->save.res.ok && !g->restore.done)
            cvg_driver_stop(&g->restore.proc);
        if (o->progress && now >= next_line) {
            pthread_mutex_unlock(&g->lock);
            progress_line(g);
            pthread_mutex_lock(&g->lock);
            next_line = now + 200 * 1000000ull;
        }
        /* The next progress line, or the stop above retried. */
        now = o->progress ? next_line : now + 200 * 1000000ull;
        until.tv_sec = (time_t)(now / 1000000000ull);
        until.tv_nsec = (long)(now % 1000000000ull);
        pthread_cond_timedwait(&g->changed, &g->lock, &until);
    }
    pthread_mutex_unlock(&g->lock);
    if (!rc && g->save.completed_ok && g->restore.completed_ok) {
        struct cvg_err uerr = { 0 };

        if (g->hv->ops->unpause(g->hv, g->dst, &uerr) == 0)
            g->t_unpause_ns = cvg_now_ns();
        else
            fprintf(stderr, "sim-migrate: unpause of domain %u: %s\n", g->dst, uerr.msg);
    }
join:
    if (g->restore.started)
        pthread_join(g->restore.thread, NULL);
    if (g->save.started)
        pthread_join(g->save.thread, NULL);
    if (o->progress && o->tty)
        fprintf(o->progress, "\n");
    /* Start to switchover; what the helpers do after complete (hashing
     * memory for the report) is not part of the migration. */
    rep->total_time_ms = ((g->t_unpause_ns ? g->t_unpause_ns : cvg_now_ns()) - g->t0_ns)
                         / 1000000ull;
    if (!rc) {
        rep->ok = g->save.res.ok && g->restore.res.ok;
        if (!g->save.res.ok)
            snprintf(rep->error, sizeof(rep->error), "save: %s", g->save.res.why);
        else if (!g->restore.res.ok)
            snprintf(rep->error, sizeof(rep->error), "restore: %s", g->restore.res.why);
        read_save_report(g, rep);
        work_retained(g, rep);
        finish(g, rep);
        if (!rep->ok)
            rep->converged = false;
    }
out:
    if (g->hv) {
        struct cvg_err e2 = { 0 };

        if (rc && g->have_dst)
            cvg_sim_destroy(g->hv, g->dst, &e2);
        cvg_hv_close(g->hv);
    }
    if (g->have_info0)
        cvg_sim_info_release(&g->info0);
    if (g->have_info1)
        cvg_sim_info_release(&g->info1);
    if (g->dir[0] && strcmp(g->dir, "/tmp/cvg-simmig-XXXXXX")) {
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "%s/save.json", g->dir);
        unlink(cmd);
        snprintf(cmd, sizeof(cmd), "%s/restore.json", g->dir);
        unlink(cmd);
        snprintf(cmd, sizeof(cmd), "%s/migrate-%u.json", g->dir, g->src);
        unlink(cmd);
        rmdir(g->dir);
    }
    free_env(g->env);
    cvg_scenario_free(&g->sc);
    pthread_cond_destroy(&g->changed);
    pthread_mutex_destroy(&g->lock);
    free(g);
    return rc;
}

int cvg_simmig_report_write(const struct cvg_simmig_report *r, const char *path,
                            struct cvg_err *err)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;

    if (!f)
        return cvg_fail(err, -errno, "%s: %s", path, strerror(errno));
    fprintf(f, "{\n  \"scenario\": ");
    cvg_json_string(f, r->scenario);
    fprintf(f, ",\n  \"policy\": ");
    cvg_json_string(f, r->policy);
    fprintf(f, ",\n  \"ok\": %s,\n  \"converged\": %s,\n  \"verified\": %s,\n"
            "  \"aborted\": %s,\n  \"source_running\": %s,\n"
            "  \"total_time_ms\": %" PRIu64 ",\n  \"downtime_ms\": %" PRIu64 ",\n"
            "  \"downtime_limit_ms\": %u,\n  \"bytes_sent\": %" PRIu64 ",\n"
            "  \"memory_bytes\": %" PRIu64 ",\n  \"iterations\": %u,\n"
            "  \"max_throttle_pct\": %u,\n  \"error\": ",
            r->ok ? "true" : "false", r->converged ? "true" : "false",
            r->verified ? "true" : "false", r->aborted ? "true" : "false",
            r->source_running ? "true" : "false", r->total_time_ms,
            r->ok ? r->downtime_ms : 0, r->downtime_limit_ms, r->bytes_sent,
            r->memory_bytes, r->iterations, r->max_throttle_pct);
    cvg_json_string(f, r->error[0] ? r->error : NULL);
    fprintf(f, ",\n  \"vcpus\": [");
    for (uint32_t i = 0; i < r->nr_vcpus; i++)
        fprintf(f, "%s\n    {\"id\": %u, \"work_retained\": %.3f}", i ? "," : "",
                r->vcpus[i].id, r->vcpus[i].work_retained);
    fprintf(f, "%s]\n}\n", r->nr_vcpus ? "\n  " : "");
    if (f != stdout && fclose(f))
        return cvg_fail(err, -errno, "%s: %s", path, strerror(errno));
    return 0;
}
