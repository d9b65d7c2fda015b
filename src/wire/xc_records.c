/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxc stream: record and page type names, and the body decoders that both
 * the reader (to validate) and the restore engine (to act) use.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "common/bytes.h"
#include "wire/cvg_records.h"
#include "wire/xc_stream.h"

static const char *const rec_names[] = {
    [XCS_REC_END] = "END",
    [XCS_REC_PAGE_DATA] = "PAGE_DATA",
    [XCS_REC_X86_PV_INFO] = "X86_PV_INFO",
    [XCS_REC_X86_PV_P2M_FRAMES] = "X86_PV_P2M_FRAMES",
    [XCS_REC_X86_PV_VCPU_BASIC] = "X86_PV_VCPU_BASIC",
    [XCS_REC_X86_PV_VCPU_EXTENDED] = "X86_PV_VCPU_EXTENDED",
    [XCS_REC_X86_PV_VCPU_XSAVE] = "X86_PV_VCPU_XSAVE",
    [XCS_REC_SHARED_INFO] = "SHARED_INFO",
    [XCS_REC_X86_TSC_INFO] = "X86_TSC_INFO",
    [XCS_REC_HVM_CONTEXT] = "HVM_CONTEXT",
    [XCS_REC_HVM_PARAMS] = "HVM_PARAMS",
    [XCS_REC_TOOLSTACK] = "TOOLSTACK",
    [XCS_REC_X86_PV_VCPU_MSRS] = "X86_PV_VCPU_MSRS",
    [XCS_REC_VERIFY] = "VERIFY",
    [XCS_REC_CHECKPOINT] = "CHECKPOINT",
    [XCS_REC_CHECKPOINT_DIRTY_PFN_LIST] = "CHECKPOINT_DIRTY_PFN_LIST",
    [XCS_REC_STATIC_DATA_END] = "STATIC_DATA_END",
    [XCS_REC_X86_CPUID_POLICY] = "X86_CPUID_POLICY",
    [XCS_REC_X86_MSR_POLICY] = "X86_MSR_POLICY",
};

const char *xcs_rec_type_name(uint32_t type)
{
    const char *name;

    if (type < sizeof(rec_names) / sizeof(rec_names[0]))
        return rec_names[type];
    name = cvg_rec_type_name(type);
    if (name)
        return name;
    return (type & XCS_REC_OPTIONAL) ? "unknown optional" : "unknown";
}

const char *xcs_dom_type_name(uint32_t type)
{
    switch (type) {
    case XCS_DOM_X86_PV:
        return "x86 PV";
    case XCS_DOM_X86_HVM:
        return "x86 HVM";
    default:
        return "reserved";
    }
}

bool xcs_page_type_valid(uint32_t type)
{
    uint32_t nib = type >> XCS_PFINFO_SHIFT;

    if (type & ~XCS_PFINFO_MASK)
        return false;
    /* 0x5-0x8 are reserved by the spec; everything else is defined. */
    return nib <= 4 || nib >= 9;
}

bool xcs_page_type_has_data(uint32_t type)
{
    uint32_t nib = type >> XCS_PFINFO_SHIFT;

    if (type & ~XCS_PFINFO_MASK)
        return false;
    /* NOTAB, L1-L4 and their pinned forms; not BROKEN, XALLOC, XTAB. */
    return nib <= 4 || (nib >= 9 && nib <= 0xc);
}

const char *xcs_page_type_name(uint32_t type)
{
    static const char *const names[16] = {
        "NOTAB", "L1TAB", "L2TAB", "L3TAB", "L4TAB",
        NULL, NULL, NULL, NULL,
        "L1TAB_PIN", "L2TAB_PIN", "L3TAB_PIN", "L4TAB_PIN",
        "BROKEN", "XALLOC", "XTAB",
    };

    if (!xcs_page_type_valid(type))
        return "reserved";
    return names[type >> XCS_PFINFO_SHIFT];
}

int xcs_rec_fail(const struct xcs_rec *rec, struct cvg_err *err, int code,
                 const char *fmt, ...)
{
    char what[CVG_ERR_MSG_MAX];
    va_list ap;

    if (!err || err->code)
        return code;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return cvg_fail(err, code, "%s (0x%08x) at offset %llu: %s",
                    xcs_rec_type_name(rec->type), rec->type,
                    (unsigned long long)rec->offset, what);
}

