/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The `sim` back end of the hypervisor port: a client of converge-simd.
 *
 * One connection per handle, one request at a time (a mutex serialises
 * threads sharing the handle).  Guest memory is mapped as xenforeignmemory
 * maps guest frames, but whole: the daemon passes the domain's memfd with
 * SCM_RIGHTS, we mmap it once per (domain, protection) and keep it until
 * the handle closes, and a batch's pages are pointers into that view.
 * The view's page tables are filled a 2 MiB chunk at a time, when a batch
 * first reaches into the chunk (see prefault()).
 * Daemon replies are bounded and checked like any peer's bytes.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hv/sim_client.h"
#include "sim/frame.h"

_Static_assert(sizeof(unsigned long) == 8, "log-dirty bitmaps are 64-bit words here");

/* Pages per chunk of a view whose page tables are filled at once. */
#define SIM_CHUNK_SHIFT 9
#define SIM_CHUNK_PAGES (1ull << SIM_CHUNK_SHIFT)

struct sim_map {
    struct sim_map *next;
    uint32_t domid;
    int prot;
    uint8_t *base;
    uint64_t pages;
    unsigned long *filled;      /* chunks prefault() has done (atomic bits) */
};

struct sim_priv {
    int fd;
    pthread_mutex_t lock;
    uint32_t seq;
    uint32_t nr_pcpus;
    uint32_t daemon_pid;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    struct sim_map *maps;
};

static const struct cvg_hv_ops sim_ops;

static struct sim_priv *P(struct cvg_hv *hv)
{
    return hv->priv;
}

bool cvg_hv_is_sim(const struct cvg_hv *hv)
{
    return hv && hv->ops == &sim_ops;
}

uint32_t cvg_sim_daemon_pid(const struct cvg_hv *hv)
{
    return cvg_hv_is_sim(hv) ? ((struct sim_priv *)hv->priv)->daemon_pid : 0;
}

/* The daemon's error text, kept printable whatever arrives. */
static int daemon_error(struct sim_priv *p, int status, const uint8_t *text, size_t len,
                        struct cvg_err *err)
{
    char msg[CVG_SIM_MAX_ERR_TEXT + 1];

    if (len > CVG_SIM_MAX_ERR_TEXT)
        len = CVG_SIM_MAX_ERR_TEXT;
    for (size_t i = 0; i < len; i++)
        msg[i] = text[i] >= 0x20 && text[i] < 0x7f ? (char)text[i] : '?';
    msg[len] = '\0';
    if (status < -4095)
        status = -EIO;
    return cvg_fail(err, status, "converge-simd: %s", len ? msg : strerror(-status));
}

/*
 * One request, one reply.  *out and *out_len receive the payload (malloc()ed,
 * may be NULL when empty); got_fd, when not NULL, a passed descriptor.
 */
static int call(struct cvg_hv *hv, const struct cvg_sim_req *req, uint8_t **out,
                size_t *out_len, int *got_fd, struct cvg_err *err)
{
    struct sim_priv *p = P(hv);
    const char *opn = cvg_sim_op_name(req->op);
    struct cvg_sink sink;
    struct cvg_sim_hdr h;
    uint8_t *payload = NULL;
    uint32_t seq;
    int fd = -1, rc;
    struct iovec iov;

    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (got_fd)
        *got_fd = -1;
    cvg_sink_init_mem(&sink);
    sink.max = CVG_SIM_HDR_SIZE + CVG_SIM_MAX_REQ_PAYLOAD;

    pthread_mutex_lock(&p->lock);
    seq = ++p->seq;
    if ((rc = cvg_sim_req_encode(&sink, req, seq, err)))
        goto out;
    iov.iov_base = sink.buf;
    iov.iov_len = sink.len;
    if ((rc = cvg_sim_sendv(p->fd, &iov, 1, -1))) {
        /* It may have hung up with a reason (e.g. too many clients): read it. */
        struct cvg_err why = { 0 };

        if (cvg_sim_recv_frame(p->fd, true, &h, &payload, &fd, &why) == 0 && h.status < 0)
            rc = daemon_error(p, h.status, payload, h.len, err);
        else
            rc = cvg_fail(err, rc, "converge-simd at %s: sending %s: %s", p->path, opn,
                          strerror(-rc));
        goto out;
    }
    rc = cvg_sim_recv_frame(p->fd, true, &h, &payload, &fd, err);
    if (rc == -EPIPE && (!err || !err->code))
        rc = cvg_fail(err, rc, "converge-simd at %s closed the connection during %s",
                      p->path, opn);
    if (rc) {
        cvg_err_prefix(err, "converge-simd at %s", p->path);
        goto out;
    }
    if (h.status < 0) {
        rc = daemon_error(p, h.status, payload, h.len, err);
        goto out;
    }
    if (h.op != req->op || h.seq != seq) {
        rc = cvg_fail(err, -EPROTO, "converge-simd: reply for op %u seq %u to %s seq %u",
                      h.op, h.seq, opn, seq);
        goto out;
    }
    if (out) {
        *out = payload;
        payload = NULL;
    }
    if (out_len)
        *out_len = h.len;
    if (got_fd) {
        *got_fd = fd;
        fd = -1;
    }
out:
    pthread_mutex_unlock(&p->lock);
    if (fd >= 0)
        close(fd);
    free(payload);
    cvg_sink_free(&sink);
    return rc;
}

