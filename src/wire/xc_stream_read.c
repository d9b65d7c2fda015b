/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxc stream reader: a small state machine over a struct cvg_src that asks
 * the source for exactly the bytes of the next header, record header, body
 * or page, so that after END the fd is positioned for libxl.
 *
 * Untrusted input: every length is checked against REC_LENGTH_MAX and then
 * against its type's exact size or bound before a byte of the body is read;
 * the body buffer grows only as bytes arrive (a header that lies about its
 * length costs at most twice what the peer really sent); skipped records
 * are read and dropped in 4 KiB pieces.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/pagecopy.h"
#include "wire/cvg_records.h"
#include "wire/xc_stream.h"

/* The first allocation for a body, and the step below which it doubles. */
#define BODY_CHUNK (64u << 10)

/* 256 KiB: one read takes what a loopback socket usually holds, and the
 * buffer stays in a core's L2 while it is copied out. */
#define XCS_BOUNCE_PAGES 64u

int xcs_reader_init(struct xcs_reader *r, struct cvg_src *src,
                    const struct xcs_reader_cfg *cfg, struct cvg_err *err)
{
    memset(r, 0, sizeof(*r));
    r->src = src;
    r->state = XCS_RS_FAILED;
    if (cfg)
        r->cfg = *cfg;
    if (!r->cfg.max_pfn)
        r->cfg.max_pfn = XCS_PFN_LIMIT;
    if (!r->cfg.max_batch)
        r->cfg.max_batch = XCS_MAX_BATCH;
    if (!r->cfg.max_vcpus)
        r->cfg.max_vcpus = XCS_MAX_VCPUS_DEFAULT;
    if (r->cfg.max_pfn > XCS_PFN_LIMIT)
        return cvg_fail(err, -EINVAL, "libxc stream reader: pfn limit %#llx "
                        "beyond what a stream can encode (2^52)",
                        (unsigned long long)r->cfg.max_pfn);
    if (r->cfg.max_batch > XCS_MAX_BATCH_LIMIT)
        return cvg_fail(err, -EINVAL, "libxc stream reader: batch limit %u "
                        "over %u", r->cfg.max_batch, XCS_MAX_BATCH_LIMIT);
    r->pfns = malloc(sizeof(*r->pfns) * r->cfg.max_batch);
    r->types = malloc(sizeof(*r->types) * r->cfg.max_batch);
    if (!r->pfns || !r->types) {
        xcs_reader_free(r);
        return cvg_fail(err, -ENOMEM, "libxc stream reader: out of memory "
                        "for a %u-pfn batch", r->cfg.max_batch);
    }
    r->state = XCS_RS_IHDR;
    return 0;
}

void xcs_reader_free(struct xcs_reader *r)
{
    free(r->pfns);
    free(r->types);
    free(r->buf);
    free(r->bounce);
    r->pfns = NULL;
    r->types = NULL;
    r->buf = NULL;
    r->bounce = NULL;
    r->buf_cap = 0;
}

static int failed(struct xcs_reader *r, int rc)
{
    r->state = XCS_RS_FAILED;
    return rc;
}

