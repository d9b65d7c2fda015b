/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xen-converge's optional records: golden bytes typed in from the layout in
 * cvg_records.h, round trips, the forward-compatibility rule, and the
 * bounded back-channel reader.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "wire/cvg_records.h"
#include "wire/xc_stream.h"

/* SWITCHOVER_ACK: ready, 0x12345 pages applied, 800 MiB/s. */
static const uint8_t golden_swack[32] = {
    0x03, 0x00, 0xce, 0xf0, 0x18, 0x00, 0x00, 0x00,   /* type, length 24 */
    0x01, 0x00, 0x01, 0x00,                           /* version 1, READY */
    0x00, 0x00, 0x00, 0x00,                           /* reserved */
    0x45, 0x23, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,   /* pages_applied */
    0x00, 0x00, 0x00, 0x32, 0x00, 0x00, 0x00, 0x00,   /* 800 << 20 */
};

/* BYE, status -EIO (-5). */
static const uint8_t golden_bye[16] = {
    0x05, 0x00, 0xce, 0xf0, 0x08, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0xfb, 0xff, 0xff, 0xff,
};

/* HELLO_ACK: proto 1, caps STATS|SWITCHOVER_ACK, domid 12; no padding. */
static const uint8_t golden_hello_ack[24] = {
    0x02, 0x00, 0xce, 0xf0, 0x10, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x06, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00,
};

/* Field by field: the structs have padding holes memcmp would read. */
static void assert_hello_eq(const struct cvg_hello *a, const struct cvg_hello *b)
{
    ck_assert_uint_eq(a->proto, b->proto);
    ck_assert_uint_eq(a->caps, b->caps);
    ck_assert_uint_eq(a->domid, b->domid);
    ck_assert_uint_eq(a->nr_pfns, b->nr_pfns);
}

static void assert_stats_eq(const struct cvg_stats *a, const struct cvg_stats *b)
{
    ck_assert_uint_eq(a->pass, b->pass);
    ck_assert_uint_eq(a->bytes_sent, b->bytes_sent);
    ck_assert_uint_eq(a->remaining, b->remaining);
    ck_assert_uint_eq(a->dirty_rate, b->dirty_rate);
    ck_assert_uint_eq(a->throttle_pct, b->throttle_pct);
    ck_assert_uint_eq(a->expected_downtime_ms, b->expected_downtime_ms);
}

static struct xcs_rec body_rec(uint32_t type, const uint8_t *body, uint32_t len)
{
    return (struct xcs_rec){ .type = type, .length = len, .body = body, .offset = 96 };
}

START_TEST(test_golden_back_channel_records)
{
    struct cvg_sink s;
    struct cvg_src src;
    struct cvg_msg m;
    struct cvg_err err = { 0 };
    struct cvg_switchover_ack sw = { true, 0x12345, 800ull << 20 };
    struct cvg_bye bye = { -EIO };
    struct cvg_hello_ack ack = { 1, CVG_CAP_STATS | CVG_CAP_SWITCHOVER_ACK, 12 };

    cvg_sink_init_mem(&s);
    ck_assert_int_eq(cvg_write_hello_ack(&s, &ack, &err), 0);
    ck_assert_int_eq(cvg_write_switchover_ack(&s, &sw, &err), 0);
    ck_assert_int_eq(cvg_write_bye(&s, &bye, &err), 0);
    ck_assert_uint_eq(s.len, sizeof(golden_hello_ack) + sizeof(golden_swack) +
                      sizeof(golden_bye));
    ck_assert_int_eq(memcmp(s.buf, golden_hello_ack, 24), 0);
    ck_assert_int_eq(memcmp(s.buf + 24, golden_swack, 32), 0);
    ck_assert_int_eq(memcmp(s.buf + 56, golden_bye, 16), 0);
    cvg_sink_free(&s);

    cvg_src_init_mem(&src, golden_hello_ack, sizeof(golden_hello_ack));
    ck_assert_int_eq(cvg_read_back_record(&src, &m, &err), 0);
    ck_assert_uint_eq(m.type, CVG_REC_HELLO_ACK);
    ck_assert_uint_eq(m.u.hello_ack.proto, 1);
    ck_assert_uint_eq(m.u.hello_ack.caps, CVG_CAP_STATS | CVG_CAP_SWITCHOVER_ACK);
    ck_assert_uint_eq(m.u.hello_ack.domid, 12);

    cvg_src_init_mem(&src, golden_swack, sizeof(golden_swack));
    ck_assert_int_eq(cvg_read_back_record(&src, &m, &err), 0);
    ck_assert_uint_eq(m.type, CVG_REC_SWITCHOVER_ACK);
    ck_assert(m.u.swack.ready);
    ck_assert_uint_eq(m.u.swack.pages_applied, 0x12345);
    ck_assert_uint_eq(m.u.swack.apply_rate, 800ull << 20);

    cvg_src_init_mem(&src, golden_bye, sizeof(golden_bye));
    ck_assert_int_eq(cvg_read_back_record(&src, &m, &err), 0);
    ck_assert_uint_eq(m.type, CVG_REC_BYE);
    ck_assert_int_eq(m.u.bye.status, -EIO);
    ck_assert_msg(err.code == 0, "%s", err.msg);
}
END_TEST

