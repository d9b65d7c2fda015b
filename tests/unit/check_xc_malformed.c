/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libxc stream reader against hostile input: truncation at every byte,
 * bad lengths and padding, misordered records, oversized counts and pfns,
 * unknown types.  Each refusal must say which record, where, and why.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "wire/cvg_records.h"
#include "wire/xc_stream.h"

#define PAGE XCS_PAGE_SIZE
#define HVM XCS_DOM_X86_HVM
#define PV XCS_DOM_X86_PV

static uint8_t page_a[PAGE], page_b[PAGE];

/* ---- stream building blocks ---------------------------------------- */

static void hdrs(struct cvg_sink *s, uint32_t version, uint32_t dom)
{
    struct xcs_dhdr dh = { dom, 12, 4, 17 };

    ck_assert_int_eq(xcs_write_ihdr(s, version, NULL), 0);
    ck_assert_int_eq(xcs_write_dhdr(s, &dh, NULL), 0);
}

static void put(struct cvg_sink *s, const void *p, size_t n)
{
    ck_assert_int_eq(cvg_sink_write(s, p, n, NULL), 0);
}

/* A record header with any length, followed by whatever bytes we choose. */
static void raw(struct cvg_sink *s, uint32_t type, uint32_t len,
                const void *bytes, size_t n)
{
    uint8_t h[8];

    cvg_put_le32(h, type);
    cvg_put_le32(h + 4, len);
    put(s, h, 8);
    if (n)
        put(s, bytes, n);
}

static void rec(struct cvg_sink *s, uint32_t type, const void *body, size_t len)
{
    ck_assert_int_eq(xcs_write_record_buf(s, type, body, len, NULL), 0);
}

static void empty(struct cvg_sink *s, uint32_t type)
{
    rec(s, type, NULL, 0);
}

/* PAGE_DATA from raw pfn words, with n_pages pages appended. */
static void page_data_words(struct cvg_sink *s, uint32_t count, const uint64_t *words,
                            uint32_t n_pages, uint32_t claimed_len)
{
    uint8_t h[8];

    cvg_put_le32(h, count);
    cvg_put_le32(h + 4, 0);
    raw(s, XCS_REC_PAGE_DATA,
        claimed_len ? claimed_len : 8 + 8 * count + PAGE * n_pages, h, 8);
    for (uint32_t i = 0; i < count; i++) {
        uint8_t w[8];

        cvg_put_le64(w, words[i]);
        put(s, w, 8);
    }
    for (uint32_t i = 0; i < n_pages; i++)
        put(s, page_a, PAGE);
}

static void one_page(struct cvg_sink *s, uint64_t pfn)
{
    uint64_t w = xcs_pfn_word(pfn, XCS_PFINFO_NOTAB);

    page_data_words(s, 1, &w, 1, 0);
}

/* ---- running the reader over a built stream -------------------------- */

struct outcome {
    int rc;
    struct cvg_err err;
    size_t buf_cap;             /* what the reader allocated for bodies */
    unsigned records;
    bool skipped_seen;
};

static int count_rec(struct xcs_reader *r, const struct xcs_rec *rec, void *opaque,
                     struct cvg_err *err)
{
    struct outcome *o = opaque;

    o->records++;
    if (rec->skipped)
        o->skipped_seen = true;
    return 0;
}

static struct outcome run(const uint8_t *buf, size_t len,
                          const struct xcs_reader_cfg *cfg)
{
    struct outcome o = { 0 };
    struct cvg_src src;
    struct xcs_reader r;

    cvg_src_init_mem(&src, buf, len);
    o.rc = xcs_reader_init(&r, &src, cfg, &o.err);
    if (!o.rc)
        o.rc = xcs_read_stream(&r, count_rec, &o, &o.err);
    o.buf_cap = r.buf_cap;
    xcs_reader_free(&r);
    return o;
}

static struct outcome run_sink(struct cvg_sink *s, const struct xcs_reader_cfg *cfg)
{
    struct outcome o = run(s->buf, s->len, cfg);

    cvg_sink_free(s);
    return o;
}

#define expect_refused(o, code, where, what)                                  \
    do {                                                                      \
        ck_assert_msg((o).rc == (code), "rc %d, expected %d: %s", (o).rc,     \
                      (code), (o).err.msg);                                   \
        ck_assert_msg(strstr((o).err.msg, (where)), "\"%s\" lacks \"%s\"",    \
                      (o).err.msg, (where));                                  \
        ck_assert_msg(strstr((o).err.msg, (what)), "\"%s\" lacks \"%s\"",     \
                      (o).err.msg, (what));                                   \
    } while (0)

/* ---- lengths and padding ------------------------------------------- */