int xcs_read_headers(struct xcs_reader *r, struct cvg_err *err)
{
    uint8_t ih[XCS_IHDR_SIZE], dh[XCS_DHDR_SIZE];
    uint64_t marker;
    uint32_t id;
    int rc;

    if (r->state != XCS_RS_IHDR)
        return cvg_fail(err, -EPROTO, "libxc stream: headers already read "
                        "or reader not usable");
    rc = cvg_src_read(r->src, ih, sizeof(ih), "libxc image header", err);
    if (rc)
        return failed(r, rc);
    marker = cvg_get_be64(ih);
    id = cvg_get_be32(ih + 8);
    r->ihdr.version = cvg_get_be32(ih + 12);
    r->ihdr.options = cvg_get_be16(ih + 16);
    if (marker != XCS_IHDR_MARKER)
        rc = cvg_fail(err, -EINVAL, "libxc image header at offset 0: marker "
                      "%#018llx, expected ~0 (a legacy or foreign stream?)",
                      (unsigned long long)marker);
    else if (id != XCS_IHDR_ID)
        rc = cvg_fail(err, -EINVAL, "libxc image header at offset 8: id %#010x,"
                      " expected %#010x (\"XENF\")", id, XCS_IHDR_ID);
    else if (r->ihdr.version < XCS_VERSION_MIN || r->ihdr.version > XCS_VERSION)
        rc = cvg_fail(err, -EPROTONOSUPPORT, "libxc image header at offset 12: "
                      "version %u, only %u-%u are understood",
                      r->ihdr.version, XCS_VERSION_MIN, XCS_VERSION);
    else if (r->ihdr.options & XCS_IHDR_OPT_BIG_ENDIAN)
        rc = cvg_fail(err, -EPROTONOSUPPORT, "libxc image header at offset 16: "
                      "big-endian stream, cannot restore it here");
    else if (r->ihdr.options)
        rc = cvg_fail(err, -EINVAL, "libxc image header at offset 16: reserved "
                      "option bits %#06x set", r->ihdr.options);
    else if (cvg_get_be16(ih + 18) || cvg_get_be32(ih + 20))
        rc = cvg_fail(err, -EINVAL, "libxc image header at offset 18: reserved "
                      "bytes not zero");
    if (rc)
        return failed(r, rc);

    rc = cvg_src_read(r->src, dh, sizeof(dh), "libxc domain header", err);
    if (rc)
        return failed(r, rc);
    r->dhdr.type = cvg_get_le32(dh);
    r->dhdr.page_shift = cvg_get_le16(dh + 4);
    r->dhdr.xen_major = cvg_get_le32(dh + 8);
    r->dhdr.xen_minor = cvg_get_le32(dh + 12);
    if (r->dhdr.type != XCS_DOM_X86_PV && r->dhdr.type != XCS_DOM_X86_HVM)
        rc = cvg_fail(err, -EPROTONOSUPPORT, "libxc domain header at offset 24: "
                      "domain type %u (%s), only x86 PV (1) and HVM (2) exist",
                      r->dhdr.type, xcs_dom_type_name(r->dhdr.type));
    else if (r->dhdr.page_shift != XCS_PAGE_SHIFT)
        rc = cvg_fail(err, -EINVAL, "libxc domain header at offset 28: page "
                      "shift %u, x86 pages are 4 KiB (12)", r->dhdr.page_shift);
    else if (cvg_get_le16(dh + 6))
        rc = cvg_fail(err, -EINVAL, "libxc domain header at offset 30: reserved "
                      "bytes not zero");
    else if (r->cfg.expect_dom_type && r->cfg.expect_dom_type != r->dhdr.type)
        rc = cvg_fail(err, -EINVAL, "libxc domain header at offset 24: an %s "
                      "stream cannot restore into an %s domain",
                      xcs_dom_type_name(r->dhdr.type),
                      xcs_dom_type_name(r->cfg.expect_dom_type));
    if (rc)
        return failed(r, rc);
    r->state = XCS_RS_RECORDS;
    return 0;
}

static bool is_pv(const struct xcs_reader *r)
{
    return r->dhdr.type == XCS_DOM_X86_PV;
}

/*
 * Records that describe memory or registers need the static data settled
 * first.  v3 sends STATIC_DATA_END; v2 did not have it, and the spec has the
 * receiver infer it at the first PAGE_DATA or X86_PV_P2M_FRAMES (may_infer).
 */
static int need_static_end(struct xcs_reader *r, struct xcs_rec *rec,
                           bool may_infer, struct cvg_err *err)
{
    if (r->seen_static_data_end)
        return 0;
    if (r->ihdr.version >= 3)
        return xcs_rec_fail(rec, err, -EPROTO, "comes before STATIC_DATA_END");
    if (may_infer)
        rec->static_data_end_inferred = true;
    return 0;
}

static int pv_only(const struct xcs_reader *r, const struct xcs_rec *rec,
                   struct cvg_err *err)
{
    if (is_pv(r))
        return 0;
    return xcs_rec_fail(rec, err, -EPROTO, "PV-only record in an x86 HVM stream");
}

/* Is the record allowed here?  Checked on the header, before the body. */
static int check_order(struct xcs_reader *r, struct xcs_rec *rec,
                       struct cvg_err *err)
{
    int rc = 0;

