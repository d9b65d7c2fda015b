/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

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

int cvg_xlm_expect(struct cvg_src *src, enum cvg_xlm_msg m, struct cvg_err *err)
{
    const struct xlm_def *d = def_of(m);
    size_t i;
    int rc;

    if (!d)
        return cvg_fail(err, -EINVAL, "no xl migration message %d", (int)m);
    for (i = 0; i < d->len; i++) {
        uint64_t off = src->off;
        uint8_t c, want = (uint8_t)d->text[i];

        rc = cvg_src_read(src, &c, 1, d->name, err);
        if (rc) {
            cvg_err_prefix(err, "migration peer closed the stream %zu bytes into the %s",
                           i, d->name);
            return rc;
        }
        if (c != want)
            return cvg_fail(err, -EPROTO,
                            "unexpected data from the migration peer at offset %llu: "
                            "byte %zu of the %s is 0x%02x, expected 0x%02x",
                            (unsigned long long)off, i, d->name, c, want);
    }
    return 0;
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
