/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Codec of the converge-simd protocol (layout in sim/proto.h).  The daemon
 * decodes requests from any local client and the client decodes replies:
 * both sides check every length and count against the documented bounds
 * before touching or allocating anything.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/proto.h"

static const char *const op_names[CVG_SIM_OP_MAX_PLUS_ONE] = {
    [CVG_SIM_OP_HELLO] = "hello",
    [CVG_SIM_OP_CREATE_SCENARIO] = "create-scenario",
    [CVG_SIM_OP_CREATE_EMPTY] = "create-empty",
    [CVG_SIM_OP_DESTROY] = "destroy",
    [CVG_SIM_OP_LIST] = "list",
    [CVG_SIM_OP_INFO] = "info",
    [CVG_SIM_OP_DIGEST] = "digest",
    [CVG_SIM_OP_TRUTH] = "truth",
    [CVG_SIM_OP_DOMINFO] = "dominfo",
    [CVG_SIM_OP_VCPUINFO] = "vcpuinfo",
    [CVG_SIM_OP_NR_PCPUS] = "nr-pcpus",
    [CVG_SIM_OP_MAP] = "map",
    [CVG_SIM_OP_PFN_TYPES] = "pfn-types",
    [CVG_SIM_OP_POPULATE] = "populate",
    [CVG_SIM_OP_LOGDIRTY_ENABLE] = "logdirty-enable",
    [CVG_SIM_OP_LOGDIRTY_DISABLE] = "logdirty-disable",
    [CVG_SIM_OP_LOGDIRTY_OP] = "logdirty-op",
    [CVG_SIM_OP_LOGDIRTY_ENABLED] = "logdirty-enabled",
    [CVG_SIM_OP_PAUSE] = "pause",
    [CVG_SIM_OP_UNPAUSE] = "unpause",
    [CVG_SIM_OP_SUSPEND] = "suspend",
    [CVG_SIM_OP_RESUME] = "resume",
    [CVG_SIM_OP_SCHED_ID] = "sched-id",
    [CVG_SIM_OP_CAP_GET] = "cap-get",
    [CVG_SIM_OP_CAP_SET] = "cap-set",
    [CVG_SIM_OP_BUDGET_GET] = "budget-get",
    [CVG_SIM_OP_BUDGET_SET] = "budget-set",
    [CVG_SIM_OP_AFFINITY_GET] = "affinity-get",
    [CVG_SIM_OP_AFFINITY_SET] = "affinity-set",
    [CVG_SIM_OP_HVM_CONTEXT_GET] = "hvm-context-get",
    [CVG_SIM_OP_HVM_CONTEXT_SET] = "hvm-context-set",
    [CVG_SIM_OP_HVM_PARAM_GET] = "hvm-param-get",
    [CVG_SIM_OP_HVM_PARAM_SET] = "hvm-param-set",
    [CVG_SIM_OP_TSC_GET] = "tsc-get",
    [CVG_SIM_OP_TSC_SET] = "tsc-set",
};

const char *cvg_sim_op_name(unsigned op)
{
    return op < CVG_SIM_OP_MAX_PLUS_ONE ? op_names[op] : NULL;
}

void cvg_sim_hdr_encode(uint8_t out[CVG_SIM_HDR_SIZE], const struct cvg_sim_hdr *h)
{
    cvg_put_le32(out, h->magic);
    cvg_put_le16(out + 4, h->version);
    cvg_put_le16(out + 6, h->op);
    cvg_put_le32(out + 8, h->domid);
    cvg_put_le32(out + 12, h->len);
    cvg_put_le32(out + 16, h->seq);
    cvg_put_le32(out + 20, (uint32_t)h->status);
}

int cvg_sim_hdr_decode(const uint8_t in[CVG_SIM_HDR_SIZE], bool is_reply,
                       struct cvg_sim_hdr *h, struct cvg_err *err)
{
    const char *what = is_reply ? "reply" : "request";
    uint32_t max = is_reply ? CVG_SIM_MAX_REPLY_PAYLOAD : CVG_SIM_MAX_REQ_PAYLOAD;

    h->magic = cvg_get_le32(in);
    h->version = cvg_get_le16(in + 4);
    h->op = cvg_get_le16(in + 6);
    h->domid = cvg_get_le32(in + 8);
    h->len = cvg_get_le32(in + 12);
    h->seq = cvg_get_le32(in + 16);
    h->status = (int32_t)cvg_get_le32(in + 20);
    if (h->magic != CVG_SIM_MAGIC)
        return cvg_fail(err, -EPROTO, "sim %s header: bad magic 0x%08x (expected 0x%08x)",
                        what, h->magic, CVG_SIM_MAGIC);
    if (h->version != CVG_SIM_VERSION)
        return cvg_fail(err, -EPROTONOSUPPORT,
                        "sim %s header: protocol version %u, this side speaks %u",
                        what, h->version, CVG_SIM_VERSION);
    if (h->len > max)
        return cvg_fail(err, -EMSGSIZE, "sim %s header (op %u): payload of %u bytes exceeds %u",
                        what, h->op, h->len, max);
    if (!is_reply && h->status != 0)
        return cvg_fail(err, -EINVAL, "sim request header (op %u): status field %d, must be 0",
                        h->op, h->status);
    if (is_reply && h->status > 0)
        return cvg_fail(err, -EPROTO, "sim reply header (op %u): positive status %d",
                        h->op, h->status);
    if (is_reply && h->status < 0 && h->len > CVG_SIM_MAX_ERR_TEXT)
        return cvg_fail(err, -EPROTO, "sim reply header (op %u): error text of %u bytes exceeds %u",
                        h->op, h->len, CVG_SIM_MAX_ERR_TEXT);
    return 0;
}