START_TEST(test_round_trip_every_record)
{
    struct cvg_hello h = { 1, CVG_CAP_KNOWN, 42, 0x123456789ull };
    struct cvg_hello_ack a = { 1, CVG_CAP_CAN_READ_ACKS, 43 };
    struct cvg_switchover_ack w = { false, 77, 1ull << 40 };
    struct cvg_stats st = { 6, 1ull << 35, 1ull << 22, 3ull << 30, 100, 4000 };
    struct cvg_bye b = { 0 };
    struct cvg_sink s;
    struct cvg_src src;
    struct xcs_reader r;
    struct xcs_rec rec;
    struct cvg_msg m;
    struct cvg_err err = { 0 };
    struct xcs_dhdr dh = { XCS_DOM_X86_HVM, 12, 4, 17 };

    /* Stream records go through the libxc reader. */
    cvg_sink_init_mem(&s);
    ck_assert_int_eq(xcs_write_ihdr(&s, 3, &err), 0);
    ck_assert_int_eq(xcs_write_dhdr(&s, &dh, &err), 0);
    ck_assert_int_eq(cvg_write_hello(&s, &h, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_STATIC_DATA_END, &err), 0);
    ck_assert_int_eq(cvg_write_stats(&s, &st, &err), 0);
    ck_assert_int_eq(xcs_write_empty(&s, XCS_REC_END, &err), 0);
    cvg_src_init_mem(&src, s.buf, s.len);
    ck_assert_int_eq(xcs_reader_init(&r, &src, NULL, &err), 0);
    ck_assert_int_eq(xcs_read_headers(&r, &err), 0);
    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
    ck_assert_int_eq(cvg_decode(&rec, &m, &err), 0);
    ck_assert_uint_eq(m.type, CVG_REC_HELLO);
    ck_assert_uint_eq(m.offset, 40);
    assert_hello_eq(&m.u.hello, &h);
    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
    ck_assert_int_eq(xcs_read_record(&r, &rec, &err), 0);
    ck_assert_int_eq(cvg_decode(&rec, &m, &err), 0);
    ck_assert_uint_eq(m.type, CVG_REC_STATS);
    assert_stats_eq(&m.u.stats, &st);
    xcs_reader_free(&r);
    cvg_sink_free(&s);

    /* Back-channel records through the bounded reader. */
    cvg_sink_init_mem(&s);
    ck_assert_int_eq(cvg_write_hello_ack(&s, &a, &err), 0);
    ck_assert_int_eq(cvg_write_switchover_ack(&s, &w, &err), 0);
    ck_assert_int_eq(cvg_write_bye(&s, &b, &err), 0);
    cvg_src_init_mem(&src, s.buf, s.len);
    ck_assert_int_eq(cvg_read_back_record(&src, &m, &err), 0);
    ck_assert_uint_eq(m.u.hello_ack.proto, a.proto);
    ck_assert_uint_eq(m.u.hello_ack.caps, a.caps);
    ck_assert_uint_eq(m.u.hello_ack.domid, a.domid);
    ck_assert_int_eq(cvg_read_back_record(&src, &m, &err), 0);
    ck_assert(!m.u.swack.ready);
    ck_assert_uint_eq(m.u.swack.pages_applied, 77);
    ck_assert_uint_eq(m.u.swack.apply_rate, 1ull << 40);
    ck_assert_int_eq(cvg_read_back_record(&src, &m, &err), 0);
    ck_assert_uint_eq(m.type, CVG_REC_BYE);
    ck_assert_int_eq(m.u.bye.status, 0);
    ck_assert_uint_eq(src.off, s.len);
    ck_assert_msg(err.code == 0, "%s", err.msg);
    cvg_sink_free(&s);
}
END_TEST