START_TEST(test_bad_exact_length)
{
    struct cvg_sink s;
    uint8_t body[16] = { 0 };
    struct outcome o;

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    rec(&s, XCS_REC_X86_TSC_INFO, body, 16);
    empty(&s, XCS_REC_END);
    o = run_sink(&s, NULL);
    expect_refused(o, -EINVAL, "X86_TSC_INFO (0x00000008) at offset 48",
                   "length 16, expected 24");

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    rec(&s, XCS_REC_VERIFY, body, 1);
    o = run_sink(&s, NULL);
    expect_refused(o, -EINVAL, "VERIFY (0x0000000d) at offset 48", "length 1, expected 0");
}
END_TEST

START_TEST(test_length_over_128mib_refused_before_allocating)
{
    struct cvg_sink s;
    struct outcome o;

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    raw(&s, XCS_REC_HVM_CONTEXT, XCS_REC_LENGTH_MAX + 1, NULL, 0);
    o = run_sink(&s, NULL);
    expect_refused(o, -E2BIG, "HVM_CONTEXT (0x00000009) at offset 48",
                   "length 134217729 exceeds the 134217728-byte record limit");
    ck_assert_uint_eq(o.buf_cap, 0);

    /* Even an optional record we would skip is refused over the limit. */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    raw(&s, 0x80001234u, 0xffffffffu, NULL, 0);
    o = run_sink(&s, NULL);
    expect_refused(o, -E2BIG, "unknown optional (0x80001234) at offset 40", "exceeds");
    ck_assert_uint_eq(o.buf_cap, 0);

    /* Under 128 MiB but over the type's own bound: refused on the header. */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    raw(&s, XCS_REC_HVM_CONTEXT, XCS_HVM_CONTEXT_MAX + 1, NULL, 0);
    o = run_sink(&s, NULL);
    expect_refused(o, -E2BIG, "HVM_CONTEXT (0x00000009) at offset 48",
                   "length 16777217 outside 1-16777216");
    ck_assert_uint_eq(o.buf_cap, 0);
}
END_TEST

START_TEST(test_lying_length_costs_only_what_arrives)
{
    struct cvg_sink s;
    uint8_t body[100] = { 1 };
    struct outcome o;

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    raw(&s, XCS_REC_HVM_CONTEXT, XCS_HVM_CONTEXT_MAX, body, sizeof(body));
    o = run_sink(&s, NULL);
    expect_refused(o, -EPIPE, "HVM_CONTEXT (0x00000009) at offset 48", "truncated");
    ck_assert_uint_le(o.buf_cap, 64 << 10);
}
END_TEST

START_TEST(test_nonzero_padding_refused)
{
    struct cvg_sink s;
    static const uint8_t body[8] = { 'a', 'b', 'c', 'd', 'e', 0, 1, 0 };
    struct outcome o;

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    raw(&s, XCS_REC_HVM_CONTEXT, 5, body, 8);
    empty(&s, XCS_REC_END);
    o = run_sink(&s, NULL);
    expect_refused(o, -EINVAL, "HVM_CONTEXT (0x00000009) at offset 48",
                   "padding byte 1 (offset 62) is 0x01, not zero");

    /* Padding of a skipped optional record is checked too. */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    raw(&s, 0x80000077u, 3, "xyz\0\0\0\0\x7f", 8);
    o = run_sink(&s, NULL);
    expect_refused(o, -EINVAL, "unknown optional (0x80000077) at offset 40",
                   "padding byte 4");
}
END_TEST

/* ---- order ----------------------------------------------------------- */

START_TEST(test_order_rules)
{
    struct cvg_sink s;
    uint8_t leaf[24] = { 0 }, msr[16] = { 0 }, pvinfo[8] = { 8, 4 };
    struct outcome o;

    /* v3: memory before STATIC_DATA_END */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    one_page(&s, 1);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "PAGE_DATA (0x00000001) at offset 40",
                   "comes before STATIC_DATA_END");

    /* v3: register state before STATIC_DATA_END */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    rec(&s, XCS_REC_HVM_CONTEXT, "ctx", 3);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "HVM_CONTEXT (0x00000009) at offset 40",
                   "comes before STATIC_DATA_END");

    /* CPU policy after STATIC_DATA_END would never be applied */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    rec(&s, XCS_REC_X86_CPUID_POLICY, leaf, 24);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "X86_CPUID_POLICY (0x00000011) at offset 48",
                   "after STATIC_DATA_END");

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    rec(&s, XCS_REC_X86_MSR_POLICY, msr, 16);
    rec(&s, XCS_REC_X86_MSR_POLICY, msr, 16);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "X86_MSR_POLICY (0x00000012) at offset 64", "a second one");

    /* at most one STATIC_DATA_END */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    empty(&s, XCS_REC_STATIC_DATA_END);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "STATIC_DATA_END (0x00000010) at offset 48",
                   "a second STATIC_DATA_END");

    /* v3 streams must carry it */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_END);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "END (0x00000000) at offset 40",
                   "stream ends without STATIC_DATA_END");

    /* PV-only record in an HVM stream, HVM-only record in a PV stream */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    rec(&s, XCS_REC_X86_PV_INFO, pvinfo, 8);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "X86_PV_INFO (0x00000002) at offset 40",
                   "PV-only record in an x86 HVM stream");

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    rec(&s, XCS_REC_SHARED_INFO, page_a, PAGE);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "SHARED_INFO (0x00000007) at offset 48", "PV-only");

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, PV);
    rec(&s, XCS_REC_X86_PV_INFO, pvinfo, 8);
    empty(&s, XCS_REC_STATIC_DATA_END);
    rec(&s, XCS_REC_HVM_PARAMS, "\0\0\0\0\0\0\0\0", 8);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "HVM_PARAMS (0x0000000a) at offset 64",
                   "HVM-only record in an x86 PV stream");

    /* VERIFY at most once; CHECKPOINT only in checkpointed streams */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    empty(&s, XCS_REC_VERIFY);
    empty(&s, XCS_REC_VERIFY);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "VERIFY (0x0000000d) at offset 56", "a second VERIFY");

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    empty(&s, XCS_REC_CHECKPOINT);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "CHECKPOINT (0x0000000e) at offset 48",
                   "not checkpointed");
}
END_TEST