static int simple(struct cvg_hv *hv, enum cvg_sim_op op, uint32_t domid, struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = op, .domid = domid };

    return call(hv, &req, NULL, NULL, NULL, err);
}

/* A request whose reply is n little-endian u32 (n 1..4) and nothing else. */
static int call_u32s(struct cvg_hv *hv, const struct cvg_sim_req *req, uint32_t *v, size_t n,
                     struct cvg_err *err)
{
    uint8_t *b = NULL;
    size_t len;
    int rc = call(hv, req, &b, &len, NULL, err);

    if (rc)
        return rc;
    if (len != 4 * n)
        rc = cvg_fail(err, -EPROTO, "converge-simd: %s reply of %zu bytes, expected %zu",
                      cvg_sim_op_name(req->op), len, 4 * n);
    else
        for (size_t i = 0; i < n; i++)
            v[i] = cvg_get_le32(b + 4 * i);
    free(b);
    return rc;
}

static int call_u64(struct cvg_hv *hv, const struct cvg_sim_req *req, uint64_t *v,
                    struct cvg_err *err)
{
    uint8_t *b = NULL;
    size_t len;
    int rc = call(hv, req, &b, &len, NULL, err);

    if (rc)
        return rc;
    if (len != 8)
        rc = cvg_fail(err, -EPROTO, "converge-simd: %s reply of %zu bytes, expected 8",
                      cvg_sim_op_name(req->op), len);
    else
        *v = cvg_get_le64(b);
    free(b);
    return rc;
}

static void sim_close(struct cvg_hv *hv)
{
    struct sim_priv *p;

    if (!hv)
        return;
    p = P(hv);
    if (p) {
        while (p->maps) {
            struct sim_map *m = p->maps;

            p->maps = m->next;
            munmap(m->base, m->pages << CVG_SIM_PAGE_SHIFT);
            free(m->filled);
            free(m);
        }
        if (p->fd >= 0)
            close(p->fd);
        pthread_mutex_destroy(&p->lock);
        free(p);
    }
    free(hv);
}

static int sim_dominfo(struct cvg_hv *hv, uint32_t domid, struct cvg_dominfo *info,
                       struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_DOMINFO, .domid = domid };
    struct cvg_sim_dominfo d;
    uint8_t *b = NULL;
    size_t len;
    int rc = call(hv, &req, &b, &len, NULL, err);

    if (rc)
        return rc;
    rc = cvg_sim_dominfo_decode(b, len, &d, err);
    free(b);
    if (rc)
        return rc;
    memset(info, 0, sizeof(*info));
    info->domid = d.domid;
    info->hvm = d.hvm;
    info->paused = d.paused;
    info->shutdown = d.shutdown;
    info->dying = d.dying;
    info->shutdown_reason = d.shutdown_reason;
    info->max_vcpu_id = d.max_vcpu_id;
    info->nr_online_vcpus = d.nr_online_vcpus;
    info->p2m_size = d.p2m_size;
    info->nr_pages = d.nr_pages;
    info->cpu_time_ns = d.cpu_time_ns;
    info->cpupool = d.cpupool;
    return 0;
}

static int sim_vcpuinfo(struct cvg_hv *hv, uint32_t domid, uint32_t vcpu,
                        struct cvg_vcpuinfo *info, struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_VCPUINFO, .domid = domid, .u.vcpu = vcpu };
    struct cvg_sim_vcpuinfo v;
    uint8_t *b = NULL;
    size_t len;
    int rc = call(hv, &req, &b, &len, NULL, err);

    if (rc)
        return rc;
    rc = cvg_sim_vcpuinfo_decode(b, len, &v, err);
    free(b);
    if (rc)
        return rc;
    info->online = v.online;
    info->blocked = v.blocked;
    info->running = v.running;
    info->cpu_time_ns = v.cpu_time_ns;
    info->cpu = v.cpu;
    return 0;
}

static int sim_nr_pcpus(struct cvg_hv *hv, uint32_t *nr, struct cvg_err *err)
{
    *nr = P(hv)->nr_pcpus;
    return 0;
}

/* The cached view of a domain's memory with at least prot, made on first use. */
static int get_map(struct cvg_hv *hv, uint32_t domid, int prot, struct sim_map **out,
                   struct cvg_err *err)
{
    struct sim_priv *p = P(hv);
    struct cvg_sim_req req = { .op = CVG_SIM_OP_MAP, .domid = domid };
    struct sim_map *m;
    uint8_t *b = NULL;
    size_t len;
    uint64_t pages;
    int fd = -1, rc;
    struct stat st = { 0 };
    void *base;

