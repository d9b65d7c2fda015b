/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libxc stream codec against hand-written golden bytes (from the spec,
 * not from our writer), write/read round trips of every record type, and
 * the fd reader's promise to stop exactly after END.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bytes.h"
#include "wire/cvg_records.h"
#include "wire/xc_stream.h"

#define PAGE XCS_PAGE_SIZE

static void fill_page(uint8_t *p, unsigned seed)
{
    for (unsigned i = 0; i < PAGE; i++)
        p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

/* ---- golden bytes, typed in from docs/specs/libxc-migration-stream ---- */

static const uint8_t golden_ihdr[24] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,   /* marker ~0 */
    0x58, 0x45, 0x4e, 0x46,                           /* "XENF" */
    0x00, 0x00, 0x00, 0x03,                           /* version 3, BE */
    0x00, 0x00,                                       /* options: LE */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,               /* reserved */
};

static const uint8_t golden_dhdr[16] = {
    0x02, 0x00, 0x00, 0x00,                           /* x86 HVM */
    0x0c, 0x00,                                       /* page_shift 12 */
    0x00, 0x00,                                       /* reserved */
    0x04, 0x00, 0x00, 0x00,                           /* Xen 4. */
    0x11, 0x00, 0x00, 0x00,                           /*      .17 */
};

static const uint8_t golden_sde[8] = {
    0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* STATIC_DATA_END, 0 */
};

/* PAGE_DATA: pfn 0x10 XTAB (no data), pfn 0x11 NOTAB (one page follows). */
static const uint8_t golden_page_data_head[32] = {
    0x01, 0x00, 0x00, 0x00,                           /* PAGE_DATA */
    0x18, 0x10, 0x00, 0x00,                           /* 8 + 2*8 + 4096 */
    0x02, 0x00, 0x00, 0x00,                           /* count 2 */
    0x00, 0x00, 0x00, 0x00,                           /* reserved */
    0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0,   /* 0x10 | XTAB << 60 */
    0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* 0x11 | NOTAB */
};

/* Our HELLO: proto 1, caps CAN_READ_ACKS|SWITCHOVER_ACK, domid 7, 0x40000 pfns. */
static const uint8_t golden_hello[32] = {
    0x01, 0x00, 0xce, 0xf0,                           /* 0xF0CE0001 */
    0x18, 0x00, 0x00, 0x00,                           /* 24 */
    0x01, 0x00, 0x00, 0x00,                           /* version 1, flags 0 */
    0x01, 0x00, 0x00, 0x00,                           /* proto 1 */
    0x05, 0x00, 0x00, 0x00,                           /* caps */
    0x07, 0x00, 0x00, 0x00,                           /* domid 7 */
    0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,   /* nr_pfns */
};

/* HVM_CONTEXT of 5 bytes: three bytes of zero padding. */
static const uint8_t golden_hvm_ctx[16] = {
    0x09, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
    'a', 'b', 'c', 'd', 'e', 0x00, 0x00, 0x00,
};

static const uint8_t golden_end[8] = { 0 };

static size_t golden_stream(uint8_t *out, const uint8_t *page)
{
    size_t n = 0;

#define PUT(a) (memcpy(out + n, a, sizeof(a)), n += sizeof(a))
    PUT(golden_ihdr);
    PUT(golden_dhdr);
    PUT(golden_hello);
    PUT(golden_sde);
    PUT(golden_page_data_head);
    memcpy(out + n, page, PAGE);
    n += PAGE;
    PUT(golden_hvm_ctx);
    PUT(golden_end);
#undef PUT
    return n;
}

START_TEST(test_golden_stream_decodes)
{
    static uint8_t stream[8192], page[PAGE], got[PAGE];
    struct cvg_src src;
    struct xcs_reader r;
    struct xcs_rec rec;
    struct cvg_msg msg;
    struct cvg_err err = { 0 };
    uint64_t pfn = 0;
    size_t len;

    fill_page(page, 1);
    len = golden_stream(stream, page);
    cvg_src_init_mem(&src, stream, len);
    ck_assert_int_eq(xcs_reader_init(&r, &src, NULL, &err), 0);
    ck_assert_int_eq(xcs_read_headers(&r, &err), 0);
    ck_assert_uint_eq(r.ihdr.version, 3);
    ck_assert_uint_eq(r.dhdr.type, XCS_DOM_X86_HVM);
    ck_assert_uint_eq(r.dhdr.page_shift, 12);
    ck_assert_uint_eq(r.dhdr.xen_major, 4);
    ck_assert_uint_eq(r.dhdr.xen_minor, 17);

    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
    ck_assert_uint_eq(rec.type, CVG_REC_HELLO);
    ck_assert_uint_eq(rec.offset, 40);
    ck_assert_int_eq(cvg_decode(&rec, &msg, &err), 0);
    ck_assert_uint_eq(msg.u.hello.proto, 1);
    ck_assert_uint_eq(msg.u.hello.caps, CVG_CAP_CAN_READ_ACKS | CVG_CAP_SWITCHOVER_ACK);
    ck_assert_uint_eq(msg.u.hello.domid, 7);
    ck_assert_uint_eq(msg.u.hello.nr_pfns, 0x40000);

    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
    ck_assert_uint_eq(rec.type, XCS_REC_STATIC_DATA_END);
    ck_assert_uint_eq(rec.offset, 72);

    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
    ck_assert_uint_eq(rec.type, XCS_REC_PAGE_DATA);
    ck_assert_uint_eq(rec.offset, 80);
    ck_assert_uint_eq(rec.count, 2);
    ck_assert_uint_eq(rec.n_data, 1);
    ck_assert_uint_eq(rec.pfns[0], 0x10);
    ck_assert_uint_eq(rec.types[0], XCS_PFINFO_XTAB);
    ck_assert_uint_eq(rec.pfns[1], 0x11);
    ck_assert_uint_eq(rec.types[1], XCS_PFINFO_NOTAB);
    ck_assert_int_eq(xcs_read_page(&r, got, &pfn, &err), 0);
    ck_assert_uint_eq(pfn, 0x11);
    ck_assert_int_eq(memcmp(got, page, PAGE), 0);

    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
    ck_assert_uint_eq(rec.type, XCS_REC_HVM_CONTEXT);
    ck_assert_uint_eq(rec.length, 5);
    ck_assert_int_eq(memcmp(rec.body, "abcde", 5), 0);

    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
    ck_assert_uint_eq(rec.type, XCS_REC_END);
    ck_assert_uint_eq(src.off, len);
    ck_assert_msg(err.code == 0, "%s", err.msg);
    xcs_reader_free(&r);
}
END_TEST