START_TEST(test_nothing_after_end)
{
    struct cvg_sink s;
    struct cvg_src src;
    struct xcs_reader r;
    struct xcs_rec rec0;
    struct cvg_err err = { 0 };
    struct outcome o;

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    empty(&s, XCS_REC_END);
    empty(&s, XCS_REC_END);
    one_page(&s, 3);
    cvg_src_init_mem(&src, s.buf, s.len);
    ck_assert_int_eq(xcs_reader_init(&r, &src, NULL, &err), 0);
    ck_assert_int_eq(xcs_read_stream(&r, NULL, NULL, &err), 0);
    /* The whole-stream reader stops at the first END, bytes after it unread. */
    ck_assert_uint_eq(src.off, 56);
    ck_assert_int_eq(xcs_read_record(&r, &rec0, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "nothing may be read after END (offset 56)"));
    ck_assert_uint_eq(src.off, 56);
    xcs_reader_free(&r);

    /* And a trailer after a good END does not make a stream bad. */
    o = run_sink(&s, NULL);
    ck_assert_msg(o.rc == 0, "%s", o.err.msg);
}
END_TEST

START_TEST(test_pv_order)
{
    struct cvg_sink s;
    uint8_t pvinfo[8] = { 8, 4 }, p2m[16] = { 0 }, vcpu[8] = { 0 };
    struct xcs_reader_cfg cfg = { .max_vcpus = 4 };
    struct outcome o;

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, PV);
    empty(&s, XCS_REC_STATIC_DATA_END);
    rec(&s, XCS_REC_X86_PV_P2M_FRAMES, p2m, 16);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "X86_PV_P2M_FRAMES (0x00000003) at offset 48",
                   "comes before X86_PV_INFO");

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, PV);
    rec(&s, XCS_REC_X86_PV_INFO, pvinfo, 8);
    empty(&s, XCS_REC_STATIC_DATA_END);
    one_page(&s, 0);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "PAGE_DATA (0x00000001) at offset 64",
                   "before X86_PV_P2M_FRAMES");

    /* p2m frames for pfns 0-511 (one frame of a 64-bit guest) */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, PV);
    rec(&s, XCS_REC_X86_PV_INFO, pvinfo, 8);
    empty(&s, XCS_REC_STATIC_DATA_END);
    cvg_put_le32(p2m + 4, 511);
    rec(&s, XCS_REC_X86_PV_P2M_FRAMES, p2m, 16);
    one_page(&s, 512);
    o = run_sink(&s, NULL);
    expect_refused(o, -ERANGE, "PAGE_DATA (0x00000001) at offset 88",
                   "pfn 0x200 (index 0) beyond the domain's 0x200 pages");

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, PV);
    rec(&s, XCS_REC_X86_PV_INFO, pvinfo, 8);
    empty(&s, XCS_REC_STATIC_DATA_END);
    rec(&s, XCS_REC_X86_PV_VCPU_EXTENDED, vcpu, 8);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "X86_PV_VCPU_EXTENDED (0x00000005) at offset 64",
                   "before X86_PV_P2M_FRAMES");

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, PV);
    rec(&s, XCS_REC_X86_PV_INFO, pvinfo, 8);
    empty(&s, XCS_REC_STATIC_DATA_END);
    rec(&s, XCS_REC_X86_PV_P2M_FRAMES, p2m, 16);
    cvg_put_le32(vcpu, 4);
    rec(&s, XCS_REC_X86_PV_VCPU_EXTENDED, vcpu, 8);
    o = run_sink(&s, &cfg);
    expect_refused(o, -ERANGE, "X86_PV_VCPU_EXTENDED (0x00000005) at offset 88",
                   "vcpu_id 4 beyond the domain's 4 vCPUs");

    /* a 64-bit guest's BASIC context has the 64-bit size */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, PV);
    rec(&s, XCS_REC_X86_PV_INFO, pvinfo, 8);
    empty(&s, XCS_REC_STATIC_DATA_END);
    rec(&s, XCS_REC_X86_PV_P2M_FRAMES, p2m, 16);
    {
        static uint8_t basic32[8 + XCS_VCPU_BASIC_32_SIZE];

        rec(&s, XCS_REC_X86_PV_VCPU_BASIC, basic32, sizeof(basic32));
    }
    o = run_sink(&s, NULL);
    expect_refused(o, -EINVAL, "X86_PV_VCPU_BASIC (0x00000004) at offset 88",
                   "context of 2800 bytes, expected 5168 for a 64-bit guest");

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, PV);
    rec(&s, XCS_REC_X86_PV_INFO, pvinfo, 8);
    rec(&s, XCS_REC_X86_PV_INFO, pvinfo, 8);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "X86_PV_INFO (0x00000002) at offset 56",
                   "a second X86_PV_INFO");

    pvinfo[1] = 3;
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, PV);
    rec(&s, XCS_REC_X86_PV_INFO, pvinfo, 8);
    o = run_sink(&s, NULL);
    expect_refused(o, -EINVAL, "X86_PV_INFO (0x00000002) at offset 40",
                   "guest width 8 with 3 page-table levels");
}
END_TEST

