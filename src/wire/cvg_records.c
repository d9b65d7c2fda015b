/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xen-converge's optional records: v1 encoders, strict decoders with the
 * forward-compatibility rule of cvg_records.h, and the bounded back-channel
 * reader.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/bytes.h"
#include "wire/cvg_records.h"

const char *cvg_rec_type_name(uint32_t type)
{
    switch (type) {
    case CVG_REC_HELLO:
        return "CVG_HELLO";
    case CVG_REC_HELLO_ACK:
        return "CVG_HELLO_ACK";
    case CVG_REC_SWITCHOVER_ACK:
        return "CVG_SWITCHOVER_ACK";
    case CVG_REC_STATS:
        return "CVG_STATS";
    case CVG_REC_BYE:
        return "CVG_BYE";
    default:
        return NULL;
    }
}

static void put_common(uint8_t *b, uint16_t flags)
{
    cvg_put_le16(b, CVG_REC_VERSION);
    cvg_put_le16(b + 2, flags);
}

size_t cvg_encode_hello(const struct cvg_hello *m, uint8_t out[CVG_HELLO_SIZE])
{
    put_common(out, 0);
    cvg_put_le32(out + 4, m->proto);
    cvg_put_le32(out + 8, m->caps);
    cvg_put_le32(out + 12, m->domid);
    cvg_put_le64(out + 16, m->nr_pfns);
    return CVG_HELLO_SIZE;
}

size_t cvg_encode_hello_ack(const struct cvg_hello_ack *m,
                            uint8_t out[CVG_HELLO_ACK_SIZE])
{
    put_common(out, 0);
    cvg_put_le32(out + 4, m->proto);
    cvg_put_le32(out + 8, m->caps);
    cvg_put_le32(out + 12, m->domid);
    return CVG_HELLO_ACK_SIZE;
}

size_t cvg_encode_switchover_ack(const struct cvg_switchover_ack *m,
                                 uint8_t out[CVG_SWITCHOVER_ACK_SIZE])
{
    put_common(out, m->ready ? CVG_SWACK_READY : 0);
    cvg_put_le32(out + 4, 0);
    cvg_put_le64(out + 8, m->pages_applied);
    cvg_put_le64(out + 16, m->apply_rate);
    return CVG_SWITCHOVER_ACK_SIZE;
}

size_t cvg_encode_stats(const struct cvg_stats *m, uint8_t out[CVG_STATS_SIZE])
{
    put_common(out, 0);
    cvg_put_le32(out + 4, m->pass);
    cvg_put_le64(out + 8, m->bytes_sent);
    cvg_put_le64(out + 16, m->remaining);
    cvg_put_le64(out + 24, m->dirty_rate);
    cvg_put_le32(out + 32, m->throttle_pct);
    cvg_put_le32(out + 36, m->expected_downtime_ms);
    return CVG_STATS_SIZE;
}

size_t cvg_encode_bye(const struct cvg_bye *m, uint8_t out[CVG_BYE_SIZE])
{
    put_common(out, 0);
    cvg_put_le32(out + 4, (uint32_t)m->status);
    return CVG_BYE_SIZE;
}

int cvg_write_hello(struct cvg_sink *sink, const struct cvg_hello *m,
                    struct cvg_err *err)
{
    uint8_t b[CVG_HELLO_SIZE];

    return xcs_write_record_buf(sink, CVG_REC_HELLO, b,
                                cvg_encode_hello(m, b), err);
}

int cvg_write_hello_ack(struct cvg_sink *sink, const struct cvg_hello_ack *m,
                        struct cvg_err *err)
{
    uint8_t b[CVG_HELLO_ACK_SIZE];

    return xcs_write_record_buf(sink, CVG_REC_HELLO_ACK, b,
                                cvg_encode_hello_ack(m, b), err);
}

int cvg_write_switchover_ack(struct cvg_sink *sink,
                             const struct cvg_switchover_ack *m,
                             struct cvg_err *err)
{
    uint8_t b[CVG_SWITCHOVER_ACK_SIZE];

    return xcs_write_record_buf(sink, CVG_REC_SWITCHOVER_ACK, b,
                                cvg_encode_switchover_ack(m, b), err);
}

int cvg_write_stats(struct cvg_sink *sink, const struct cvg_stats *m,
                    struct cvg_err *err)
{
    uint8_t b[CVG_STATS_SIZE];

    if (m->throttle_pct > 100)
        return cvg_fail(err, -EINVAL, "writing CVG_STATS: throttle %u%% over 100",
                        m->throttle_pct);
    return xcs_write_record_buf(sink, CVG_REC_STATS, b,
                                cvg_encode_stats(m, b), err);
}

