/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "wire/xl_stream.h"

/* First allocation of a growing read buffer; it doubles from there. */
#define READ_ALLOC_FIRST    (64u << 10)

static const char *const rec_names[CVG_XL_REC_NR] = {
    [CVG_XL_REC_END] = "END",
    [CVG_XL_REC_LIBXC_CONTEXT] = "LIBXC_CONTEXT",
    [CVG_XL_REC_EMULATOR_XENSTORE_DATA] = "EMULATOR_XENSTORE_DATA",
    [CVG_XL_REC_EMULATOR_CONTEXT] = "EMULATOR_CONTEXT",
    [CVG_XL_REC_CHECKPOINT_END] = "CHECKPOINT_END",
    [CVG_XL_REC_CHECKPOINT_STATE] = "CHECKPOINT_STATE",
};

const char *cvg_xl_rec_type_name(uint32_t type)
{
    return type < CVG_XL_REC_NR ? rec_names[type] : "unknown";
}

const char *cvg_xl_emulator_name(uint32_t id)
{
    switch (id) {
    case CVG_XL_EMULATOR_UNKNOWN: return "unknown";
    case CVG_XL_EMULATOR_QEMU_TRADITIONAL: return "qemu-traditional";
    case CVG_XL_EMULATOR_QEMU_UPSTREAM: return "qemu-upstream";
    default: return "invalid";
    }
}

const char *cvg_xl_checkpoint_name(uint32_t id)
{
    switch (id) {
    case CVG_XL_CHECKPOINT_NEW: return "NEW";
    case CVG_XL_CHECKPOINT_SVM_SUSPENDED: return "SVM_SUSPENDED";
    case CVG_XL_CHECKPOINT_SVM_READY: return "SVM_READY";
    case CVG_XL_CHECKPOINT_SVM_RESUMED: return "SVM_RESUMED";
    default: return "invalid";
    }
}