START_TEST(test_v2_order)
{
    struct cvg_sink s;
    uint8_t leaf[24] = { 0 };
    struct outcome o;

    /* v2: STATIC_DATA_END is inferred at the first PAGE_DATA ... */
    cvg_sink_init_mem(&s);
    hdrs(&s, 2, HVM);
    one_page(&s, 0);
    rec(&s, XCS_REC_X86_CPUID_POLICY, leaf, 24);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "X86_CPUID_POLICY (0x00000011) at offset 4160",
                   "after STATIC_DATA_END");

    /* ... so a real one after that is a second one */
    cvg_sink_init_mem(&s);
    hdrs(&s, 2, HVM);
    one_page(&s, 0);
    empty(&s, XCS_REC_STATIC_DATA_END);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "STATIC_DATA_END (0x00000010) at offset 4160",
                   "after the one inferred");

    /* v2 records other than memory may precede it, as stock allows */
    cvg_sink_init_mem(&s);
    hdrs(&s, 2, HVM);
    rec(&s, XCS_REC_HVM_CONTEXT, "ctx", 3);
    one_page(&s, 0);
    empty(&s, XCS_REC_END);
    o = run_sink(&s, NULL);
    ck_assert_msg(o.rc == 0, "%s", o.err.msg);

    /* a v2 stream may also carry STATIC_DATA_END itself */
    cvg_sink_init_mem(&s);
    hdrs(&s, 2, HVM);
    rec(&s, XCS_REC_X86_CPUID_POLICY, leaf, 24);
    empty(&s, XCS_REC_STATIC_DATA_END);
    one_page(&s, 0);
    empty(&s, XCS_REC_END);
    o = run_sink(&s, NULL);
    ck_assert_msg(o.rc == 0, "%s", o.err.msg);
}
END_TEST

/* ---- PAGE_DATA ------------------------------------------------------- */