    switch (rec->type) {
    case XCS_REC_END:
        if (!r->seen_static_data_end) {
            if (r->ihdr.version >= 3)
                return xcs_rec_fail(rec, err, -EPROTO,
                                    "stream ends without STATIC_DATA_END");
            rec->static_data_end_inferred = true;
        }
        return 0;

    case XCS_REC_PAGE_DATA:
        rc = need_static_end(r, rec, true, err);
        if (!rc && is_pv(r) && !r->seen_p2m_frames)
            rc = xcs_rec_fail(rec, err, -EPROTO,
                              "PV page data before X86_PV_P2M_FRAMES");
        return rc;

    case XCS_REC_X86_PV_INFO:
        if ((rc = pv_only(r, rec, err)))
            return rc;
        if (r->seen_pv_info)
            return xcs_rec_fail(rec, err, -EPROTO, "a second X86_PV_INFO");
        if (r->seen_static_data_end)
            return xcs_rec_fail(rec, err, -EPROTO,
                                "static data after STATIC_DATA_END");
        return 0;

    case XCS_REC_X86_PV_P2M_FRAMES:
        if ((rc = pv_only(r, rec, err)) || (rc = need_static_end(r, rec, true, err)))
            return rc;
        if (!r->seen_pv_info)
            return xcs_rec_fail(rec, err, -EPROTO, "comes before X86_PV_INFO");
        return 0;

    case XCS_REC_X86_PV_VCPU_BASIC:
    case XCS_REC_X86_PV_VCPU_EXTENDED:
    case XCS_REC_X86_PV_VCPU_XSAVE:
    case XCS_REC_X86_PV_VCPU_MSRS:
        if ((rc = pv_only(r, rec, err)) || (rc = need_static_end(r, rec, false, err)))
            return rc;
        /* Spec order: X86_PV_INFO, X86_PV_P2M_FRAMES, PAGE_DATA, vCPUs. */
        if (!r->seen_p2m_frames)
            return xcs_rec_fail(rec, err, -EPROTO,
                                "vCPU state before X86_PV_P2M_FRAMES");
        return 0;

    case XCS_REC_SHARED_INFO:
        if ((rc = pv_only(r, rec, err)) || (rc = need_static_end(r, rec, false, err)))
            return rc;
        if (!r->seen_pv_info)
            return xcs_rec_fail(rec, err, -EPROTO, "comes before X86_PV_INFO");
        return 0;

    case XCS_REC_HVM_CONTEXT:
    case XCS_REC_HVM_PARAMS:
        if (is_pv(r))
            return xcs_rec_fail(rec, err, -EPROTO,
                                "HVM-only record in an x86 PV stream");
        return need_static_end(r, rec, false, err);

    case XCS_REC_X86_TSC_INFO:
        return need_static_end(r, rec, false, err);

    case XCS_REC_VERIFY:
        if (r->seen_verify)
            return xcs_rec_fail(rec, err, -EPROTO, "a second VERIFY");
        return need_static_end(r, rec, false, err);

    case XCS_REC_CHECKPOINT:
        if (!r->cfg.checkpointed)
            return xcs_rec_fail(rec, err, -EPROTO,
                                "checkpoint in a stream that is not "
                                "checkpointed (Remus/COLO)");
        return need_static_end(r, rec, false, err);

    case XCS_REC_STATIC_DATA_END:
        if (r->seen_static_data_end)
            return xcs_rec_fail(rec, err, -EPROTO,
                                r->ihdr.version >= 3
                                ? "a second STATIC_DATA_END"
                                : "STATIC_DATA_END after the one inferred "
                                  "from memory data (v2 stream)");
        return 0;

    case XCS_REC_X86_CPUID_POLICY:
    case XCS_REC_X86_MSR_POLICY:
        if (r->seen_static_data_end)
            return xcs_rec_fail(rec, err, -EPROTO,
                                "CPU policy after STATIC_DATA_END "
                                "(it would never be applied)");
        if ((rec->type == XCS_REC_X86_CPUID_POLICY && r->seen_cpuid) ||
            (rec->type == XCS_REC_X86_MSR_POLICY && r->seen_msr))
            return xcs_rec_fail(rec, err, -EPROTO, "a second one");
        return 0;

    case XCS_REC_TOOLSTACK:
        return xcs_rec_fail(rec, err, -EPROTO,
                            "deprecated record, no Xen release sends it");

    case XCS_REC_CHECKPOINT_DIRTY_PFN_LIST:
        return xcs_rec_fail(rec, err, -EPROTO,
                            "belongs on the COLO back channel, not in the stream");

    default:
        if (rec->type & XCS_REC_OPTIONAL)
            return 0;
        return xcs_rec_fail(rec, err, -EPROTONOSUPPORT,
                            "unknown mandatory record, cannot restore");
    }
}

/* Exact sizes and upper bounds, checked on the header before reading. */
static int check_length(const struct xcs_reader *r, const struct xcs_rec *rec,
                        struct cvg_err *err)
{
    uint32_t len = rec->length, min = 0, max = 0;