    pthread_mutex_lock(&p->lock);
    for (m = p->maps; m; m = m->next)
        if (m->domid == domid && (m->prot & prot) == prot)
            break;
    pthread_mutex_unlock(&p->lock);
    if (m) {
        *out = m;
        return 0;
    }
    req.u.prot = (prot & PROT_WRITE) ? CVG_SIM_PROT_RW : CVG_SIM_PROT_READ;
    if ((rc = call(hv, &req, &b, &len, &fd, err)))
        return rc;
    if (len != 16 || fd < 0) {
        rc = cvg_fail(err, -EPROTO, "converge-simd: map reply of %zu bytes%s", len,
                      fd < 0 ? " without a memory descriptor" : "");
        goto out;
    }
    pages = cvg_get_le64(b);
    /* The descriptor must really hold that much memory, or touching it faults. */
    if (pages == 0 || pages > CVG_SIM_MAX_PAGES || fstat(fd, &st) ||
        (uint64_t)st.st_size < pages << CVG_SIM_PAGE_SHIFT) {
        rc = cvg_fail(err, -EPROTO, "converge-simd: map of domain %u: %llu pages but a %lld-byte file",
                      domid, (unsigned long long)pages, (long long)st.st_size);
        goto out;
    }
    /* Not MAP_POPULATE: filling 2 GiB of page tables up front took a
     * quarter of a second on each side before the first page moved, and
     * the stream waited for it (bench/throughput). */
    base = mmap(NULL, pages << CVG_SIM_PAGE_SHIFT, prot, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        rc = cvg_fail(err, -errno, "mapping the %llu MiB of domain %u: %s",
                      (unsigned long long)(pages >> 8), domid, strerror(errno));
        goto out;
    }
    if (!(m = calloc(1, sizeof(*m))) ||
        !(m->filled = calloc((size_t)((pages + SIM_CHUNK_PAGES * 64 - 1) /
                                      (SIM_CHUNK_PAGES * 64)), sizeof(unsigned long)))) {
        munmap(base, pages << CVG_SIM_PAGE_SHIFT);
        free(m);
        rc = cvg_fail(err, -ENOMEM, "out of memory");
        goto out;
    }
    m->domid = domid;
    m->prot = prot;
    m->base = base;
    m->pages = pages;
    pthread_mutex_lock(&p->lock);
    m->next = p->maps;
    p->maps = m;
    pthread_mutex_unlock(&p->lock);
    *out = m;
out:
    if (fd >= 0)
        close(fd);
    free(b);
    return rc;
}

/* Forget a destroyed domain's views (the memory goes when the last one does). */
static void drop_maps(struct cvg_hv *hv, uint32_t domid)
{
    struct sim_priv *p = P(hv);
    struct sim_map **pp;

    pthread_mutex_lock(&p->lock);
    for (pp = &p->maps; *pp;) {
        struct sim_map *m = *pp;

        if (m->domid == domid) {
            *pp = m->next;
            munmap(m->base, m->pages << CVG_SIM_PAGE_SHIFT);
            free(m->filled);
            free(m);
        } else {
            pp = &m->next;
        }
    }
    pthread_mutex_unlock(&p->lock);
}

/*
 * Fills the page tables of the chunks a batch reaches into that are not
 * yet filled, by reading a byte of each page: a read fault maps the pages
 * around it too (fault-around), and a shmem page read-faulted in a shared
 * writable view is mapped writable, so the stream's copy then runs without
 * faults.  Left to that copy, the restore's writes would take one fault
 * per page (write faults map no neighbours); MADV_POPULATE_READ fills the
 * tables too but marks every page accessed and moves it on the LRU, which
 * cost a third more CPU here (bench/throughput, perf).  Only a matter of
 * speed.  A chunk another thread is filling may still fault, harmlessly.
 */
static void prefault(struct sim_map *m, size_t n, const uint64_t *pfns)
{
    uint64_t last = UINT64_MAX;

    for (size_t i = 0; i < n; i++) {
        uint64_t c = pfns[i] >> SIM_CHUNK_SHIFT, first, end;
        unsigned long bit = 1ul << (c % 64);
        uint8_t sum = 0;

        if (pfns[i] >= m->pages || c == last)
            continue;
        last = c;
        if ((__atomic_load_n(&m->filled[c / 64], __ATOMIC_RELAXED) & bit) ||
            (__atomic_fetch_or(&m->filled[c / 64], bit, __ATOMIC_RELAXED) & bit))
            continue;
        first = c << SIM_CHUNK_SHIFT;
        end = m->pages - first < SIM_CHUNK_PAGES ? m->pages : first + SIM_CHUNK_PAGES;
        for (uint64_t pfn = first; pfn < end; pfn++)
            sum += *(const volatile uint8_t *)(m->base + (pfn << CVG_SIM_PAGE_SHIFT));
        (void)sum;
    }
}