START_TEST(test_forward_compatibility_rule)
{
    uint8_t b[64];
    struct xcs_rec rec;
    struct cvg_msg m;
    struct cvg_err err = { 0 };
    struct cvg_hello h = { 1, CVG_CAP_STATS, 9, 1000 };

    /* version 2, 8 more bytes, an unknown flag: the v1 fields are read */
    memset(b, 0xee, sizeof(b));
    cvg_encode_hello(&h, b);
    cvg_put_le16(b, 2);
    cvg_put_le16(b + 2, 0x8000);
    rec = body_rec(CVG_REC_HELLO, b, 32);
    ck_assert_int_eq(cvg_decode(&rec, &m, &err), 0);
    ck_assert_uint_eq(m.version, 2);
    ck_assert_uint_eq(m.u.hello.domid, 9);
    ck_assert_uint_eq(m.u.hello.nr_pfns, 1000);

    /* a newer version may not be shorter than v1 */
    rec = body_rec(CVG_REC_HELLO, b, 20);
    ck_assert_int_eq(cvg_decode(&rec, &m, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "CVG_HELLO (0xf0ce0001) at offset 96: "
                                 "length 20 (version 2), shorter than version 1's 24"));
    cvg_err_clear(&err);

    /* version 1 is exact: no extra bytes, no undefined flags */
    cvg_encode_hello(&h, b);
    rec = body_rec(CVG_REC_HELLO, b, 28);
    ck_assert_int_eq(cvg_decode(&rec, &m, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "length 28, version 1 is 24 bytes"));
    cvg_err_clear(&err);
    cvg_put_le16(b + 2, 4);
    rec = body_rec(CVG_REC_HELLO, b, 24);
    ck_assert_int_eq(cvg_decode(&rec, &m, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "undefined flag bits 0x4 set"));
    cvg_err_clear(&err);

    /* version 0 and bodies too short for the version word */
    cvg_put_le16(b, 0);
    rec = body_rec(CVG_REC_BYE, b, 8);
    ck_assert_int_eq(cvg_decode(&rec, &m, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "CVG_BYE (0xf0ce0005) at offset 96: version 0"));
    cvg_err_clear(&err);
    rec = body_rec(CVG_REC_BYE, b, 3);
    ck_assert_int_eq(cvg_decode(&rec, &m, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "too short"));
    cvg_err_clear(&err);

    /* reserved fields: zero in v1, ignored in later versions */
    {
        struct cvg_switchover_ack w = { true, 5, 6 };

        cvg_encode_switchover_ack(&w, b);
        cvg_put_le32(b + 4, 1);
        rec = body_rec(CVG_REC_SWITCHOVER_ACK, b, 24);
        ck_assert_int_eq(cvg_decode(&rec, &m, &err), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "CVG_SWITCHOVER_ACK (0xf0ce0003) at "
                                     "offset 96: reserved word not zero"));
        cvg_err_clear(&err);
        cvg_put_le16(b, 3);
        cvg_put_le16(b + 2, 0xff01);
        ck_assert_int_eq(cvg_decode(&rec, &m, &err), 0);
        ck_assert(m.u.swack.ready);
        ck_assert_uint_eq(m.u.swack.pages_applied, 5);
    }

    /* values a v1 peer cannot mean */
    {
        struct cvg_stats st = { 1, 2, 3, 4, 101, 5 };
        struct cvg_bye bye = { 7 };

        cvg_encode_stats(&st, b);
        rec = body_rec(CVG_REC_STATS, b, CVG_STATS_SIZE);
        ck_assert_int_eq(cvg_decode(&rec, &m, &err), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "throttle 101% over 100"));
        cvg_err_clear(&err);
        cvg_encode_bye(&bye, b);
        rec = body_rec(CVG_REC_BYE, b, CVG_BYE_SIZE);
        ck_assert_int_eq(cvg_decode(&rec, &m, &err), -EINVAL);
        cvg_err_clear(&err);
        ck_assert_int_eq(cvg_write_bye(NULL, &bye, &err), -EINVAL);
        cvg_err_clear(&err);
        ck_assert_int_eq(cvg_write_stats(NULL, &st, &err), -EINVAL);
        cvg_err_clear(&err);
    }

    /* an unknown type of our range is skipped like any optional record */
    rec = body_rec(CVG_REC_BASE + 0x40, b, 8);
    cvg_put_le16(b, 1);
    ck_assert_int_eq(cvg_decode(&rec, &m, &err), 0);
    ck_assert(m.unknown);
    rec = body_rec(0x80000001u, b, 8);
    ck_assert_int_eq(cvg_decode(&rec, &m, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "not a xen-converge record"));
}
END_TEST

