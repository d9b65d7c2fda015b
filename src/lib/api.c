/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxenconverge (include/xenconverge.h): the handle, the logger, and each
 * call turned into work for the right party -- the domain's dirty-limit
 * owner (owner_client.h), or a running migration's status socket
 * (miginfo.h).  No state outside the handle.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cvg_paths.h"
#include "hv/hv.h"
#include "lib/miginfo.h"
#include "lib/owner_client.h"
#include "lib/owner_proto.h"
#include "xenconverge.h"

#define CTX "xenconverge"
#define CALL_TIMEOUT_MS 5000u
/* Not XENCONVERGE_*: converge-helper refuses unknown variables of that
 * prefix, and it runs with its caller's environment. */
#define LIMITD_ENV "LIBXENCONVERGE_LIMITD"

_Static_assert(XENCONVERGE_MAX_VCPUS == CVG_OWN_MAX_VCPUS, "vCPU bound");
_Static_assert(XENCONVERGE_ALL_VCPUS == CVG_OWN_ALL, "all vCPUs");
_Static_assert(XENCONVERGE_LIMIT_MAX_MIB_S == CVG_OWN_MAX_RATE, "rate bound");
_Static_assert(XENCONVERGE_PERIOD_MIN_MS == CVG_OWN_PERIOD_MIN &&
               XENCONVERGE_PERIOD_MAX_MS == CVG_OWN_PERIOD_MAX, "period bounds");
_Static_assert(XENCONVERGE_MEASURE_NO_PROBE == CVG_OWN_MEASURE_NO_PROBE, "flag");
_Static_assert(XENCONVERGE_VCPU_IDLE == CVG_OWN_VCPU_IDLE &&
               XENCONVERGE_VCPU_PROBED == CVG_OWN_VCPU_PROBED &&
               XENCONVERGE_VCPU_UNSPLIT == CVG_OWN_VCPU_UNSPLIT &&
               XENCONVERGE_VCPU_LIMITED == CVG_OWN_VCPU_LIMITED, "vCPU flags");
_Static_assert(XENCONVERGE_LIMIT_ENFORCING == CVG_OWN_ENFORCING &&
               XENCONVERGE_LIMIT_LEARNING == CVG_OWN_LEARNING &&
               XENCONVERGE_LIMIT_SUSPENDED == CVG_OWN_SUSPENDED, "limit states");

struct xenconverge_handle {
    xentoollog_logger *logger;
    struct cvg_hv *hv;
    char *sim_socket;           /* NULL: Xen */
    char limitd[4096];
    char last_error[CVG_ERR_MSG_MAX];
};

static int vfail(xenconverge_handle *h, xentoollog_level level, int rc, const char *fmt,
                 va_list ap) __attribute__((format(printf, 4, 0)));

static int vfail(xenconverge_handle *h, xentoollog_level level, int rc, const char *fmt,
                 va_list ap)
{
    vsnprintf(h->last_error, sizeof(h->last_error), fmt, ap);
    if (h->logger)
        xtl_log(h->logger, level, rc < 0 ? -rc : -1, CTX, "%s", h->last_error);
    return rc;
}