    switch (rec->type) {
    case XCS_REC_END:
    case XCS_REC_STATIC_DATA_END:
    case XCS_REC_VERIFY:
    case XCS_REC_CHECKPOINT:
        break;
    case XCS_REC_PAGE_DATA:
        min = 8 + 8;
        max = 8 + r->cfg.max_batch * (8 + XCS_PAGE_SIZE);
        if (max > XCS_REC_LENGTH_MAX || max < 8)
            max = XCS_REC_LENGTH_MAX;
        break;
    case XCS_REC_X86_PV_INFO:
        min = max = XCS_PV_INFO_SIZE;
        break;
    case XCS_REC_X86_TSC_INFO:
        min = max = XCS_TSC_INFO_SIZE;
        break;
    case XCS_REC_SHARED_INFO:
        min = max = XCS_SHARED_INFO_SIZE;
        break;
    case XCS_REC_X86_PV_P2M_FRAMES:
        min = 8 + 8;
        max = XCS_REC_LENGTH_MAX;
        break;
    case XCS_REC_X86_PV_VCPU_BASIC:
        min = XCS_VCPU_HDR_SIZE;
        max = XCS_VCPU_HDR_SIZE + XCS_VCPU_BASIC_64_SIZE;
        break;
    case XCS_REC_X86_PV_VCPU_EXTENDED:
        min = XCS_VCPU_HDR_SIZE;
        max = XCS_VCPU_HDR_SIZE + XCS_VCPU_EXTENDED_MAX;
        break;
    case XCS_REC_X86_PV_VCPU_XSAVE:
    case XCS_REC_X86_PV_VCPU_MSRS:
        min = XCS_VCPU_HDR_SIZE;
        max = XCS_VCPU_HDR_SIZE + XCS_VCPU_BLOB_MAX;
        break;
    case XCS_REC_HVM_CONTEXT:
        min = 1;        /* Xen fails on an empty context */
        max = XCS_HVM_CONTEXT_MAX;
        break;
    case XCS_REC_HVM_PARAMS:
        min = 8;
        max = 8 + XCS_HVM_PARAM_SIZE * XCS_HVM_PARAMS_MAX;
        break;
    case XCS_REC_X86_CPUID_POLICY:
        min = XCS_CPUID_LEAF_SIZE;
        max = XCS_CPUID_LEAF_SIZE * XCS_CPUID_LEAVES_MAX;
        break;
    case XCS_REC_X86_MSR_POLICY:
        min = XCS_MSR_ENTRY_SIZE;
        max = XCS_MSR_ENTRY_SIZE * XCS_MSR_ENTRIES_MAX;
        break;
    default:
        if (cvg_rec_in_range(rec->type)) {
            min = 0;
            max = CVG_REC_BODY_MAX;
            break;
        }
        return 0;       /* skipped optional: read in small pieces */
    }
    if (len < min || len > max) {
        if (min == max)
            return xcs_rec_fail(rec, err, -EINVAL, "length %u, expected %u",
                                len, min);
        return xcs_rec_fail(rec, err, len > max ? -E2BIG : -EINVAL,
                            "length %u outside %u-%u", len, min, max);
    }
    return 0;
}

static int read_padding(struct xcs_reader *r, const struct xcs_rec *rec,
                        struct cvg_err *err)
{
    uint8_t pad[XCS_REC_ALIGN];
    uint32_t n = cvg_pad8(rec->length), i;
    int rc;

    if (!n)
        return 0;
    rc = cvg_src_read(r->src, pad, n, "record padding", err);
    if (rc) {
        cvg_err_prefix(err, "%s (0x%08x) at offset %llu",
                       xcs_rec_type_name(rec->type), rec->type,
                       (unsigned long long)rec->offset);
        return rc;
    }
    for (i = 0; i < n; i++) {
        if (pad[i])
            return xcs_rec_fail(rec, err, -EINVAL,
                                "padding byte %u (offset %llu) is %#04x, not zero",
                                i, (unsigned long long)(r->src->off - n + i),
                                pad[i]);
    }
    return 0;
}

/* Reads len bytes of body, growing the buffer only as data arrives. */
static int read_body(struct xcs_reader *r, const struct xcs_rec *rec,
                     struct cvg_err *err)
{
    uint32_t len = rec->length;
    size_t got = 0;
    int rc;

