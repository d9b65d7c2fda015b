/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/scenario.h"
#include "sim/ops.h"

static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;

static int put32(struct cvg_sink *s, uint32_t v, struct cvg_err *err)
{
    uint8_t b[4];

    cvg_put_le32(b, v);
    return cvg_sink_write(s, b, sizeof(b), err);
}

static int put64(struct cvg_sink *s, uint64_t v, struct cvg_err *err)
{
    uint8_t b[8];

    cvg_put_le64(b, v);
    return cvg_sink_write(s, b, sizeof(b), err);
}

static int create_scenario(struct simd_machine *m, const struct cvg_sim_req *req,
                           struct cvg_sink *reply, struct cvg_err *err)
{
    struct cvg_scenario sc;
    struct simd_domain *d = NULL;
    char source[CVG_SIM_MAX_SOURCE + 1];
    uint32_t domid;
    int rc;

    memset(&sc, 0, sizeof(sc));
    memcpy(source, req->u.scenario.source, req->u.scenario.source_len);
    source[req->u.scenario.source_len] = '\0';
    /* libxlutil does not promise a thread-safe parser: one parse at a time. */
    pthread_mutex_lock(&parse_lock);
    rc = cvg_scenario_parse(req->u.scenario.text, req->u.scenario.text_len,
                            source[0] ? source : "scenario", &sc, err);
    pthread_mutex_unlock(&parse_lock);
    if (rc)
        return rc;
    rc = simd_domain_create_scenario(&sc, m->nr_pcpus, &d, err);
    cvg_scenario_free(&sc);
    if (rc)
        return rc;
    if ((rc = simd_machine_add(m, d, &domid, err)))
        return rc;
    return put32(reply, domid, err);
}

static int create_empty(struct simd_machine *m, const struct cvg_sim_req *req,
                        struct cvg_sink *reply, struct cvg_err *err)
{
    struct simd_domain *d = NULL;
    uint32_t domid;
    int rc;

    rc = simd_domain_create_empty(req->u.empty.pages, req->u.empty.vcpus,
                                  req->u.empty.flags & CVG_SIM_EMPTY_PAUSED,
                                  req->u.empty.name[0] ? req->u.empty.name : "restore",
                                  m->nr_pcpus, &d, err);
    if (rc)
        return rc;
    if ((rc = simd_machine_add(m, d, &domid, err)))
        return rc;
    return put32(reply, domid, err);
}

static int list(struct simd_machine *m, struct cvg_sink *reply, struct cvg_err *err)
{
    struct simd_domain **doms = NULL;
    struct cvg_sim_list_entry *e = NULL;
    uint32_t n = 0;
    int rc;

    if ((rc = simd_machine_list(m, &doms, &n, err)))
        return rc;
    if (!(e = calloc(n ? n : 1, sizeof(*e)))) {
        rc = cvg_fail(err, -ENOMEM, "no memory to list domains");
        goto out;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct simd_domain *d = doms[i];

        pthread_mutex_lock(&d->lock);
        e[i].domid = d->domid;
        e[i].nr_vcpus = d->nr_vcpus;
        e[i].paused = d->pause_count > 0;
        e[i].shutdown = d->shutdown;
        e[i].logdirty = atomic_load(&d->ld.enabled);
        e[i].p2m_size = d->nr_pages;
        snprintf(e[i].name, sizeof(e[i].name), "%s", d->name);
        pthread_mutex_unlock(&d->lock);
    }
    rc = cvg_sim_list_encode(reply, e, n, err);
out:
    for (uint32_t i = 0; i < n; i++)
        simd_domain_put(doms[i]);
    free(doms);
    free(e);
    return rc;
}