START_TEST(test_back_channel_bounds)
{
    struct cvg_sink s;
    struct cvg_src src;
    struct cvg_msg m;
    struct cvg_err err = { 0 };
    uint8_t hdr[8];
    struct cvg_hello h = { 1, 0, 1, 1 };
    struct cvg_bye bye = { 0 };

    /* A body over 4 KiB is refused on its header: nothing more is read. */
    cvg_put_le32(hdr, CVG_REC_SWITCHOVER_ACK);
    cvg_put_le32(hdr + 4, CVG_REC_BODY_MAX + 1);
    cvg_src_init_mem(&src, hdr, sizeof(hdr));
    ck_assert_int_eq(cvg_read_back_record(&src, &m, &err), -E2BIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "CVG_SWITCHOVER_ACK (0xf0ce0003) at "
                                 "offset 0: length 4097 over the 4096-byte"));
    ck_assert_uint_eq(src.off, 8);
    cvg_err_clear(&err);

    /* A peer that promises 4 KiB and stops: truncation names the record. */
    {
        uint8_t msg[18] = { 0 };

        cvg_put_le32(msg, CVG_REC_BYE);
        cvg_put_le32(msg + 4, 4096);
        cvg_src_init_mem(&src, msg, sizeof(msg));
        ck_assert_int_eq(cvg_read_back_record(&src, &m, &err), -EPIPE);
        ck_assert_ptr_nonnull(strstr(err.msg, "CVG_BYE (0xf0ce0005) at offset 0"));
        ck_assert_ptr_nonnull(strstr(err.msg, "truncated"));
        cvg_err_clear(&err);
    }

    /* Mandatory records and stream-direction records are refused. */
    cvg_put_le32(hdr, XCS_REC_CHECKPOINT_DIRTY_PFN_LIST);
    cvg_put_le32(hdr + 4, 0);
    cvg_src_init_mem(&src, hdr, sizeof(hdr));
    ck_assert_int_eq(cvg_read_back_record(&src, &m, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "CHECKPOINT_DIRTY_PFN_LIST (0x0000000f) "
                                 "at offset 0: mandatory record"));
    cvg_err_clear(&err);
    cvg_sink_init_mem(&s);
    ck_assert_int_eq(cvg_write_hello(&s, &h, &err), 0);
    cvg_src_init_mem(&src, s.buf, s.len);
    ck_assert_int_eq(cvg_read_back_record(&src, &m, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "CVG_HELLO (0xf0ce0001) at offset 0: "
                                 "travels sender to receiver"));
    cvg_err_clear(&err);
    cvg_sink_free(&s);

    /* Unknown optional records are skipped; bad padding is not. */
    cvg_sink_init_mem(&s);
    ck_assert_int_eq(xcs_write_record_buf(&s, 0x80000042u, "hi", 2, &err), 0);
    ck_assert_int_eq(xcs_write_record_buf(&s, CVG_REC_BASE + 0x77, "later", 5, &err), 0);
    ck_assert_int_eq(cvg_write_bye(&s, &bye, &err), 0);
    cvg_src_init_mem(&src, s.buf, s.len);
    ck_assert_int_eq(cvg_read_back_record(&src, &m, &err), 0);
    ck_assert(m.unknown);
    ck_assert_uint_eq(m.type, 0x80000042u);
    ck_assert_int_eq(cvg_read_back_record(&src, &m, &err), 0);
    ck_assert(m.unknown);
    ck_assert_uint_eq(m.offset, 16);
    ck_assert_int_eq(cvg_read_back_record(&src, &m, &err), 0);
    ck_assert_uint_eq(m.type, CVG_REC_BYE);
    ck_assert_uint_eq(m.offset, 32);
    s.buf[8 + 2 + 3] = 9;       /* a padding byte of the first record */
    cvg_src_init_mem(&src, s.buf, s.len);
    ck_assert_int_eq(cvg_read_back_record(&src, &m, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "padding byte 3 is 0x09"));
    cvg_sink_free(&s);
}
END_TEST