static int fail(xenconverge_handle *h, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(xenconverge_handle *h, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfail(h, XTL_ERROR, rc, fmt, ap);
    va_end(ap);
    return rc;
}

/* An answer rather than a fault (e.g. "no migration runs"): kept, logged low. */
static int answer(xenconverge_handle *h, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int answer(xenconverge_handle *h, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfail(h, XTL_VERBOSE, rc, fmt, ap);
    va_end(ap);
    return rc;
}

static int fail_err(xenconverge_handle *h, int rc, const struct cvg_err *err)
{
    return fail(h, rc, "%s", err->msg[0] ? err->msg : strerror(-rc));
}

int xenconverge_open(xenconverge_handle **hp, xentoollog_logger *logger,
                     const char *sim_socket, unsigned int flags)
{
    xenconverge_handle *h;
    struct cvg_err err = { 0 };
    const char *sim = sim_socket, *limitd;
    int rc;

    if (!hp)
        return -EINVAL;
    *hp = NULL;
    h = calloc(1, sizeof(*h));
    if (!h) {
        if (logger)
            xtl_log(logger, XTL_ERROR, ENOMEM, CTX, "out of memory for a handle");
        return -ENOMEM;
    }
    h->logger = logger;
    if (flags & ~XENCONVERGE_OPEN_XEN) {
        rc = fail(h, -EINVAL, "xenconverge_open: unknown flags %#x", flags);
        goto fail;
    }
    if (!sim && !(flags & XENCONVERGE_OPEN_XEN))
        sim = getenv("XENCONVERGE_SIM");
    if (sim && *sim) {
        h->sim_socket = strdup(sim);
        if (!h->sim_socket) {
            rc = fail(h, -ENOMEM, "out of memory");
            goto fail;
        }
        rc = cvg_hv_open_sim(&h->hv, sim, &err);
    } else {
        rc = cvg_hv_open_xen(&h->hv, &err);
    }
    if (rc) {
        fail_err(h, rc, &err);
        goto fail;
    }
    /* An installed library runs the installed owner; tests and builds
     * point elsewhere (not honoured for set-uid callers). */
    limitd = secure_getenv(LIMITD_ENV);
    snprintf(h->limitd, sizeof(h->limitd), "%s", limitd && *limitd ? limitd : CVG_LIMITD_PATH);
    *hp = h;
    return 0;
fail:
    free(h->sim_socket);
    free(h);
    return rc;
}

void xenconverge_close(xenconverge_handle *h)
{
    if (!h)
        return;
    if (h->hv)
        cvg_hv_close(h->hv);
    free(h->sim_socket);
    free(h);
}

const char *xenconverge_backend(const xenconverge_handle *h)
{
    return h && h->sim_socket ? "sim" : "xen";
}

const char *xenconverge_last_error(const xenconverge_handle *h)
{
    return h ? h->last_error : "no handle";
}

/* The domain's vCPU count; -ESRCH with a message when it does not exist. */
static int domain_vcpus(xenconverge_handle *h, uint32_t domid, uint32_t *nr)
{
    struct cvg_dominfo di;
    struct cvg_err err = { 0 };
    int rc = h->hv->ops->dominfo(h->hv, domid, &di, &err);

    if (rc)
        return fail(h, rc == -ENOENT || rc == -EINVAL ? -ESRCH : rc, "domain %u: %s", domid,
                    err.msg);
    *nr = di.max_vcpu_id + 1 > XENCONVERGE_MAX_VCPUS ? XENCONVERGE_MAX_VCPUS :
          di.max_vcpu_id + 1;
    return 0;
}

/*
 * One request to domid's owner, starting one if spawn says so.  An owner
 * may end (idle) just as we connect: then once more.  Returns 0 with *r
 * holding the reply (status included), -ENOENT when there is no owner and
 * spawn is false.
 */
static int owner_request(xenconverge_handle *h, uint32_t domid, bool spawn,
                         const struct cvg_own_req *q, uint32_t timeout_ms,
                         struct cvg_own_reply *r)
{
    struct cvg_err err = { 0 };
    int rc = -EPIPE;

    for (int attempt = 0; attempt < 2 && rc == -EPIPE; attempt++) {
        int fd;

        cvg_err_clear(&err);
        rc = cvg_owner_connect(h->sim_socket, domid, spawn ? h->limitd : NULL, &fd, &err);
        if (rc == -ENOENT && !spawn)
            return rc;
        if (rc)
            return fail_err(h, rc, &err);
        rc = cvg_owner_call(fd, q, r, timeout_ms, &err);
        close(fd);
    }
    if (rc)
        return fail(h, rc, "domain %u's dirty-limit owner: %s", domid, err.msg);
    return 0;
}

static void sleep_ms(uint32_t ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

/*
 * A migration owns log-dirty: its own dirty rate, split over the vCPUs by
 * the run time each had in the period (it cannot be told apart better
 * without log-dirty of our own).
 */
static int rate_from_migration(xenconverge_handle *h, uint32_t domid, uint32_t nr,
                               uint32_t period_ms, struct xenconverge_dirty_rate *out)
{
    struct xenconverge_migration_info mi;
    struct cvg_vcpuinfo vi;
    struct cvg_err err = { 0 };
    uint64_t t0[XENCONVERGE_MAX_VCPUS], t1[XENCONVERGE_MAX_VCPUS];
    double run = 0, busy = 0;
    struct timespec a, b;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &a);
    for (uint32_t v = 0; v < nr; v++) {
        if ((rc = h->hv->ops->vcpuinfo(h->hv, domid, v, &vi, &err)))
            return fail_err(h, rc, &err);
        t0[v] = vi.cpu_time_ns;
    }
    sleep_ms(period_ms);
    for (uint32_t v = 0; v < nr; v++) {
        if ((rc = h->hv->ops->vcpuinfo(h->hv, domid, v, &vi, &err)))
            return fail_err(h, rc, &err);
        t1[v] = vi.cpu_time_ns;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    if ((rc = cvg_miginfo_read(h->sim_socket, domid, &mi, &err)))
        return fail_err(h, rc, &err);
    out->vcpus = calloc(nr, sizeof(*out->vcpus));
    if (!out->vcpus)
        return fail(h, -ENOMEM, "out of memory");
    out->source = XENCONVERGE_SOURCE_MIGRATION;
    out->period_ms = (uint32_t)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000);
    out->nr_vcpus = nr;
    out->rate_mib_s = mi.dirty_rate_mib_s;
    for (uint32_t v = 0; v < nr; v++) {
        double cpu = t1[v] > t0[v] ? (t1[v] - t0[v]) / 1e6 / (out->period_ms ? out->period_ms : 1)
                                   : 0;

        out->vcpus[v].vcpu = v;
        out->vcpus[v].cpu = cpu > 1 ? 1 : cpu;
        run += out->vcpus[v].cpu;
        busy += out->vcpus[v].cpu > 0.02;
    }
    for (uint32_t v = 0; v < nr; v++) {
        struct xenconverge_vcpu_rate *x = &out->vcpus[v];

        if (x->cpu <= 0.02) {
            x->flags = XENCONVERGE_VCPU_IDLE;
            x->confidence = 1;
            continue;
        }
        x->flags = XENCONVERGE_VCPU_UNSPLIT;
        x->rate_mib_s = run > 0 ? out->rate_mib_s * x->cpu / run : 0;
        x->confidence = busy > 0 ? 1 / busy : 0;
    }
    out->confidence = busy > 0 ? 1 / busy : 1;
    return 0;
}

int xenconverge_dirty_rate_measure(xenconverge_handle *h, uint32_t domid,
                                   uint32_t period_ms, unsigned int flags,
                                   struct xenconverge_dirty_rate *out)
{
    struct xenconverge_migration_info mi;
    struct cvg_own_req q = { .op = CVG_OWN_MEASURE };
    struct cvg_own_reply *r = NULL;
    struct cvg_err err = { 0 };
    uint32_t nr;
    int rc;

    if (!h || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->domid = domid;
    if (!period_ms)
        period_ms = XENCONVERGE_PERIOD_DEFAULT_MS;
    if (period_ms < XENCONVERGE_PERIOD_MIN_MS || period_ms > XENCONVERGE_PERIOD_MAX_MS)
        return fail(h, -EINVAL, "period %u ms is not in %u..%u ms", period_ms,
                    XENCONVERGE_PERIOD_MIN_MS, XENCONVERGE_PERIOD_MAX_MS);
    if (flags & ~XENCONVERGE_MEASURE_NO_PROBE)
        return fail(h, -EINVAL, "unknown measurement flags %#x", flags);
    if ((rc = domain_vcpus(h, domid, &nr)))
        return rc;
    if (!cvg_miginfo_read(h->sim_socket, domid, &mi, &err))
        return rate_from_migration(h, domid, nr, period_ms, out);

    r = calloc(1, sizeof(*r));
    if (!r)
        return fail(h, -ENOMEM, "out of memory");
    q.period_ms = period_ms;
    q.flags = flags;
    rc = owner_request(h, domid, true, &q, 2 * period_ms + CALL_TIMEOUT_MS, r);
    if (rc)
        goto out;
    if (r->status == -EBUSY && !cvg_miginfo_read(h->sim_socket, domid, &mi, &err)) {
        /* A migration started meanwhile. */
        rc = rate_from_migration(h, domid, nr, period_ms, out);
        goto out;
    }
    if (r->status) {
        rc = fail(h, r->status, "domain %u: %s", domid, r->text);
        goto out;
    }
    out->vcpus = calloc(r->n ? r->n : 1, sizeof(*out->vcpus));
    if (!out->vcpus) {
        rc = fail(h, -ENOMEM, "out of memory");
        goto out;
    }
    out->source = r->source;
    out->period_ms = r->period_ms;
    out->rate_mib_s = r->rate_mib_s;
    out->confidence = r->confidence;
    out->nr_vcpus = r->n;
    for (uint32_t i = 0; i < r->n; i++) {
        out->vcpus[i].vcpu = r->v[i].vcpu;
        out->vcpus[i].flags = r->v[i].flags;
        out->vcpus[i].rate_mib_s = r->v[i].rate_mib_s;
        out->vcpus[i].confidence = r->v[i].confidence;
        out->vcpus[i].cpu = r->v[i].cpu;
    }
out:
    free(r);
    return rc;
}

void xenconverge_dirty_rate_dispose(struct xenconverge_dirty_rate *r)
{
    if (!r)
        return;
    free(r->vcpus);
    r->vcpus = NULL;
    r->nr_vcpus = 0;
}

int xenconverge_dirty_limit_set(xenconverge_handle *h, uint32_t domid, uint32_t vcpu,
                                uint32_t rate_mib_s, unsigned int flags)
{
    struct xenconverge_migration_info mi;
    struct cvg_own_req q = { .op = CVG_OWN_SET, .vcpu = vcpu, .rate_mib_s = rate_mib_s };
    struct cvg_own_reply *r;
    struct cvg_err err = { 0 };
    uint32_t nr;
    int rc;

    if (!h)
        return -EINVAL;
    if (flags)
        return fail(h, -EINVAL, "unknown dirty-limit flags %#x", flags);
    if (!rate_mib_s || rate_mib_s > XENCONVERGE_LIMIT_MAX_MIB_S)
        return fail(h, -EINVAL, "dirty limit of %u MiB/s is not in 1..%u", rate_mib_s,
                    XENCONVERGE_LIMIT_MAX_MIB_S);
    if ((rc = domain_vcpus(h, domid, &nr)))
        return rc;
    if (vcpu != XENCONVERGE_ALL_VCPUS && vcpu >= nr)
        return fail(h, -ESRCH, "domain %u has no vcpu %u (it has %u)", domid, vcpu, nr);
    /* QEMU refuses too: the migration's own throttle governs the domain. */
    if (!cvg_miginfo_read(h->sim_socket, domid, &mi, &err))
        return fail(h, -EBUSY, "a migration of domain %u is running (converge-helper pid %d): "
                    "its own throttle governs the domain until it ends", domid,
                    (int)mi.helper_pid);
    r = calloc(1, sizeof(*r));
    if (!r)
        return fail(h, -ENOMEM, "out of memory");
    rc = owner_request(h, domid, true, &q, CALL_TIMEOUT_MS, r);
    if (!rc && r->status)
        rc = fail(h, r->status, "domain %u: %s", domid, r->text);
    free(r);
    return rc;
}

int xenconverge_dirty_limit_cancel(xenconverge_handle *h, uint32_t domid, uint32_t vcpu)
{
    struct cvg_own_req q = { .op = CVG_OWN_CANCEL, .vcpu = vcpu };
    struct cvg_own_reply *r;
    int rc;

    if (!h)
        return -EINVAL;
    if (vcpu != XENCONVERGE_ALL_VCPUS && vcpu >= XENCONVERGE_MAX_VCPUS)
        return fail(h, -EINVAL, "vcpu %u is not below %u", vcpu, XENCONVERGE_MAX_VCPUS);
    r = calloc(1, sizeof(*r));
    if (!r)
        return fail(h, -ENOMEM, "out of memory");
    rc = owner_request(h, domid, false, &q, CALL_TIMEOUT_MS, r);
    if (rc == -ENOENT)
        rc = 0;                 /* no owner: no limit to cancel */
    else if (!rc && r->status)
        rc = fail(h, r->status, "domain %u: %s", domid, r->text);
    free(r);
    return rc;
}

int xenconverge_dirty_limit_list(xenconverge_handle *h, uint32_t domid,
                                 struct xenconverge_dirty_limits *out)
{
    struct cvg_own_req q = { .op = CVG_OWN_LIST };
    struct cvg_own_reply *r;
    int rc;

    if (!h || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    out->domid = domid;
    r = calloc(1, sizeof(*r));
    if (!r)
        return fail(h, -ENOMEM, "out of memory");
    rc = owner_request(h, domid, false, &q, CALL_TIMEOUT_MS, r);
    if (rc == -ENOENT) {
        rc = 0;                 /* no owner: no limits */
        goto out;
    }
    if (!rc && r->status)
        rc = fail(h, r->status, "domain %u: %s", domid, r->text);
    if (rc)
        goto out;
    out->owner_pid = (int32_t)r->owner_pid;
    out->limits = calloc(r->n ? r->n : 1, sizeof(*out->limits));
    if (!out->limits) {
        rc = fail(h, -ENOMEM, "out of memory");
        goto out;
    }
    out->nr = r->n;
    for (uint32_t i = 0; i < r->n; i++) {
        struct xenconverge_dirty_limit *l = &out->limits[i];

        l->vcpu = r->v[i].vcpu;
        l->limit_mib_s = r->v[i].limit_mib_s;
        l->state = r->v[i].state;
        l->flags = r->v[i].flags;
        l->current_mib_s = r->v[i].rate_mib_s;
        l->confidence = r->v[i].confidence;
        l->share = r->v[i].share;
    }
out:
    free(r);
    return rc;
}

void xenconverge_dirty_limits_dispose(struct xenconverge_dirty_limits *l)
{
    if (!l)
        return;
    free(l->limits);
    l->limits = NULL;
    l->nr = 0;
}

int xenconverge_migration_info(xenconverge_handle *h, uint32_t domid,
                               struct xenconverge_migration_info *out)
{
    struct cvg_err err = { 0 };
    int rc;

    if (!h || !out)
        return -EINVAL;
    rc = cvg_miginfo_read(h->sim_socket, domid, out, &err);
    if (rc == -ESRCH)
        return answer(h, rc, "%s", err.msg);
    return rc ? fail_err(h, rc, &err) : 0;
}
