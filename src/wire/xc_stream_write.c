/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxc stream writer.  Every header and record leaves in one gather write:
 * the record header and padding come from small local buffers, the body
 * from the caller's memory (for PAGE_DATA, the mapped guest pages), so no
 * page is copied on its way to the fd.  The writer refuses to emit what the
 * reader would refuse, so a bug on our sending side fails here, with the
 * record named, rather than at the destination.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/bytes.h"
#include "wire/xc_stream.h"

/*
 * Arrays of these go out as they sit in memory: on x86 (little-endian, which
 * configure insists on) their layout is the wire layout.
 */
_Static_assert(sizeof(struct xcs_hvm_param) == XCS_HVM_PARAM_SIZE, "param");
_Static_assert(offsetof(struct xcs_hvm_param, value) == 8, "param value");
_Static_assert(sizeof(struct xcs_cpuid_leaf) == XCS_CPUID_LEAF_SIZE, "leaf");
_Static_assert(offsetof(struct xcs_cpuid_leaf, d) == 20, "leaf d");
_Static_assert(sizeof(struct xcs_msr_entry) == XCS_MSR_ENTRY_SIZE, "msr");
_Static_assert(offsetof(struct xcs_msr_entry, val) == 8, "msr val");

static const uint8_t zeroes[XCS_REC_ALIGN];

static int wfail(uint32_t type, struct cvg_sink *sink, struct cvg_err *err,
                 int code, const char *what)
{
    return cvg_fail(err, code, "writing %s (0x%08x) at offset %llu: %s",
                    xcs_rec_type_name(type), type,
                    (unsigned long long)sink->off, what);
}

int xcs_write_ihdr(struct cvg_sink *sink, uint32_t version, struct cvg_err *err)
{
    uint8_t h[XCS_IHDR_SIZE] = { 0 };

    if (version < XCS_VERSION_MIN || version > XCS_VERSION)
        return cvg_fail(err, -EINVAL, "writing the libxc image header: "
                        "version %u is not 2 or 3", version);
    cvg_put_be64(h, XCS_IHDR_MARKER);
    cvg_put_be32(h + 8, XCS_IHDR_ID);
    cvg_put_be32(h + 12, version);
    /* options 0: little-endian; reserved bytes stay zero */
    return cvg_sink_write(sink, h, sizeof(h), err);
}

int xcs_write_dhdr(struct cvg_sink *sink, const struct xcs_dhdr *dhdr,
                   struct cvg_err *err)
{
    uint8_t h[XCS_DHDR_SIZE] = { 0 };

    if (dhdr->type != XCS_DOM_X86_PV && dhdr->type != XCS_DOM_X86_HVM)
        return cvg_fail(err, -EINVAL, "writing the libxc domain header: "
                        "domain type %u", dhdr->type);
    if (dhdr->page_shift != XCS_PAGE_SHIFT)
        return cvg_fail(err, -EINVAL, "writing the libxc domain header: "
                        "page shift %u", dhdr->page_shift);
    cvg_put_le32(h, dhdr->type);
    cvg_put_le16(h + 4, dhdr->page_shift);
    cvg_put_le32(h + 8, dhdr->xen_major);
    cvg_put_le32(h + 12, dhdr->xen_minor);
    return cvg_sink_write(sink, h, sizeof(h), err);
}

int xcs_write_record(struct cvg_sink *sink, uint32_t type,
                     const struct iovec *body, int n, struct cvg_err *err)
{
    struct iovec iov[XCS_WRITE_IOV_MAX + 2];
    uint8_t hdr[XCS_RHDR_SIZE];
    uint64_t len = 0;
    int i;

    if (n < 0 || n > XCS_WRITE_IOV_MAX)
        return wfail(type, sink, err, -EINVAL, "too many body pieces");
    for (i = 0; i < n; i++) {
        len += body[i].iov_len;
        iov[1 + i] = body[i];
    }
    if (len > XCS_REC_LENGTH_MAX)
        return wfail(type, sink, err, -E2BIG,
                     "body over the 128 MiB record limit");
    cvg_put_le32(hdr, type);
    cvg_put_le32(hdr + 4, (uint32_t)len);
    iov[0].iov_base = hdr;
    iov[0].iov_len = sizeof(hdr);
    iov[1 + n].iov_base = (void *)zeroes;
    iov[1 + n].iov_len = cvg_pad8(len);
    return cvg_sink_writev(sink, iov, n + 2, err);
}

