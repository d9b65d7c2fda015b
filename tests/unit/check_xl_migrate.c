/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl migrate's handshake strings: their exact bytes (from tools/xl/xl.h and
 * xl_migrate.c: the banner without NUL, the others with it), and that the
 * readers fail at the first wrong byte without waiting or reading on.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/io.h"
#include "wire/cvg_records.h"
#include "wire/xl_migrate.h"

static const char banner[54] = "xl migration receiver ready, send binary domain data.\n";
static const char ready[34] = "domain received, ready to unpause";          /* + NUL */
static const char go[44] = "domain is yours, you are cleared to unpause"; /* + NUL */
static const char report[40] = "my copy unpause results are as follows\0\3"; /* + status 3 */

static void sent_bytes(enum cvg_xlm_msg m, const void *want, size_t len)
{
    struct cvg_sink sink;
    struct cvg_err err = { 0 };

    cvg_sink_init_mem(&sink);
    ck_assert_int_eq(cvg_xlm_send(&sink, m, &err), 0);
    ck_assert_uint_eq(sink.len, len);
    ck_assert_mem_eq(sink.buf, want, len);
    cvg_sink_free(&sink);
}

START_TEST(test_exact_bytes)
{
    ck_assert_uint_eq(cvg_xlm_len(CVG_XLM_MSG_BANNER), 54);
    ck_assert_uint_eq(cvg_xlm_len(CVG_XLM_MSG_READY), 34);
    ck_assert_uint_eq(cvg_xlm_len(CVG_XLM_MSG_GO), 44);
    ck_assert_uint_eq(cvg_xlm_len(CVG_XLM_MSG_REPORT), 39);
    sent_bytes(CVG_XLM_MSG_BANNER, banner, 54);
    ck_assert_int_eq(banner[53], '\n');
    sent_bytes(CVG_XLM_MSG_READY, ready, 34);
    ck_assert_int_eq(ready[33], '\0');
    sent_bytes(CVG_XLM_MSG_GO, go, 44);
    ck_assert_int_eq(go[43], '\0');
}
END_TEST

START_TEST(test_report_with_status)
{
    struct cvg_sink sink;
    struct cvg_src src;
    struct cvg_err err = { 0 };
    uint8_t status = 0;

    cvg_sink_init_mem(&sink);
    ck_assert_int_eq(cvg_xlm_send_report(&sink, 3, &err), 0);
    ck_assert_uint_eq(sink.len, 40);
    ck_assert_mem_eq(sink.buf, report, 40);
    cvg_src_init_mem(&src, sink.buf, sink.len);
    ck_assert_int_eq(cvg_xlm_read_report(&src, &status, &err), 0);
    ck_assert_uint_eq(status, 3);
    /* the status byte missing */
    cvg_src_init_mem(&src, sink.buf, 39);
    ck_assert_int_eq(cvg_xlm_read_report(&src, &status, &err), -EPIPE);
    ck_assert_ptr_nonnull(strstr(err.msg, "status byte"));
    cvg_sink_free(&sink);
}
END_TEST

/* The whole handshake over two pipes, both ends ours, in xl's order. */
START_TEST(test_handshake_round_trip_on_pipes)
{
    int s2r[2], r2s[2];
    struct cvg_sink s_out, r_out;
    struct cvg_src s_in, r_in;
    struct cvg_err err = { 0 };
    uint8_t status = 9;
    char extra[8];

    ck_assert_int_eq(pipe(s2r), 0);
    ck_assert_int_eq(pipe(r2s), 0);
    cvg_sink_init_fd(&s_out, s2r[1]);
    cvg_sink_init_fd(&r_out, r2s[1]);
    cvg_src_init_fd(&s_in, r2s[0]);
    cvg_src_init_fd(&r_in, s2r[0]);

    ck_assert_int_eq(cvg_xlm_send(&r_out, CVG_XLM_MSG_BANNER, &err), 0);
    ck_assert_int_eq(cvg_xlm_expect(&s_in, CVG_XLM_MSG_BANNER, &err), 0);
    ck_assert_int_eq(cvg_xlm_send(&r_out, CVG_XLM_MSG_READY, &err), 0);
    ck_assert_int_eq(cvg_xlm_expect(&s_in, CVG_XLM_MSG_READY, &err), 0);
    ck_assert_int_eq(cvg_xlm_send(&s_out, CVG_XLM_MSG_GO, &err), 0);
    ck_assert_int_eq(cvg_xlm_expect(&r_in, CVG_XLM_MSG_GO, &err), 0);
    ck_assert_int_eq(cvg_xlm_send_report(&r_out, 0, &err), 0);
    /* bytes after the report stay for whoever reads next */
    ck_assert_int_eq(write(r2s[1], "tail", 4), 4);
    ck_assert_int_eq(cvg_xlm_read_report(&s_in, &status, &err), 0);
    ck_assert_uint_eq(status, 0);
    ck_assert_uint_eq(s_in.off, 54 + 34 + 40);
    ck_assert_int_eq(read(r2s[0], extra, sizeof(extra)), 4);
    ck_assert_mem_eq(extra, "tail", 4);
    close(s2r[0]);
    close(s2r[1]);
    close(r2s[0]);
    close(r2s[1]);
}
END_TEST