static int want_type(const struct xcs_rec *rec, uint32_t type,
                     struct cvg_err *err)
{
    if (rec->type == type)
        return 0;
    return xcs_rec_fail(rec, err, -EINVAL, "decoder for %s given this record",
                        xcs_rec_type_name(type));
}

int xcs_decode_pv_info(const struct xcs_rec *rec, struct xcs_pv_info *out,
                       struct cvg_err *err)
{
    const uint8_t *b = rec->body;
    int rc = want_type(rec, XCS_REC_X86_PV_INFO, err);

    if (rc)
        return rc;
    if (rec->length != XCS_PV_INFO_SIZE)
        return xcs_rec_fail(rec, err, -EINVAL, "length %u, expected %u",
                            rec->length, XCS_PV_INFO_SIZE);
    /* The width and the number of page-table levels go together. */
    if (!((b[0] == 4 && b[1] == 3) || (b[0] == 8 && b[1] == 4)))
        return xcs_rec_fail(rec, err, -EINVAL,
                            "guest width %u with %u page-table levels "
                            "(4/3 or 8/4 expected)", b[0], b[1]);
    if (cvg_get_le16(b + 2) || cvg_get_le32(b + 4))
        return xcs_rec_fail(rec, err, -EINVAL, "reserved bytes not zero");
    out->guest_width = b[0];
    out->pt_levels = b[1];
    return 0;
}

int xcs_decode_p2m_frames(const struct xcs_rec *rec, unsigned guest_width,
                          struct xcs_p2m_frames *out, struct cvg_err *err)
{
    uint32_t start, end, fpp, nr;
    int rc = want_type(rec, XCS_REC_X86_PV_P2M_FRAMES, err);

    if (rc)
        return rc;
    if (guest_width != 4 && guest_width != 8)
        return xcs_rec_fail(rec, err, -EPROTO,
                            "guest width unknown (no X86_PV_INFO before it)");
    if (rec->length < 8)
        return xcs_rec_fail(rec, err, -EINVAL, "length %u, at least 8 expected",
                            rec->length);
    start = cvg_get_le32(rec->body);
    end = cvg_get_le32(rec->body + 4);
    if (start > end)
        return xcs_rec_fail(rec, err, -EINVAL,
                            "start pfn %#x beyond end pfn %#x", start, end);
    fpp = XCS_PAGE_SIZE / guest_width;
    nr = end / fpp - start / fpp + 1;
    if ((uint64_t)rec->length != 8 + 8 * (uint64_t)nr)
        return xcs_rec_fail(rec, err, -EINVAL,
                            "length %u, expected 8 + 8 * %u frames for pfns "
                            "%#x-%#x", rec->length, nr, start, end);
    out->start_pfn = start;
    out->end_pfn = end;
    out->nr_frames = nr;
    out->frames = rec->body + 8;
    return 0;
}

uint64_t xcs_p2m_frame_at(const struct xcs_p2m_frames *f, uint32_t i)
{
    return cvg_get_le64(f->frames + 8 * (size_t)i);
}

int xcs_decode_vcpu(const struct xcs_rec *rec, unsigned guest_width,
                    struct xcs_vcpu *out, struct cvg_err *err)
{
    uint32_t blob;

    switch (rec->type) {
    case XCS_REC_X86_PV_VCPU_BASIC:
    case XCS_REC_X86_PV_VCPU_EXTENDED:
    case XCS_REC_X86_PV_VCPU_XSAVE:
    case XCS_REC_X86_PV_VCPU_MSRS:
        break;
    default:
        return xcs_rec_fail(rec, err, -EINVAL,
                            "decoder for vCPU records given this record");
    }
    if (rec->length < XCS_VCPU_HDR_SIZE)
        return xcs_rec_fail(rec, err, -EINVAL, "length %u, at least %u expected",
                            rec->length, XCS_VCPU_HDR_SIZE);
    if (cvg_get_le32(rec->body + 4))
        return xcs_rec_fail(rec, err, -EINVAL, "reserved word not zero");
    blob = rec->length - XCS_VCPU_HDR_SIZE;