int xcs_write_record_buf(struct cvg_sink *sink, uint32_t type,
                         const void *body, size_t len, struct cvg_err *err)
{
    struct iovec iov = { .iov_base = (void *)body, .iov_len = len };

    return xcs_write_record(sink, type, &iov, len ? 1 : 0, err);
}

int xcs_write_empty(struct cvg_sink *sink, uint32_t type, struct cvg_err *err)
{
    return xcs_write_record(sink, type, NULL, 0, err);
}

int xcs_write_page_data(struct cvg_sink *sink, struct xcs_page_scratch *s,
                        uint32_t count, const uint64_t *pfns,
                        const uint32_t *types, const void *const *pages,
                        struct cvg_err *err)
{
    uint32_t i, n_data = 0;
    uint64_t len;
    int n_iov = 1;
    char what[96];

    if (count == 0 || count > XCS_MAX_BATCH)
        return wfail(XCS_REC_PAGE_DATA, sink, err, -EINVAL,
                     "count must be 1-1024");
    for (i = 0; i < count; i++) {
        if (pfns[i] > XCS_PFN_MASK || !xcs_page_type_valid(types[i])) {
            snprintf(what, sizeof(what), "pfn %#llx type %#x (index %u) "
                     "cannot be encoded", (unsigned long long)pfns[i],
                     types[i], i);
            return wfail(XCS_REC_PAGE_DATA, sink, err, -EINVAL, what);
        }
        cvg_put_le64(s->head + XCS_RHDR_SIZE + 8 + 8 * (size_t)i,
                     xcs_pfn_word(pfns[i], types[i]));
        if (!xcs_page_type_has_data(types[i]))
            continue;
        if (!pages[i]) {
            snprintf(what, sizeof(what), "no page given for pfn %#llx "
                     "(index %u)", (unsigned long long)pfns[i], i);
            return wfail(XCS_REC_PAGE_DATA, sink, err, -EINVAL, what);
        }
        n_data++;
        /* Pages of one foreign mapping are adjacent: one iovec for a run. */
        if (n_iov > 1 && (const uint8_t *)s->iov[n_iov - 1].iov_base +
                         s->iov[n_iov - 1].iov_len == pages[i]) {
            s->iov[n_iov - 1].iov_len += XCS_PAGE_SIZE;
        } else {
            s->iov[n_iov].iov_base = (void *)pages[i];
            s->iov[n_iov].iov_len = XCS_PAGE_SIZE;
            n_iov++;
        }
    }
    len = 8 + 8 * (uint64_t)count + (uint64_t)XCS_PAGE_SIZE * n_data;
    cvg_put_le32(s->head, XCS_REC_PAGE_DATA);
    cvg_put_le32(s->head + 4, (uint32_t)len);
    cvg_put_le32(s->head + 8, count);
    cvg_put_le32(s->head + 12, 0);
    s->iov[0].iov_base = s->head;
    s->iov[0].iov_len = XCS_RHDR_SIZE + 8 + 8 * (size_t)count;
    /* len is a multiple of 8: no padding. */
    return cvg_sink_writev(sink, s->iov, n_iov, err);
}

int xcs_write_pv_info(struct cvg_sink *sink, const struct xcs_pv_info *info,
                      struct cvg_err *err)
{
    uint8_t b[XCS_PV_INFO_SIZE] = { 0 };

    if (!((info->guest_width == 4 && info->pt_levels == 3) ||
          (info->guest_width == 8 && info->pt_levels == 4)))
        return wfail(XCS_REC_X86_PV_INFO, sink, err, -EINVAL,
                     "width and levels must be 4/3 or 8/4");
    b[0] = info->guest_width;
    b[1] = info->pt_levels;
    return xcs_write_record_buf(sink, XCS_REC_X86_PV_INFO, b, sizeof(b), err);
}

int xcs_write_p2m_frames(struct cvg_sink *sink, uint32_t start_pfn,
                         uint32_t end_pfn, const uint64_t *frames,
                         uint32_t nr_frames, struct cvg_err *err)
{
    uint8_t head[8];
    struct iovec iov[2];

    if (start_pfn > end_pfn || !nr_frames)
        return wfail(XCS_REC_X86_PV_P2M_FRAMES, sink, err, -EINVAL,
                     "empty or inverted pfn range");
    cvg_put_le32(head, start_pfn);
    cvg_put_le32(head + 4, end_pfn);
    iov[0].iov_base = head;
    iov[0].iov_len = sizeof(head);
    iov[1].iov_base = (void *)frames;
    iov[1].iov_len = 8 * (size_t)nr_frames;
    return xcs_write_record(sink, XCS_REC_X86_PV_P2M_FRAMES, iov, 2, err);
}