START_TEST(test_page_data_refusals)
{
    struct cvg_sink s;
    struct xcs_reader_cfg cfg = { .max_pfn = 0x40000 };
    uint64_t w[2];
    struct outcome o;

#define PD_CASE(words, count, pages, len, code, what)                         \
    do {                                                                      \
        cvg_sink_init_mem(&s);                                                \
        hdrs(&s, 3, HVM);                                                     \
        empty(&s, XCS_REC_STATIC_DATA_END);                                   \
        page_data_words(&s, count, words, pages, len);                        \
        empty(&s, XCS_REC_END);                                               \
        o = run_sink(&s, &cfg);                                               \
        expect_refused(o, code, "PAGE_DATA (0x00000001) at offset 48", what); \
    } while (0)

    w[0] = xcs_pfn_word(0x123456, XCS_PFINFO_NOTAB);
    PD_CASE(w, 1, 1, 0, -ERANGE,
            "pfn 0x123456 (index 0) beyond the domain's 0x40000 pages");
    w[0] = xcs_pfn_word(5, XCS_PFINFO_NOTAB);
    w[1] = xcs_pfn_word(0x40000, XCS_PFINFO_XTAB);
    PD_CASE(w, 2, 1, 0, -ERANGE, "pfn 0x40000 (index 1) beyond");
    w[0] = xcs_pfn_word(5, XCS_PFINFO_NOTAB) | (1ull << 55);
    PD_CASE(w, 1, 1, 0, -EINVAL, "(index 0): reserved bits 52-59 set");
    w[0] = xcs_pfn_word(5, 6u << 28);
    PD_CASE(w, 1, 0, 0, -EINVAL, "pfn 0x5 (index 0): unknown page type 0x6");
    w[0] = xcs_pfn_word(5, XCS_PFINFO_LPINTAB);
    PD_CASE(w, 1, 0, 0, -EINVAL, "unknown page type 0x8");
    /* XTAB carries no data, yet the length claims a page */
    w[0] = xcs_pfn_word(5, XCS_PFINFO_XTAB);
    PD_CASE(w, 1, 1, 0, -EINVAL,
            "length 4112, expected 8 + 8 * 1 pfns + 4096 * 0 pages = 16");
    /* a normal page whose data is missing from the length */
    w[0] = xcs_pfn_word(5, XCS_PFINFO_NOTAB);
    PD_CASE(w, 1, 0, 0, -EINVAL, "expected 8 + 8 * 1 pfns + 4096 * 1 pages = 4112");
    PD_CASE(w, 0, 0, 16, -EINVAL, "count 0");
    PD_CASE(w, 1, 0, 8, -EINVAL, "length 8 outside 16-");
    /* the count disagrees with the length */
    PD_CASE(w, 1, 0, 24, -EINVAL, "expected 8 + 8 * 1 pfns + 4096 * 1 pages");
#undef PD_CASE

    /* more pfns than a batch may hold */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    {
        uint8_t h[8];

        cvg_put_le32(h, 1025);
        cvg_put_le32(h + 4, 0);
        raw(&s, XCS_REC_PAGE_DATA, 8 + 8 * 1025, h, 8);
    }
    o = run_sink(&s, NULL);
    expect_refused(o, -E2BIG, "PAGE_DATA (0x00000001) at offset 48",
                   "count 1025 over the batch limit of 1024");

    /* the reserved word */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    {
        uint8_t b[16] = { 1, 0, 0, 0, 0, 0, 0, 9, 7 };

        raw(&s, XCS_REC_PAGE_DATA, 16, b, 16);
    }
    o = run_sink(&s, NULL);
    expect_refused(o, -EINVAL, "PAGE_DATA (0x00000001) at offset 48",
                   "reserved word not zero");
}
END_TEST

START_TEST(test_pages_must_be_consumed)
{
    struct cvg_sink s;
    struct cvg_src src;
    struct xcs_reader r;
    struct xcs_rec rec0;
    struct cvg_err err = { 0 };
    uint8_t buf[PAGE];
    uint64_t pfn;

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    {
        uint64_t w[3] = { xcs_pfn_word(9, 0), xcs_pfn_word(10, XCS_PFINFO_XTAB),
                          xcs_pfn_word(11, 0) };

        page_data_words(&s, 3, w, 2, 0);
    }
    empty(&s, XCS_REC_END);
    cvg_src_init_mem(&src, s.buf, s.len);
    ck_assert_int_eq(xcs_reader_init(&r, &src, NULL, &err), 0);
    ck_assert_int_eq(xcs_read_headers(&r, &err), 0);
    ck_assert_int_eq(xcs_read_record(&r, &rec0, &err), 0);
    ck_assert_int_eq(xcs_read_record(&r, &rec0, &err), 0);
    ck_assert_uint_eq(rec0.n_data, 2);
    /* The engine may read a page itself; the reader keeps count. */
    ck_assert_int_eq(cvg_src_read(&src, buf, PAGE, "page", &err), 0);
    ck_assert_int_eq(xcs_read_record(&r, &rec0, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "PAGE_DATA (0x00000001) at offset 48: "
                                 "4096 bytes of its pages were not read"));
    xcs_reader_free(&r);

    /* Mixed: one page by hand, the next through the reader names pfn 11. */
    cvg_err_clear(&err);
    cvg_src_init_mem(&src, s.buf, s.len);
    ck_assert_int_eq(xcs_reader_init(&r, &src, NULL, &err), 0);
    ck_assert_int_eq(xcs_read_headers(&r, &err), 0);
    ck_assert_int_eq(xcs_read_record(&r, &rec0, &err), 0);
    ck_assert_int_eq(xcs_read_record(&r, &rec0, &err), 0);
    ck_assert_int_eq(cvg_src_read(&src, buf, PAGE, "page", &err), 0);
    ck_assert_int_eq(xcs_read_page(&r, buf, &pfn, &err), 0);
    ck_assert_uint_eq(pfn, 11);
    ck_assert_int_eq(xcs_read_record(&r, &rec0, &err), 0);
    ck_assert_uint_eq(rec0.type, XCS_REC_END);
    xcs_reader_free(&r);

    /* A caller that reads past the last page is told so. */
    cvg_err_clear(&err);
    cvg_src_init_mem(&src, s.buf, s.len);
    ck_assert_int_eq(xcs_reader_init(&r, &src, NULL, &err), 0);
    ck_assert_int_eq(xcs_read_headers(&r, &err), 0);
    ck_assert_int_eq(xcs_read_record(&r, &rec0, &err), 0);
    ck_assert_int_eq(xcs_read_record(&r, &rec0, &err), 0);
    ck_assert_int_eq(cvg_src_read(&src, buf, PAGE, "page", &err), 0);
    ck_assert_int_eq(cvg_src_read(&src, buf, PAGE, "page", &err), 0);
    ck_assert_int_eq(cvg_src_read(&src, buf, 8, "too far", &err), 0);
    ck_assert_int_eq(xcs_read_record(&r, &rec0, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "8 bytes were read past its last page"));
    xcs_reader_free(&r);
    cvg_sink_free(&s);
}
END_TEST