static int sim_map(struct cvg_hv *hv, uint32_t domid, int prot, size_t n, const uint64_t *pfns,
                   struct cvg_hv_mapping *map, struct cvg_err *err)
{
    struct sim_map *m = NULL;
    int rc;

    memset(map, 0, sizeof(*map));
    if (prot != PROT_READ && prot != (PROT_READ | PROT_WRITE))
        return cvg_fail(err, -EINVAL, "map of domain %u: prot %d is neither read nor read-write",
                        domid, prot);
    if ((rc = get_map(hv, domid, prot, &m, err)))
        return rc;
    prefault(m, n, pfns);
    map->pages = calloc(n ? n : 1, sizeof(*map->pages));
    map->errs = calloc(n ? n : 1, sizeof(*map->errs));
    if (!map->pages || !map->errs) {
        free(map->pages);
        free(map->errs);
        memset(map, 0, sizeof(*map));
        return cvg_fail(err, -ENOMEM, "out of memory for a batch of %zu pages", n);
    }
    map->n = n;
    map->priv = m;
    for (size_t i = 0; i < n; i++) {
        if (pfns[i] < m->pages) {
            map->pages[i] = m->base + (pfns[i] << CVG_SIM_PAGE_SHIFT);
        } else {
            map->pages[i] = NULL;
            map->errs[i] = -EINVAL;
        }
    }
    return 0;
}

static void sim_unmap(struct cvg_hv *hv, struct cvg_hv_mapping *map)
{
    /* The view stays cached: only the batch goes. */
    free(map->pages);
    free(map->errs);
    memset(map, 0, sizeof(*map));
}

/* PFN_TYPES or POPULATE in chunks the protocol allows. */
static int pfn_call(struct cvg_hv *hv, enum cvg_sim_op op, uint32_t domid, size_t n,
                    const uint64_t *pfns, uint32_t *types, struct cvg_err *err)
{
    size_t chunk_max = CVG_SIM_MAX_PFNS;
    uint8_t *le = malloc(8 * (n < chunk_max ? (n ? n : 1) : chunk_max));
    int rc = 0;

    if (!le)
        return cvg_fail(err, -ENOMEM, "out of memory for %zu pfns", n);
    for (size_t done = 0; done < n && !rc;) {
        size_t k = n - done < chunk_max ? n - done : chunk_max;
        struct cvg_sim_req req = { .op = op, .domid = domid };
        uint8_t *b = NULL;
        size_t len;

        for (size_t i = 0; i < k; i++)
            cvg_put_le64(le + 8 * i, pfns[done + i]);
        req.u.pfns.le = le;
        req.u.pfns.n = (uint32_t)k;
        if ((rc = call(hv, &req, &b, &len, NULL, err)))
            break;
        if (types) {
            if (len != 4 * k)
                rc = cvg_fail(err, -EPROTO, "converge-simd: pfn-types reply of %zu bytes for %zu pfns",
                              len, k);
            else
                for (size_t i = 0; i < k; i++)
                    types[done + i] = cvg_get_le32(b + 4 * i);
        }
        free(b);
        done += k;
    }
    free(le);
    return rc;
}

static int sim_pfn_types(struct cvg_hv *hv, uint32_t domid, size_t n, const uint64_t *pfns,
                         uint32_t *types, struct cvg_err *err)
{
    return pfn_call(hv, CVG_SIM_OP_PFN_TYPES, domid, n, pfns, types, err);
}

static int sim_populate(struct cvg_hv *hv, uint32_t domid, size_t n, const uint64_t *pfns,
                        struct cvg_err *err)
{
    return pfn_call(hv, CVG_SIM_OP_POPULATE, domid, n, pfns, NULL, err);
}

/*
 * As libxc (and the xen back end) does: an enable refused with EINVAL
 * because log-dirty is already on (qemu's VRAM tracking on Xen, or a
 * helper killed before its cleanup) is retried after switching it off.
 */
static int sim_logdirty_enable(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err)
{
    struct cvg_err first = { 0 };
    int rc = simple(hv, CVG_SIM_OP_LOGDIRTY_ENABLE, domid, &first);

    if (rc == -EINVAL && simple(hv, CVG_SIM_OP_LOGDIRTY_DISABLE, domid, err) == 0)
        return simple(hv, CVG_SIM_OP_LOGDIRTY_ENABLE, domid, err);
    if (rc)
        cvg_fail(err, rc, "%s", first.msg);
    return rc;
}

static int sim_logdirty_disable(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err)
{
    return simple(hv, CVG_SIM_OP_LOGDIRTY_DISABLE, domid, err);
}