/*
 * A peer that says something else is caught at the first wrong byte, even
 * though it keeps the pipe open and will never send the rest.
 */
START_TEST(test_wrong_bytes_fail_at_once)
{
    struct cvg_src src;
    struct cvg_err err = { 0 };
    int p[2];

    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(write(p[1], "bash: xl: command not found\n", 28), 28);
    cvg_src_init_fd(&src, p[0]);
    ck_assert_int_eq(cvg_xlm_expect(&src, CVG_XLM_MSG_BANNER, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "unexpected data from the migration peer at offset 0"));
    ck_assert_ptr_nonnull(strstr(err.msg, "byte 0 of the banner is 0x62, expected 0x78"));
    ck_assert_uint_eq(src.off, 1);
    close(p[0]);
    close(p[1]);
}
END_TEST

START_TEST(test_differs_late_and_truncated)
{
    char almost[34];
    struct cvg_src src;
    struct cvg_err err = { 0 };

    memcpy(almost, ready, 34);
    almost[33] = '\n';              /* xl sends the NUL */
    cvg_src_init_mem(&src, almost, 34);
    ck_assert_int_eq(cvg_xlm_expect(&src, CVG_XLM_MSG_READY, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "offset 33: byte 33 of the ready message is 0x0a, "
                                          "expected 0x00"));

    cvg_err_clear(&err);
    cvg_src_init_mem(&src, go, 10);
    ck_assert_int_eq(cvg_xlm_expect(&src, CVG_XLM_MSG_GO, &err), -EPIPE);
    ck_assert_ptr_nonnull(strstr(err.msg, "closed the stream 10 bytes into the GO message"));

    cvg_err_clear(&err);
    cvg_src_init_mem(&src, go, 44);
    ck_assert_int_eq(cvg_xlm_expect(&src, (enum cvg_xlm_msg)7, &err), -EINVAL);
}
END_TEST

/* Real back-channel records, as a destination helper writes them. */
static void hello_ack(struct cvg_sink *k)
{
    const struct cvg_hello_ack a = { .proto = 1, .caps = 7, .domid = 12 };
    struct cvg_err err = { 0 };

    ck_assert_int_eq(cvg_write_hello_ack(k, &a, &err), 0);
}

static void swack(struct cvg_sink *k)
{
    const struct cvg_switchover_ack a = { .ready = true, .pages_applied = 9, .apply_rate = 1 };
    struct cvg_err err = { 0 };

    ck_assert_int_eq(cvg_write_switchover_ack(k, &a, &err), 0);
}

static void bye(struct cvg_sink *k)
{
    const struct cvg_bye b = { 0 };
    struct cvg_err err = { 0 };

    ck_assert_int_eq(cvg_write_bye(k, &b, &err), 0);
}

static void text(struct cvg_sink *k, const void *p, size_t n)
{
    struct cvg_err err = { 0 };

    ck_assert_int_eq(cvg_sink_write(k, p, n, &err), 0);
}

START_TEST(test_late_backchannel_records_are_skipped)
{
    /* Seen in the lab: the destination helper's HELLO_ACK came after the
     * save helper's HELLO deadline and sat in front of xl's message. */
    struct cvg_sink k;
    struct cvg_src src;
    struct cvg_err err = { 0 };
    unsigned skipped = 99;
    size_t n;

    cvg_sink_init_mem(&k);
    hello_ack(&k);
    swack(&k);
    bye(&k);
    text(&k, ready, 34);
    n = k.len;
    text(&k, "tail", 4);
    cvg_src_init_mem(&src, k.buf, k.len);
    ck_assert_msg(cvg_xlm_expect_skipping(&src, CVG_XLM_MSG_READY, &skipped, &err) == 0,
                  "%s", err.msg);
    ck_assert_uint_eq(skipped, 3);
    ck_assert_uint_eq(src.off, n);         /* nothing read past the message */
    cvg_sink_free(&k);

    /* none at all: as cvg_xlm_expect */
    cvg_src_init_mem(&src, ready, 34);
    ck_assert_int_eq(cvg_xlm_expect_skipping(&src, CVG_XLM_MSG_READY, &skipped, &err), 0);
    ck_assert_uint_eq(skipped, 0);
}
END_TEST