/* ---- types and bodies ---------------------------------------------- */

START_TEST(test_unknown_and_refused_types)
{
    struct cvg_sink s;
    static uint8_t big[1 << 20];
    uint8_t eight[8] = { 0 };
    struct outcome o;

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    empty(&s, 0x13);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTONOSUPPORT, "unknown (0x00000013) at offset 48",
                   "unknown mandatory record, cannot restore");

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    rec(&s, XCS_REC_TOOLSTACK, eight, 8);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "TOOLSTACK (0x0000000b) at offset 48", "deprecated");

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    rec(&s, XCS_REC_CHECKPOINT_DIRTY_PFN_LIST, eight, 8);
    o = run_sink(&s, NULL);
    expect_refused(o, -EPROTO, "CHECKPOINT_DIRTY_PFN_LIST (0x0000000f) at offset 48",
                   "back channel");

    /* An unknown optional record is skipped, reported, never buffered. */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    rec(&s, 0x8badf00du, big, sizeof(big) - 3);
    empty(&s, XCS_REC_STATIC_DATA_END);
    empty(&s, XCS_REC_END);
    o = run_sink(&s, NULL);
    ck_assert_msg(o.rc == 0, "%s", o.err.msg);
    ck_assert(o.skipped_seen);
    ck_assert_uint_eq(o.records, 3);
    ck_assert_uint_eq(o.buf_cap, 0);

    /* Our own records are read and checked, at most 4 KiB. */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    raw(&s, CVG_REC_HELLO, 5000, big, 5000);
    o = run_sink(&s, NULL);
    expect_refused(o, -E2BIG, "CVG_HELLO (0xf0ce0001) at offset 40",
                   "length 5000 outside 0-4096");

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    rec(&s, CVG_REC_HELLO, big, 24);    /* all zero: version 0 */
    o = run_sink(&s, NULL);
    expect_refused(o, -EINVAL, "CVG_HELLO (0xf0ce0001) at offset 40", "version 0");
}
END_TEST

START_TEST(test_body_refusals)
{
    struct cvg_sink s;
    uint8_t b[64] = { 0 };
    struct outcome o;

#define BODY_CASE(type, body, len, code, where, what)                         \
    do {                                                                      \
        cvg_sink_init_mem(&s);                                                \
        hdrs(&s, 3, HVM);                                                     \
        empty(&s, XCS_REC_STATIC_DATA_END);                                   \
        rec(&s, type, body, len);                                             \
        empty(&s, XCS_REC_END);                                               \
        o = run_sink(&s, NULL);                                               \
        expect_refused(o, code, where, what);                                 \
    } while (0)

    /* TSC reserved word */
    memset(b, 0, sizeof(b));
    b[20] = 1;
    BODY_CASE(XCS_REC_X86_TSC_INFO, b, 24, -EINVAL,
              "X86_TSC_INFO (0x00000008) at offset 48", "reserved word not zero");
    /* HVM_PARAMS: count and length disagree; count over the bound */
    memset(b, 0, sizeof(b));
    b[0] = 2;
    BODY_CASE(XCS_REC_HVM_PARAMS, b, 24, -EINVAL,
              "HVM_PARAMS (0x0000000a) at offset 48",
              "length 24, expected 8 + 16 * count 2");
    cvg_put_le32(b, 300);
    BODY_CASE(XCS_REC_HVM_PARAMS, b, 56, -E2BIG,
              "HVM_PARAMS (0x0000000a) at offset 48", "count 300 over the limit of 256");
    memset(b, 0, sizeof(b));
    BODY_CASE(XCS_REC_HVM_PARAMS, b, 4, -EINVAL,
              "HVM_PARAMS (0x0000000a) at offset 48", "length 4 outside 8-4104");
    b[4] = 1;
    BODY_CASE(XCS_REC_HVM_PARAMS, b, 8, -EINVAL,
              "HVM_PARAMS (0x0000000a) at offset 48", "reserved word not zero");
    /* policies: whole entries, MSR flags zero */
    memset(b, 0, sizeof(b));
    BODY_CASE(XCS_REC_HVM_CONTEXT, b, 0, -EINVAL,
              "HVM_CONTEXT (0x00000009) at offset 48", "length 0 outside 1-");
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    rec(&s, XCS_REC_X86_CPUID_POLICY, b, 25);
    o = run_sink(&s, NULL);
    expect_refused(o, -EINVAL, "X86_CPUID_POLICY (0x00000011) at offset 40",
                   "length 25 is not a non-zero multiple of 24");
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    cvg_put_le32(b + 16, 0x10a);
    b[20] = 1;
    rec(&s, XCS_REC_X86_MSR_POLICY, b, 32);
    o = run_sink(&s, NULL);
    expect_refused(o, -EINVAL, "X86_MSR_POLICY (0x00000012) at offset 40",
                   "entry 1 (MSR 0x10a): flags not zero");
#undef BODY_CASE

    /* errata: an empty HVM_PARAMS (count 0) is tolerated */
    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    empty(&s, XCS_REC_STATIC_DATA_END);
    ck_assert_int_eq(xcs_write_hvm_params(&s, NULL, 0, NULL), 0);
    empty(&s, XCS_REC_END);
    o = run_sink(&s, NULL);
    ck_assert_msg(o.rc == 0, "%s", o.err.msg);
}
END_TEST