/* The sender drains the back channel through BYE and no further. */
START_TEST(test_back_channel_over_a_pipe)
{
    struct cvg_sink s;
    struct cvg_src src;
    struct cvg_msg m;
    struct cvg_err err = { 0 };
    struct cvg_hello_ack a = { 1, cvg_caps_agree(CVG_CAP_KNOWN | (1u << 9),
                                                 CVG_CAP_CAN_READ_ACKS | CVG_CAP_SWITCHOVER_ACK), 5 };
    struct cvg_switchover_ack w = { true, 100, 200 };
    struct cvg_bye b = { 0 };
    static const char after[] = "domain received, ready to unpause";
    char rest[64];
    int p[2];

    ck_assert_uint_eq(a.caps, CVG_CAP_CAN_READ_ACKS | CVG_CAP_SWITCHOVER_ACK);
    ck_assert_int_eq(pipe(p), 0);
    cvg_sink_init_fd(&s, p[1]);
    ck_assert_int_eq(cvg_write_hello_ack(&s, &a, &err), 0);
    ck_assert_int_eq(cvg_write_switchover_ack(&s, &w, &err), 0);
    ck_assert_int_eq(cvg_write_bye(&s, &b, &err), 0);
    ck_assert_int_eq(write(p[1], after, sizeof(after)), (ssize_t)sizeof(after));
    close(p[1]);
    cvg_src_init_fd(&src, p[0]);
    do {
        ck_assert_msg(cvg_read_back_record(&src, &m, &err) == 0, "%s", err.msg);
    } while (m.type != CVG_REC_BYE);
    ck_assert_int_eq(read(p[0], rest, sizeof(rest)), (ssize_t)sizeof(after));
    ck_assert_str_eq(rest, after);
    close(p[0]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cvg_records");
    TCase *tc = tcase_create("records");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_golden_back_channel_records);
    tcase_add_test(tc, test_round_trip_every_record);
    tcase_add_test(tc, test_forward_compatibility_rule);
    tcase_add_test(tc, test_back_channel_bounds);
    tcase_add_test(tc, test_back_channel_over_a_pipe);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