/* The name rule of scenario files: it ends up in file names and JSON. */
static bool name_ok(const char *s, size_t len)
{
    if (len == 0 || len > CVG_SIM_MAX_NAME)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

        /* c != 0: strchr() would find the terminator and take a NUL. */
        if (!alnum && (i == 0 || c == '\0' || !strchr("_.+-", c)))
            return false;
    }
    return true;
}

static int want_len(const char *opn, uint32_t len, uint32_t want, struct cvg_err *err)
{
    if (len != want)
        return cvg_fail(err, -EINVAL, "sim request %s: payload of %u bytes, expected %u",
                        opn, len, want);
    return 0;
}

int cvg_sim_req_decode(const struct cvg_sim_hdr *h, const uint8_t *p,
                       struct cvg_sim_req *req, struct cvg_err *err)
{
    const char *opn = cvg_sim_op_name(h->op);
    uint32_t len = h->len;
    int rc = 0;

    memset(req, 0, sizeof(*req));
    req->op = h->op;
    req->domid = h->domid;
    if (!opn)
        return cvg_fail(err, -EOPNOTSUPP, "sim request: unknown op %u", h->op);

    switch ((enum cvg_sim_op)h->op) {
    case CVG_SIM_OP_HELLO:
    case CVG_SIM_OP_DESTROY:
    case CVG_SIM_OP_LIST:
    case CVG_SIM_OP_INFO:
    case CVG_SIM_OP_DIGEST:
    case CVG_SIM_OP_TRUTH:
    case CVG_SIM_OP_DOMINFO:
    case CVG_SIM_OP_NR_PCPUS:
    case CVG_SIM_OP_LOGDIRTY_ENABLE:
    case CVG_SIM_OP_LOGDIRTY_DISABLE:
    case CVG_SIM_OP_LOGDIRTY_ENABLED:
    case CVG_SIM_OP_PAUSE:
    case CVG_SIM_OP_UNPAUSE:
    case CVG_SIM_OP_SUSPEND:
    case CVG_SIM_OP_RESUME:
    case CVG_SIM_OP_SCHED_ID:
    case CVG_SIM_OP_CAP_GET:
    case CVG_SIM_OP_HVM_CONTEXT_GET:
    case CVG_SIM_OP_TSC_GET:
        return want_len(opn, len, 0, err);

    case CVG_SIM_OP_CREATE_SCENARIO: {
        uint32_t slen;

        if (len < 4)
            return cvg_fail(err, -EINVAL, "sim request %s: payload of %u bytes, need at least 4",
                            opn, len);
        slen = cvg_get_le16(p);
        if (cvg_get_le16(p + 2) != 0)
            return cvg_fail(err, -EINVAL, "sim request %s: reserved field at offset 2 is not 0", opn);
        if (slen > CVG_SIM_MAX_SOURCE || slen > len - 4)
            return cvg_fail(err, -EINVAL, "sim request %s: source name of %u bytes (limit %u, payload %u)",
                            opn, slen, CVG_SIM_MAX_SOURCE, len);
        if (memchr(p + 4, '\0', slen))
            return cvg_fail(err, -EINVAL, "sim request %s: NUL byte in the source name", opn);
        req->u.scenario.source = (const char *)p + 4;
        req->u.scenario.source_len = slen;
        req->u.scenario.text = (const char *)p + 4 + slen;
        req->u.scenario.text_len = len - 4 - slen;
        if (req->u.scenario.text_len == 0 || req->u.scenario.text_len > CVG_SIM_MAX_SCENARIO)
            return cvg_fail(err, -EINVAL, "sim request %s: scenario text of %zu bytes (1..%u allowed)",
                            opn, req->u.scenario.text_len, CVG_SIM_MAX_SCENARIO);
        return 0;
    }

    case CVG_SIM_OP_CREATE_EMPTY: {
        size_t nlen;

        if (len < 16 || len > 16 + CVG_SIM_MAX_NAME)
            return cvg_fail(err, -EINVAL, "sim request %s: payload of %u bytes (16..%u allowed)",
                            opn, len, 16 + CVG_SIM_MAX_NAME);
        req->u.empty.pages = cvg_get_le64(p);
        req->u.empty.vcpus = cvg_get_le32(p + 8);
        req->u.empty.flags = cvg_get_le32(p + 12);
        nlen = len - 16;
        if (req->u.empty.pages == 0 || req->u.empty.pages > CVG_SIM_MAX_PAGES)
            return cvg_fail(err, -EINVAL, "sim request %s: %llu pages (1..%llu allowed)", opn,
                            (unsigned long long)req->u.empty.pages,
                            (unsigned long long)CVG_SIM_MAX_PAGES);
        if (req->u.empty.vcpus == 0 || req->u.empty.vcpus > CVG_SIM_MAX_VCPUS)
            return cvg_fail(err, -EINVAL, "sim request %s: %u vcpus (1..%u allowed)", opn,
                            req->u.empty.vcpus, CVG_SIM_MAX_VCPUS);
        if (req->u.empty.flags & ~CVG_SIM_EMPTY_PAUSED)
            return cvg_fail(err, -EINVAL, "sim request %s: unknown flags 0x%x", opn,
                            req->u.empty.flags);
        if (nlen && !name_ok((const char *)p + 16, nlen))
            return cvg_fail(err, -EINVAL,
                            "sim request %s: bad name (1..%u of [A-Za-z0-9_.+-], starting alphanumeric)",
                            opn, CVG_SIM_MAX_NAME);
        memcpy(req->u.empty.name, p + 16, nlen);
        req->u.empty.name[nlen] = '\0';
        return 0;
    }

    case CVG_SIM_OP_VCPUINFO:
    case CVG_SIM_OP_BUDGET_GET:
    case CVG_SIM_OP_AFFINITY_GET:
        if ((rc = want_len(opn, len, 4, err)))
            return rc;
        req->u.vcpu = cvg_get_le32(p);
        return 0;

    case CVG_SIM_OP_MAP:
        if ((rc = want_len(opn, len, 4, err)))
            return rc;
        req->u.prot = cvg_get_le32(p);
        if (req->u.prot != CVG_SIM_PROT_READ && req->u.prot != CVG_SIM_PROT_RW)
            return cvg_fail(err, -EINVAL, "sim request %s: prot %u is neither %u (read) nor %u (read-write)",
                            opn, req->u.prot, CVG_SIM_PROT_READ, CVG_SIM_PROT_RW);
        return 0;

    case CVG_SIM_OP_PFN_TYPES:
    case CVG_SIM_OP_POPULATE: {
        uint32_t n;

        if (len < 8)
            return cvg_fail(err, -EINVAL, "sim request %s: payload of %u bytes, need at least 8",
                            opn, len);
        n = cvg_get_le32(p);
        if (cvg_get_le32(p + 4) != 0)
            return cvg_fail(err, -EINVAL, "sim request %s: reserved field at offset 4 is not 0", opn);
        if (n > CVG_SIM_MAX_PFNS)
            return cvg_fail(err, -EINVAL, "sim request %s: %u pfns exceed %u per request",
                            opn, n, CVG_SIM_MAX_PFNS);
        if ((rc = want_len(opn, len, 8 + 8 * n, err)))
            return rc;
        req->u.pfns.le = p + 8;
        req->u.pfns.n = n;
        return 0;
    }

    case CVG_SIM_OP_LOGDIRTY_OP:
        if ((rc = want_len(opn, len, 16, err)))
            return rc;
        req->u.logdirty.op = cvg_get_le32(p);
        req->u.logdirty.mode = cvg_get_le32(p + 4);
        req->u.logdirty.pages = cvg_get_le64(p + 8);
        if (req->u.logdirty.op != 11 && req->u.logdirty.op != 12)
            return cvg_fail(err, -EINVAL, "sim request %s: op %u is neither CLEAN (11) nor PEEK (12)",
                            opn, req->u.logdirty.op);
        if (req->u.logdirty.mode & ~1u)
            return cvg_fail(err, -EINVAL, "sim request %s: unknown mode bits 0x%x", opn,
                            req->u.logdirty.mode);
        if (req->u.logdirty.pages > CVG_SIM_MAX_PAGES)
            return cvg_fail(err, -EINVAL, "sim request %s: %llu pages exceed %llu", opn,
                            (unsigned long long)req->u.logdirty.pages,
                            (unsigned long long)CVG_SIM_MAX_PAGES);
        return 0;

    case CVG_SIM_OP_CAP_SET:
        if ((rc = want_len(opn, len, 4, err)))
            return rc;
        req->u.cap = cvg_get_le32(p);
        return 0;

    case CVG_SIM_OP_BUDGET_SET:
        if ((rc = want_len(opn, len, 12, err)))
            return rc;
        req->u.budget.vcpu = cvg_get_le32(p);
        req->u.budget.period_us = cvg_get_le32(p + 4);
        req->u.budget.budget_us = cvg_get_le32(p + 8);
        return 0;

    case CVG_SIM_OP_AFFINITY_SET: {
        uint32_t nw;

        if (len < 8)
            return cvg_fail(err, -EINVAL, "sim request %s: payload of %u bytes, need at least 8",
                            opn, len);
        req->u.affinity.vcpu = cvg_get_le32(p);
        nw = cvg_get_le32(p + 4);
        if (nw == 0 || nw > CVG_SIM_MAX_CPUMAP_WORDS)
            return cvg_fail(err, -EINVAL, "sim request %s: cpumap of %u words (1..%u allowed)",
                            opn, nw, CVG_SIM_MAX_CPUMAP_WORDS);
        if ((rc = want_len(opn, len, 8 + 8 * nw, err)))
            return rc;
        req->u.affinity.nwords = nw;
        for (uint32_t i = 0; i < nw; i++)
            req->u.affinity.map[i] = cvg_get_le64(p + 8 + 8 * i);
        return 0;
    }

    case CVG_SIM_OP_HVM_CONTEXT_SET:
        if (len > CVG_SIM_MAX_BLOB)
            return cvg_fail(err, -EINVAL, "sim request %s: context of %u bytes exceeds %u",
                            opn, len, CVG_SIM_MAX_BLOB);
        req->u.blob.buf = p;
        req->u.blob.len = len;
        return 0;

    case CVG_SIM_OP_HVM_PARAM_GET:
    case CVG_SIM_OP_HVM_PARAM_SET:
        if ((rc = want_len(opn, len, h->op == CVG_SIM_OP_HVM_PARAM_GET ? 4 : 16, err)))
            return rc;
        req->u.param.index = cvg_get_le32(p);
        if (h->op == CVG_SIM_OP_HVM_PARAM_SET) {
            if (cvg_get_le32(p + 4) != 0)
                return cvg_fail(err, -EINVAL, "sim request %s: reserved field at offset 4 is not 0", opn);
            req->u.param.value = cvg_get_le64(p + 8);
        }
        if (req->u.param.index >= CVG_SIM_MAX_HVM_PARAMS)
            return cvg_fail(err, -EINVAL, "sim request %s: HVM param index %u (0..%u allowed)",
                            opn, req->u.param.index, CVG_SIM_MAX_HVM_PARAMS - 1);
        return 0;

    case CVG_SIM_OP_TSC_SET:
        if ((rc = want_len(opn, len, 24, err)))
            return rc;
        req->u.tsc.mode = cvg_get_le32(p);
        req->u.tsc.khz = cvg_get_le32(p + 4);
        req->u.tsc.nsec = cvg_get_le64(p + 8);
        req->u.tsc.incarnation = cvg_get_le32(p + 16);
        if (cvg_get_le32(p + 20) != 0)
            return cvg_fail(err, -EINVAL, "sim request %s: reserved field at offset 20 is not 0", opn);
        return 0;

    case CVG_SIM_OP_MAX_PLUS_ONE:
        break;
    }
    return cvg_fail(err, -EOPNOTSUPP, "sim request: unknown op %u", h->op);
}

