/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "common/bytes.h"
#include "lib/owner_proto.h"

const char *cvg_own_op_name(unsigned op)
{
    switch (op) {
    case CVG_OWN_SET: return "SET";
    case CVG_OWN_CANCEL: return "CANCEL";
    case CVG_OWN_LIST: return "LIST";
    case CVG_OWN_MEASURE: return "MEASURE";
    case CVG_OWN_HANDOVER: return "HANDOVER";
    default: return "unknown";
    }
}

/* Fixed-point on the wire: no floating-point representation to validate. */
static uint64_t milli(double v)
{
    if (!(v > 0))
        return 0;
    if (v > CVG_OWN_MAX_RATE * 64.0)
        v = CVG_OWN_MAX_RATE * 64.0;
    return (uint64_t)llround(v * 1000.0);
}

static uint32_t ppm(double v)
{
    if (!(v > 0))
        return 0;
    return v >= 1 ? 1000000u : (uint32_t)lround(v * 1e6);
}

static bool vcpu_ok(uint32_t v)
{
    return v < CVG_OWN_MAX_VCPUS || v == CVG_OWN_ALL;
}

static int check_req(const struct cvg_own_req *r, struct cvg_err *err)
{
    switch (r->op) {
    case CVG_OWN_SET:
        if (!vcpu_ok(r->vcpu))
            return cvg_fail(err, -EINVAL, "SET: vcpu %u is not below %u", r->vcpu,
                            CVG_OWN_MAX_VCPUS);
        if (r->rate_mib_s < 1 || r->rate_mib_s > CVG_OWN_MAX_RATE)
            return cvg_fail(err, -EINVAL, "SET: rate %u MiB/s is not in 1..%u", r->rate_mib_s,
                            CVG_OWN_MAX_RATE);
        if (r->flags)
            return cvg_fail(err, -EINVAL, "SET: unknown flags %#x", r->flags);
        return 0;
    case CVG_OWN_CANCEL:
        if (!vcpu_ok(r->vcpu))
            return cvg_fail(err, -EINVAL, "CANCEL: vcpu %u is not below %u", r->vcpu,
                            CVG_OWN_MAX_VCPUS);
        return 0;
    case CVG_OWN_LIST:
        return 0;
    case CVG_OWN_MEASURE:
        if (r->period_ms < CVG_OWN_PERIOD_MIN || r->period_ms > CVG_OWN_PERIOD_MAX)
            return cvg_fail(err, -EINVAL, "MEASURE: period %u ms is not in %u..%u",
                            r->period_ms, CVG_OWN_PERIOD_MIN, CVG_OWN_PERIOD_MAX);
        if (r->flags & ~CVG_OWN_MEASURE_NO_PROBE)
            return cvg_fail(err, -EINVAL, "MEASURE: unknown flags %#x", r->flags);
        return 0;
    case CVG_OWN_HANDOVER:
        if (!r->pid || r->pid > 0x3fffffffu)
            return cvg_fail(err, -EINVAL, "HANDOVER: pid %u", r->pid);
        return 0;
    }
    return cvg_fail(err, -EINVAL, "unknown request %u", (unsigned)r->op);
}

static uint32_t req_body_len(enum cvg_own_op op)
{
    switch (op) {
    case CVG_OWN_SET: return 12;
    case CVG_OWN_CANCEL: return 4;
    case CVG_OWN_LIST: return 0;
    case CVG_OWN_MEASURE: return 8;
    case CVG_OWN_HANDOVER: return 4;
    }
    return 0;
}

int cvg_own_req_encode(const struct cvg_own_req *r, uint8_t *out, size_t room,
                       struct cvg_err *err)
{
    uint32_t len = req_body_len(r->op);
    uint8_t *b = out + CVG_OWN_REQ_HDR;
    int rc = check_req(r, err);

    if (rc)
        return rc;
    if (room < CVG_OWN_REQ_HDR + len)
        return cvg_fail(err, -ENOSPC, "%s request needs %u bytes", cvg_own_op_name(r->op),
                        CVG_OWN_REQ_HDR + len);
    cvg_put_le32(out, CVG_OWN_REQ_MAGIC);
    cvg_put_le16(out + 4, CVG_OWN_VERSION);
    cvg_put_le16(out + 6, (uint16_t)r->op);
    cvg_put_le32(out + 8, len);
    switch (r->op) {
    case CVG_OWN_SET:
        cvg_put_le32(b, r->vcpu);
        cvg_put_le32(b + 4, r->rate_mib_s);
        cvg_put_le32(b + 8, r->flags);
        break;
    case CVG_OWN_CANCEL:
        cvg_put_le32(b, r->vcpu);
        break;
    case CVG_OWN_MEASURE:
        cvg_put_le32(b, r->period_ms);
        cvg_put_le32(b + 4, r->flags);
        break;
    case CVG_OWN_HANDOVER:
        cvg_put_le32(b, r->pid);
        break;
    case CVG_OWN_LIST:
        break;
    }
    return (int)(CVG_OWN_REQ_HDR + len);
}