static int sim_logdirty_op(struct cvg_hv *hv, uint32_t domid, enum cvg_logdirty_op op,
                           unsigned long *bitmap, uint64_t pages, unsigned mode,
                           struct cvg_logdirty_stats *stats, struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_LOGDIRTY_OP, .domid = domid };
    uint64_t rpages, bits, words;
    uint8_t *b = NULL;
    size_t len;
    int rc;

    if (op != CVG_LOGDIRTY_CLEAN && op != CVG_LOGDIRTY_PEEK)
        return cvg_fail(err, -EINVAL, "log-dirty op %d is neither CLEAN nor PEEK", (int)op);
    if (bitmap && pages > CVG_SIM_MAX_PAGES)
        return cvg_fail(err, -EINVAL, "log-dirty bitmap of %llu pages exceeds %llu",
                        (unsigned long long)pages, (unsigned long long)CVG_SIM_MAX_PAGES);
    req.u.logdirty.op = (uint32_t)op;
    req.u.logdirty.mode = mode & CVG_LOGDIRTY_FINAL;
    req.u.logdirty.pages = bitmap ? pages : 0;
    if ((rc = call(hv, &req, &b, &len, NULL, err)))
        return rc;
    if (len < 24) {
        rc = cvg_fail(err, -EPROTO, "converge-simd: log-dirty reply of %zu bytes", len);
        goto out;
    }
    rpages = cvg_get_le64(b + 8);
    bits = cvg_get_le64(b + 16);
    words = (bits + 63) / 64;
    if (rpages != req.u.logdirty.pages || bits > rpages || len != 24 + 8 * words) {
        rc = cvg_fail(err, -EPROTO,
                      "converge-simd: log-dirty reply for %llu pages carries %llu bits in %zu bytes",
                      (unsigned long long)rpages, (unsigned long long)bits, len);
        goto out;
    }
    if (stats) {
        stats->fault_count = cvg_get_le32(b);
        stats->dirty_count = cvg_get_le32(b + 4);
    }
    if (bitmap && pages) {
        /* Pages beyond the domain are clean, as Xen reports them. */
        memset(bitmap, 0, ((pages + 63) / 64) * 8);
        for (uint64_t i = 0; i < words; i++)
            bitmap[i] = cvg_get_le64(b + 24 + 8 * i);
        if (bits % 64)
            bitmap[words - 1] &= (1ul << (bits % 64)) - 1;
    }
out:
    free(b);
    return rc;
}

static int sim_logdirty_enabled(struct cvg_hv *hv, uint32_t domid, bool *on,
                                struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_LOGDIRTY_ENABLED, .domid = domid };
    uint32_t v;
    int rc = call_u32s(hv, &req, &v, 1, err);

    if (!rc)
        *on = v != 0;
    return rc;
}

static int sim_pause(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err)
{
    return simple(hv, CVG_SIM_OP_PAUSE, domid, err);
}

static int sim_unpause(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err)
{
    return simple(hv, CVG_SIM_OP_UNPAUSE, domid, err);
}

static int sim_suspend(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err)
{
    return simple(hv, CVG_SIM_OP_SUSPEND, domid, err);
}

static int sim_resume(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err)
{
    return simple(hv, CVG_SIM_OP_RESUME, domid, err);
}

static int sim_sched_id(struct cvg_hv *hv, uint32_t domid, enum cvg_sched_id *id,
                        struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_SCHED_ID, .domid = domid };
    uint32_t v;
    int rc = call_u32s(hv, &req, &v, 1, err);

    if (!rc)
        *id = (enum cvg_sched_id)v;
    return rc;
}

static int sim_cap_get(struct cvg_hv *hv, uint32_t domid, uint32_t *cap, struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_CAP_GET, .domid = domid };

    return call_u32s(hv, &req, cap, 1, err);
}

static int sim_cap_set(struct cvg_hv *hv, uint32_t domid, uint32_t cap, struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_CAP_SET, .domid = domid, .u.cap = cap };

    return call(hv, &req, NULL, NULL, NULL, err);
}

static int sim_budget_get(struct cvg_hv *hv, uint32_t domid, uint32_t vcpu,
                          uint32_t *period_us, uint32_t *budget_us, struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_BUDGET_GET, .domid = domid, .u.vcpu = vcpu };
    uint32_t v[2];
    int rc = call_u32s(hv, &req, v, 2, err);

    if (!rc) {
        *period_us = v[0];
        *budget_us = v[1];
    }
    return rc;
}

static int sim_budget_set(struct cvg_hv *hv, uint32_t domid, uint32_t vcpu,
                          uint32_t period_us, uint32_t budget_us, struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_BUDGET_SET, .domid = domid };

    req.u.budget.vcpu = vcpu;
    req.u.budget.period_us = period_us;
    req.u.budget.budget_us = budget_us;
    return call(hv, &req, NULL, NULL, NULL, err);
}