int cvg_sim_req_encode(struct cvg_sink *sink, const struct cvg_sim_req *req,
                       uint32_t seq, struct cvg_err *err)
{
    uint8_t hdr[CVG_SIM_HDR_SIZE], b[32 + 8 * CVG_SIM_MAX_CPUMAP_WORDS];
    struct iovec iov[4];
    struct cvg_sim_hdr h = {
        .magic = CVG_SIM_MAGIC, .version = CVG_SIM_VERSION, .op = req->op,
        .domid = req->domid, .seq = seq,
    };
    size_t blen = 0;
    int n = 2;

    iov[1].iov_base = b;
    iov[1].iov_len = 0;
    switch (req->op) {
    case CVG_SIM_OP_CREATE_SCENARIO:
        if (req->u.scenario.source_len > CVG_SIM_MAX_SOURCE ||
            req->u.scenario.text_len > CVG_SIM_MAX_SCENARIO)
            return cvg_fail(err, -E2BIG, "sim %s: scenario text of %zu bytes exceeds %u",
                            cvg_sim_op_name(req->op), req->u.scenario.text_len,
                            CVG_SIM_MAX_SCENARIO);
        cvg_put_le16(b, (uint16_t)req->u.scenario.source_len);
        cvg_put_le16(b + 2, 0);
        blen = 4;
        iov[2].iov_base = (void *)req->u.scenario.source;
        iov[2].iov_len = req->u.scenario.source_len;
        iov[3].iov_base = (void *)req->u.scenario.text;
        iov[3].iov_len = req->u.scenario.text_len;
        n = 4;
        break;
    case CVG_SIM_OP_CREATE_EMPTY:
        cvg_put_le64(b, req->u.empty.pages);
        cvg_put_le32(b + 8, req->u.empty.vcpus);
        cvg_put_le32(b + 12, req->u.empty.flags);
        blen = 16;
        iov[2].iov_base = (void *)req->u.empty.name;
        iov[2].iov_len = strnlen(req->u.empty.name, CVG_SIM_MAX_NAME);
        n = 3;
        break;
    case CVG_SIM_OP_VCPUINFO:
    case CVG_SIM_OP_BUDGET_GET:
    case CVG_SIM_OP_AFFINITY_GET:
        cvg_put_le32(b, req->u.vcpu);
        blen = 4;
        break;
    case CVG_SIM_OP_MAP:
        cvg_put_le32(b, req->u.prot);
        blen = 4;
        break;
    case CVG_SIM_OP_PFN_TYPES:
    case CVG_SIM_OP_POPULATE:
        if (req->u.pfns.n > CVG_SIM_MAX_PFNS)
            return cvg_fail(err, -E2BIG, "sim %s: %u pfns exceed %u per request",
                            cvg_sim_op_name(req->op), req->u.pfns.n, CVG_SIM_MAX_PFNS);
        cvg_put_le32(b, req->u.pfns.n);
        cvg_put_le32(b + 4, 0);
        blen = 8;
        iov[2].iov_base = (void *)req->u.pfns.le;
        iov[2].iov_len = 8 * (size_t)req->u.pfns.n;
        n = 3;
        break;
    case CVG_SIM_OP_LOGDIRTY_OP:
        cvg_put_le32(b, req->u.logdirty.op);
        cvg_put_le32(b + 4, req->u.logdirty.mode);
        cvg_put_le64(b + 8, req->u.logdirty.pages);
        blen = 16;
        break;
    case CVG_SIM_OP_CAP_SET:
        cvg_put_le32(b, req->u.cap);
        blen = 4;
        break;
    case CVG_SIM_OP_BUDGET_SET:
        cvg_put_le32(b, req->u.budget.vcpu);
        cvg_put_le32(b + 4, req->u.budget.period_us);
        cvg_put_le32(b + 8, req->u.budget.budget_us);
        blen = 12;
        break;
    case CVG_SIM_OP_AFFINITY_SET:
        if (req->u.affinity.nwords > CVG_SIM_MAX_CPUMAP_WORDS)
            return cvg_fail(err, -E2BIG, "sim %s: cpumap of %u words exceeds %u",
                            cvg_sim_op_name(req->op), req->u.affinity.nwords,
                            CVG_SIM_MAX_CPUMAP_WORDS);
        cvg_put_le32(b, req->u.affinity.vcpu);
        cvg_put_le32(b + 4, req->u.affinity.nwords);
        for (uint32_t i = 0; i < req->u.affinity.nwords; i++)
            cvg_put_le64(b + 8 + 8 * i, req->u.affinity.map[i]);
        blen = 8 + 8 * (size_t)req->u.affinity.nwords;
        break;
    case CVG_SIM_OP_HVM_CONTEXT_SET:
        if (req->u.blob.len > CVG_SIM_MAX_BLOB)
            return cvg_fail(err, -E2BIG, "sim %s: context of %zu bytes exceeds %u",
                            cvg_sim_op_name(req->op), req->u.blob.len, CVG_SIM_MAX_BLOB);
        iov[2].iov_base = (void *)req->u.blob.buf;
        iov[2].iov_len = req->u.blob.len;
        n = 3;
        break;
    case CVG_SIM_OP_HVM_PARAM_GET:
        cvg_put_le32(b, req->u.param.index);
        blen = 4;
        break;
    case CVG_SIM_OP_HVM_PARAM_SET:
        cvg_put_le32(b, req->u.param.index);
        cvg_put_le32(b + 4, 0);
        cvg_put_le64(b + 8, req->u.param.value);
        blen = 16;
        break;
    case CVG_SIM_OP_TSC_SET:
        cvg_put_le32(b, req->u.tsc.mode);
        cvg_put_le32(b + 4, req->u.tsc.khz);
        cvg_put_le64(b + 8, req->u.tsc.nsec);
        cvg_put_le32(b + 16, req->u.tsc.incarnation);
        cvg_put_le32(b + 20, 0);
        blen = 24;
        break;
    default:
        break;
    }
    iov[1].iov_len = blen;
    h.len = 0;
    for (int i = 1; i < n; i++)
        h.len += (uint32_t)iov[i].iov_len;
    cvg_sim_hdr_encode(hdr, &h);
    iov[0].iov_base = hdr;
    iov[0].iov_len = sizeof(hdr);
    return cvg_sink_writev(sink, iov, n, err);
}