/* A read-only view of the memfd for PROT_READ clients: they cannot write. */
static int map_fd(struct simd_domain *d, uint32_t prot, int *fd, struct cvg_err *err)
{
    char path[64];

    if (prot == CVG_SIM_PROT_RW) {
        *fd = fcntl(d->memfd, F_DUPFD_CLOEXEC, 0);
        if (*fd < 0)
            return cvg_fail(err, -errno, "duplicating the memory fd of domain %u: %s",
                            d->domid, strerror(errno));
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", d->memfd);
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return cvg_fail(err, -errno, "reopening the memory of domain %u read-only: %s",
                        d->domid, strerror(errno));
    return 0;
}

static int logdirty_op(struct simd_domain *d, const struct cvg_sim_req *req,
                       struct cvg_sink *reply, struct cvg_err *err)
{
    uint64_t pages = req->u.logdirty.pages;
    uint64_t bits = pages < d->nr_pages ? pages : d->nr_pages;
    uint64_t words = (bits + 63) / 64;
    uint64_t *bm = NULL;
    uint32_t count = 0;
    uint8_t hdr[24];
    int rc;

    if (words && !(bm = malloc(words * 8)))
        return cvg_fail(err, -ENOMEM, "no memory for a bitmap of %llu pages",
                        (unsigned long long)bits);
    rc = simd_domain_logdirty_op(d, req->u.logdirty.op == 11, pages ? bm : NULL, pages,
                                 &count, err);
    if (rc)
        goto out;
    cvg_put_le32(hdr, 0);               /* fault_count: never counted on x86 */
    cvg_put_le32(hdr + 4, count);
    cvg_put_le64(hdr + 8, pages);
    cvg_put_le64(hdr + 16, pages ? bits : 0);
    if ((rc = cvg_sink_write(reply, hdr, sizeof(hdr), err)))
        goto out;
    if (pages && words) {
        /* In place: the words become their little-endian encoding. */
        for (uint64_t i = 0; i < words; i++)
            cvg_put_le64(&bm[i], bm[i]);
        rc = cvg_sink_write(reply, bm, words * 8, err);
    }
out:
    free(bm);
    return rc;
}

static int domain_op(struct simd_machine *m, struct simd_domain *d,
                     const struct cvg_sim_req *req, struct cvg_sink *reply, int *pass_fd,
                     struct cvg_err *err)
{
    uint8_t b[CVG_SIM_DOMINFO_SIZE];
    int rc = 0;

    switch ((enum cvg_sim_op)req->op) {
    case CVG_SIM_OP_INFO: {
        struct cvg_sim_info info;

        if ((rc = simd_domain_info(d, &info, err)))
            return rc;
        rc = cvg_sim_info_encode(reply, &info, err);
        cvg_sim_info_release(&info);
        return rc;
    }
    case CVG_SIM_OP_DIGEST: {
        uint8_t sha[32];

        if ((rc = simd_domain_digest(d, sha, err)))
            return rc;
        return cvg_sink_write(reply, sha, sizeof(sha), err);
    }
    case CVG_SIM_OP_TRUTH: {
        struct cvg_sim_truth t;

        if ((rc = simd_domain_truth(d, &t, err)))
            return rc;
        rc = cvg_sim_truth_encode(reply, &t, err);
        cvg_sim_truth_release(&t);
        return rc;
    }
    case CVG_SIM_OP_DOMINFO: {
        struct cvg_sim_dominfo di;

        simd_domain_dominfo(d, &di);
        cvg_sim_dominfo_encode(b, &di);
        return cvg_sink_write(reply, b, CVG_SIM_DOMINFO_SIZE, err);
    }
    case CVG_SIM_OP_VCPUINFO: {
        struct cvg_sim_vcpuinfo vi;

        if ((rc = simd_domain_vcpuinfo(d, req->u.vcpu, &vi, err)))
            return rc;
        cvg_sim_vcpuinfo_encode(b, &vi);
        return cvg_sink_write(reply, b, CVG_SIM_VCPUINFO_SIZE, err);
    }
    case CVG_SIM_OP_MAP: {
        int fd = -1;

        if ((rc = map_fd(d, req->u.prot, &fd, err)))
            return rc;
        if ((rc = put64(reply, d->nr_pages, err)) || (rc = put32(reply, req->u.prot, err)) ||
            (rc = put32(reply, 0, err))) {
            close(fd);
            return rc;
        }
        *pass_fd = fd;
        return 0;
    }
    case CVG_SIM_OP_PFN_TYPES: {
        uint32_t *types = malloc(sizeof(*types) * (req->u.pfns.n ? req->u.pfns.n : 1));

        if (!types)
            return cvg_fail(err, -ENOMEM, "no memory for %u pfn types", req->u.pfns.n);
        simd_domain_pfn_types(d, req, types);
        for (uint32_t i = 0; i < req->u.pfns.n && !rc; i++)
            rc = put32(reply, types[i], err);
        free(types);
        return rc;
    }
    case CVG_SIM_OP_POPULATE:
        return simd_domain_populate(d, req, err);
    case CVG_SIM_OP_LOGDIRTY_ENABLE:
        return simd_domain_logdirty_enable(d, err);
    case CVG_SIM_OP_LOGDIRTY_DISABLE:
        return simd_domain_logdirty_disable(d, err);
    case CVG_SIM_OP_LOGDIRTY_OP:
        return logdirty_op(d, req, reply, err);
    case CVG_SIM_OP_LOGDIRTY_ENABLED:
        return put32(reply, atomic_load(&d->ld.enabled) ? 1 : 0, err);
    case CVG_SIM_OP_PAUSE:
        return simd_domain_pause(d, err);
    case CVG_SIM_OP_UNPAUSE:
        return simd_domain_unpause(d, err);
    case CVG_SIM_OP_SUSPEND:
        return simd_domain_suspend(d, err);
    case CVG_SIM_OP_RESUME:
        return simd_domain_resume(d, err);
    case CVG_SIM_OP_SCHED_ID:
        return put32(reply, 100 /* CVG_SCHED_SIM */, err);
    case CVG_SIM_OP_CAP_GET: {
        uint32_t cap;

        pthread_mutex_lock(&d->lock);
        cap = d->cap;
        pthread_mutex_unlock(&d->lock);
        return put32(reply, cap, err);
    }
    case CVG_SIM_OP_CAP_SET:
        return simd_domain_cap_set(d, req->u.cap, err);
    case CVG_SIM_OP_BUDGET_GET: {
        uint32_t period, budget;

        if ((rc = simd_domain_budget_get(d, req->u.vcpu, &period, &budget, err)))
            return rc;
        if ((rc = put32(reply, period, err)))
            return rc;
        return put32(reply, budget, err);
    }
    case CVG_SIM_OP_BUDGET_SET:
        return simd_domain_budget_set(d, req->u.budget.vcpu, req->u.budget.period_us,
                                      req->u.budget.budget_us, err);
    case CVG_SIM_OP_AFFINITY_GET: {
        uint64_t map;

        if ((rc = simd_domain_affinity_get(d, req->u.vcpu, &map, err)))
            return rc;
        if ((rc = put32(reply, 1, err)) || (rc = put32(reply, 0, err)))
            return rc;
        return put64(reply, map, err);
    }
    case CVG_SIM_OP_AFFINITY_SET:
        return simd_domain_affinity_set(d, req->u.affinity.vcpu, req->u.affinity.map,
                                        req->u.affinity.nwords, m->nr_pcpus, err);
    case CVG_SIM_OP_HVM_CONTEXT_GET: {
        uint8_t *buf = NULL;
        size_t len = 0;

        if ((rc = simd_domain_hvm_context_get(d, &buf, &len, err)))
            return rc;
        rc = cvg_sink_write(reply, buf, len, err);
        free(buf);
        return rc;
    }
    case CVG_SIM_OP_HVM_CONTEXT_SET:
        return simd_domain_hvm_context_set(d, req->u.blob.buf, req->u.blob.len, err);
    case CVG_SIM_OP_HVM_PARAM_GET: {
        uint64_t v;

        simd_domain_hvm_param_get(d, req->u.param.index, &v);
        return put64(reply, v, err);
    }
    case CVG_SIM_OP_HVM_PARAM_SET:
        simd_domain_hvm_param_set(d, req->u.param.index, req->u.param.value);
        return 0;
    case CVG_SIM_OP_TSC_GET: {
        uint32_t mode, khz, inc;
        uint64_t nsec;
        uint8_t t[24];

        simd_domain_tsc_get(d, &mode, &khz, &nsec, &inc);
        cvg_put_le32(t, mode);
        cvg_put_le32(t + 4, khz);
        cvg_put_le64(t + 8, nsec);
        cvg_put_le32(t + 16, inc);
        cvg_put_le32(t + 20, 0);
        return cvg_sink_write(reply, t, sizeof(t), err);
    }
    case CVG_SIM_OP_TSC_SET:
        simd_domain_tsc_set(d, req->u.tsc.mode, req->u.tsc.khz, req->u.tsc.nsec,
                            req->u.tsc.incarnation);
        return 0;
    default:
        return cvg_fail(err, -EOPNOTSUPP, "sim op %u is not a domain op", req->op);
    }
}

int simd_handle(struct simd_machine *m, const struct cvg_sim_req *req, struct cvg_sink *reply,
                int *pass_fd, struct cvg_err *err)
{
    struct simd_domain *d = NULL;
    int rc;

    *pass_fd = -1;
    switch ((enum cvg_sim_op)req->op) {
    case CVG_SIM_OP_HELLO:
        if ((rc = put32(reply, CVG_SIM_VERSION, err)) || (rc = put32(reply, m->nr_pcpus, err)) ||
            (rc = put32(reply, (uint32_t)getpid(), err)))
            return rc;
        return put32(reply, 0, err);
    case CVG_SIM_OP_NR_PCPUS:
        return put32(reply, m->nr_pcpus, err);
    case CVG_SIM_OP_CREATE_SCENARIO:
        return create_scenario(m, req, reply, err);
    case CVG_SIM_OP_CREATE_EMPTY:
        return create_empty(m, req, reply, err);
    case CVG_SIM_OP_DESTROY:
        return simd_machine_destroy(m, req->domid, err);
    case CVG_SIM_OP_LIST:
        return list(m, reply, err);
    default:
        break;
    }
    if ((rc = simd_machine_get(m, req->domid, &d, err)))
        return rc;
    rc = domain_op(m, d, req, reply, pass_fd, err);
    simd_domain_put(d);
    return rc;
}