    /* An empty blob is tolerated (errata: 4.6-4.8 senders) and ignored. */
    if (blob) {
        switch (rec->type) {
        case XCS_REC_X86_PV_VCPU_BASIC:
            if (guest_width == 8 || guest_width == 4) {
                uint32_t want = guest_width == 8 ? XCS_VCPU_BASIC_64_SIZE
                                                 : XCS_VCPU_BASIC_32_SIZE;

                if (blob != want)
                    return xcs_rec_fail(rec, err, -EINVAL,
                                        "context of %u bytes, expected %u for a "
                                        "%u-bit guest", blob, want, guest_width * 8);
            } else if (blob != XCS_VCPU_BASIC_64_SIZE &&
                       blob != XCS_VCPU_BASIC_32_SIZE) {
                return xcs_rec_fail(rec, err, -EINVAL,
                                    "context of %u bytes, expected %u (64-bit) "
                                    "or %u (32-bit guest)", blob,
                                    XCS_VCPU_BASIC_64_SIZE, XCS_VCPU_BASIC_32_SIZE);
            }
            break;
        case XCS_REC_X86_PV_VCPU_EXTENDED:
            if (blob > XCS_VCPU_EXTENDED_MAX)
                return xcs_rec_fail(rec, err, -EINVAL,
                                    "context of %u bytes, at most %u expected",
                                    blob, XCS_VCPU_EXTENDED_MAX);
            break;
        case XCS_REC_X86_PV_VCPU_XSAVE:
            if (blob < XCS_VCPU_XSAVE_MIN || blob > XCS_VCPU_BLOB_MAX)
                return xcs_rec_fail(rec, err, -EINVAL,
                                    "xsave state of %u bytes, %u-%u expected",
                                    blob, XCS_VCPU_XSAVE_MIN, XCS_VCPU_BLOB_MAX);
            break;
        default: /* MSRS */
            if (blob % XCS_VCPU_MSR_SIZE || blob > XCS_VCPU_BLOB_MAX)
                return xcs_rec_fail(rec, err, -EINVAL,
                                    "MSR list of %u bytes, a multiple of %u up "
                                    "to %u expected", blob, XCS_VCPU_MSR_SIZE,
                                    XCS_VCPU_BLOB_MAX);
            break;
        }
    }
    out->vcpu_id = cvg_get_le32(rec->body);
    out->blob = blob ? rec->body + XCS_VCPU_HDR_SIZE : NULL;
    out->blob_len = blob;
    return 0;
}

int xcs_decode_tsc_info(const struct xcs_rec *rec, struct xcs_tsc_info *out,
                        struct cvg_err *err)
{
    const uint8_t *b = rec->body;
    int rc = want_type(rec, XCS_REC_X86_TSC_INFO, err);

    if (rc)
        return rc;
    if (rec->length != XCS_TSC_INFO_SIZE)
        return xcs_rec_fail(rec, err, -EINVAL, "length %u, expected %u",
                            rec->length, XCS_TSC_INFO_SIZE);
    if (cvg_get_le32(b + 20))
        return xcs_rec_fail(rec, err, -EINVAL, "reserved word not zero");
    out->mode = cvg_get_le32(b);
    out->khz = cvg_get_le32(b + 4);
    out->nsec = cvg_get_le64(b + 8);
    out->incarnation = cvg_get_le32(b + 16);
    return 0;
}

int xcs_decode_hvm_params(const struct xcs_rec *rec, struct xcs_hvm_params *out,
                          struct cvg_err *err)
{
    const uint8_t *b = rec->body;
    uint32_t count, i;
    int rc = want_type(rec, XCS_REC_HVM_PARAMS, err);

    if (rc)
        return rc;
    if (rec->length < 8)
        return xcs_rec_fail(rec, err, -EINVAL, "length %u, at least 8 expected",
                            rec->length);
    count = cvg_get_le32(b);
    if (count > XCS_HVM_PARAMS_MAX)
        return xcs_rec_fail(rec, err, -E2BIG, "count %u over the limit of %u",
                            count, XCS_HVM_PARAMS_MAX);
    if (rec->length != 8 + XCS_HVM_PARAM_SIZE * count)
        return xcs_rec_fail(rec, err, -EINVAL,
                            "length %u, expected 8 + 16 * count %u",
                            rec->length, count);
    if (cvg_get_le32(b + 4))
        return xcs_rec_fail(rec, err, -EINVAL, "reserved word not zero");
    out->count = count;
    for (i = 0; i < count; i++) {
        out->param[i].index = cvg_get_le64(b + 8 + 16 * i);
        out->param[i].value = cvg_get_le64(b + 16 + 16 * i);
    }
    return 0;
}