/* ---- structured replies ---- */

static int reply_len(const char *what, size_t len, size_t want, struct cvg_err *err)
{
    if (len != want)
        return cvg_fail(err, -EPROTO, "sim %s reply: %zu bytes, expected %zu", what, len, want);
    return 0;
}

/* A fixed 64-byte name field: NUL-terminated, the name rule, or empty. */
static void name_put(uint8_t *out, const char *name)
{
    size_t n = strnlen(name, CVG_SIM_MAX_NAME);

    memset(out, 0, CVG_SIM_MAX_NAME + 1);
    memcpy(out, name, n);
}

static int name_get(const uint8_t *in, char *name, const char *what, struct cvg_err *err)
{
    const uint8_t *nul = memchr(in, '\0', CVG_SIM_MAX_NAME + 1);
    size_t n;

    if (!nul)
        return cvg_fail(err, -EPROTO, "sim %s reply: domain name not terminated", what);
    n = (size_t)(nul - in);
    if (n && !name_ok((const char *)in, n))
        return cvg_fail(err, -EPROTO, "sim %s reply: domain name has bad characters", what);
    memcpy(name, in, n);
    name[n] = '\0';
    return 0;
}

void cvg_sim_dominfo_encode(uint8_t out[CVG_SIM_DOMINFO_SIZE], const struct cvg_sim_dominfo *d)
{
    cvg_put_le32(out, d->domid);
    cvg_put_le32(out + 4, (d->hvm ? 1u : 0) | (d->paused ? 2u : 0) |
                          (d->shutdown ? 4u : 0) | (d->dying ? 8u : 0));
    cvg_put_le32(out + 8, d->shutdown_reason);
    cvg_put_le32(out + 12, d->max_vcpu_id);
    cvg_put_le32(out + 16, d->nr_online_vcpus);
    cvg_put_le32(out + 20, d->cpupool);
    cvg_put_le64(out + 24, d->p2m_size);
    cvg_put_le64(out + 32, d->nr_pages);
    cvg_put_le64(out + 40, d->cpu_time_ns);
}