    while (got < len) {
        size_t step = len - got;
        size_t chunk = got > BODY_CHUNK ? got : BODY_CHUNK;

        if (step > chunk)
            step = chunk;
        if (r->buf_cap < got + step) {
            uint8_t *nb = realloc(r->buf, got + step);

            if (!nb)
                return xcs_rec_fail(rec, err, -ENOMEM,
                                    "out of memory for %zu bytes of body",
                                    got + step);
            r->buf = nb;
            r->buf_cap = got + step;
        }
        rc = cvg_src_read(r->src, r->buf + got, step, "record body", err);
        if (rc) {
            cvg_err_prefix(err, "%s (0x%08x) at offset %llu",
                           xcs_rec_type_name(rec->type), rec->type,
                           (unsigned long long)rec->offset);
            return rc;
        }
        got += step;
    }
    return read_padding(r, rec, err);
}

static int read_page_data_head(struct xcs_reader *r, struct xcs_rec *rec,
                               struct cvg_err *err)
{
    uint8_t head[8];
    uint64_t limit = r->cfg.max_pfn, need;
    uint32_t count, i, n_data = 0;
    int rc;

    rc = cvg_src_read(r->src, head, sizeof(head), "PAGE_DATA count", err);
    if (rc)
        goto trunc;
    count = cvg_get_le32(head);
    if (count == 0)
        return xcs_rec_fail(rec, err, -EINVAL, "count 0, at least one pfn expected");
    if (count > r->cfg.max_batch)
        return xcs_rec_fail(rec, err, -E2BIG, "count %u over the batch limit of %u",
                            count, r->cfg.max_batch);
    if (cvg_get_le32(head + 4))
        return xcs_rec_fail(rec, err, -EINVAL, "reserved word not zero");
    if (rec->length < 8 + 8 * (uint64_t)count)
        return xcs_rec_fail(rec, err, -EINVAL,
                            "length %u too short for %u pfns", rec->length, count);

    /* The raw words land in pfns[] and are decoded in place. */
    rc = cvg_src_read(r->src, r->pfns, 8 * (size_t)count, "PAGE_DATA pfn list", err);
    if (rc)
        goto trunc;
    if (r->dhdr.type == XCS_DOM_X86_PV && r->pv_p2m_end < limit)
        limit = r->pv_p2m_end;
    for (i = 0; i < count; i++) {
        uint64_t word = cvg_get_le64(&r->pfns[i]);
        uint64_t pfn = word & XCS_PFN_MASK;
        uint32_t type = (uint32_t)(word >> 32) & XCS_PFINFO_MASK;

        if (word & XCS_PFN_RES_MASK)
            return xcs_rec_fail(rec, err, -EINVAL,
                                "pfn word %#018llx (index %u): reserved bits "
                                "52-59 set", (unsigned long long)word, i);
        if (!xcs_page_type_valid(type))
            return xcs_rec_fail(rec, err, -EINVAL,
                                "pfn %#llx (index %u): unknown page type %#x",
                                (unsigned long long)pfn, i,
                                type >> XCS_PFINFO_SHIFT);
        if (pfn >= limit)
            return xcs_rec_fail(rec, err, -ERANGE,
                                "pfn %#llx (index %u) beyond the domain's "
                                "%#llx pages", (unsigned long long)pfn, i,
                                (unsigned long long)limit);
        r->pfns[i] = pfn;
        r->types[i] = type;
        if (xcs_page_type_has_data(type))
            n_data++;
    }
    need = 8 + 8 * (uint64_t)count + (uint64_t)XCS_PAGE_SIZE * n_data;
    if (rec->length != need)
        return xcs_rec_fail(rec, err, -EINVAL,
                            "length %u, expected 8 + 8 * %u pfns + 4096 * %u "
                            "pages = %llu", rec->length, count, n_data,
                            (unsigned long long)need);

    rec->count = count;
    rec->n_data = n_data;
    rec->pfns = r->pfns;
    rec->types = r->types;
    r->pd_count = count;
    r->pd_data = n_data;
    r->pd_next = 0;
    r->pd_cursor_page = 0;
    r->pd_pages_off = r->src->off;
    r->state = n_data ? XCS_RS_PAGES : XCS_RS_RECORDS;
    return 0;

trunc:
    cvg_err_prefix(err, "PAGE_DATA (0x%08x) at offset %llu", rec->type,
                   (unsigned long long)rec->offset);
    return rc;
}

/* Type-specific body checks that need the stream's context. */
static int check_body(struct xcs_reader *r, const struct xcs_rec *rec,
                      struct cvg_err *err)
{
    union {
        struct xcs_pv_info pv;
        struct xcs_p2m_frames p2m;
        struct xcs_vcpu vcpu;
        struct xcs_tsc_info tsc;
        struct xcs_policy pol;
        struct cvg_msg msg;
    } u;
    struct xcs_hvm_params *params;
    int rc;