static int sim_affinity_get(struct cvg_hv *hv, uint32_t domid, uint32_t vcpu,
                            uint64_t *cpumap, size_t nwords, struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_AFFINITY_GET, .domid = domid, .u.vcpu = vcpu };
    uint8_t *b = NULL;
    size_t len;
    uint32_t nw;
    int rc;

    if (!nwords)
        return cvg_fail(err, -EINVAL, "affinity of vcpu %u: cpumap of 0 words", vcpu);
    if ((rc = call(hv, &req, &b, &len, NULL, err)))
        return rc;
    nw = len >= 8 ? cvg_get_le32(b) : 0;
    if (len < 8 || nw == 0 || nw > CVG_SIM_MAX_CPUMAP_WORDS || len != 8 + 8 * (size_t)nw) {
        rc = cvg_fail(err, -EPROTO, "converge-simd: affinity reply of %zu bytes", len);
        goto out;
    }
    memset(cpumap, 0, nwords * 8);
    for (size_t i = 0; i < nw && i < nwords; i++)
        cpumap[i] = cvg_get_le64(b + 8 + 8 * i);
out:
    free(b);
    return rc;
}

static int sim_affinity_set(struct cvg_hv *hv, uint32_t domid, uint32_t vcpu,
                            const uint64_t *cpumap, size_t nwords, struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_AFFINITY_SET, .domid = domid };
    size_t nw = nwords < CVG_SIM_MAX_CPUMAP_WORDS ? nwords : CVG_SIM_MAX_CPUMAP_WORDS;

    if (!nwords)
        return cvg_fail(err, -EINVAL, "affinity of vcpu %u: cpumap of 0 words", vcpu);
    req.u.affinity.vcpu = vcpu;
    req.u.affinity.nwords = (uint32_t)nw;
    memcpy(req.u.affinity.map, cpumap, nw * 8);
    return call(hv, &req, NULL, NULL, NULL, err);
}

static int sim_hvm_context_get(struct cvg_hv *hv, uint32_t domid, uint8_t **buf, size_t *len,
                               struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_HVM_CONTEXT_GET, .domid = domid };
    int rc = call(hv, &req, buf, len, NULL, err);

    if (!rc && *len > CVG_SIM_MAX_BLOB) {
        free(*buf);
        *buf = NULL;
        return cvg_fail(err, -EPROTO, "converge-simd: HVM context of %zu bytes exceeds %u",
                        *len, CVG_SIM_MAX_BLOB);
    }
    if (!rc && !*buf && !(*buf = malloc(1)))
        return cvg_fail(err, -ENOMEM, "out of memory");
    return rc;
}

static int sim_hvm_context_set(struct cvg_hv *hv, uint32_t domid, const uint8_t *buf,
                               size_t len, struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_HVM_CONTEXT_SET, .domid = domid };

    req.u.blob.buf = buf;
    req.u.blob.len = len;
    return call(hv, &req, NULL, NULL, NULL, err);
}

static int sim_hvm_param_get(struct cvg_hv *hv, uint32_t domid, uint32_t index,
                             uint64_t *value, struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_HVM_PARAM_GET, .domid = domid };

    req.u.param.index = index;
    return call_u64(hv, &req, value, err);
}

static int sim_hvm_param_set(struct cvg_hv *hv, uint32_t domid, uint32_t index, uint64_t value,
                             struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_HVM_PARAM_SET, .domid = domid };

    req.u.param.index = index;
    req.u.param.value = value;
    return call(hv, &req, NULL, NULL, NULL, err);
}

static int sim_tsc_info_get(struct cvg_hv *hv, uint32_t domid, uint32_t *mode, uint64_t *nsec,
                            uint32_t *khz, uint32_t *incarnation, struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_TSC_GET, .domid = domid };
    uint8_t *b = NULL;
    size_t len;
    int rc = call(hv, &req, &b, &len, NULL, err);

    if (rc)
        return rc;
    if (len != 24) {
        rc = cvg_fail(err, -EPROTO, "converge-simd: tsc reply of %zu bytes, expected 24", len);
    } else {
        *mode = cvg_get_le32(b);
        *khz = cvg_get_le32(b + 4);
        *nsec = cvg_get_le64(b + 8);
        *incarnation = cvg_get_le32(b + 16);
    }
    free(b);
    return rc;
}

static int sim_tsc_info_set(struct cvg_hv *hv, uint32_t domid, uint32_t mode, uint64_t nsec,
                            uint32_t khz, uint32_t incarnation, struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_TSC_SET, .domid = domid };

    req.u.tsc.mode = mode;
    req.u.tsc.nsec = nsec;
    req.u.tsc.khz = khz;
    req.u.tsc.incarnation = incarnation;
    return call(hv, &req, NULL, NULL, NULL, err);
}

