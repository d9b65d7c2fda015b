/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "wire/xl_header.h"
#include "wire/xl_stream.h"

/* Byte order value as a little-endian reader sees a big-endian writer's. */
#define BYTEORDER_SWAPPED   0x04030201u

static int check_fixed(const uint8_t *b, uint64_t base, struct cvg_xlh *h,
                       struct cvg_err *err)
{
    uint32_t order, bad;
    size_t i;

    for (i = 0; i < CVG_XLH_MAGIC_SIZE; i++)
        if (b[i] != (uint8_t)CVG_XLH_MAGIC[i])
            return cvg_fail(err, -EINVAL,
                            "not an xl save image: magic differs at offset %llu "
                            "(byte 0x%02x, expected 0x%02x)",
                            (unsigned long long)(base + i), b[i],
                            (uint8_t)CVG_XLH_MAGIC[i]);
    order = cvg_get_le32(b + 32);
    if (order == BYTEORDER_SWAPPED)
        return cvg_fail(err, -EINVAL,
                        "xl save header at offset %llu: the image was written on a "
                        "big-endian host (byteorder bytes 01 02 03 04); only "
                        "little-endian images can be read here",
                        (unsigned long long)(base + 32));
    if (order != CVG_XLH_BYTEORDER)
        return cvg_fail(err, -EINVAL,
                        "xl save header at offset %llu: byteorder field 0x%08x is not "
                        "0x%08x: corrupt image",
                        (unsigned long long)(base + 32), order, CVG_XLH_BYTEORDER);
    h->mandatory_flags = cvg_get_le32(b + 36);
    h->optional_flags = cvg_get_le32(b + 40);
    h->optional_data_len = cvg_get_le32(b + 44);
    bad = h->mandatory_flags & ~CVG_XLH_MANDATORY_KNOWN;
    if (bad)
        return cvg_fail(err, -EINVAL,
                        "xl save header at offset %llu: unknown mandatory flag(s) 0x%08x "
                        "(flags 0x%08x); a newer xl wrote this image",
                        (unsigned long long)(base + 36), bad, h->mandatory_flags);
    if (h->optional_data_len > CVG_XLH_OPTDATA_MAX)
        return cvg_fail(err, -E2BIG,
                        "xl save header at offset %llu: optional_data_len %u exceeds the "
                        "%u-byte limit",
                        (unsigned long long)(base + 44), h->optional_data_len,
                        CVG_XLH_OPTDATA_MAX);
    h->stream_v2 = !!(h->mandatory_flags & CVG_XLH_MANDATORY_STREAMV2);
    return 0;
}

/* opt: the optional data, which starts at stream offset base. */
static int take_config(const uint8_t *opt, uint32_t opt_len, uint64_t base,
                       struct cvg_xlh *h, struct cvg_err *err)
{
    const uint8_t *cfg, *nul;
    uint32_t len;

    if (opt_len == 0)
        return 0;
    if (opt_len < 4)
        return cvg_fail(err, -EINVAL,
                        "xl save header: %u bytes of optional data at offset %llu "
                        "cannot hold the u32 config_len",
                        opt_len, (unsigned long long)base);
    len = cvg_get_le32(opt);
    if (len > opt_len - 4)
        return cvg_fail(err, -EINVAL,
                        "xl save header: config_len %u at offset %llu does not fit the "
                        "%u bytes of optional data after it",
                        len, (unsigned long long)base, opt_len - 4);
    if (len == 0)
        return 0;
    cfg = opt + 4;
    nul = memchr(cfg, '\0', len);
    h->config_is_json = !!(h->mandatory_flags & CVG_XLH_MANDATORY_JSON);
    if (h->config_is_json && !nul)
        return cvg_fail(err, -EINVAL,
                        "xl save header: the %u-byte JSON config at offset %llu is not "
                        "NUL-terminated",
                        len, (unsigned long long)(base + 4));
    /* An early NUL would silently cut the config short for every C reader. */
    if (nul && nul != cfg + len - 1)
        return cvg_fail(err, -EINVAL,
                        "xl save header: the config at offset %llu has a NUL byte at "
                        "offset %llu, before its end",
                        (unsigned long long)(base + 4),
                        (unsigned long long)(base + 4 + (uint64_t)(nul - cfg)));
    h->config = malloc((size_t)len + 1);
    if (!h->config)
        return cvg_fail(err, -ENOMEM, "out of memory for a %u-byte config", len);
    memcpy(h->config, cfg, len);
    h->config[len] = '\0';
    h->config_len = len;
    return 0;
}

int cvg_xlh_read(struct cvg_src *src, struct cvg_xlh *h, struct cvg_err *err)
{
    uint8_t fixed[CVG_XLH_SIZE];
    uint8_t *opt = NULL;
    uint64_t base = src->off;
    int rc;

    memset(h, 0, sizeof(*h));
    rc = cvg_src_read(src, fixed, sizeof(fixed), "xl save header", err);
    if (rc)
        goto out;
    rc = check_fixed(fixed, base, h, err);
    if (rc)
        goto out;
    rc = cvg_xl_read_alloc(src, h->optional_data_len, "xl save header optional data",
                           &opt, err);
    if (rc)
        goto out;
    rc = take_config(opt, h->optional_data_len, base + CVG_XLH_SIZE, h, err);
out:
    free(opt);
    if (rc)
        cvg_xlh_free(h);
    return rc;
}

void cvg_xlh_free(struct cvg_xlh *h)
{
    free(h->config);
    h->config = NULL;
    h->config_len = 0;
}

int cvg_xlh_write(struct cvg_sink *sink, const char *json, struct cvg_err *err)
{
    uint8_t b[CVG_XLH_SIZE + 4];
    size_t slen = json ? strlen(json) : 0;
    uint32_t config_len, flags = CVG_XLH_MANDATORY_STREAMV2;
    struct iovec iov[2];

    if (json && slen + 1 > CVG_XLH_OPTDATA_MAX - 4)
        return cvg_fail(err, -E2BIG,
                        "xl save header: a %zu-byte config exceeds the %u-byte limit",
                        slen + 1, CVG_XLH_OPTDATA_MAX - 4);
    /* xl sends its JSON with the NUL; without a config, config_len 0. */
    config_len = json ? (uint32_t)slen + 1 : 0;
    if (json)
        flags |= CVG_XLH_MANDATORY_JSON;
    memcpy(b, CVG_XLH_MAGIC, CVG_XLH_MAGIC_SIZE);
    cvg_put_le32(b + 32, CVG_XLH_BYTEORDER);
    cvg_put_le32(b + 36, flags);
    cvg_put_le32(b + 40, 0);
    cvg_put_le32(b + 44, 4 + config_len);
    cvg_put_le32(b + 48, config_len);
    iov[0] = (struct iovec){ b, sizeof(b) };
    iov[1] = (struct iovec){ (void *)json, config_len };
    return cvg_sink_writev(sink, iov, 2, err);
}