    switch (rec->type) {
    case XCS_REC_X86_PV_INFO:
        rc = xcs_decode_pv_info(rec, &u.pv, err);
        if (!rc)
            r->pv_width = u.pv.guest_width;
        return rc;
    case XCS_REC_X86_PV_P2M_FRAMES:
        rc = xcs_decode_p2m_frames(rec, r->pv_width, &u.p2m, err);
        if (rc)
            return rc;
        if (u.p2m.end_pfn >= r->cfg.max_pfn)
            return xcs_rec_fail(rec, err, -ERANGE,
                                "end pfn %#x beyond the domain's %#llx pages",
                                u.p2m.end_pfn,
                                (unsigned long long)r->cfg.max_pfn);
        if ((uint64_t)u.p2m.end_pfn + 1 > r->pv_p2m_end)
            r->pv_p2m_end = (uint64_t)u.p2m.end_pfn + 1;
        return 0;
    case XCS_REC_X86_PV_VCPU_BASIC:
    case XCS_REC_X86_PV_VCPU_EXTENDED:
    case XCS_REC_X86_PV_VCPU_XSAVE:
    case XCS_REC_X86_PV_VCPU_MSRS:
        rc = xcs_decode_vcpu(rec, r->pv_width, &u.vcpu, err);
        if (!rc && u.vcpu.vcpu_id >= r->cfg.max_vcpus)
            rc = xcs_rec_fail(rec, err, -ERANGE,
                              "vcpu_id %u beyond the domain's %u vCPUs",
                              u.vcpu.vcpu_id, r->cfg.max_vcpus);
        return rc;
    case XCS_REC_X86_TSC_INFO:
        return xcs_decode_tsc_info(rec, &u.tsc, err);
    case XCS_REC_HVM_PARAMS:
        /* 4 KiB of decoded params: keep it off the stack. */
        params = malloc(sizeof(*params));
        if (!params)
            return xcs_rec_fail(rec, err, -ENOMEM, "out of memory");
        rc = xcs_decode_hvm_params(rec, params, err);
        free(params);
        return rc;
    case XCS_REC_X86_CPUID_POLICY:
        return xcs_decode_cpuid_policy(rec, &u.pol, err);
    case XCS_REC_X86_MSR_POLICY:
        return xcs_decode_msr_policy(rec, &u.pol, err);
    default:
        if (cvg_rec_in_range(rec->type))
            return cvg_decode(rec, &u.msg, err);
        return 0;
    }
}

/* Order state moves only once a record has been read and found valid. */
static void note_record(struct xcs_reader *r, const struct xcs_rec *rec)
{
    if (rec->static_data_end_inferred)
        r->seen_static_data_end = true;
    switch (rec->type) {
    case XCS_REC_STATIC_DATA_END:
        r->seen_static_data_end = true;
        break;
    case XCS_REC_X86_CPUID_POLICY:
        r->seen_cpuid = true;
        break;
    case XCS_REC_X86_MSR_POLICY:
        r->seen_msr = true;
        break;
    case XCS_REC_X86_PV_INFO:
        r->seen_pv_info = true;
        break;
    case XCS_REC_X86_PV_P2M_FRAMES:
        r->seen_p2m_frames = true;
        break;
    case XCS_REC_VERIFY:
        r->seen_verify = true;
        break;
    case XCS_REC_END:
        r->state = XCS_RS_DONE;
        break;
    }
}

static int finish_pages(struct xcs_reader *r, struct cvg_err *err)
{
    uint64_t end = r->pd_pages_off + (uint64_t)XCS_PAGE_SIZE * r->pd_data;

    if (r->src->off == end) {
        r->state = XCS_RS_RECORDS;
        return 0;
    }
    if (r->src->off > end)
        return cvg_fail(err, -EPROTO, "PAGE_DATA (0x%08x) at offset %llu: %llu "
                        "bytes were read past its last page",
                        XCS_REC_PAGE_DATA, (unsigned long long)r->rec_offset,
                        (unsigned long long)(r->src->off - end));
    return cvg_fail(err, -EPROTO, "PAGE_DATA (0x%08x) at offset %llu: %llu "
                    "bytes of its pages were not read before the next record",
                    XCS_REC_PAGE_DATA, (unsigned long long)r->rec_offset,
                    (unsigned long long)(end - r->src->off));
}