int cvg_xl_read_alloc(struct cvg_src *src, size_t len, const char *what,
                      uint8_t **out, struct cvg_err *err)
{
    uint8_t *buf = NULL, *nb;
    size_t have = 0, cap = 0;
    int rc = 0;

    *out = NULL;
    if (!len)
        return 0;
    /*
     * Grow with what arrives: a peer that announces 128 MiB and sends ten
     * bytes costs us the first chunk, not 128 MiB.
     */
    while (have < len) {
        size_t want;

        if (have == cap) {
            size_t ncap = cap ? cap * 2 : READ_ALLOC_FIRST;

            if (ncap > len)
                ncap = len;
            nb = realloc(buf, ncap);
            if (!nb) {
                rc = cvg_fail(err, -ENOMEM, "out of memory reading %zu bytes of %s",
                              ncap, what);
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        want = cap - have;
        rc = cvg_src_read(src, buf + have, want, what, err);
        if (rc)
            goto out;
        have += want;
    }
    *out = buf;
    buf = NULL;
out:
    free(buf);
    return rc;
}

int cvg_xl_read_header(struct cvg_src *src, struct cvg_xl_hdr *hdr,
                       struct cvg_err *err)
{
    uint8_t b[CVG_XL_HDR_SIZE];
    uint64_t off = src->off;
    int rc;

    rc = cvg_src_read(src, b, sizeof(b), "libxl stream header", err);
    if (rc)
        return rc;
    hdr->ident = cvg_get_be64(b);
    hdr->version = cvg_get_be32(b + 8);
    hdr->options = cvg_get_be32(b + 12);

    if (hdr->ident != CVG_XL_IDENT)
        return cvg_fail(err, -EINVAL,
                        "libxl stream header at offset %llu: ident 0x%016llx is not "
                        "0x%016llx (\"LibxlFmt\"): not a libxl v2 stream",
                        (unsigned long long)off, (unsigned long long)hdr->ident,
                        (unsigned long long)CVG_XL_IDENT);
    if (hdr->version != CVG_XL_VERSION)
        return cvg_fail(err, -EINVAL,
                        "libxl stream header at offset %llu: version %u, only %u is known",
                        (unsigned long long)off, hdr->version, CVG_XL_VERSION);
    if (hdr->options & CVG_XL_OPT_BIG_ENDIAN)
        return cvg_fail(err, -EINVAL,
                        "libxl stream header at offset %llu: options 0x%08x mark a "
                        "big-endian stream, which libxl cannot restore",
                        (unsigned long long)off, hdr->options);
    if (hdr->options & ~CVG_XL_OPT_KNOWN)
        return cvg_fail(err, -EINVAL,
                        "libxl stream header at offset %llu: reserved option bits 0x%08x set",
                        (unsigned long long)off, hdr->options & ~CVG_XL_OPT_KNOWN);
    return 0;
}

/* The largest body a record of this type may have. */
static uint32_t body_max(uint32_t type)
{
    switch (type) {
    case CVG_XL_REC_EMULATOR_XENSTORE_DATA: return CVG_XL_XENSTORE_DATA_MAX;
    case CVG_XL_REC_EMULATOR_CONTEXT: return CVG_XL_EMULATOR_CONTEXT_MAX;
    case CVG_XL_REC_CHECKPOINT_STATE: return 4;
    default: return 0;
    }
}

/* Length rules that can be checked from the record header alone. */
static int check_length(uint32_t type, uint32_t len, uint64_t off,
                        struct cvg_err *err)
{
    const char *name = cvg_xl_rec_type_name(type);

    if (type >= CVG_XL_REC_NR)
        return cvg_fail(err, -EINVAL,
                        "libxl record at offset %llu: unknown type 0x%08x%s "
                        "(libxl refuses every record type it does not know)",
                        (unsigned long long)off, type,
                        (type & 0x80000000u) ? " (optional)" : "");
    switch (type) {
    case CVG_XL_REC_EMULATOR_XENSTORE_DATA:
    case CVG_XL_REC_EMULATOR_CONTEXT:
        if (len < CVG_XL_EMULATOR_SUBHDR_SIZE)
            return cvg_fail(err, -EINVAL,
                            "%s record at offset %llu: body length %u is shorter than "
                            "the %u-byte emulator sub-header",
                            name, (unsigned long long)off, len,
                            CVG_XL_EMULATOR_SUBHDR_SIZE);
        if (len > body_max(type))
            return cvg_fail(err, -E2BIG,
                            "%s record at offset %llu: body length %u exceeds the "
                            "%u-byte limit",
                            name, (unsigned long long)off, len, body_max(type));
        return 0;
    case CVG_XL_REC_CHECKPOINT_STATE:
        if (len != 4)
            return cvg_fail(err, -EINVAL,
                            "%s record at offset %llu: body length %u, expected 4 "
                            "(u32 control_id)",
                            name, (unsigned long long)off, len);
        return 0;
    default:
        if (len != 0)
            return cvg_fail(err, -EINVAL,
                            "%s record at offset %llu: body length %u, the record "
                            "has no body",
                            name, (unsigned long long)off, len);
        return 0;
    }
}

/* xenstored's node name alphabet (is_valid_nodename). */
static int key_char_ok(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '/' || c == '_' || c == '@';
}

int cvg_xl_check_xenstore_pairs(const uint8_t *data, uint32_t len,
                                uint64_t base, uint32_t *nr_pairs,
                                struct cvg_err *err)
{
    uint32_t pos = 0, n = 0;

    while (pos < len) {
        const uint8_t *key = data + pos, *nul;
        uint32_t klen, vpos, i;

        nul = memchr(key, '\0', len - pos);
        if (!nul)
            return cvg_fail(err, -EINVAL,
                            "xenstore data: key at offset %llu (pair %u) is not "
                            "NUL-terminated",
                            (unsigned long long)(base + pos), n);
        klen = (uint32_t)(nul - key);
        if (klen == 0)
            return cvg_fail(err, -EINVAL,
                            "xenstore data: empty key at offset %llu (pair %u)",
                            (unsigned long long)(base + pos), n);
        if (key[0] == '/')
            return cvg_fail(err, -EINVAL,
                            "xenstore data: key \"%.64s\" at offset %llu is absolute; "
                            "keys are relative to the device model's directory",
                            (const char *)key, (unsigned long long)(base + pos));
        for (i = 0; i < klen; i++) {
            if (!key_char_ok(key[i]))
                return cvg_fail(err, -EINVAL,
                                "xenstore data: key at offset %llu has byte 0x%02x at "
                                "position %u, outside xenstore's [A-Za-z0-9-/_@]",
                                (unsigned long long)(base + pos), key[i], i);
            if (key[i] == '/' && (i + 1 == klen || key[i + 1] == '/'))
                return cvg_fail(err, -EINVAL,
                                "xenstore data: key \"%.64s\" at offset %llu has an "
                                "empty path component",
                                (const char *)key, (unsigned long long)(base + pos));
        }
        vpos = pos + klen + 1;
        if (vpos >= len || !memchr(data + vpos, '\0', len - vpos))
            return cvg_fail(err, -EINVAL,
                            "xenstore data: key \"%.64s\" at offset %llu has no "
                            "NUL-terminated value",
                            (const char *)key, (unsigned long long)(base + pos));
        pos = vpos + (uint32_t)strlen((const char *)data + vpos) + 1;
        n++;
    }
    *nr_pairs = n;
    return 0;
}

static int check_emulator_subhdr(uint32_t type, const uint8_t *sub,
                                 uint64_t off, struct cvg_xl_rec *rec,
                                 struct cvg_err *err)
{
    uint32_t id = cvg_get_le32(sub);

    if (id > CVG_XL_EMULATOR_QEMU_UPSTREAM)
        return cvg_fail(err, -EINVAL,
                        "%s record at offset %llu: emulator_id %u is none of "
                        "0 (unknown), 1 (qemu-traditional), 2 (qemu-upstream)",
                        cvg_xl_rec_type_name(type), (unsigned long long)off, id);
    rec->emulator_id = id;
    rec->emulator_index = cvg_get_le32(sub + 4);
    return 0;
}

int cvg_xl_check_body(uint32_t type, const uint8_t *body, uint32_t len,
                      uint64_t offset, struct cvg_xl_rec *rec,
                      struct cvg_err *err)
{
    const uint64_t body_off = offset + CVG_XL_REC_HDR_SIZE;
    int rc;

    rc = check_length(type, len, offset, err);
    if (rc)
        return rc;
    rec->type = type;
    rec->length = len;
    rec->offset = offset;

    switch (type) {
    case CVG_XL_REC_EMULATOR_XENSTORE_DATA:
    case CVG_XL_REC_EMULATOR_CONTEXT:
        rc = check_emulator_subhdr(type, body, offset, rec, err);
        if (rc)
            return rc;
        rec->data = body + CVG_XL_EMULATOR_SUBHDR_SIZE;
        rec->data_len = len - CVG_XL_EMULATOR_SUBHDR_SIZE;
        if (type == CVG_XL_REC_EMULATOR_XENSTORE_DATA) {
            rc = cvg_xl_check_xenstore_pairs(rec->data, rec->data_len,
                                             body_off + CVG_XL_EMULATOR_SUBHDR_SIZE,
                                             &rec->nr_pairs, err);
            if (rc)
                cvg_err_prefix(err, "EMULATOR_XENSTORE_DATA record at offset %llu",
                               (unsigned long long)offset);
        }
        return rc;
    case CVG_XL_REC_CHECKPOINT_STATE:
        rec->control_id = cvg_get_le32(body);
        if (rec->control_id > CVG_XL_CHECKPOINT_SVM_RESUMED)
            return cvg_fail(err, -EINVAL,
                            "CHECKPOINT_STATE record at offset %llu: control_id %u is "
                            "not one of 0..3",
                            (unsigned long long)offset, rec->control_id);
        return 0;
    default:
        return 0;
    }
}

static int read_padding(struct cvg_src *src, uint32_t len, uint32_t type,
                        uint64_t off, struct cvg_err *err)
{
    uint8_t pad[8];
    uint32_t n = cvg_pad8(len), i;
    int rc;

    if (!n)
        return 0;
    rc = cvg_src_read(src, pad, n, "libxl record padding", err);
    if (rc)
        return rc;
    for (i = 0; i < n; i++)
        if (pad[i])
            return cvg_fail(err, -EINVAL,
                            "%s record at offset %llu: padding byte at offset %llu is "
                            "0x%02x, not zero",
                            cvg_xl_rec_type_name(type), (unsigned long long)off,
                            (unsigned long long)(off + CVG_XL_REC_HDR_SIZE + len + i),
                            pad[i]);
    return 0;
}

int cvg_xl_read_record(struct cvg_src *src, unsigned flags,
                       struct cvg_xl_rec *rec, struct cvg_err *err)
{
    uint8_t hdr[CVG_XL_REC_HDR_SIZE], sub[CVG_XL_EMULATOR_SUBHDR_SIZE];
    uint64_t off = src->off;
    uint32_t type, len;
    int rc;

    memset(rec, 0, sizeof(*rec));
    rc = cvg_src_read(src, hdr, sizeof(hdr), "libxl record header", err);
    if (rc)
        return rc;
    type = cvg_get_le32(hdr);
    len = cvg_get_le32(hdr + 4);
    rc = check_length(type, len, off, err);
    if (rc)
        return rc;

    if (type == CVG_XL_REC_EMULATOR_CONTEXT && (flags & CVG_XL_SKIP_EMULATOR_BLOB)) {
        rc = cvg_src_read(src, sub, sizeof(sub), "EMULATOR_CONTEXT sub-header", err);
        if (!rc)
            rc = check_emulator_subhdr(type, sub, off, rec, err);
        if (!rc)
            rc = cvg_src_skip(src, len - CVG_XL_EMULATOR_SUBHDR_SIZE,
                              "EMULATOR_CONTEXT blob", err);
        if (rc)
            goto out;
        rec->type = type;
        rec->length = len;
        rec->offset = off;
        rec->data_len = len - CVG_XL_EMULATOR_SUBHDR_SIZE;
    } else {
        char what[64];

        snprintf(what, sizeof(what), "%s record body", cvg_xl_rec_type_name(type));
        rc = cvg_xl_read_alloc(src, len, what, &rec->body, err);
        if (!rc)
            rc = cvg_xl_check_body(type, rec->body, len, off, rec, err);
        if (rc)
            goto out;
    }
    rc = read_padding(src, len, type, off, err);
out:
    if (rc)
        cvg_xl_rec_free(rec);
    return rc;
}

void cvg_xl_rec_free(struct cvg_xl_rec *rec)
{
    free(rec->body);
    rec->body = NULL;
    rec->data = NULL;
}

void cvg_xl_reader_init(struct cvg_xl_reader *rd, struct cvg_src *src,
                        bool checkpointed, unsigned flags)
{
    memset(rd, 0, sizeof(*rd));
    rd->src = src;
    rd->checkpointed = checkpointed;
    rd->flags = flags;
}

int cvg_xl_reader_next(struct cvg_xl_reader *rd, struct cvg_xl_rec *rec,
                       struct cvg_err *err)
{
    int rc;

    memset(rec, 0, sizeof(*rec));
    if (rd->ended)
        return cvg_fail(err, -EINVAL,
                        "libxl stream: nothing may be read after the END record");
    if (!rd->have_hdr) {
        rc = cvg_xl_read_header(rd->src, &rd->hdr, err);
        if (rc)
            return rc;
        rd->have_hdr = true;
    }
    rc = cvg_xl_read_record(rd->src, rd->flags, rec, err);
    if (rc)
        return rc;

    switch (rec->type) {
    case CVG_XL_REC_END:
        if (!rd->nr_libxc) {
            rc = cvg_fail(err, -EINVAL,
                          "END record at offset %llu before any LIBXC_CONTEXT: the "
                          "stream carries no domain", (unsigned long long)rec->offset);
            goto out;
        }
        rd->ended = true;
        break;
    case CVG_XL_REC_LIBXC_CONTEXT:
        /* libxl starts one restore helper per stream, on the first one. */
        if (rd->nr_libxc) {
            rc = cvg_fail(err, -EINVAL,
                          "second LIBXC_CONTEXT record at offset %llu: a stream holds "
                          "one libxc stream", (unsigned long long)rec->offset);
            goto out;
        }
        rd->nr_libxc++;
        break;
    case CVG_XL_REC_CHECKPOINT_END:
        if (!rd->checkpointed) {
            rc = cvg_fail(err, -EINVAL,
                          "CHECKPOINT_END record at offset %llu in a stream that is "
                          "not checkpointed (Remus/COLO)", (unsigned long long)rec->offset);
            goto out;
        }
        if (!rd->nr_libxc) {
            rc = cvg_fail(err, -EINVAL,
                          "CHECKPOINT_END record at offset %llu before LIBXC_CONTEXT",
                          (unsigned long long)rec->offset);
            goto out;
        }
        break;
    case CVG_XL_REC_CHECKPOINT_STATE:
        rc = cvg_fail(err, -EINVAL,
                      "CHECKPOINT_STATE record at offset %llu in the migration stream: "
                      "it belongs on the COLO back channel",
                      (unsigned long long)rec->offset);
        goto out;
    default:
        break;
    }
    rd->nr_records++;
out:
    if (rc)
        cvg_xl_rec_free(rec);
    return rc;
}

int cvg_xl_write_header(struct cvg_sink *sink, uint32_t options,
                        struct cvg_err *err)
{
    uint8_t b[CVG_XL_HDR_SIZE];

    if (options & ~CVG_XL_OPT_LEGACY)
        return cvg_fail(err, -EINVAL,
                        "libxl stream header: cannot write options 0x%08x", options);
    cvg_put_be64(b, CVG_XL_IDENT);
    cvg_put_be32(b + 8, CVG_XL_VERSION);
    cvg_put_be32(b + 12, options);
    return cvg_sink_write(sink, b, sizeof(b), err);
}

static int write_parts(struct cvg_sink *sink, uint32_t type, uint32_t len,
                       const void *a, uint32_t alen, const void *b, uint32_t blen,
                       struct cvg_err *err)
{
    static const uint8_t zeroes[8];
    uint8_t hdr[CVG_XL_REC_HDR_SIZE];
    struct iovec iov[4];

    cvg_put_le32(hdr, type);
    cvg_put_le32(hdr + 4, len);
    iov[0] = (struct iovec){ hdr, sizeof(hdr) };
    iov[1] = (struct iovec){ (void *)a, alen };
    iov[2] = (struct iovec){ (void *)b, blen };
    iov[3] = (struct iovec){ (void *)zeroes, cvg_pad8(len) };
    return cvg_sink_writev(sink, iov, 4, err);
}

int cvg_xl_write_record(struct cvg_sink *sink, uint32_t type,
                        const void *body, uint32_t len, struct cvg_err *err)
{
    struct cvg_xl_rec rec = { 0 };
    int rc;

    rc = cvg_xl_check_body(type, body, len, sink->off, &rec, err);
    if (rc)
        return rc;
    return write_parts(sink, type, len, body, len, NULL, 0, err);
}

int cvg_xl_write_end(struct cvg_sink *sink, struct cvg_err *err)
{
    return cvg_xl_write_record(sink, CVG_XL_REC_END, NULL, 0, err);
}

int cvg_xl_write_libxc_context(struct cvg_sink *sink, struct cvg_err *err)
{
    return cvg_xl_write_record(sink, CVG_XL_REC_LIBXC_CONTEXT, NULL, 0, err);
}

int cvg_xl_write_checkpoint_end(struct cvg_sink *sink, struct cvg_err *err)
{
    return cvg_xl_write_record(sink, CVG_XL_REC_CHECKPOINT_END, NULL, 0, err);
}

int cvg_xl_write_checkpoint_state(struct cvg_sink *sink, uint32_t control_id,
                                  struct cvg_err *err)
{
    uint8_t b[4];

    cvg_put_le32(b, control_id);
    return cvg_xl_write_record(sink, CVG_XL_REC_CHECKPOINT_STATE, b, 4, err);
}

int cvg_xl_write_emulator(struct cvg_sink *sink, uint32_t type,
                          uint32_t emulator_id, uint32_t index,
                          const void *data, uint32_t len, struct cvg_err *err)
{
    struct cvg_xl_rec rec = { 0 };
    uint8_t sub[CVG_XL_EMULATOR_SUBHDR_SIZE];
    uint32_t total;
    int rc;

    if (type != CVG_XL_REC_EMULATOR_XENSTORE_DATA &&
        type != CVG_XL_REC_EMULATOR_CONTEXT)
        return cvg_fail(err, -EINVAL, "%s is not an emulator record",
                        cvg_xl_rec_type_name(type));
    if (len > body_max(type) - CVG_XL_EMULATOR_SUBHDR_SIZE)
        return cvg_fail(err, -E2BIG, "%s record: %u bytes of data exceed the limit",
                        cvg_xl_rec_type_name(type), len);
    total = len + CVG_XL_EMULATOR_SUBHDR_SIZE;
    cvg_put_le32(sub, emulator_id);
    cvg_put_le32(sub + 4, index);
    rc = check_emulator_subhdr(type, sub, sink->off, &rec, err);
    if (!rc && type == CVG_XL_REC_EMULATOR_XENSTORE_DATA)
        rc = cvg_xl_check_xenstore_pairs(data, len, sink->off + 16, &rec.nr_pairs, err);
    if (rc)
        return rc;
    return write_parts(sink, type, total, sub, sizeof(sub), data, len, err);
}