int xcs_write_vcpu(struct cvg_sink *sink, uint32_t type, uint32_t vcpu_id,
                   const void *blob, size_t blob_len, struct cvg_err *err)
{
    uint8_t head[XCS_VCPU_HDR_SIZE] = { 0 };
    struct iovec iov[2];

    if (type != XCS_REC_X86_PV_VCPU_BASIC && type != XCS_REC_X86_PV_VCPU_EXTENDED &&
        type != XCS_REC_X86_PV_VCPU_XSAVE && type != XCS_REC_X86_PV_VCPU_MSRS)
        return wfail(type, sink, err, -EINVAL, "not a vCPU record type");
    cvg_put_le32(head, vcpu_id);
    iov[0].iov_base = head;
    iov[0].iov_len = sizeof(head);
    iov[1].iov_base = (void *)blob;
    iov[1].iov_len = blob_len;
    return xcs_write_record(sink, type, iov, blob_len ? 2 : 1, err);
}

int xcs_write_tsc_info(struct cvg_sink *sink, const struct xcs_tsc_info *tsc,
                       struct cvg_err *err)
{
    uint8_t b[XCS_TSC_INFO_SIZE] = { 0 };

    cvg_put_le32(b, tsc->mode);
    cvg_put_le32(b + 4, tsc->khz);
    cvg_put_le64(b + 8, tsc->nsec);
    cvg_put_le32(b + 16, tsc->incarnation);
    return xcs_write_record_buf(sink, XCS_REC_X86_TSC_INFO, b, sizeof(b), err);
}

int xcs_write_hvm_params(struct cvg_sink *sink, const struct xcs_hvm_param *p,
                         uint32_t count, struct cvg_err *err)
{
    uint8_t head[8] = { 0 };
    struct iovec iov[2];

    if (count > XCS_HVM_PARAMS_MAX)
        return wfail(XCS_REC_HVM_PARAMS, sink, err, -E2BIG, "too many params");
    cvg_put_le32(head, count);
    iov[0].iov_base = head;
    iov[0].iov_len = sizeof(head);
    iov[1].iov_base = (void *)p;
    iov[1].iov_len = sizeof(*p) * (size_t)count;
    return xcs_write_record(sink, XCS_REC_HVM_PARAMS, iov, count ? 2 : 1, err);
}

int xcs_write_cpuid_policy(struct cvg_sink *sink,
                           const struct xcs_cpuid_leaf *leaves, uint32_t count,
                           struct cvg_err *err)
{
    if (count == 0 || count > XCS_CPUID_LEAVES_MAX)
        return wfail(XCS_REC_X86_CPUID_POLICY, sink, err, -EINVAL,
                     "leaf count must be 1-4096 (elide an empty policy)");
    return xcs_write_record_buf(sink, XCS_REC_X86_CPUID_POLICY, leaves,
                                sizeof(*leaves) * (size_t)count, err);
}

int xcs_write_msr_policy(struct cvg_sink *sink,
                         const struct xcs_msr_entry *msrs, uint32_t count,
                         struct cvg_err *err)
{
    uint32_t i;

    if (count == 0 || count > XCS_MSR_ENTRIES_MAX)
        return wfail(XCS_REC_X86_MSR_POLICY, sink, err, -EINVAL,
                     "entry count must be 1-4096 (elide an empty policy)");
    for (i = 0; i < count; i++) {
        if (msrs[i].flags)
            return wfail(XCS_REC_X86_MSR_POLICY, sink, err, -EINVAL,
                         "MSR entry flags must be zero");
    }
    return xcs_write_record_buf(sink, XCS_REC_X86_MSR_POLICY, msrs,
                                sizeof(*msrs) * (size_t)count, err);
}

int xcs_write_dirty_pfn_list(struct cvg_sink *sink, const uint64_t *pfns,
                             uint32_t count, struct cvg_err *err)
{
    return xcs_write_record_buf(sink, XCS_REC_CHECKPOINT_DIRTY_PFN_LIST, pfns,
                                8 * (size_t)count, err);
}