static const struct cvg_hv_ops sim_ops = {
    .name = "sim",
    .close = sim_close,
    .dominfo = sim_dominfo,
    .vcpuinfo = sim_vcpuinfo,
    .nr_pcpus = sim_nr_pcpus,
    .map = sim_map,
    .unmap = sim_unmap,
    .pfn_types = sim_pfn_types,
    .populate = sim_populate,
    .logdirty_enable = sim_logdirty_enable,
    .logdirty_disable = sim_logdirty_disable,
    .logdirty_op = sim_logdirty_op,
    .logdirty_enabled = sim_logdirty_enabled,
    .pause = sim_pause,
    .unpause = sim_unpause,
    .suspend = sim_suspend,
    .resume = sim_resume,
    .sched_id = sim_sched_id,
    .cap_get = sim_cap_get,
    .cap_set = sim_cap_set,
    .vcpu_budget_get = sim_budget_get,
    .vcpu_budget_set = sim_budget_set,
    .vcpu_affinity_get = sim_affinity_get,
    .vcpu_affinity_set = sim_affinity_set,
    .hvm_context_get = sim_hvm_context_get,
    .hvm_context_set = sim_hvm_context_set,
    .hvm_param_get = sim_hvm_param_get,
    .hvm_param_set = sim_hvm_param_set,
    .tsc_info_get = sim_tsc_info_get,
    .tsc_info_set = sim_tsc_info_set,
};

int cvg_hv_open_sim(struct cvg_hv **out, const char *socket_path, struct cvg_err *err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct cvg_sim_req hello = { .op = CVG_SIM_OP_HELLO };
    struct cvg_hv *hv = NULL;
    struct sim_priv *p = NULL;
    uint32_t v[4];
    int rc;

    *out = NULL;
    if (!socket_path || !*socket_path)
        return cvg_fail(err, -EINVAL, "no converge-simd socket given (set XENCONVERGE_SIM)");
    if (strlen(socket_path) >= sizeof(sa.sun_path))
        return cvg_fail(err, -ENAMETOOLONG, "converge-simd socket path %s is longer than %zu bytes",
                        socket_path, sizeof(sa.sun_path) - 1);
    hv = calloc(1, sizeof(*hv));
    p = calloc(1, sizeof(*p));
    if (!hv || !p) {
        free(hv);
        free(p);
        return cvg_fail(err, -ENOMEM, "out of memory");
    }
    hv->ops = &sim_ops;
    hv->priv = p;
    pthread_mutex_init(&p->lock, NULL);
    snprintf(p->path, sizeof(p->path), "%s", socket_path);
    memcpy(sa.sun_path, socket_path, strlen(socket_path));
    p->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (p->fd < 0) {
        rc = cvg_fail(err, -errno, "socket: %s", strerror(errno));
        goto fail;
    }
    if (connect(p->fd, (struct sockaddr *)&sa, sizeof(sa))) {
        rc = cvg_fail(err, -errno, "cannot reach converge-simd at %s: %s", socket_path,
                      strerror(errno));
        goto fail;
    }
    if ((rc = call_u32s(hv, &hello, v, 4, err)))
        goto fail;
    if (v[0] != CVG_SIM_VERSION || v[1] == 0 || v[1] > CVG_SIM_MAX_PCPUS) {
        rc = cvg_fail(err, -EPROTO, "converge-simd at %s: version %u with %u pCPUs",
                      socket_path, v[0], v[1]);
        goto fail;
    }
    p->nr_pcpus = v[1];
    p->daemon_pid = v[2];
    *out = hv;
    return 0;
fail:
    sim_close(hv);
    return rc;
}

/* ---- sim-only extras (sim_client.h) ---- */

static int need_sim(struct cvg_hv *hv, struct cvg_err *err)
{
    if (!cvg_hv_is_sim(hv))
        return cvg_fail(err, -EOPNOTSUPP, "this needs the simulator (XENCONVERGE_SIM), not %s",
                        hv && hv->ops ? hv->ops->name : "no hypervisor");
    return 0;
}

static int reply_domid(struct cvg_hv *hv, const struct cvg_sim_req *req, uint32_t *domid,
                       struct cvg_err *err)
{
    uint32_t v;
    int rc = call_u32s(hv, req, &v, 1, err);

    if (!rc)
        *domid = v;
    return rc;
}

int cvg_sim_create_scenario(struct cvg_hv *hv, const char *text, size_t len,
                            const char *source, uint32_t *domid, struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_CREATE_SCENARIO };
    int rc;

    if ((rc = need_sim(hv, err)))
        return rc;
    if (len == 0 || len > CVG_SIM_MAX_SCENARIO)
        return cvg_fail(err, -EINVAL, "%s: scenario of %zu bytes (1..%u allowed)",
                        source ? source : "scenario", len, CVG_SIM_MAX_SCENARIO);
    req.u.scenario.source = source ? source : "";
    req.u.scenario.source_len = source ? strnlen(source, CVG_SIM_MAX_SOURCE) : 0;
    req.u.scenario.text = text;
    req.u.scenario.text_len = len;
    return reply_domid(hv, &req, domid, err);
}