int cvg_sim_dominfo_decode(const uint8_t *p, size_t len, struct cvg_sim_dominfo *d,
                           struct cvg_err *err)
{
    uint32_t f;
    int rc = reply_len("dominfo", len, CVG_SIM_DOMINFO_SIZE, err);

    if (rc)
        return rc;
    d->domid = cvg_get_le32(p);
    f = cvg_get_le32(p + 4);
    if (f & ~0xfu)
        return cvg_fail(err, -EPROTO, "sim dominfo reply: unknown flags 0x%x", f);
    d->hvm = f & 1;
    d->paused = f & 2;
    d->shutdown = f & 4;
    d->dying = f & 8;
    d->shutdown_reason = cvg_get_le32(p + 8);
    d->max_vcpu_id = cvg_get_le32(p + 12);
    d->nr_online_vcpus = cvg_get_le32(p + 16);
    d->cpupool = cvg_get_le32(p + 20);
    d->p2m_size = cvg_get_le64(p + 24);
    d->nr_pages = cvg_get_le64(p + 32);
    d->cpu_time_ns = cvg_get_le64(p + 40);
    if (d->nr_pages > d->p2m_size || d->p2m_size > CVG_SIM_MAX_PAGES ||
        d->nr_online_vcpus > CVG_SIM_MAX_VCPUS || d->max_vcpu_id >= CVG_SIM_MAX_VCPUS)
        return cvg_fail(err, -EPROTO, "sim dominfo reply: inconsistent sizes (p2m %llu, pages %llu, vcpus %u)",
                        (unsigned long long)d->p2m_size, (unsigned long long)d->nr_pages,
                        d->nr_online_vcpus);
    return 0;
}