int xcs_read_record(struct xcs_reader *r, struct xcs_rec *rec,
                    struct cvg_err *err)
{
    uint8_t hdr[XCS_RHDR_SIZE];
    int rc;

    memset(rec, 0, sizeof(*rec));
    switch (r->state) {
    case XCS_RS_RECORDS:
        break;
    case XCS_RS_PAGES:
        rc = finish_pages(r, err);
        if (rc)
            return failed(r, rc);
        break;
    case XCS_RS_IHDR:
        return cvg_fail(err, -EPROTO, "libxc stream: record asked for before "
                        "the headers were read");
    case XCS_RS_DONE:
        return cvg_fail(err, -EPROTO, "libxc stream: nothing may be read after "
                        "END (offset %llu)", (unsigned long long)r->src->off);
    default:
        return cvg_fail(err, -EPROTO, "libxc stream: reader stopped by an "
                        "earlier error");
    }

    rec->offset = r->src->off;
    rc = cvg_src_read(r->src, hdr, sizeof(hdr), "record header", err);
    if (rc)
        return failed(r, rc);
    rec->type = cvg_get_le32(hdr);
    rec->length = cvg_get_le32(hdr + 4);
    r->rec_offset = rec->offset;
    r->rec_type = rec->type;

    if (rec->length > XCS_REC_LENGTH_MAX)
        return failed(r, xcs_rec_fail(rec, err, -E2BIG,
                                      "length %u exceeds the %u-byte record limit",
                                      rec->length, XCS_REC_LENGTH_MAX));
    rc = check_order(r, rec, err);
    if (!rc)
        rc = check_length(r, rec, err);
    if (rc)
        return failed(r, rc);

    if (rec->type == XCS_REC_PAGE_DATA) {
        rc = read_page_data_head(r, rec, err);
        if (rc)
            return failed(r, rc);
        note_record(r, rec);
        return 0;
    }

    if ((rec->type & XCS_REC_OPTIONAL) && !cvg_rec_in_range(rec->type)) {
        rc = cvg_src_skip(r->src, rec->length, "skipped optional record", err);
        if (rc)
            cvg_err_prefix(err, "%s (0x%08x) at offset %llu",
                           xcs_rec_type_name(rec->type), rec->type,
                           (unsigned long long)rec->offset);
        else
            rc = read_padding(r, rec, err);
        if (rc)
            return failed(r, rc);
        rec->skipped = true;
        return 0;
    }

    rc = read_body(r, rec, err);
    if (rc)
        return failed(r, rc);
    rec->body = rec->length ? r->buf : NULL;
    rc = check_body(r, rec, err);
    if (rc)
        return failed(r, rc);
    note_record(r, rec);
    return 0;
}

int xcs_read_page(struct xcs_reader *r, void *dst, uint64_t *pfn,
                  struct cvg_err *err)
{
    uint64_t done;
    uint32_t page;
    int rc;

    if (r->state != XCS_RS_PAGES)
        return cvg_fail(err, -EPROTO, "libxc stream: no PAGE_DATA page to read");
    done = r->src->off - r->pd_pages_off;
    page = (uint32_t)(done / XCS_PAGE_SIZE);
    if (done % XCS_PAGE_SIZE || page >= r->pd_data)
        return failed(r, cvg_fail(err, -EPROTO, "PAGE_DATA (0x%08x) at offset "
                                  "%llu: pages read out of step (%llu bytes in)",
                                  XCS_REC_PAGE_DATA,
                                  (unsigned long long)r->rec_offset,
                                  (unsigned long long)done));
    /*
     * The cursor (pd_next, pd_cursor_page) walks the pfn list forward to the
     * pfn owning this page, even if the caller read earlier pages itself.
     */
    while (r->pd_next < r->pd_count) {
        if (xcs_page_type_has_data(r->types[r->pd_next])) {
            if (r->pd_cursor_page == page)
                break;
            r->pd_cursor_page++;
        }
        r->pd_next++;
    }
    rc = cvg_src_read(r->src, dst, XCS_PAGE_SIZE, "page contents", err);
    if (rc) {
        cvg_err_prefix(err, "PAGE_DATA (0x%08x) at offset %llu, page %u of %u "
                       "(pfn %#llx)", XCS_REC_PAGE_DATA,
                       (unsigned long long)r->rec_offset, page + 1, r->pd_data,
                       (unsigned long long)r->pfns[r->pd_next]);
        return failed(r, rc);
    }
    if (pfn)
        *pfn = r->pfns[r->pd_next];
    if (page + 1 == r->pd_data)
        r->state = XCS_RS_RECORDS;
    return 0;
}