START_TEST(test_writer_matches_golden_bytes)
{
    static uint8_t expect[8192], page[PAGE];
    struct cvg_sink s;
    struct cvg_err err = { 0 };
    struct xcs_dhdr dh = { XCS_DOM_X86_HVM, 12, 4, 17 };
    struct cvg_hello hello = { 1, CVG_CAP_CAN_READ_ACKS | CVG_CAP_SWITCHOVER_ACK, 7, 0x40000 };
    struct xcs_page_scratch *scratch = malloc(sizeof(*scratch));
    uint64_t pfns[2] = { 0x10, 0x11 };
    uint32_t types[2] = { XCS_PFINFO_XTAB, XCS_PFINFO_NOTAB };
    const void *pages[2] = { NULL, page };
    size_t len;

    fill_page(page, 1);
    len = golden_stream(expect, page);
    cvg_sink_init_mem(&s);
    ck_assert_int_eq(xcs_write_ihdr(&s, XCS_VERSION, &err), 0);
    ck_assert_int_eq(xcs_write_dhdr(&s, &dh, &err), 0);
    ck_assert_int_eq(cvg_write_hello(&s, &hello, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_STATIC_DATA_END, &err), 0);
    ck_assert_int_eq(xcs_write_page_data(&s, scratch, 2, pfns, types, pages, &err), 0);
    ck_assert_int_eq(xcs_write_record_buf(&s, XCS_REC_HVM_CONTEXT, "abcde", 5, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_END, &err), 0);
    ck_assert_msg(err.code == 0, "%s", err.msg);
    ck_assert_uint_eq(s.len, len);
    ck_assert_int_eq(memcmp(s.buf, expect, len), 0);
    ck_assert_uint_eq(s.off, len);
    cvg_sink_free(&s);
    free(scratch);
}
END_TEST

/* ---- round trips --------------------------------------------------- */

struct collected {
    unsigned n;
    struct {
        uint32_t type, length;
        uint8_t body[6000];
        uint32_t count;
        uint64_t pfns[8];
        uint32_t types[8];
        uint8_t pages[4][PAGE];
        bool inferred, skipped;
    } rec[24];
};

static int collect(struct xcs_reader *r, const struct xcs_rec *rec, void *opaque,
                   struct cvg_err *err)
{
    struct collected *c = opaque;
    unsigned i = c->n++;

    ck_assert_uint_lt(i, 24);
    c->rec[i].type = rec->type;
    c->rec[i].length = rec->length;
    c->rec[i].inferred = rec->static_data_end_inferred;
    c->rec[i].skipped = rec->skipped;
    if (rec->body) {
        ck_assert_uint_le(rec->length, sizeof(c->rec[i].body));
        memcpy(c->rec[i].body, rec->body, rec->length);
    }
    if (rec->type == XCS_REC_PAGE_DATA) {
        ck_assert_uint_le(rec->count, 8);
        c->rec[i].count = rec->count;
        memcpy(c->rec[i].pfns, rec->pfns, 8 * rec->count);
        memcpy(c->rec[i].types, rec->types, 4 * rec->count);
        for (uint32_t p = 0; p < rec->n_data; p++) {
            int rc = xcs_read_page(r, c->rec[i].pages[p], NULL, err);

            if (rc)
                return rc;
        }
    }
    return 0;
}

static int read_mem(const uint8_t *buf, size_t len, const struct xcs_reader_cfg *cfg,
                    struct collected *c, struct cvg_err *err)
{
    struct cvg_src src;
    struct xcs_reader r;
    int rc;

    cvg_src_init_mem(&src, buf, len);
    rc = xcs_reader_init(&r, &src, cfg, err);
    if (!rc)
        rc = xcs_read_stream(&r, collect, c, err);
    xcs_reader_free(&r);
    return rc;
}