int cvg_write_bye(struct cvg_sink *sink, const struct cvg_bye *m,
                  struct cvg_err *err)
{
    uint8_t b[CVG_BYE_SIZE];

    if (m->status > 0)
        return cvg_fail(err, -EINVAL, "writing CVG_BYE: status %d is not 0 "
                        "or a negative errno", m->status);
    return xcs_write_record_buf(sink, CVG_REC_BYE, b, cvg_encode_bye(m, b), err);
}

/*
 * The version/flags word and the size rule every body shares.  Returns the
 * flags with bits a newer version may define masked off; *v1 says whether
 * the v1-only strictness (reserved fields zero) applies.
 */
static int decode_common(const struct xcs_rec *rec, uint32_t v1_size,
                         uint16_t known_flags, struct cvg_msg *out,
                         uint16_t *flags, bool *v1, struct cvg_err *err)
{
    uint16_t version, f;

    if (rec->length < 4)
        return xcs_rec_fail(rec, err, -EINVAL, "body of %u bytes, too short "
                            "for its version and flags", rec->length);
    version = cvg_get_le16(rec->body);
    f = cvg_get_le16(rec->body + 2);
    if (version == 0)
        return xcs_rec_fail(rec, err, -EINVAL, "version 0");
    if (version == 1) {
        if (rec->length != v1_size)
            return xcs_rec_fail(rec, err, -EINVAL, "length %u, version 1 is "
                                "%u bytes", rec->length, v1_size);
        if (f & ~known_flags)
            return xcs_rec_fail(rec, err, -EINVAL, "undefined flag bits %#x set",
                                f & ~known_flags);
    } else if (rec->length < v1_size) {
        return xcs_rec_fail(rec, err, -EINVAL, "length %u (version %u), "
                            "shorter than version 1's %u bytes",
                            rec->length, version, v1_size);
    }
    out->version = version;
    *flags = f & known_flags;
    *v1 = version == 1;
    return 0;
}

static int decode_hello(const struct xcs_rec *rec, struct cvg_msg *out,
                        struct cvg_err *err)
{
    const uint8_t *b = rec->body;
    uint16_t flags;
    bool v1;
    int rc = decode_common(rec, CVG_HELLO_SIZE, 0, out, &flags, &v1, err);

    if (rc)
        return rc;
    out->u.hello.proto = cvg_get_le32(b + 4);
    out->u.hello.caps = cvg_get_le32(b + 8);
    out->u.hello.domid = cvg_get_le32(b + 12);
    out->u.hello.nr_pfns = cvg_get_le64(b + 16);
    if (out->u.hello.proto == 0)
        return xcs_rec_fail(rec, err, -EINVAL, "protocol version 0");
    return 0;
}

static int decode_hello_ack(const struct xcs_rec *rec, struct cvg_msg *out,
                            struct cvg_err *err)
{
    const uint8_t *b = rec->body;
    uint16_t flags;
    bool v1;
    int rc = decode_common(rec, CVG_HELLO_ACK_SIZE, 0, out, &flags, &v1, err);

    if (rc)
        return rc;
    out->u.hello_ack.proto = cvg_get_le32(b + 4);
    out->u.hello_ack.caps = cvg_get_le32(b + 8);
    out->u.hello_ack.domid = cvg_get_le32(b + 12);
    if (out->u.hello_ack.proto == 0)
        return xcs_rec_fail(rec, err, -EINVAL, "protocol version 0");
    return 0;
}

static int decode_swack(const struct xcs_rec *rec, struct cvg_msg *out,
                        struct cvg_err *err)
{
    const uint8_t *b = rec->body;
    uint16_t flags;
    bool v1;
    int rc = decode_common(rec, CVG_SWITCHOVER_ACK_SIZE, CVG_SWACK_READY, out,
                           &flags, &v1, err);

    if (rc)
        return rc;
    if (v1 && cvg_get_le32(b + 4))
        return xcs_rec_fail(rec, err, -EINVAL, "reserved word not zero");
    out->u.swack.ready = flags & CVG_SWACK_READY;
    out->u.swack.pages_applied = cvg_get_le64(b + 8);
    out->u.swack.apply_rate = cvg_get_le64(b + 16);
    return 0;
}

static int decode_stats(const struct xcs_rec *rec, struct cvg_msg *out,
                        struct cvg_err *err)
{
    const uint8_t *b = rec->body;
    uint16_t flags;
    bool v1;
    int rc = decode_common(rec, CVG_STATS_SIZE, 0, out, &flags, &v1, err);