void cvg_sim_vcpuinfo_encode(uint8_t out[CVG_SIM_VCPUINFO_SIZE], const struct cvg_sim_vcpuinfo *v)
{
    cvg_put_le32(out, (v->online ? 1u : 0) | (v->blocked ? 2u : 0) | (v->running ? 4u : 0));
    cvg_put_le32(out + 4, v->cpu);
    cvg_put_le64(out + 8, v->cpu_time_ns);
}

int cvg_sim_vcpuinfo_decode(const uint8_t *p, size_t len, struct cvg_sim_vcpuinfo *v,
                            struct cvg_err *err)
{
    uint32_t f;
    int rc = reply_len("vcpuinfo", len, CVG_SIM_VCPUINFO_SIZE, err);

    if (rc)
        return rc;
    f = cvg_get_le32(p);
    if (f & ~7u)
        return cvg_fail(err, -EPROTO, "sim vcpuinfo reply: unknown flags 0x%x", f);
    v->online = f & 1;
    v->blocked = f & 2;
    v->running = f & 4;
    v->cpu = cvg_get_le32(p + 4);
    v->cpu_time_ns = cvg_get_le64(p + 8);
    return 0;
}

int cvg_sim_list_encode(struct cvg_sink *sink, const struct cvg_sim_list_entry *e,
                        uint32_t n, struct cvg_err *err)
{
    uint8_t b[CVG_SIM_LIST_ENTRY_SIZE];
    int rc;

    cvg_put_le32(b, n);
    cvg_put_le32(b + 4, 0);
    if ((rc = cvg_sink_write(sink, b, 8, err)))
        return rc;
    for (uint32_t i = 0; i < n; i++) {
        cvg_put_le32(b, e[i].domid);
        cvg_put_le32(b + 4, e[i].nr_vcpus);
        cvg_put_le32(b + 8, (e[i].paused ? 1u : 0) | (e[i].shutdown ? 2u : 0) |
                            (e[i].logdirty ? 4u : 0));
        cvg_put_le32(b + 12, 0);
        cvg_put_le64(b + 16, e[i].p2m_size);
        name_put(b + 24, e[i].name);
        if ((rc = cvg_sink_write(sink, b, sizeof(b), err)))
            return rc;
    }
    return 0;
}