static int decode_policy(const struct xcs_rec *rec, uint32_t type,
                         uint32_t entry_size, uint32_t max,
                         struct xcs_policy *out, struct cvg_err *err)
{
    int rc = want_type(rec, type, err);

    if (rc)
        return rc;
    /* Xen refuses an empty policy record as well as a partial entry. */
    if (rec->length == 0 || rec->length % entry_size)
        return xcs_rec_fail(rec, err, -EINVAL,
                            "length %u is not a non-zero multiple of %u",
                            rec->length, entry_size);
    if (rec->length / entry_size > max)
        return xcs_rec_fail(rec, err, -E2BIG, "%u entries, at most %u expected",
                            rec->length / entry_size, max);
    out->count = rec->length / entry_size;
    out->entries = rec->body;
    return 0;
}

int xcs_decode_cpuid_policy(const struct xcs_rec *rec, struct xcs_policy *out,
                            struct cvg_err *err)
{
    return decode_policy(rec, XCS_REC_X86_CPUID_POLICY, XCS_CPUID_LEAF_SIZE,
                         XCS_CPUID_LEAVES_MAX, out, err);
}

int xcs_decode_msr_policy(const struct xcs_rec *rec, struct xcs_policy *out,
                          struct cvg_err *err)
{
    uint32_t i;
    int rc = decode_policy(rec, XCS_REC_X86_MSR_POLICY, XCS_MSR_ENTRY_SIZE,
                           XCS_MSR_ENTRIES_MAX, out, err);

    if (rc)
        return rc;
    for (i = 0; i < out->count; i++) {
        if (cvg_get_le32(out->entries + 16 * i + 4))
            return xcs_rec_fail(rec, err, -EINVAL,
                                "entry %u (MSR %#x): flags not zero", i,
                                cvg_get_le32(out->entries + 16 * i));
    }
    return 0;
}

void xcs_cpuid_leaf_at(const struct xcs_policy *p, uint32_t i,
                       struct xcs_cpuid_leaf *out)
{
    const uint8_t *e = p->entries + (size_t)XCS_CPUID_LEAF_SIZE * i;

    out->leaf = cvg_get_le32(e);
    out->subleaf = cvg_get_le32(e + 4);
    out->a = cvg_get_le32(e + 8);
    out->b = cvg_get_le32(e + 12);
    out->c = cvg_get_le32(e + 16);
    out->d = cvg_get_le32(e + 20);
}

void xcs_msr_entry_at(const struct xcs_policy *p, uint32_t i,
                      struct xcs_msr_entry *out)
{
    const uint8_t *e = p->entries + (size_t)XCS_MSR_ENTRY_SIZE * i;

    out->idx = cvg_get_le32(e);
    out->flags = cvg_get_le32(e + 4);
    out->val = cvg_get_le64(e + 8);
}

int xcs_decode_dirty_pfn_list(const struct xcs_rec *rec, uint64_t max_pfn,
                              struct xcs_pfn_list *out, struct cvg_err *err)
{
    uint32_t i, count;
    int rc = want_type(rec, XCS_REC_CHECKPOINT_DIRTY_PFN_LIST, err);

    if (rc)
        return rc;
    if (rec->length % 8)
        return xcs_rec_fail(rec, err, -EINVAL, "length %u is not a multiple of 8",
                            rec->length);
    if (!max_pfn || max_pfn > XCS_PFN_LIMIT)
        max_pfn = XCS_PFN_LIMIT;
    count = rec->length / 8;
    for (i = 0; i < count; i++) {
        uint64_t pfn = cvg_get_le64(rec->body + 8 * (size_t)i);

        if (pfn >= max_pfn)
            return xcs_rec_fail(rec, err, -ERANGE,
                                "pfn %#llx (index %u) beyond the domain's %#llx pages",
                                (unsigned long long)pfn, i,
                                (unsigned long long)max_pfn);
    }
    out->count = count;
    out->pfns = rec->body;
    return 0;
}

uint64_t xcs_pfn_list_at(const struct xcs_pfn_list *l, uint32_t i)
{
    return cvg_get_le64(l->pfns + 8 * (size_t)i);
}