START_TEST(test_header_refusals)
{
    struct cvg_sink s;
    struct xcs_reader_cfg want_pv = { .expect_dom_type = PV };
    struct outcome o;

#define HDR_CASE(off, val, code, what)                                        \
    do {                                                                      \
        cvg_sink_init_mem(&s);                                                \
        hdrs(&s, 3, HVM);                                                     \
        empty(&s, XCS_REC_STATIC_DATA_END);                                   \
        empty(&s, XCS_REC_END);                                               \
        s.buf[off] = val;                                                     \
        o = run_sink(&s, NULL);                                               \
        ck_assert_msg(o.rc == (code), "rc %d: %s", o.rc, o.err.msg);          \
        ck_assert_msg(strstr(o.err.msg, what), "\"%s\" lacks \"%s\"",         \
                      o.err.msg, what);                                       \
    } while (0)

    HDR_CASE(3, 0xfe, -EINVAL, "image header at offset 0: marker 0xfffffffeffffffff");
    HDR_CASE(9, 'X', -EINVAL, "image header at offset 8: id 0x58584e46");
    HDR_CASE(15, 4, -EPROTONOSUPPORT, "version 4, only 2-3");
    HDR_CASE(15, 1, -EPROTONOSUPPORT, "version 1, only 2-3");
    HDR_CASE(17, 1, -EPROTONOSUPPORT, "big-endian stream");
    HDR_CASE(16, 0x80, -EINVAL, "reserved option bits 0x8000 set");
    HDR_CASE(23, 1, -EINVAL, "image header at offset 18: reserved bytes not zero");
    HDR_CASE(24, 3, -EPROTONOSUPPORT, "domain type 3 (reserved)");
    HDR_CASE(28, 13, -EINVAL, "page shift 13");
    HDR_CASE(30, 1, -EINVAL, "domain header at offset 30: reserved bytes not zero");
#undef HDR_CASE

    cvg_sink_init_mem(&s);
    hdrs(&s, 3, HVM);
    o = run_sink(&s, &want_pv);
    expect_refused(o, -EINVAL, "domain header at offset 24",
                   "an x86 HVM stream cannot restore into an x86 PV domain");
}
END_TEST

/* ---- truncation at every byte ------------------------------------------ */

struct span {
    uint64_t start, end;        /* the record's bytes, header to padding */
    uint32_t type;
};

struct spans {
    unsigned n;
    struct span s[32];
};

static int note_span(struct xcs_reader *r, const struct xcs_rec *rec, void *opaque,
                     struct cvg_err *err)
{
    struct spans *sp = opaque;
    uint64_t len = rec->length + cvg_pad8(rec->length);

    ck_assert_uint_lt(sp->n, 32);
    sp->s[sp->n++] = (struct span){ rec->offset, rec->offset + 8 + len, rec->type };
    return 0;
}