START_TEST(test_skipping_refuses_anything_else)
{
    struct cvg_sink k;
    struct cvg_src src;
    struct cvg_err err = { 0 };
    uint8_t h[8];

    /* a record outside our family: refused, named as the message's byte */
    cvg_put_le32(h, 0x00000001u);
    cvg_put_le32(h + 4, 0);
    cvg_src_init_mem(&src, h, 8);
    ck_assert_int_eq(cvg_xlm_expect_skipping(&src, CVG_XLM_MSG_READY, NULL, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "offset 0: byte 0 of the ready message is 0x01"));

    /* text that is not the message: refused at its first byte, as before */
    cvg_err_clear(&err);
    cvg_src_init_mem(&src, "bash: xl: command not found\n", 28);
    ck_assert_int_eq(cvg_xlm_expect_skipping(&src, CVG_XLM_MSG_READY, NULL, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "offset 0: byte 0 of the ready message is 0x62"));
    ck_assert_uint_eq(src.off, 1);

    /* a body longer than any record of ours may have: refused on the header */
    cvg_err_clear(&err);
    cvg_put_le32(h, CVG_REC_HELLO_ACK);
    cvg_put_le32(h + 4, CVG_REC_BODY_MAX + 1);
    cvg_src_init_mem(&src, h, 8);
    ck_assert_int_ne(cvg_xlm_expect_skipping(&src, CVG_XLM_MSG_READY, NULL, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "length 4097 over the 4096-byte back-channel limit"));
    ck_assert_ptr_nonnull(strstr(err.msg, "before the ready message"));
    ck_assert_uint_eq(src.off, 8);

    /* more records than a helper ever sends */
    cvg_err_clear(&err);
    cvg_sink_init_mem(&k);
    for (unsigned i = 0; i <= CVG_XLM_SKIP_MAX; i++)
        bye(&k);
    text(&k, ready, 34);
    cvg_src_init_mem(&src, k.buf, k.len);
    ck_assert_int_eq(cvg_xlm_expect_skipping(&src, CVG_XLM_MSG_READY, NULL, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "more than 16 records of ours before the ready message"));
    cvg_sink_free(&k);

    /* cut in a record's body */
    cvg_err_clear(&err);
    cvg_sink_init_mem(&k);
    swack(&k);
    cvg_src_init_mem(&src, k.buf, k.len - 5);
    ck_assert_int_eq(cvg_xlm_expect_skipping(&src, CVG_XLM_MSG_READY, NULL, &err), -EPIPE);
    ck_assert_ptr_nonnull(strstr(err.msg, "before the ready message"));
    cvg_sink_free(&k);

    /* a record of ours that is not valid (HELLO belongs in the stream) */
    cvg_err_clear(&err);
    cvg_sink_init_mem(&k);
    {
        const struct cvg_hello hl = { 0 };

        ck_assert_int_eq(cvg_write_hello(&k, &hl, &err), 0);
    }
    text(&k, ready, 34);
    cvg_src_init_mem(&src, k.buf, k.len);
    ck_assert_int_eq(cvg_xlm_expect_skipping(&src, CVG_XLM_MSG_READY, NULL, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "not on the back channel"));
    cvg_sink_free(&k);

    /* the message itself wrong after a good record */
    cvg_err_clear(&err);
    cvg_sink_init_mem(&k);
    hello_ack(&k);
    text(&k, "domain received, ready to unpausE", 34);
    cvg_src_init_mem(&src, k.buf, k.len);
    ck_assert_int_eq(cvg_xlm_expect_skipping(&src, CVG_XLM_MSG_READY, NULL, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "byte 32 of the ready message is 0x45"));
    cvg_sink_free(&k);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xl_migrate");
    TCase *tc = tcase_create("handshake");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_exact_bytes);
    tcase_add_test(tc, test_report_with_status);
    tcase_add_test(tc, test_handshake_round_trip_on_pipes);
    tcase_add_test(tc, test_wrong_bytes_fail_at_once);
    tcase_add_test(tc, test_differs_late_and_truncated);
    tcase_add_test(tc, test_late_backchannel_records_are_skipped);
    tcase_add_test(tc, test_skipping_refuses_anything_else);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