int cvg_sim_create_scenario_file(struct cvg_hv *hv, const char *path, uint32_t *domid,
                                 struct cvg_err *err)
{
    char *text = NULL;
    size_t len = 0;
    ssize_t r;
    int fd, rc;

    if ((rc = need_sim(hv, err)))
        return rc;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cvg_fail(err, -errno, "%s: %s", path, strerror(errno));
    /* One byte more than allowed tells "too big" from "exactly at the limit". */
    if (!(text = malloc(CVG_SIM_MAX_SCENARIO + 1))) {
        rc = cvg_fail(err, -ENOMEM, "out of memory");
        goto out;
    }
    while (len <= CVG_SIM_MAX_SCENARIO &&
           (r = read(fd, text + len, CVG_SIM_MAX_SCENARIO + 1 - len)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = cvg_fail(err, -errno, "%s: %s", path, strerror(errno));
            goto out;
        }
        len += (size_t)r;
    }
    if (len > CVG_SIM_MAX_SCENARIO) {
        rc = cvg_fail(err, -EFBIG, "%s: larger than %u bytes, not a scenario", path,
                      CVG_SIM_MAX_SCENARIO);
        goto out;
    }
    if (len == 0) {
        rc = cvg_fail(err, -EINVAL, "%s: empty file", path);
        goto out;
    }
    rc = cvg_sim_create_scenario(hv, text, len, path, domid, err);
out:
    free(text);
    close(fd);
    return rc;
}

int cvg_sim_create_empty(struct cvg_hv *hv, uint64_t pages, uint32_t vcpus, bool paused,
                         const char *name, uint32_t *domid, struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_CREATE_EMPTY };
    int rc;

    if ((rc = need_sim(hv, err)))
        return rc;
    req.u.empty.pages = pages;
    req.u.empty.vcpus = vcpus;
    req.u.empty.flags = paused ? CVG_SIM_EMPTY_PAUSED : 0;
    if (name && strlen(name) > CVG_SIM_MAX_NAME)
        return cvg_fail(err, -EINVAL, "domain name '%s' is longer than %u", name,
                        CVG_SIM_MAX_NAME);
    if (name)
        snprintf(req.u.empty.name, sizeof(req.u.empty.name), "%s", name);
    return reply_domid(hv, &req, domid, err);
}

int cvg_sim_destroy(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err)
{
    int rc;

    if ((rc = need_sim(hv, err)))
        return rc;
    if ((rc = simple(hv, CVG_SIM_OP_DESTROY, domid, err)))
        return rc;
    drop_maps(hv, domid);
    return 0;
}

int cvg_sim_list(struct cvg_hv *hv, struct cvg_sim_list_entry **doms, uint32_t *n,
                 struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_LIST };
    uint8_t *b = NULL;
    size_t len;
    int rc;

    *doms = NULL;
    *n = 0;
    if ((rc = need_sim(hv, err)) || (rc = call(hv, &req, &b, &len, NULL, err)))
        return rc;
    rc = cvg_sim_list_decode(b, len, doms, n, err);
    free(b);
    return rc;
}

int cvg_sim_info(struct cvg_hv *hv, uint32_t domid, struct cvg_sim_info *info,
                 struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_INFO, .domid = domid };
    uint8_t *b = NULL;
    size_t len;
    int rc;

    memset(info, 0, sizeof(*info));
    if ((rc = need_sim(hv, err)) || (rc = call(hv, &req, &b, &len, NULL, err)))
        return rc;
    rc = cvg_sim_info_decode(b, len, info, err);
    free(b);
    return rc;
}

int cvg_sim_digest(struct cvg_hv *hv, uint32_t domid, uint8_t sha256[32], struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_DIGEST, .domid = domid };
    uint8_t *b = NULL;
    size_t len;
    int rc;

    if ((rc = need_sim(hv, err)) || (rc = call(hv, &req, &b, &len, NULL, err)))
        return rc;
    if (len != 32)
        rc = cvg_fail(err, -EPROTO, "converge-simd: digest of %zu bytes", len);
    else
        memcpy(sha256, b, 32);
    free(b);
    return rc;
}

int cvg_sim_truth(struct cvg_hv *hv, uint32_t domid, struct cvg_sim_truth *truth,
                  struct cvg_err *err)
{
    struct cvg_sim_req req = { .op = CVG_SIM_OP_TRUTH, .domid = domid };
    uint8_t *b = NULL;
    size_t len;
    int rc;

    memset(truth, 0, sizeof(*truth));
    if ((rc = need_sim(hv, err)) || (rc = call(hv, &req, &b, &len, NULL, err)))
        return rc;
    rc = cvg_sim_truth_decode(b, len, truth, err);
    free(b);
    return rc;
}
