/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: the whole libxc stream reader over memory, with a pfn limit.
 *
 * Besides "no crash, no leak, no undefined behaviour", it checks two
 * properties of the reader:
 *  - every refusal comes with a message, and the reader never reads past
 *    the input or (on success) past END;
 *  - what it accepts is canonical: re-encoding every record it returned
 *    with our writer reproduces the input byte for byte up to END.  Any
 *    slack (a reserved bit, a padding byte, a length the reader did not
 *    really check) shows up as a difference.
 * The typed decoders must accept every record the reader accepted.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "wire/cvg_records.h"
#include "wire/xc_stream.h"

struct ctx {
    const uint8_t *data;
    struct cvg_sink out;
    struct xcs_page_scratch scratch;
    uint8_t pages[XCS_MAX_BATCH][XCS_PAGE_SIZE];
    const void *page_ptr[XCS_MAX_BATCH];
    struct xcs_hvm_params params;
};

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_xc_stream: %s\n", what);
        abort();
    }
}

/* The typed views must agree with the reader's verdict. */
static void decode_all(struct xcs_reader *r, const struct xcs_rec *rec, struct ctx *c)
{
    struct cvg_err err = { 0 };
    union {
        struct xcs_pv_info pv;
        struct xcs_p2m_frames p2m;
        struct xcs_vcpu vcpu;
        struct xcs_tsc_info tsc;
        struct xcs_policy pol;
        struct cvg_msg msg;
    } u;
    int rc = 0;

    switch (rec->type) {
    case XCS_REC_X86_PV_INFO:
        rc = xcs_decode_pv_info(rec, &u.pv, &err);
        break;
    case XCS_REC_X86_PV_P2M_FRAMES:
        rc = xcs_decode_p2m_frames(rec, r->pv_width, &u.p2m, &err);
        if (!rc)
            (void)xcs_p2m_frame_at(&u.p2m, u.p2m.nr_frames - 1);
        break;
    case XCS_REC_X86_PV_VCPU_BASIC:
    case XCS_REC_X86_PV_VCPU_EXTENDED:
    case XCS_REC_X86_PV_VCPU_XSAVE:
    case XCS_REC_X86_PV_VCPU_MSRS:
        rc = xcs_decode_vcpu(rec, r->pv_width, &u.vcpu, &err);
        break;
    case XCS_REC_X86_TSC_INFO:
        rc = xcs_decode_tsc_info(rec, &u.tsc, &err);
        break;
    case XCS_REC_HVM_PARAMS:
        rc = xcs_decode_hvm_params(rec, &c->params, &err);
        break;
    case XCS_REC_X86_CPUID_POLICY:
        rc = xcs_decode_cpuid_policy(rec, &u.pol, &err);
        if (!rc) {
            struct xcs_cpuid_leaf leaf;

            xcs_cpuid_leaf_at(&u.pol, u.pol.count - 1, &leaf);
        }
        break;
    case XCS_REC_X86_MSR_POLICY:
        rc = xcs_decode_msr_policy(rec, &u.pol, &err);
        break;
    default:
        if (cvg_rec_in_range(rec->type))
            rc = cvg_decode(rec, &u.msg, &err);
        break;
    }
    check(rc == 0, "a decoder refused what the reader accepted");
}

static int visit(struct xcs_reader *r, const struct xcs_rec *rec, void *opaque,
                 struct cvg_err *err)
{
    struct ctx *c = opaque;
    int rc;

    check(rec->offset == c->out.len, "record offset out of step");
    decode_all(r, rec, c);

    if (rec->type == XCS_REC_PAGE_DATA) {
        uint32_t page = 0;

        check(rec->count >= 1 && rec->count <= XCS_MAX_BATCH, "count");
        for (uint32_t i = 0; i < rec->count; i++) {
            check(rec->pfns[i] < (1u << 20), "pfn over the limit");
            c->page_ptr[i] = NULL;
            if (!xcs_page_type_has_data(rec->types[i]))
                continue;
            /* Odd pages by hand, as the restore engine may do. */
            if (page & 1) {
                rc = cvg_src_read(r->src, c->pages[page], XCS_PAGE_SIZE, "page", err);
            } else {
                uint64_t pfn;

                rc = xcs_read_page(r, c->pages[page], &pfn, err);
                check(rc || pfn == rec->pfns[i], "page attributed to the wrong pfn");
            }
            if (rc)
                return rc;
            c->page_ptr[i] = c->pages[page++];
        }
        check(page == rec->n_data, "n_data");
        return xcs_write_page_data(&c->out, &c->scratch, rec->count, rec->pfns,
                                   rec->types, c->page_ptr, NULL);
    }
    if (rec->skipped) {
        size_t n = 8 + rec->length + cvg_pad8(rec->length);

        check(rec->type & XCS_REC_OPTIONAL, "skipped a mandatory record");
        return cvg_sink_write(&c->out, c->data + rec->offset, n, NULL);
    }
    return xcs_write_record_buf(&c->out, rec->type, rec->body, rec->length, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ctx c;
    struct xcs_reader_cfg cfg = { .max_pfn = 1u << 20, .max_vcpus = 64 };
    struct cvg_src src;
    struct xcs_reader r;
    struct cvg_err err = { 0 };
    int rc;

    c.data = data;
    cvg_sink_init_mem(&c.out);
    cvg_src_init_mem(&src, data, size);
    check(xcs_reader_init(&r, &src, &cfg, &err) == 0, "init");
    rc = xcs_read_headers(&r, &err);
    if (!rc) {
        check(xcs_write_ihdr(&c.out, r.ihdr.version, NULL) == 0, "ihdr");
        check(xcs_write_dhdr(&c.out, &r.dhdr, NULL) == 0, "dhdr");
        rc = xcs_read_stream(&r, visit, &c, &err);
    }
    check(src.off <= size, "read past the input");
    if (rc) {
        check(err.code == rc && err.msg[0], "refusal without a message");
    } else {
        check(r.state == XCS_RS_DONE, "success without END");
        check(c.out.len == src.off, "re-encoding differs in length");
        check(memcmp(c.out.buf, data, c.out.len) == 0,
              "accepted input is not what the writer produces");
    }
    xcs_reader_free(&r);
    cvg_sink_free(&c.out);
    return 0;
}