int cvg_own_req_header(const uint8_t hdr[CVG_OWN_REQ_HDR], uint16_t *op, uint32_t *len,
                       struct cvg_err *err)
{
    if (cvg_get_le32(hdr) != CVG_OWN_REQ_MAGIC)
        return cvg_fail(err, -EPROTO, "request header: magic %#x, not \"XCLO\"",
                        cvg_get_le32(hdr));
    if (cvg_get_le16(hdr + 4) != CVG_OWN_VERSION)
        return cvg_fail(err, -EPROTO, "request header: version %u, this owner speaks %u",
                        cvg_get_le16(hdr + 4), CVG_OWN_VERSION);
    *op = cvg_get_le16(hdr + 6);
    *len = cvg_get_le32(hdr + 8);
    if (*len > CVG_OWN_REQ_BODY_MAX)
        return cvg_fail(err, -EPROTO, "request header (op %u): body of %u bytes, at most %u",
                        *op, *len, CVG_OWN_REQ_BODY_MAX);
    return 0;
}

int cvg_own_req_decode(const uint8_t *p, size_t len, struct cvg_own_req *r,
                       struct cvg_err *err)
{
    uint16_t op;
    uint32_t blen;
    const uint8_t *b = p + CVG_OWN_REQ_HDR;
    int rc;

    memset(r, 0, sizeof(*r));
    if (len < CVG_OWN_REQ_HDR)
        return cvg_fail(err, -EPROTO, "request of %zu bytes: shorter than its header", len);
    rc = cvg_own_req_header(p, &op, &blen, err);
    if (rc)
        return rc;
    if (op < CVG_OWN_SET || op > CVG_OWN_HANDOVER)
        return cvg_fail(err, -EPROTO, "unknown request op %u", op);
    r->op = (enum cvg_own_op)op;
    if (blen != req_body_len(r->op) || len != CVG_OWN_REQ_HDR + blen)
        return cvg_fail(err, -EPROTO, "%s request: body of %u bytes (frame %zu), expected %u",
                        cvg_own_op_name(op), blen, len, req_body_len(r->op));
    switch (r->op) {
    case CVG_OWN_SET:
        r->vcpu = cvg_get_le32(b);
        r->rate_mib_s = cvg_get_le32(b + 4);
        r->flags = cvg_get_le32(b + 8);
        break;
    case CVG_OWN_CANCEL:
        r->vcpu = cvg_get_le32(b);
        break;
    case CVG_OWN_MEASURE:
        r->period_ms = cvg_get_le32(b);
        r->flags = cvg_get_le32(b + 4);
        break;
    case CVG_OWN_HANDOVER:
        r->pid = cvg_get_le32(b);
        break;
    case CVG_OWN_LIST:
        break;
    }
    rc = check_req(r, err);
    return rc ? (rc == -EINVAL ? -EPROTO : rc) : 0;
}

static int check_list(const struct cvg_own_reply *r, bool measure, struct cvg_err *err)
{
    if (r->n > CVG_OWN_MAX_VCPUS)
        return cvg_fail(err, -EPROTO, "%s reply: %u vCPUs, at most %u",
                        measure ? "MEASURE" : "LIST", r->n, CVG_OWN_MAX_VCPUS);
    for (uint32_t i = 0; i < r->n; i++) {
        const struct cvg_own_vcpu *v = &r->v[i];

        if (v->vcpu >= CVG_OWN_MAX_VCPUS || (i && v->vcpu <= r->v[i - 1].vcpu))
            return cvg_fail(err, -EPROTO, "%s reply: entry %u is vcpu %u (ids must be "
                            "increasing and below %u)", measure ? "MEASURE" : "LIST", i,
                            v->vcpu, CVG_OWN_MAX_VCPUS);
        if (v->flags & ~CVG_OWN_VCPU_FLAGS)
            return cvg_fail(err, -EPROTO, "entry %u (vcpu %u): unknown flags %#x", i,
                            v->vcpu, v->flags);
        if (!measure && (v->state > CVG_OWN_SUSPENDED || v->limit_mib_s < 1 ||
                         v->limit_mib_s > CVG_OWN_MAX_RATE))
            return cvg_fail(err, -EPROTO, "LIST reply: entry %u (vcpu %u): state %u, "
                            "limit %u MiB/s", i, v->vcpu, v->state, v->limit_mib_s);
    }
    return 0;
}