START_TEST(test_round_trip_hvm_records)
{
    static uint8_t pg[3][PAGE];
    static struct collected c;
    struct cvg_sink s;
    struct cvg_err err = { 0 };
    struct xcs_dhdr dh = { XCS_DOM_X86_HVM, 12, 4, 17 };
    struct xcs_page_scratch *scratch = malloc(sizeof(*scratch));
    struct xcs_cpuid_leaf leaves[3] = {
        { 0, 0xffffffffu, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69 },
        { 1, 0xffffffffu, 0x906ea, 0x800, 0xfffa3203, 0x178bfbff },
        { 7, 0, 0, 0x9c2, 0, 0 },
    };
    struct xcs_msr_entry msrs[2] = { { 0xce, 0, 1ull << 31 }, { 0x10a, 0, 0x2d } };
    struct xcs_tsc_info tsc = { 1, 2893000, 123456789012ull, 3 }, tsc2;
    struct xcs_hvm_param params[3] = { { 1, 0xfeffc }, { 2, 0xfeffd }, { 17, 4 } };
    uint64_t pfns[5] = { 0, 1, 2, 0xfeffe, 0x3ffff };
    uint32_t types[5] = { XCS_PFINFO_NOTAB, XCS_PFINFO_XTAB, XCS_PFINFO_NOTAB,
                          XCS_PFINFO_XALLOC, XCS_PFINFO_NOTAB };
    const void *pages[5] = { pg[0], NULL, pg[1], NULL, pg[2] };
    struct xcs_reader_cfg cfg = { .max_pfn = 0x100000 };
    struct cvg_stats st = { 2, 1ull << 33, 1ull << 28, 300ull << 20, 40, 280 };
    struct xcs_rec rec;
    struct xcs_policy pol;
    struct xcs_cpuid_leaf leaf;
    struct xcs_msr_entry me;
    struct xcs_hvm_params *hp = malloc(sizeof(*hp));
    struct cvg_msg msg;
    unsigned i = 0;

    for (int p = 0; p < 3; p++)
        fill_page(pg[p], 10 + p);
    cvg_sink_init_mem(&s);
    ck_assert_int_eq(xcs_write_ihdr(&s, 3, &err), 0);
    ck_assert_int_eq(xcs_write_dhdr(&s, &dh, &err), 0);
    ck_assert_int_eq(xcs_write_cpuid_policy(&s, leaves, 3, &err), 0);
    ck_assert_int_eq(xcs_write_msr_policy(&s, msrs, 2, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_STATIC_DATA_END, &err), 0);
    ck_assert_int_eq(xcs_write_page_data(&s, scratch, 5, pfns, types, pages, &err), 0);
    ck_assert_int_eq(cvg_write_stats(&s, &st, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_VERIFY, &err), 0);
    ck_assert_int_eq(xcs_write_tsc_info(&s, &tsc, &err), 0);
    ck_assert_int_eq(xcs_write_record_buf(&s, XCS_REC_HVM_CONTEXT, "context-blob!", 13, &err), 0);
    ck_assert_int_eq(xcs_write_hvm_params(&s, params, 3, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_END, &err), 0);
    ck_assert_msg(err.code == 0, "%s", err.msg);

    memset(&c, 0, sizeof(c));
    ck_assert_msg(read_mem(s.buf, s.len, &cfg, &c, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(c.n, 10);

    rec = (struct xcs_rec){ .type = c.rec[i].type, .length = c.rec[i].length,
                            .body = c.rec[i].body };
    ck_assert_int_eq(xcs_decode_cpuid_policy(&rec, &pol, &err), 0);
    ck_assert_uint_eq(pol.count, 3);
    for (uint32_t k = 0; k < 3; k++) {
        xcs_cpuid_leaf_at(&pol, k, &leaf);
        ck_assert_int_eq(memcmp(&leaf, &leaves[k], sizeof(leaf)), 0);
    }
    i++;
    rec = (struct xcs_rec){ .type = c.rec[i].type, .length = c.rec[i].length,
                            .body = c.rec[i].body };
    ck_assert_int_eq(xcs_decode_msr_policy(&rec, &pol, &err), 0);
    ck_assert_uint_eq(pol.count, 2);
    xcs_msr_entry_at(&pol, 1, &me);
    ck_assert_uint_eq(me.idx, 0x10a);
    ck_assert_uint_eq(me.val, 0x2d);
    i++;
    ck_assert_uint_eq(c.rec[i++].type, XCS_REC_STATIC_DATA_END);

    ck_assert_uint_eq(c.rec[i].type, XCS_REC_PAGE_DATA);
    ck_assert_uint_eq(c.rec[i].count, 5);
    ck_assert_int_eq(memcmp(c.rec[i].pfns, pfns, sizeof(pfns)), 0);
    ck_assert_int_eq(memcmp(c.rec[i].types, types, sizeof(types)), 0);
    for (int p = 0; p < 3; p++)
        ck_assert_int_eq(memcmp(c.rec[i].pages[p], pg[p], PAGE), 0);
    i++;

    rec = (struct xcs_rec){ .type = c.rec[i].type, .length = c.rec[i].length,
                            .body = c.rec[i].body };
    ck_assert_int_eq(cvg_decode(&rec, &msg, &err), 0);
    ck_assert_uint_eq(msg.u.stats.pass, st.pass);
    ck_assert_uint_eq(msg.u.stats.bytes_sent, st.bytes_sent);
    ck_assert_uint_eq(msg.u.stats.remaining, st.remaining);
    ck_assert_uint_eq(msg.u.stats.dirty_rate, st.dirty_rate);
    ck_assert_uint_eq(msg.u.stats.throttle_pct, st.throttle_pct);
    ck_assert_uint_eq(msg.u.stats.expected_downtime_ms, st.expected_downtime_ms);
    i++;
    ck_assert_uint_eq(c.rec[i++].type, XCS_REC_VERIFY);

    rec = (struct xcs_rec){ .type = c.rec[i].type, .length = c.rec[i].length,
                            .body = c.rec[i].body };
    ck_assert_int_eq(xcs_decode_tsc_info(&rec, &tsc2, &err), 0);
    ck_assert_uint_eq(tsc2.mode, tsc.mode);
    ck_assert_uint_eq(tsc2.khz, tsc.khz);
    ck_assert_uint_eq(tsc2.nsec, tsc.nsec);
    ck_assert_uint_eq(tsc2.incarnation, tsc.incarnation);
    i++;
    ck_assert_uint_eq(c.rec[i].type, XCS_REC_HVM_CONTEXT);
    ck_assert_uint_eq(c.rec[i].length, 13);
    ck_assert_int_eq(memcmp(c.rec[i].body, "context-blob!", 13), 0);
    i++;
    rec = (struct xcs_rec){ .type = c.rec[i].type, .length = c.rec[i].length,
                            .body = c.rec[i].body };
    ck_assert_int_eq(xcs_decode_hvm_params(&rec, hp, &err), 0);
    ck_assert_uint_eq(hp->count, 3);
    ck_assert_int_eq(memcmp(hp->param, params, sizeof(params)), 0);
    i++;
    ck_assert_uint_eq(c.rec[i].type, XCS_REC_END);
    ck_assert_msg(err.code == 0, "%s", err.msg);
    cvg_sink_free(&s);
    free(scratch);
    free(hp);
}
END_TEST

START_TEST(test_round_trip_pv_records)
{
    static uint8_t pg[4][PAGE], shinfo[PAGE], basic[XCS_VCPU_BASIC_64_SIZE];
    static struct collected c;
    struct cvg_sink s;
    struct cvg_err err = { 0 };
    struct xcs_dhdr dh = { XCS_DOM_X86_PV, 12, 4, 17 };
    struct xcs_page_scratch *scratch = malloc(sizeof(*scratch));
    struct xcs_pv_info info = { 8, 4 }, info2;
    /* 64-bit guest: 512 pfns per p2m frame; pfns 0-1023 need 2 frames. */
    uint64_t frames[2] = { 0x200, 0x201 };
    uint64_t pfns[6] = { 3, 4, 5, 6, 7, 8 };
    uint32_t types[6] = { XCS_PFINFO_L4TAB | XCS_PFINFO_LPINTAB, XCS_PFINFO_L3TAB,
                          XCS_PFINFO_L2TAB, XCS_PFINFO_L1TAB | XCS_PFINFO_LPINTAB,
                          XCS_PFINFO_BROKEN, XCS_PFINFO_XTAB };
    const void *pages[6] = { pg[0], pg[1], pg[2], pg[3], NULL, NULL };
    uint8_t ext[64], xsave[48], vmsrs[32];
    struct xcs_rec rec;
    struct xcs_p2m_frames p2m;
    struct xcs_vcpu vcpu;
    unsigned i;

    for (int p = 0; p < 4; p++)
        fill_page(pg[p], 20 + p);
    fill_page(shinfo, 30);
    memset(basic, 0xb5, sizeof(basic));
    memset(ext, 0xe1, sizeof(ext));
    memset(xsave, 0x5a, sizeof(xsave));
    memset(vmsrs, 0x3c, sizeof(vmsrs));

    cvg_sink_init_mem(&s);
    ck_assert_int_eq(xcs_write_ihdr(&s, 3, &err), 0);
    ck_assert_int_eq(xcs_write_dhdr(&s, &dh, &err), 0);
    ck_assert_int_eq(xcs_write_pv_info(&s, &info, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_STATIC_DATA_END, &err), 0);
    ck_assert_int_eq(xcs_write_p2m_frames(&s, 0, 1023, frames, 2, &err), 0);
    ck_assert_int_eq(xcs_write_page_data(&s, scratch, 6, pfns, types, pages, &err), 0);
    ck_assert_int_eq(xcs_write_record_buf(&s, XCS_REC_SHARED_INFO, shinfo, PAGE, &err), 0);
    ck_assert_int_eq(xcs_write_vcpu(&s, XCS_REC_X86_PV_VCPU_BASIC, 1, basic, sizeof(basic), &err), 0);
    ck_assert_int_eq(xcs_write_vcpu(&s, XCS_REC_X86_PV_VCPU_EXTENDED, 1, ext, sizeof(ext), &err), 0);
    ck_assert_int_eq(xcs_write_vcpu(&s, XCS_REC_X86_PV_VCPU_XSAVE, 1, xsave, sizeof(xsave), &err), 0);
    ck_assert_int_eq(xcs_write_vcpu(&s, XCS_REC_X86_PV_VCPU_MSRS, 1, vmsrs, sizeof(vmsrs), &err), 0);
    /* errata: a vCPU record with an empty blob is tolerated */
    ck_assert_int_eq(xcs_write_vcpu(&s, XCS_REC_X86_PV_VCPU_MSRS, 0, NULL, 0, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_END, &err), 0);
    ck_assert_msg(err.code == 0, "%s", err.msg);

    memset(&c, 0, sizeof(c));
    ck_assert_msg(read_mem(s.buf, s.len, NULL, &c, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(c.n, 11);

    rec = (struct xcs_rec){ .type = c.rec[0].type, .length = c.rec[0].length,
                            .body = c.rec[0].body };
    ck_assert_int_eq(xcs_decode_pv_info(&rec, &info2, &err), 0);
    ck_assert_uint_eq(info2.guest_width, 8);
    ck_assert_uint_eq(info2.pt_levels, 4);
    rec = (struct xcs_rec){ .type = c.rec[2].type, .length = c.rec[2].length,
                            .body = c.rec[2].body };
    ck_assert_int_eq(xcs_decode_p2m_frames(&rec, 8, &p2m, &err), 0);
    ck_assert_uint_eq(p2m.start_pfn, 0);
    ck_assert_uint_eq(p2m.end_pfn, 1023);
    ck_assert_uint_eq(p2m.nr_frames, 2);
    ck_assert_uint_eq(xcs_p2m_frame_at(&p2m, 1), 0x201);
    /* The same record from a 32-bit guest (1024 pfns a frame) is wrong. */
    ck_assert_int_eq(xcs_decode_p2m_frames(&rec, 4, &p2m, &err), -EINVAL);
    cvg_err_clear(&err);

    ck_assert_uint_eq(c.rec[3].count, 6);
    ck_assert_int_eq(memcmp(c.rec[3].types, types, sizeof(types)), 0);
    for (int p = 0; p < 4; p++)
        ck_assert_int_eq(memcmp(c.rec[3].pages[p], pg[p], PAGE), 0);
    ck_assert_int_eq(memcmp(c.rec[4].body, shinfo, PAGE), 0);
    for (i = 5; i <= 8; i++) {
        rec = (struct xcs_rec){ .type = c.rec[i].type, .length = c.rec[i].length,
                                .body = c.rec[i].body };
        ck_assert_int_eq(xcs_decode_vcpu(&rec, 8, &vcpu, &err), 0);
        ck_assert_uint_eq(vcpu.vcpu_id, 1);
    }
    ck_assert_uint_eq(vcpu.blob_len, sizeof(vmsrs));
    ck_assert_int_eq(memcmp(vcpu.blob, vmsrs, sizeof(vmsrs)), 0);
    rec = (struct xcs_rec){ .type = c.rec[5].type, .length = c.rec[5].length,
                            .body = c.rec[5].body };
    ck_assert_int_eq(xcs_decode_vcpu(&rec, 8, &vcpu, &err), 0);
    ck_assert_int_eq(memcmp(vcpu.blob, basic, sizeof(basic)), 0);
    rec = (struct xcs_rec){ .type = c.rec[9].type, .length = c.rec[9].length,
                            .body = c.rec[9].body };
    ck_assert_int_eq(xcs_decode_vcpu(&rec, 8, &vcpu, &err), 0);
    ck_assert_ptr_null(vcpu.blob);
    ck_assert_uint_eq(c.rec[10].type, XCS_REC_END);
    cvg_sink_free(&s);
    free(scratch);
}
END_TEST

START_TEST(test_round_trip_checkpoint_and_dirty_list)
{
    static struct collected c;
    struct cvg_sink s;
    struct cvg_err err = { 0 };
    struct xcs_dhdr dh = { XCS_DOM_X86_HVM, 12, 4, 17 };
    struct xcs_reader_cfg cfg = { .checkpointed = true };
    uint64_t dirty[3] = { 5, 0x1234, 0x3ffff };
    struct xcs_pfn_list list;
    struct xcs_rec rec;

    cvg_sink_init_mem(&s);
    ck_assert_int_eq(xcs_write_ihdr(&s, 3, &err), 0);
    ck_assert_int_eq(xcs_write_dhdr(&s, &dh, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_STATIC_DATA_END, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_CHECKPOINT, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_END, &err), 0);
    memset(&c, 0, sizeof(c));
    ck_assert_msg(read_mem(s.buf, s.len, &cfg, &c, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(c.rec[1].type, XCS_REC_CHECKPOINT);
    cvg_sink_free(&s);

    /* The COLO back-channel record: framing, then its decoder. */
    cvg_sink_init_mem(&s);
    ck_assert_int_eq(xcs_write_dirty_pfn_list(&s, dirty, 3, &err), 0);
    ck_assert_uint_eq(s.len, 8 + 24);
    ck_assert_uint_eq(cvg_get_le32(s.buf), XCS_REC_CHECKPOINT_DIRTY_PFN_LIST);
    ck_assert_uint_eq(cvg_get_le32(s.buf + 4), 24);
    rec = (struct xcs_rec){ .type = XCS_REC_CHECKPOINT_DIRTY_PFN_LIST,
                            .length = 24, .body = s.buf + 8 };
    ck_assert_int_eq(xcs_decode_dirty_pfn_list(&rec, 0x40000, &list, &err), 0);
    ck_assert_uint_eq(list.count, 3);
    ck_assert_uint_eq(xcs_pfn_list_at(&list, 2), 0x3ffff);
    ck_assert_int_eq(xcs_decode_dirty_pfn_list(&rec, 0x3ffff, &list, &err), -ERANGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "pfn 0x3ffff (index 2)"));
    cvg_sink_free(&s);
}
END_TEST

START_TEST(test_v2_stream_infers_static_data_end)
{
    static uint8_t pg[PAGE];
    static struct collected c;
    struct cvg_sink s;
    struct cvg_err err = { 0 };
    struct xcs_dhdr dh = { XCS_DOM_X86_HVM, 12, 4, 6 };
    struct xcs_page_scratch *scratch = malloc(sizeof(*scratch));
    uint64_t pfn = 7;
    uint32_t type = XCS_PFINFO_NOTAB;
    const void *pages[1] = { pg };
    struct xcs_tsc_info tsc = { 0 };

    cvg_sink_init_mem(&s);
    ck_assert_int_eq(xcs_write_ihdr(&s, 2, &err), 0);
    ck_assert_int_eq(xcs_write_dhdr(&s, &dh, &err), 0);
    ck_assert_int_eq(xcs_write_page_data(&s, scratch, 1, &pfn, &type, pages, &err), 0);
    ck_assert_int_eq(xcs_write_page_data(&s, scratch, 1, &pfn, &type, pages, &err), 0);
    ck_assert_int_eq(xcs_write_tsc_info(&s, &tsc, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_END, &err), 0);
    memset(&c, 0, sizeof(c));
    ck_assert_msg(read_mem(s.buf, s.len, NULL, &c, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(c.n, 4);
    /* Inferred once, at the first memory record, as the spec says. */
    ck_assert(c.rec[0].inferred);
    ck_assert(!c.rec[1].inferred);
    ck_assert(!c.rec[3].inferred);
    cvg_sink_free(&s);
    free(scratch);
}
END_TEST

START_TEST(test_page_data_writer_merges_adjacent_pages_and_checks)
{
    uint8_t *map = malloc(3 * PAGE);
    static uint8_t other[PAGE];
    static struct collected c;
    struct cvg_sink s;
    struct cvg_err err = { 0 };
    struct xcs_dhdr dh = { XCS_DOM_X86_HVM, 12, 4, 17 };
    struct xcs_page_scratch *scratch = malloc(sizeof(*scratch));
    uint64_t pfns[4] = { 100, 101, 102, 50 };
    uint32_t types[4] = { 0, 0, 0, 0 };
    const void *pages[4] = { map, map + PAGE, map + 2 * PAGE, other };

    for (int p = 0; p < 3; p++)
        fill_page(map + p * PAGE, 40 + p);
    fill_page(other, 50);
    cvg_sink_init_mem(&s);
    ck_assert_int_eq(xcs_write_ihdr(&s, 3, &err), 0);
    ck_assert_int_eq(xcs_write_dhdr(&s, &dh, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_STATIC_DATA_END, &err), 0);
    ck_assert_int_eq(xcs_write_page_data(&s, scratch, 4, pfns, types, pages, &err), 0);
    /* One iovec for the head and pfns, one for the run of 3, one for the last. */
    ck_assert_uint_eq(scratch->iov[1].iov_len, 3 * PAGE);
    ck_assert_ptr_eq(scratch->iov[2].iov_base, other);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_END, &err), 0);
    memset(&c, 0, sizeof(c));
    ck_assert_msg(read_mem(s.buf, s.len, NULL, &c, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(memcmp(c.rec[1].pages[2], map + 2 * PAGE, PAGE), 0);
    ck_assert_int_eq(memcmp(c.rec[1].pages[3], other, PAGE), 0);

    /* What the reader would refuse, the writer refuses too. */
    pfns[0] = 1ull << 52;
    ck_assert_int_eq(xcs_write_page_data(&s, scratch, 4, pfns, types, pages, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "PAGE_DATA"));
    cvg_err_clear(&err);
    pfns[0] = 100;
    types[1] = 5u << 28;
    ck_assert_int_eq(xcs_write_page_data(&s, scratch, 4, pfns, types, pages, &err), -EINVAL);
    cvg_err_clear(&err);
    types[1] = 0;
    pages[2] = NULL;
    ck_assert_int_eq(xcs_write_page_data(&s, scratch, 4, pfns, types, pages, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "no page given for pfn 0x66"));
    cvg_err_clear(&err);
    ck_assert_int_eq(xcs_write_page_data(&s, scratch, 1025, pfns, types, pages, &err), -EINVAL);
    cvg_sink_free(&s);
    free(scratch);
    free(map);
}
END_TEST

/* A full batch of 1024 scattered pages through a real fd (> IOV_MAX iovecs). */
START_TEST(test_full_batch_through_fd)
{
    FILE *f = tmpfile();
    int fd = fileno(f);
    uint8_t *mem = malloc((size_t)2 * XCS_MAX_BATCH * PAGE);
    static uint64_t pfns[XCS_MAX_BATCH];
    static uint32_t types[XCS_MAX_BATCH];
    static const void *pages[XCS_MAX_BATCH];
    struct xcs_page_scratch *scratch = malloc(sizeof(*scratch));
    struct xcs_dhdr dh = { XCS_DOM_X86_HVM, 12, 4, 17 };
    struct cvg_sink s;
    struct cvg_src src;
    struct xcs_reader r;
    struct xcs_rec rec;
    struct cvg_err err = { 0 };
    uint8_t page[PAGE];
    uint64_t pfn;

    for (uint32_t i = 0; i < XCS_MAX_BATCH; i++) {
        pfns[i] = 3 * (uint64_t)i;
        /* every other page: never adjacent, so 1025 iovecs */
        pages[i] = mem + (size_t)2 * i * PAGE;
        memset(mem + (size_t)2 * i * PAGE, (int)(i & 0xff), PAGE);
        cvg_put_le32(mem + (size_t)2 * i * PAGE, i);
    }
    cvg_sink_init_fd(&s, fd);
    ck_assert_int_eq(xcs_write_ihdr(&s, 3, &err), 0);
    ck_assert_int_eq(xcs_write_dhdr(&s, &dh, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_STATIC_DATA_END, &err), 0);
    ck_assert_int_eq(xcs_write_page_data(&s, scratch, XCS_MAX_BATCH, pfns, types,
                                         pages, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_END, &err), 0);
    ck_assert_msg(err.code == 0, "%s", err.msg);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);

    cvg_src_init_fd(&src, fd);
    ck_assert_int_eq(xcs_reader_init(&r, &src, NULL, &err), 0);
    ck_assert_int_eq(xcs_read_headers(&r, &err), 0);
    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
    ck_assert_uint_eq(rec.count, XCS_MAX_BATCH);
    ck_assert_uint_eq(rec.n_data, XCS_MAX_BATCH);
    for (uint32_t i = 0; i < XCS_MAX_BATCH; i++) {
        ck_assert_int_eq(xcs_read_page(&r, page, &pfn, &err), 0);
        ck_assert_uint_eq(pfn, 3 * (uint64_t)i);
        ck_assert_int_eq(memcmp(page, pages[i], PAGE), 0);
    }
    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
    ck_assert_uint_eq(rec.type, XCS_REC_END);
    ck_assert_msg(err.code == 0, "%s", err.msg);
    xcs_reader_free(&r);
    fclose(f);
    free(mem);
    free(scratch);
}
END_TEST

/* The restore path: a whole batch in one call, straight into scattered
 * destinations; mixing single-page and batch reads keeps the cursor. */
START_TEST(test_batch_read_into_scattered_pages)
{
    FILE *f = tmpfile();
    int fd = fileno(f);
    enum { N = 300 };
    static uint8_t src_pages[N][PAGE], dst_pages[N][2 * PAGE];
    static uint64_t pfns[N];
    static uint32_t types[N];
    static const void *pages[N];
    void *dsts[N];
    struct xcs_page_scratch *scratch = malloc(sizeof(*scratch));
    struct xcs_dhdr dh = { XCS_DOM_X86_HVM, 12, 4, 17 };
    struct cvg_sink s;
    struct cvg_src src;
    struct xcs_reader r;
    struct xcs_rec rec;
    struct cvg_err err = { 0 };
    uint64_t pfn;

    for (uint32_t i = 0; i < N; i++) {
        pfns[i] = 7 * (uint64_t)i;
        /* every fifth pfn is a hole: no data in the stream for it */
        types[i] = i % 5 == 4 ? XCS_PFINFO_XTAB : XCS_PFINFO_NOTAB;
        fill_page(src_pages[i], i);
        pages[i] = src_pages[i];
    }
    cvg_sink_init_fd(&s, fd);
    ck_assert_int_eq(xcs_write_ihdr(&s, 3, &err), 0);
    ck_assert_int_eq(xcs_write_dhdr(&s, &dh, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_STATIC_DATA_END, &err), 0);
    ck_assert_int_eq(xcs_write_page_data(&s, scratch, N, pfns, types, pages, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_END, &err), 0);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);

    cvg_src_init_fd(&src, fd);
    ck_assert_int_eq(xcs_reader_init(&r, &src, NULL, &err), 0);
    ck_assert_int_eq(xcs_read_headers(&r, &err), 0);
    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
    ck_assert_uint_eq(rec.n_data, N - N / 5);
    for (uint32_t i = 0; i < rec.n_data; i++)
        dsts[i] = dst_pages[i];
    /* one page alone, then the rest in one call */
    ck_assert_int_eq(xcs_read_page(&r, dsts[0], &pfn, &err), 0);
    ck_assert_uint_eq(pfn, 0);
    /* more than is left is refused and names the record */
    ck_assert_int_lt(xcs_read_pages(&r, dsts + 1, rec.n_data, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "PAGE_DATA"));
    xcs_reader_free(&r);

    /* again, properly */
    cvg_err_clear(&err);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    cvg_src_init_fd(&src, fd);
    ck_assert_int_eq(xcs_reader_init(&r, &src, NULL, &err), 0);
    ck_assert_int_eq(xcs_read_headers(&r, &err), 0);
    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
    ck_assert_int_eq(xcs_read_page(&r, dsts[0], &pfn, &err), 0);
    ck_assert_int_eq(xcs_read_pages(&r, dsts + 1, rec.n_data - 1, &err), 0);
    for (uint32_t i = 0, k = 0; i < N; i++) {
        if (types[i] == XCS_PFINFO_XTAB)
            continue;
        ck_assert_int_eq(memcmp(dst_pages[k], src_pages[i], PAGE), 0);
        k++;
    }
    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
    ck_assert_uint_eq(rec.type, XCS_REC_END);
    ck_assert_msg(err.code == 0, "%s", err.msg);
    xcs_reader_free(&r);
    fclose(f);
    free(scratch);
}
END_TEST

/*
 * A batch read lands each page where it was asked to, whatever the layout
 * of the destinations (runs of adjacent frames, frames apart, descending),
 * through the reader's 64-page buffer; over a pipe fed in odd-sized pieces
 * the reads stop inside pages.  Nothing between the destinations is
 * touched, and a stream cut short 904 bytes into the 302nd page (in the
 * middle of a buffer's worth) still delivers the 301 before it and names
 * the page.
 */
enum { RUN_N = 1024, RUN_SPAN = 2 * RUN_N + 8 };

static void run_dsts(uint8_t *area, void **dsts)
{
    uint32_t i = 0, at = 0;

    for (; i < 100; i++)                    /* one run of 100 */
        dsts[i] = area + (size_t)at++ * PAGE;
    for (; i < 100 + 63; i++, at += 2)      /* 63 frames apart */
        dsts[i] = area + (size_t)at * PAGE;
    for (; i < 100 + 63 + 200; i++)         /* a run across buffer fills */
        dsts[i] = area + (size_t)at++ * PAGE;
    at += 40;
    for (uint32_t k = 0; k < 40; k++, i++)  /* descending: never one run */
        dsts[i] = area + (size_t)(at - k) * PAGE;
    at += 2;
    for (; i < RUN_N; i++)
        dsts[i] = area + (size_t)at++ * PAGE;
    ck_assert_uint_le(at, RUN_SPAN);
}

static size_t run_stream(uint8_t *out, size_t cap, uint8_t (*pages)[PAGE])
{
    static uint64_t pfns[RUN_N];
    static uint32_t types[RUN_N];
    static const void *ptrs[RUN_N];
    struct xcs_page_scratch *scratch = malloc(sizeof(*scratch));
    struct xcs_dhdr dh = { XCS_DOM_X86_HVM, 12, 4, 17 };
    struct cvg_err err = { 0 };
    struct cvg_sink s;
    size_t len;

    for (uint32_t i = 0; i < RUN_N; i++) {
        pfns[i] = i;
        types[i] = XCS_PFINFO_NOTAB;
        fill_page(pages[i], 1000 + i);
        ptrs[i] = pages[i];
    }
    cvg_sink_init_mem(&s);
    ck_assert_int_eq(xcs_write_ihdr(&s, 3, &err), 0);
    ck_assert_int_eq(xcs_write_dhdr(&s, &dh, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_STATIC_DATA_END, &err), 0);
    ck_assert_int_eq(xcs_write_page_data(&s, scratch, RUN_N, pfns, types, ptrs, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_END, &err), 0);
    ck_assert_uint_le(s.len, cap);
    memcpy(out, s.buf, s.len);
    len = s.len;
    cvg_sink_free(&s);
    free(scratch);
    return len;
}

/* Feeds len bytes of buf into a pipe in 1000-byte writes from a child. */
static int feed_pipe(const uint8_t *buf, size_t len, pid_t *child)
{
    int p[2];

    ck_assert_int_eq(pipe(p), 0);
    *child = fork();
    ck_assert_int_ge(*child, 0);
    if (*child == 0) {
        close(p[0]);
        for (size_t off = 0; off < len;) {
            size_t n = len - off < 1000 ? len - off : 1000;
            ssize_t w = write(p[1], buf + off, n);

            if (w <= 0)
                _exit(1);
            off += (size_t)w;
        }
        _exit(0);
    }
    close(p[1]);
    return p[0];
}

START_TEST(test_batch_read_lands_every_page)
{
    /* Page-aligned as guest frames are: the streaming-store path runs. */
    static _Alignas(4096) uint8_t area[RUN_SPAN][PAGE];
    static uint8_t pages[RUN_N][PAGE], stream[RUN_N * PAGE + 16384];
    static void *dsts[RUN_N];
    static uint8_t used[RUN_SPAN];
    struct cvg_err err = { 0 };
    struct cvg_src src;
    struct xcs_reader r;
    struct xcs_rec rec;
    size_t len = run_stream(stream, sizeof(stream), pages);
    pid_t child;
    int fd, status, rc;

    run_dsts(&area[0][0], dsts);
    for (int cut = 0; cut < 2; cut++) {
        /* the second time the stream stops 5000 bytes after page 300 (0-based)
         * starts: 904 bytes into page 301, the 302nd */
        size_t feed = cut ? len - XCS_RHDR_SIZE - (size_t)(RUN_N - 300) * PAGE + 5000 : len;

        memset(area, 0, sizeof(area));
        cvg_err_clear(&err);
        fd = feed_pipe(stream, feed, &child);
        cvg_src_init_fd(&src, fd);
        ck_assert_int_eq(xcs_reader_init(&r, &src, NULL, &err), 0);
        ck_assert_int_eq(xcs_read_headers(&r, &err), 0);
        ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
        ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
        ck_assert_uint_eq(rec.type, XCS_REC_PAGE_DATA);
        ck_assert_uint_eq(rec.n_data, RUN_N);
        rc = xcs_read_pages(&r, dsts, RUN_N, &err);
        if (!cut) {
            ck_assert_msg(rc == 0, "%s", err.msg);
            ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
            ck_assert_uint_eq(rec.type, XCS_REC_END);
            memset(used, 0, sizeof(used));
            for (uint32_t i = 0; i < RUN_N; i++) {
                size_t at = (size_t)((uint8_t *)dsts[i] - &area[0][0]) / PAGE;

                ck_assert_msg(memcmp(area[at], pages[i], PAGE) == 0, "page %u", i);
                used[at] = 1;
            }
            for (size_t at = 0; at < RUN_SPAN; at++) {
                static const uint8_t zero[PAGE];

                if (!used[at])
                    ck_assert_msg(memcmp(area[at], zero, PAGE) == 0, "gap %zu", at);
            }
        } else {
            ck_assert_int_eq(rc, -EPIPE);
            ck_assert_msg(strstr(err.msg, "PAGE_DATA") && strstr(err.msg, "page 302 of 1024") &&
                          strstr(err.msg, "truncated"), "%s", err.msg);
            /* pages before the cut arrived whole */
            for (uint32_t i = 0; i < 301; i++) {
                size_t at = (size_t)((uint8_t *)dsts[i] - &area[0][0]) / PAGE;

                ck_assert_msg(memcmp(area[at], pages[i], PAGE) == 0, "page %u", i);
            }
        }
        xcs_reader_free(&r);
        close(fd);
        ck_assert_int_eq(waitpid(child, &status, 0), child);
    }
}
END_TEST

/* libxl reads the fd on after the libxc END: the reader must not read ahead. */
START_TEST(test_fd_reader_stops_exactly_after_end)
{
    static uint8_t stream[8192], page[PAGE], got[PAGE];
    static const char trailer[] = "libxl EMULATOR_CONTEXT follows";
    struct cvg_src src;
    struct xcs_reader r;
    struct xcs_rec rec;
    struct cvg_err err = { 0 };
    char rest[64];
    size_t len;
    int p[2];

    fill_page(page, 5);
    len = golden_stream(stream, page);
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(write(p[1], stream, len), (ssize_t)len);
    ck_assert_int_eq(write(p[1], trailer, sizeof(trailer)), (ssize_t)sizeof(trailer));
    close(p[1]);

    cvg_src_init_fd(&src, p[0]);
    ck_assert_int_eq(xcs_reader_init(&r, &src, NULL, &err), 0);
    ck_assert_int_eq(xcs_read_headers(&r, &err), 0);
    do {
        ck_assert_msg(xcs_read_record(&r, &rec, &err) == 0, "%s", err.msg);
        if (rec.type == XCS_REC_PAGE_DATA)
            ck_assert_int_eq(xcs_read_page(&r, got, NULL, &err), 0);
    } while (rec.type != XCS_REC_END);
    ck_assert_uint_eq(src.off, len);
    /* A further record is refused without touching the fd. */
    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "after END"));
    ck_assert_int_eq(read(p[0], rest, sizeof(rest)), (ssize_t)sizeof(trailer));
    ck_assert_str_eq(rest, trailer);
    xcs_reader_free(&r);
    close(p[0]);
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(xcs_rec_type_name(XCS_REC_END), "END");
    ck_assert_str_eq(xcs_rec_type_name(XCS_REC_PAGE_DATA), "PAGE_DATA");
    ck_assert_str_eq(xcs_rec_type_name(XCS_REC_X86_MSR_POLICY), "X86_MSR_POLICY");
    ck_assert_str_eq(xcs_rec_type_name(XCS_REC_STATIC_DATA_END), "STATIC_DATA_END");
    ck_assert_str_eq(xcs_rec_type_name(CVG_REC_SWITCHOVER_ACK), "CVG_SWITCHOVER_ACK");
    ck_assert_str_eq(xcs_rec_type_name(0x13), "unknown");
    ck_assert_str_eq(xcs_rec_type_name(0x80000013), "unknown optional");
    ck_assert_str_eq(xcs_rec_type_name(CVG_REC_BASE + 0x99), "unknown optional");
    for (uint32_t t = 0; t <= XCS_REC_X86_MSR_POLICY; t++)
        ck_assert_str_ne(xcs_rec_type_name(t), "unknown");
    ck_assert_str_eq(xcs_page_type_name(XCS_PFINFO_L2TAB | XCS_PFINFO_LPINTAB), "L2TAB_PIN");
    ck_assert_str_eq(xcs_page_type_name(XCS_PFINFO_XTAB), "XTAB");
    ck_assert_str_eq(xcs_page_type_name(6u << 28), "reserved");
    ck_assert(xcs_page_type_has_data(XCS_PFINFO_L4TAB | XCS_PFINFO_LPINTAB));
    ck_assert(!xcs_page_type_has_data(XCS_PFINFO_XALLOC));
    ck_assert(!xcs_page_type_has_data(XCS_PFINFO_BROKEN));
    ck_assert(!xcs_page_type_valid(XCS_PFINFO_LPINTAB));
    ck_assert_str_eq(xcs_dom_type_name(XCS_DOM_X86_PV), "x86 PV");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xc_stream");
    TCase *tc = tcase_create("codec");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_golden_stream_decodes);
    tcase_add_test(tc, test_writer_matches_golden_bytes);
    tcase_add_test(tc, test_round_trip_hvm_records);
    tcase_add_test(tc, test_round_trip_pv_records);
    tcase_add_test(tc, test_round_trip_checkpoint_and_dirty_list);
    tcase_add_test(tc, test_v2_stream_infers_static_data_end);
    tcase_add_test(tc, test_page_data_writer_merges_adjacent_pages_and_checks);
    tcase_add_test(tc, test_full_batch_through_fd);
    tcase_add_test(tc, test_batch_read_into_scattered_pages);
    tcase_add_test(tc, test_batch_read_lands_every_page);
    tcase_add_test(tc, test_fd_reader_stops_exactly_after_end);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