int cvg_sim_list_decode(const uint8_t *p, size_t len, struct cvg_sim_list_entry **entries,
                        uint32_t *n, struct cvg_err *err)
{
    struct cvg_sim_list_entry *e = NULL;
    uint32_t count;
    int rc = 0;

    *entries = NULL;
    *n = 0;
    if (len < 8)
        return cvg_fail(err, -EPROTO, "sim list reply: %zu bytes, need at least 8", len);
    count = cvg_get_le32(p);
    if (count > CVG_SIM_MAX_DOMAINS)
        return cvg_fail(err, -EPROTO, "sim list reply: %u domains exceed %u", count,
                        CVG_SIM_MAX_DOMAINS);
    if ((rc = reply_len("list", len, 8 + (size_t)count * CVG_SIM_LIST_ENTRY_SIZE, err)))
        return rc;
    if (count && !(e = calloc(count, sizeof(*e))))
        return cvg_fail(err, -ENOMEM, "sim list reply: out of memory");
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *q = p + 8 + (size_t)i * CVG_SIM_LIST_ENTRY_SIZE;
        uint32_t f = cvg_get_le32(q + 8);

        e[i].domid = cvg_get_le32(q);
        e[i].nr_vcpus = cvg_get_le32(q + 4);
        e[i].paused = f & 1;
        e[i].shutdown = f & 2;
        e[i].logdirty = f & 4;
        e[i].p2m_size = cvg_get_le64(q + 16);
        if (f & ~7u || cvg_get_le32(q + 12)) {
            rc = cvg_fail(err, -EPROTO, "sim list reply: entry %u has unknown flags", i);
            goto out;
        }
        if ((rc = name_get(q + 24, e[i].name, "list", err)))
            goto out;
    }
    *entries = e;
    *n = count;
    e = NULL;
out:
    free(e);
    return rc;
}

static uint64_t double_bits(double v)
{
    uint64_t u;

    memcpy(&u, &v, sizeof(u));
    return u;
}

static double bits_double(uint64_t u)
{
    double v;

    memcpy(&v, &u, sizeof(v));
    return v;
}

int cvg_sim_info_encode(struct cvg_sink *sink, const struct cvg_sim_info *in,
                        struct cvg_err *err)
{
    uint8_t b[CVG_SIM_INFO_FIXED_SIZE];
    int rc;

    cvg_put_le32(b, in->domid);
    cvg_put_le32(b + 4, in->nr_vcpus);
    cvg_put_le32(b + 8, (in->hvm ? 1u : 0) | (in->paused ? 2u : 0) | (in->shutdown ? 4u : 0) |
                        (in->dying ? 8u : 0) | (in->logdirty ? 16u : 0));
    cvg_put_le32(b + 12, in->pause_count);
    cvg_put_le32(b + 16, in->shutdown_reason);
    cvg_put_le32(b + 20, in->cap);
    cvg_put_le64(b + 24, in->p2m_size);
    cvg_put_le64(b + 32, in->nr_pages);
    cvg_put_le64(b + 40, in->seed);
    cvg_put_le64(b + 48, in->logdirty_since_ns);
    name_put(b + 56, in->name);
    if ((rc = cvg_sink_write(sink, b, sizeof(b), err)))
        return rc;
    for (uint32_t i = 0; i < in->nr_vcpus; i++) {
        const struct cvg_sim_vcpu_state *v = &in->vcpus[i];

        cvg_put_le32(b, v->id);
        cvg_put_le32(b + 4, v->pattern);
        cvg_put_le64(b + 8, double_bits(v->rate_mib_s));
        cvg_put_le32(b + 16, v->period_us);
        cvg_put_le32(b + 20, v->budget_us);
        cvg_put_le64(b + 24, v->affinity);
        cvg_put_le32(b + 32, v->share_ppm);
        cvg_put_le32(b + 36, (v->blocked ? 1u : 0) | (v->running ? 2u : 0));
        cvg_put_le64(b + 40, v->work);
        cvg_put_le64(b + 48, v->writes);
        cvg_put_le64(b + 56, v->cpu_time_ns);
        if ((rc = cvg_sink_write(sink, b, CVG_SIM_VCPU_STATE_SIZE, err)))
            return rc;
    }
    return 0;
}

int cvg_sim_info_decode(const uint8_t *p, size_t len, struct cvg_sim_info *in,
                        struct cvg_err *err)
{
    uint32_t f;
    int rc;

