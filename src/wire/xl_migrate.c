/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/bytes.h"
#include "wire/cvg_records.h"
#include "wire/xl_migrate.h"

struct xlm_def {
    const char *text;
    size_t len;             /* on the wire */
    const char *name;
};

/* xl sends the banner without its NUL (sizeof - 1), the others with it. */
static const struct xlm_def defs[] = {
    [CVG_XLM_MSG_BANNER] = { CVG_XLM_BANNER, sizeof(CVG_XLM_BANNER) - 1, "banner" },
    [CVG_XLM_MSG_READY] = { CVG_XLM_READY, sizeof(CVG_XLM_READY), "ready message" },
    [CVG_XLM_MSG_GO] = { CVG_XLM_GO, sizeof(CVG_XLM_GO), "GO message" },
    [CVG_XLM_MSG_REPORT] = { CVG_XLM_REPORT, sizeof(CVG_XLM_REPORT), "report message" },
};

static const struct xlm_def *def_of(enum cvg_xlm_msg m)
{
    return (unsigned)m < sizeof(defs) / sizeof(defs[0]) ? &defs[m] : NULL;
}

size_t cvg_xlm_len(enum cvg_xlm_msg m)
{
    const struct xlm_def *d = def_of(m);

    return d ? d->len : 0;
}

const char *cvg_xlm_name(enum cvg_xlm_msg m)
{
    const struct xlm_def *d = def_of(m);

    return d ? d->name : "unknown message";
}

int cvg_xlm_send(struct cvg_sink *sink, enum cvg_xlm_msg m, struct cvg_err *err)
{
    const struct xlm_def *d = def_of(m);

    if (!d)
        return cvg_fail(err, -EINVAL, "no xl migration message %d", (int)m);
    return cvg_sink_write(sink, d->text, d->len, err);
}

/* Byte i of d's text, at stream offset off, is c: not d. */
static int mismatch(struct cvg_err *err, uint64_t off, size_t i, const struct xlm_def *d,
                    uint8_t c)
{
    return cvg_fail(err, -EPROTO, "unexpected data from the migration peer at offset %llu: "
                    "byte %zu of the %s is 0x%02x, expected 0x%02x",
                    (unsigned long long)off, i, d->name, c, (uint8_t)d->text[i]);
}

/* Matches d from byte `from` on (the bytes before it already matched). */
static int expect_from(struct cvg_src *src, const struct xlm_def *d, size_t from,
                       struct cvg_err *err)
{
    for (size_t i = from; i < d->len; i++) {
        uint64_t off = src->off;
        uint8_t c;
        int rc = cvg_src_read(src, &c, 1, d->name, err);

        if (rc) {
            cvg_err_prefix(err, "migration peer closed the stream %zu bytes into the %s",
                           i, d->name);
            return rc;
        }
        if (c != (uint8_t)d->text[i])
            return mismatch(err, off, i, d, c);
    }
    return 0;
}

int cvg_xlm_expect(struct cvg_src *src, enum cvg_xlm_msg m, struct cvg_err *err)
{
    const struct xlm_def *d = def_of(m);

    if (!d)
        return cvg_fail(err, -EINVAL, "no xl migration message %d", (int)m);
    return expect_from(src, d, 0, err);
}

int cvg_xlm_expect_skipping(struct cvg_src *src, enum cvg_xlm_msg m, unsigned *skipped,
                            struct cvg_err *err)
{
    const struct xlm_def *d = def_of(m);
    unsigned n = 0;
    int rc = 0;

    if (!d)
        return cvg_fail(err, -EINVAL, "no xl migration message %d", (int)m);
    for (;;) {
        uint64_t off = src->off;
        uint8_t h[8];
        struct cvg_msg msg;

        rc = cvg_src_read(src, h, 1, d->name, err);
        if (rc) {
            cvg_err_prefix(err, "migration peer closed the stream before the %s", d->name);
            break;
        }
        if (h[0] == (uint8_t)d->text[0]) {
            rc = expect_from(src, d, 1, err);
            break;
        }
        /* xl's messages are text; a record of ours starts with its type's
         * low byte, 1..0x1f.  Anything else fails at this byte, as
         * cvg_xlm_expect does, without reading on. */
        if (h[0] == 0 || h[0] >= 0x20) {
            rc = mismatch(err, off, 0, d, h[0]);
            break;
        }
        if (n == CVG_XLM_SKIP_MAX) {
            rc = cvg_fail(err, -EPROTO, "unexpected data from the migration peer at offset "
                          "%llu: more than %u records of ours before the %s",
                          (unsigned long long)off, CVG_XLM_SKIP_MAX, d->name);
            break;
        }
        rc = cvg_src_read(src, h + 1, 7, "record header", err);
        if (!rc && (cvg_get_le32(h) & CVG_REC_RANGE_MASK) != CVG_REC_BASE)
            rc = mismatch(err, off, 0, d, h[0]);
        /* The back channel's own reader: bounds, padding, the body. */
        if (!rc)
            rc = cvg_read_back_record_after_header(src, h, off, &msg, err);
        if (rc) {
            cvg_err_prefix(err, "before the %s", d->name);
            break;
        }
        n++;
    }
    if (skipped)
        *skipped = n;
    return rc;
}

int cvg_xlm_send_report(struct cvg_sink *sink, uint8_t status, struct cvg_err *err)
{
    struct iovec iov[2] = {
        { (void *)CVG_XLM_REPORT, sizeof(CVG_XLM_REPORT) },
        { &status, 1 },
    };

    return cvg_sink_writev(sink, iov, 2, err);
}

int cvg_xlm_read_report(struct cvg_src *src, uint8_t *status, struct cvg_err *err)
{
    int rc = cvg_xlm_expect(src, CVG_XLM_MSG_REPORT, err);

    if (rc)
        return rc;
    rc = cvg_src_read(src, status, 1, "report status byte", err);
    if (rc)
        cvg_err_prefix(err, "migration peer closed the stream before the status byte");
    return rc;
}