int cvg_own_reply_encode(const struct cvg_own_reply *r, uint8_t *out, size_t room,
                         struct cvg_err *err)
{
    uint8_t *b = out + CVG_OWN_REPLY_HDR;
    uint32_t len = 0;
    int rc;

    if (room < CVG_OWN_REPLY_HDR + CVG_OWN_REPLY_BODY_MAX)
        return cvg_fail(err, -ENOSPC, "reply buffer of %zu bytes", room);
    if (r->status < 0) {
        size_t n = strnlen(r->text, CVG_OWN_TEXT_MAX);

        memcpy(b, r->text, n);
        len = (uint32_t)n;
    } else if (r->op == CVG_OWN_LIST) {
        if ((rc = check_list(r, false, err)))
            return rc;
        cvg_put_le32(b, r->owner_pid);
        cvg_put_le32(b + 4, r->n);
        len = 8;
        for (uint32_t i = 0; i < r->n; i++, len += CVG_OWN_LIST_ENTRY) {
            const struct cvg_own_vcpu *v = &r->v[i];
            uint8_t *e = b + len;

            cvg_put_le32(e, v->vcpu);
            cvg_put_le32(e + 4, v->limit_mib_s);
            cvg_put_le32(e + 8, v->state);
            cvg_put_le32(e + 12, v->flags);
            cvg_put_le64(e + 16, milli(v->rate_mib_s));
            cvg_put_le32(e + 24, ppm(v->confidence));
            cvg_put_le32(e + 28, ppm(v->share));
        }
    } else if (r->op == CVG_OWN_MEASURE) {
        if ((rc = check_list(r, true, err)))
            return rc;
        cvg_put_le32(b, r->source);
        cvg_put_le32(b + 4, r->period_ms);
        cvg_put_le64(b + 8, milli(r->rate_mib_s));
        cvg_put_le32(b + 16, ppm(r->confidence));
        cvg_put_le32(b + 20, r->n);
        len = 24;
        for (uint32_t i = 0; i < r->n; i++, len += CVG_OWN_MEAS_ENTRY) {
            const struct cvg_own_vcpu *v = &r->v[i];
            uint8_t *e = b + len;

            cvg_put_le32(e, v->vcpu);
            cvg_put_le32(e + 4, v->flags);
            cvg_put_le64(e + 8, milli(v->rate_mib_s));
            cvg_put_le32(e + 16, ppm(v->confidence));
            cvg_put_le32(e + 20, ppm(v->cpu));
        }
    }
    cvg_put_le32(out, CVG_OWN_REPLY_MAGIC);
    cvg_put_le16(out + 4, CVG_OWN_VERSION);
    cvg_put_le16(out + 6, (uint16_t)r->op);
    cvg_put_le32(out + 8, (uint32_t)r->status);
    cvg_put_le32(out + 12, len);
    return (int)(CVG_OWN_REPLY_HDR + len);
}

int cvg_own_reply_header(const uint8_t hdr[CVG_OWN_REPLY_HDR], uint16_t *op,
                         int32_t *status, uint32_t *len, struct cvg_err *err)
{
    if (cvg_get_le32(hdr) != CVG_OWN_REPLY_MAGIC)
        return cvg_fail(err, -EPROTO, "reply header: magic %#x, not \"XCLR\"",
                        cvg_get_le32(hdr));
    if (cvg_get_le16(hdr + 4) != CVG_OWN_VERSION)
        return cvg_fail(err, -EPROTO, "reply header: version %u, expected %u",
                        cvg_get_le16(hdr + 4), CVG_OWN_VERSION);
    *op = cvg_get_le16(hdr + 6);
    *status = (int32_t)cvg_get_le32(hdr + 8);
    *len = cvg_get_le32(hdr + 12);
    if (*len > CVG_OWN_REPLY_BODY_MAX)
        return cvg_fail(err, -EPROTO, "reply header (op %u): body of %u bytes, at most %u",
                        *op, *len, CVG_OWN_REPLY_BODY_MAX);
    if (*status > 0 || *status < -4095)
        return cvg_fail(err, -EPROTO, "reply header (op %u): status %d is neither 0 nor "
                        "a negative errno", *op, (int)*status);
    return 0;
}

static double from_ppm(uint32_t v)
{
    return v / 1e6;
}

int cvg_own_reply_decode(const uint8_t *p, size_t len, struct cvg_own_reply *r,
                         struct cvg_err *err)
{
    const uint8_t *b = p + CVG_OWN_REPLY_HDR;
    uint16_t op;
    uint32_t blen, fixed, entry;
    int rc;