    memset(in, 0, sizeof(*in));
    if (len < CVG_SIM_INFO_FIXED_SIZE)
        return cvg_fail(err, -EPROTO, "sim info reply: %zu bytes, need at least %u", len,
                        CVG_SIM_INFO_FIXED_SIZE);
    in->domid = cvg_get_le32(p);
    in->nr_vcpus = cvg_get_le32(p + 4);
    if (in->nr_vcpus > CVG_SIM_MAX_VCPUS) {
        rc = cvg_fail(err, -EPROTO, "sim info reply: %u vcpus exceed %u", in->nr_vcpus,
                      CVG_SIM_MAX_VCPUS);
        goto fail;
    }
    if ((rc = reply_len("info", len, CVG_SIM_INFO_FIXED_SIZE +
                        (size_t)in->nr_vcpus * CVG_SIM_VCPU_STATE_SIZE, err)))
        goto fail;
    f = cvg_get_le32(p + 8);
    if (f & ~0x1fu) {
        rc = cvg_fail(err, -EPROTO, "sim info reply: unknown flags 0x%x", f);
        goto fail;
    }
    in->hvm = f & 1;
    in->paused = f & 2;
    in->shutdown = f & 4;
    in->dying = f & 8;
    in->logdirty = f & 16;
    in->pause_count = cvg_get_le32(p + 12);
    in->shutdown_reason = cvg_get_le32(p + 16);
    in->cap = cvg_get_le32(p + 20);
    in->p2m_size = cvg_get_le64(p + 24);
    in->nr_pages = cvg_get_le64(p + 32);
    in->seed = cvg_get_le64(p + 40);
    in->logdirty_since_ns = cvg_get_le64(p + 48);
    if ((rc = name_get(p + 56, in->name, "info", err)))
        goto fail;
    if (in->nr_vcpus && !(in->vcpus = calloc(in->nr_vcpus, sizeof(*in->vcpus)))) {
        rc = cvg_fail(err, -ENOMEM, "sim info reply: out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < in->nr_vcpus; i++) {
        const uint8_t *q = p + CVG_SIM_INFO_FIXED_SIZE + (size_t)i * CVG_SIM_VCPU_STATE_SIZE;
        struct cvg_sim_vcpu_state *v = &in->vcpus[i];

        v->id = cvg_get_le32(q);
        v->pattern = cvg_get_le32(q + 4);
        v->rate_mib_s = bits_double(cvg_get_le64(q + 8));
        v->period_us = cvg_get_le32(q + 16);
        v->budget_us = cvg_get_le32(q + 20);
        v->affinity = cvg_get_le64(q + 24);
        v->share_ppm = cvg_get_le32(q + 32);
        f = cvg_get_le32(q + 36);
        v->blocked = f & 1;
        v->running = f & 2;
        v->work = cvg_get_le64(q + 40);
        v->writes = cvg_get_le64(q + 48);
        v->cpu_time_ns = cvg_get_le64(q + 56);
        if (f & ~3u || !isfinite(v->rate_mib_s) || v->rate_mib_s < 0 ||
            v->share_ppm > 1000000u) {
            rc = cvg_fail(err, -EPROTO, "sim info reply: vcpu %u: bad flags, rate or share", i);
            goto fail;
        }
    }
    return 0;
fail:
    cvg_sim_info_release(in);
    return rc;
}

void cvg_sim_info_release(struct cvg_sim_info *in)
{
    free(in->vcpus);
    in->vcpus = NULL;
    in->nr_vcpus = 0;
}

int cvg_sim_truth_encode(struct cvg_sink *sink, const struct cvg_sim_truth *t,
                         struct cvg_err *err)
{
    uint8_t b[CVG_SIM_TRUTH_FIXED_SIZE];
    int rc;

    cvg_put_le64(b, t->now_ns);
    cvg_put_le64(b + 8, t->clean_ns);
    cvg_put_le64(b + 16, t->dirty_count);
    cvg_put_le32(b + 24, t->logdirty ? 1u : 0);
    cvg_put_le32(b + 28, t->nr_vcpus);
    if ((rc = cvg_sink_write(sink, b, sizeof(b), err)))
        return rc;
    for (uint32_t i = 0; i < t->nr_vcpus; i++) {
        cvg_put_le64(b, t->vcpus[i].dirtied);
        cvg_put_le64(b + 8, t->vcpus[i].writes);
        cvg_put_le64(b + 16, t->vcpus[i].work);
        cvg_put_le64(b + 24, t->vcpus[i].cpu_time_ns);
        if ((rc = cvg_sink_write(sink, b, 32, err)))
            return rc;
    }
    return 0;
}

int cvg_sim_truth_decode(const uint8_t *p, size_t len, struct cvg_sim_truth *t,
                         struct cvg_err *err)
{
    uint32_t f;
    int rc;

    memset(t, 0, sizeof(*t));
    if (len < CVG_SIM_TRUTH_FIXED_SIZE)
        return cvg_fail(err, -EPROTO, "sim truth reply: %zu bytes, need at least %u", len,
                        CVG_SIM_TRUTH_FIXED_SIZE);
    t->now_ns = cvg_get_le64(p);
    t->clean_ns = cvg_get_le64(p + 8);
    t->dirty_count = cvg_get_le64(p + 16);
    f = cvg_get_le32(p + 24);
    t->nr_vcpus = cvg_get_le32(p + 28);
    if (f & ~1u || t->nr_vcpus > CVG_SIM_MAX_VCPUS) {
        rc = cvg_fail(err, -EPROTO, "sim truth reply: bad flags 0x%x or %u vcpus", f, t->nr_vcpus);
        goto fail;
    }
    t->logdirty = f & 1;
    if ((rc = reply_len("truth", len, CVG_SIM_TRUTH_FIXED_SIZE + (size_t)t->nr_vcpus * 32, err)))
        goto fail;
    if (t->nr_vcpus && !(t->vcpus = calloc(t->nr_vcpus, sizeof(*t->vcpus)))) {
        rc = cvg_fail(err, -ENOMEM, "sim truth reply: out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < t->nr_vcpus; i++) {
        const uint8_t *q = p + CVG_SIM_TRUTH_FIXED_SIZE + (size_t)i * 32;

        t->vcpus[i].dirtied = cvg_get_le64(q);
        t->vcpus[i].writes = cvg_get_le64(q + 8);
        t->vcpus[i].work = cvg_get_le64(q + 16);
        t->vcpus[i].cpu_time_ns = cvg_get_le64(q + 24);
    }
    return 0;
fail:
    cvg_sim_truth_release(t);
    return rc;
}

void cvg_sim_truth_release(struct cvg_sim_truth *t)
{
    free(t->vcpus);
    t->vcpus = NULL;
    t->nr_vcpus = 0;
}