static void build_rich_stream(struct cvg_sink *s)
{
    struct xcs_page_scratch *scratch = malloc(sizeof(*scratch));
    struct xcs_cpuid_leaf leaf = { 0, ~0u, 0xd, 1, 2, 3 };
    struct xcs_msr_entry msr = { 0xce, 0, 5 };
    struct xcs_tsc_info tsc = { 1, 2000000, 42, 1 };
    struct xcs_hvm_param params[2] = { { 1, 2 }, { 3, 4 } };
    struct cvg_hello hello = { 1, CVG_CAP_KNOWN, 3, 0x10000 };
    struct cvg_stats st = { 1, 100, 200, 300, 20, 250 };
    uint64_t pfns[3] = { 1, 2, 3 };
    uint32_t types[3] = { 0, XCS_PFINFO_XTAB, 0 };
    const void *pages[3] = { page_a, NULL, page_b };

    hdrs(s, 3, HVM);
    ck_assert_int_eq(cvg_write_hello(s, &hello, NULL), 0);
    ck_assert_int_eq(xcs_write_cpuid_policy(s, &leaf, 1, NULL), 0);
    ck_assert_int_eq(xcs_write_msr_policy(s, &msr, 1, NULL), 0);
    empty(s, XCS_REC_STATIC_DATA_END);
    ck_assert_int_eq(xcs_write_page_data(s, scratch, 3, pfns, types, pages, NULL), 0);
    rec(s, 0x80000123u, "skip me", 7);
    ck_assert_int_eq(cvg_write_stats(s, &st, NULL), 0);
    ck_assert_int_eq(xcs_write_page_data(s, scratch, 1, pfns, types, pages, NULL), 0);
    ck_assert_int_eq(xcs_write_tsc_info(s, &tsc, NULL), 0);
    rec(s, XCS_REC_HVM_CONTEXT, "hvm-ctx", 7);
    ck_assert_int_eq(xcs_write_hvm_params(s, params, 2, NULL), 0);
    empty(s, XCS_REC_END);
    free(scratch);
}

START_TEST(test_truncation_at_every_offset)
{
    struct cvg_sink s;
    struct spans sp = { 0 };
    struct cvg_src src;
    struct xcs_reader r;
    struct cvg_err err = { 0 };
    size_t cut;

    for (unsigned i = 0; i < PAGE; i++) {
        page_a[i] = (uint8_t)i;
        page_b[i] = (uint8_t)~i;
    }
    cvg_sink_init_mem(&s);
    build_rich_stream(&s);
    cvg_src_init_mem(&src, s.buf, s.len);
    ck_assert_int_eq(xcs_reader_init(&r, &src, NULL, &err), 0);
    ck_assert_msg(xcs_read_stream(&r, note_span, &sp, &err) == 0, "%s", err.msg);
    xcs_reader_free(&r);
    ck_assert_uint_eq(sp.n, 12);
    ck_assert_uint_eq(sp.s[sp.n - 1].end, s.len);

    for (cut = 0; cut <= s.len; cut++) {
        struct outcome o = run(s.buf, cut, NULL);

        if (cut == s.len) {
            ck_assert_msg(o.rc == 0, "whole stream refused: %s", o.err.msg);
            break;
        }
        ck_assert_msg(o.rc == -EPIPE, "cut at %zu: rc %d (%s)", cut, o.rc, o.err.msg);
        ck_assert_msg(strstr(o.err.msg, "offset"), "cut at %zu: %s", cut, o.err.msg);
        if (cut < XCS_IHDR_SIZE)
            ck_assert_msg(strstr(o.err.msg, "image header"), "cut %zu: %s", cut, o.err.msg);
        else if (cut < XCS_IHDR_SIZE + XCS_DHDR_SIZE)
            ck_assert_msg(strstr(o.err.msg, "domain header"), "cut %zu: %s", cut, o.err.msg);
        for (unsigned i = 0; i < sp.n; i++) {
            char where[96];

            if (cut < sp.s[i].start + 8 || cut >= sp.s[i].end)
                continue;
            /* Cut inside a body: the message names the record and offset. */
            snprintf(where, sizeof(where), "%s (0x%08x) at offset %llu",
                     xcs_rec_type_name(sp.s[i].type), sp.s[i].type,
                     (unsigned long long)sp.s[i].start);
            ck_assert_msg(strstr(o.err.msg, where), "cut at %zu: \"%s\" lacks \"%s\"",
                          cut, o.err.msg, where);
        }
    }
    cvg_sink_free(&s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xc_malformed");
    TCase *tc = tcase_create("refusals");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_bad_exact_length);
    tcase_add_test(tc, test_length_over_128mib_refused_before_allocating);
    tcase_add_test(tc, test_lying_length_costs_only_what_arrives);
    tcase_add_test(tc, test_nonzero_padding_refused);
    tcase_add_test(tc, test_order_rules);
    tcase_add_test(tc, test_nothing_after_end);
    tcase_add_test(tc, test_pv_order);
    tcase_add_test(tc, test_v2_order);
    tcase_add_test(tc, test_page_data_refusals);
    tcase_add_test(tc, test_pages_must_be_consumed);
    tcase_add_test(tc, test_unknown_and_refused_types);
    tcase_add_test(tc, test_body_refusals);
    tcase_add_test(tc, test_header_refusals);
    tcase_add_test(tc, test_truncation_at_every_offset);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