    memset(r, 0, sizeof(*r));
    if (len < CVG_OWN_REPLY_HDR)
        return cvg_fail(err, -EPROTO, "reply of %zu bytes: shorter than its header", len);
    rc = cvg_own_reply_header(p, &op, &r->status, &blen, err);
    if (rc)
        return rc;
    if (op < CVG_OWN_SET || op > CVG_OWN_HANDOVER)
        return cvg_fail(err, -EPROTO, "reply to unknown op %u", op);
    r->op = (enum cvg_own_op)op;
    if (len != CVG_OWN_REPLY_HDR + blen)
        return cvg_fail(err, -EPROTO, "%s reply: header says %u body bytes, frame has %zu",
                        cvg_own_op_name(op), blen, len - CVG_OWN_REPLY_HDR);
    if (r->status < 0) {
        if (blen > CVG_OWN_TEXT_MAX)
            return cvg_fail(err, -EPROTO, "%s reply: error text of %u bytes, at most %u",
                            cvg_own_op_name(op), blen, CVG_OWN_TEXT_MAX);
        /* Shown to an administrator: printable ASCII only. */
        for (uint32_t i = 0; i < blen; i++)
            r->text[i] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '?';
        r->text[blen] = '\0';
        return 0;
    }
    if (op != CVG_OWN_LIST && op != CVG_OWN_MEASURE) {
        if (blen)
            return cvg_fail(err, -EPROTO, "%s reply: %u unexpected body bytes",
                            cvg_own_op_name(op), blen);
        return 0;
    }
    fixed = op == CVG_OWN_LIST ? 8 : 24;
    entry = op == CVG_OWN_LIST ? CVG_OWN_LIST_ENTRY : CVG_OWN_MEAS_ENTRY;
    if (blen < fixed)
        return cvg_fail(err, -EPROTO, "%s reply: body of %u bytes, at least %u",
                        cvg_own_op_name(op), blen, fixed);
    r->n = cvg_get_le32(b + fixed - 4);
    if (r->n > CVG_OWN_MAX_VCPUS || blen != fixed + r->n * entry)
        return cvg_fail(err, -EPROTO, "%s reply: %u vCPUs in %u body bytes (at most %u vCPUs "
                        "of %u bytes after %u)", cvg_own_op_name(op), r->n, blen,
                        CVG_OWN_MAX_VCPUS, entry, fixed);
    if (op == CVG_OWN_LIST) {
        r->owner_pid = cvg_get_le32(b);
        for (uint32_t i = 0; i < r->n; i++) {
            const uint8_t *e = b + fixed + i * entry;
            struct cvg_own_vcpu *v = &r->v[i];

            v->vcpu = cvg_get_le32(e);
            v->limit_mib_s = cvg_get_le32(e + 4);
            v->state = cvg_get_le32(e + 8);
            v->flags = cvg_get_le32(e + 12);
            v->rate_mib_s = cvg_get_le64(e + 16) / 1000.0;
            v->confidence = from_ppm(cvg_get_le32(e + 24));
            v->share = from_ppm(cvg_get_le32(e + 28));
            if (cvg_get_le32(e + 24) > 1000000u || cvg_get_le32(e + 28) > 1000000u)
                return cvg_fail(err, -EPROTO, "LIST reply: entry %u: confidence or share "
                                "above 1", i);
        }
    } else {
        r->source = cvg_get_le32(b);
        r->period_ms = cvg_get_le32(b + 4);
        r->rate_mib_s = cvg_get_le64(b + 8) / 1000.0;
        r->confidence = from_ppm(cvg_get_le32(b + 16));
        if (r->source > 1 || cvg_get_le32(b + 16) > 1000000u)
            return cvg_fail(err, -EPROTO, "MEASURE reply: source %u, confidence %u ppm",
                            r->source, cvg_get_le32(b + 16));
        for (uint32_t i = 0; i < r->n; i++) {
            const uint8_t *e = b + fixed + i * entry;
            struct cvg_own_vcpu *v = &r->v[i];

            v->vcpu = cvg_get_le32(e);
            v->flags = cvg_get_le32(e + 4);
            v->rate_mib_s = cvg_get_le64(e + 8) / 1000.0;
            v->confidence = from_ppm(cvg_get_le32(e + 16));
            v->cpu = from_ppm(cvg_get_le32(e + 20));
            if (cvg_get_le32(e + 16) > 1000000u || cvg_get_le32(e + 20) > 1000000u)
                return cvg_fail(err, -EPROTO, "MEASURE reply: entry %u: confidence or cpu "
                                "above 1", i);
        }
    }
    return check_list(r, op == CVG_OWN_MEASURE, err);
}