    if (rc)
        return rc;
    out->u.stats.pass = cvg_get_le32(b + 4);
    out->u.stats.bytes_sent = cvg_get_le64(b + 8);
    out->u.stats.remaining = cvg_get_le64(b + 16);
    out->u.stats.dirty_rate = cvg_get_le64(b + 24);
    out->u.stats.throttle_pct = cvg_get_le32(b + 32);
    out->u.stats.expected_downtime_ms = cvg_get_le32(b + 36);
    if (out->u.stats.throttle_pct > 100)
        return xcs_rec_fail(rec, err, -EINVAL, "throttle %u%% over 100",
                            out->u.stats.throttle_pct);
    return 0;
}

static int decode_bye(const struct xcs_rec *rec, struct cvg_msg *out,
                      struct cvg_err *err)
{
    uint16_t flags;
    bool v1;
    int rc = decode_common(rec, CVG_BYE_SIZE, 0, out, &flags, &v1, err);

    if (rc)
        return rc;
    out->u.bye.status = (int32_t)cvg_get_le32(rec->body + 4);
    if (out->u.bye.status > 0)
        return xcs_rec_fail(rec, err, -EINVAL, "status %d is not 0 or a "
                            "negative errno", out->u.bye.status);
    return 0;
}

int cvg_decode(const struct xcs_rec *rec, struct cvg_msg *out,
               struct cvg_err *err)
{
    memset(out, 0, sizeof(*out));
    out->type = rec->type;
    out->offset = rec->offset;
    if (rec->length > CVG_REC_BODY_MAX)
        return xcs_rec_fail(rec, err, -E2BIG, "length %u over the %u-byte limit "
                            "of xen-converge records", rec->length,
                            CVG_REC_BODY_MAX);
    switch (rec->type) {
    case CVG_REC_HELLO:
        return decode_hello(rec, out, err);
    case CVG_REC_HELLO_ACK:
        return decode_hello_ack(rec, out, err);
    case CVG_REC_SWITCHOVER_ACK:
        return decode_swack(rec, out, err);
    case CVG_REC_STATS:
        return decode_stats(rec, out, err);
    case CVG_REC_BYE:
        return decode_bye(rec, out, err);
    default:
        if (!cvg_rec_in_range(rec->type))
            return xcs_rec_fail(rec, err, -EINVAL, "not a xen-converge record");
        /* A newer peer's record: skipped like any unknown optional one. */
        out->unknown = true;
        if (rec->length >= 2)
            out->version = cvg_get_le16(rec->body);
        return 0;
    }
}

int cvg_read_back_record(struct cvg_src *src, struct cvg_msg *out,
                         struct cvg_err *err)
{
    uint8_t hdr[XCS_RHDR_SIZE];
    uint64_t offset = src->off;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = cvg_src_read(src, hdr, sizeof(hdr), "back-channel record header", err);
    if (rc)
        return rc;
    return cvg_read_back_record_after_header(src, hdr, offset, out, err);
}

int cvg_read_back_record_after_header(struct cvg_src *src, const uint8_t hdr[8],
                                      uint64_t offset, struct cvg_msg *out,
                                      struct cvg_err *err)
{
    uint8_t body[CVG_REC_BODY_MAX + XCS_REC_ALIGN];
    struct xcs_rec rec = { .offset = offset };
    uint32_t pad, i;
    int rc;

    memset(out, 0, sizeof(*out));
    rec.type = cvg_get_le32(hdr);
    rec.length = cvg_get_le32(hdr + 4);
    out->type = rec.type;
    out->offset = rec.offset;

    /* Everything is decided on the header, before reading the body. */
    if (!(rec.type & XCS_REC_OPTIONAL))
        return xcs_rec_fail(&rec, err, -EPROTO, "mandatory record on the "
                            "xen-converge back channel");
    if (rec.type == CVG_REC_HELLO || rec.type == CVG_REC_STATS)
        return xcs_rec_fail(&rec, err, -EPROTO, "travels sender to receiver "
                            "in the stream, not on the back channel");
    if (rec.length > CVG_REC_BODY_MAX)
        return xcs_rec_fail(&rec, err, -E2BIG, "length %u over the %u-byte "
                            "back-channel limit", rec.length, CVG_REC_BODY_MAX);

    pad = cvg_pad8(rec.length);
    rc = cvg_src_read(src, body, rec.length + pad, "back-channel record body", err);
    if (rc) {
        cvg_err_prefix(err, "%s (0x%08x) at offset %llu",
                       xcs_rec_type_name(rec.type), rec.type,
                       (unsigned long long)rec.offset);
        return rc;
    }
    for (i = 0; i < pad; i++) {
        if (body[rec.length + i])
            return xcs_rec_fail(&rec, err, -EINVAL, "padding byte %u is %#04x, "
                                "not zero", i, body[rec.length + i]);
    }
    if (!cvg_rec_in_range(rec.type)) {
        out->unknown = true;
        return 0;
    }
    rec.body = body;
    return cvg_decode(&rec, out, err);
}