int xcs_read_pages(struct xcs_reader *r, void *const *dsts, uint32_t n,
                   struct cvg_err *err)
{
    uint64_t done;
    uint32_t page, i = 0;
    int rc;

    if (r->state != XCS_RS_PAGES)
        return cvg_fail(err, -EPROTO, "libxc stream: no PAGE_DATA page to read");
    done = r->src->off - r->pd_pages_off;
    page = (uint32_t)(done / XCS_PAGE_SIZE);
    if (done % XCS_PAGE_SIZE || page >= r->pd_data || n > r->pd_data - page)
        return failed(r, cvg_fail(err, -EPROTO, "PAGE_DATA (0x%08x) at offset "
                                  "%llu: %u pages asked for, %u left (%llu bytes in)",
                                  XCS_REC_PAGE_DATA,
                                  (unsigned long long)r->rec_offset, n,
                                  page < r->pd_data ? r->pd_data - page : 0,
                                  (unsigned long long)done));
    if (!n)
        return 0;               /* nothing read: the cursor stays */
    if (!r->bounce &&
        !(r->bounce = aligned_alloc(XCS_PAGE_SIZE, XCS_BOUNCE_PAGES * XCS_PAGE_SIZE)))
        return failed(r, cvg_fail(err, -ENOMEM, "libxc stream reader: out of memory"));
    while (i < n) {
        uint32_t cnt = n - i < XCS_BOUNCE_PAGES ? n - i : XCS_BOUNCE_PAGES, whole;
        uint64_t at = r->src->off;

        rc = cvg_src_read(r->src, r->bounce, (size_t)cnt * XCS_PAGE_SIZE,
                          "page contents", err);
        /* Pages that arrived whole are delivered even when the rest did not,
         * as reading straight into the frames would have done. */
        whole = rc ? (uint32_t)((r->src->off - at) / XCS_PAGE_SIZE) : cnt;
        for (uint32_t k = 0; k < whole; k++)
            cvg_copy_stream(dsts[i + k], r->bounce + (size_t)k * XCS_PAGE_SIZE,
                            XCS_PAGE_SIZE);
        if (rc) {
            cvg_stream_fence();
            cvg_err_prefix(err, "PAGE_DATA (0x%08x) at offset %llu, page %u of %u",
                           XCS_REC_PAGE_DATA, (unsigned long long)r->rec_offset,
                           page + i + whole + 1, r->pd_data);
            return failed(r, rc);
        }
        i += cnt;
    }
    /* The guest's pages are written before anything says they are. */
    cvg_stream_fence();
    page += n;
    /* Move the cursor to the owner of the last page read, as xcs_read_page. */
    while (r->pd_next < r->pd_count) {
        if (xcs_page_type_has_data(r->types[r->pd_next])) {
            if (r->pd_cursor_page == page - 1)
                break;
            r->pd_cursor_page++;
        }
        r->pd_next++;
    }
    if (page == r->pd_data)
        r->state = XCS_RS_RECORDS;
    return 0;
}

int xcs_skip_pages(struct xcs_reader *r, struct cvg_err *err)
{
    uint64_t end = r->pd_pages_off + (uint64_t)XCS_PAGE_SIZE * r->pd_data;
    int rc;

    if (r->state != XCS_RS_PAGES)
        return 0;
    if (r->src->off > end)
        return failed(r, finish_pages(r, err));
    rc = cvg_src_skip(r->src, end - r->src->off, "page contents", err);
    if (rc) {
        cvg_err_prefix(err, "PAGE_DATA (0x%08x) at offset %llu",
                       XCS_REC_PAGE_DATA, (unsigned long long)r->rec_offset);
        return failed(r, rc);
    }
    r->state = XCS_RS_RECORDS;
    return 0;
}

int xcs_read_stream(struct xcs_reader *r, xcs_record_fn fn, void *opaque,
                    struct cvg_err *err)
{
    struct xcs_rec rec;
    int rc;

    if (r->state == XCS_RS_IHDR) {
        rc = xcs_read_headers(r, err);
        if (rc)
            return rc;
    }
    do {
        rc = xcs_read_record(r, &rec, err);
        if (rc)
            return rc;
        if (fn) {
            rc = fn(r, &rec, opaque, err);
            if (rc)
                return failed(r, rc);
        }
        rc = xcs_skip_pages(r, err);
        if (rc)
            return rc;
    } while (rec.type != XCS_REC_END);
    return 0;
}
