/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dirty-limit owner's protocol (lib/owner_proto.h): golden bytes from
 * the layout in the header, round trips, and every malformed frame refused
 * with a message that says what was wrong.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "lib/owner_proto.h"

#define REQ_MAX (CVG_OWN_REQ_HDR + CVG_OWN_REQ_BODY_MAX)
#define REPLY_MAX (CVG_OWN_REPLY_HDR + CVG_OWN_REPLY_BODY_MAX)

START_TEST(test_set_request_golden_bytes)
{
    struct cvg_own_req q = { .op = CVG_OWN_SET, .vcpu = 3, .rate_mib_s = 100 };
    const uint8_t want[] = {
        'X', 'C', 'L', 'O', 1, 0, 1, 0, 12, 0, 0, 0,    /* magic, version 1, SET, 12 bytes */
        3, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0,           /* vcpu 3, 100 MiB/s, flags 0 */
    };
    uint8_t buf[REQ_MAX];
    struct cvg_own_req back;
    struct cvg_err err = { 0 };
    int n = cvg_own_req_encode(&q, buf, sizeof(buf), &err);

    ck_assert_int_eq(n, (int)sizeof(want));
    ck_assert_int_eq(memcmp(buf, want, sizeof(want)), 0);
    ck_assert_int_eq(cvg_own_req_decode(buf, (size_t)n, &back, &err), 0);
    ck_assert_int_eq(back.op, CVG_OWN_SET);
    ck_assert_uint_eq(back.vcpu, 3);
    ck_assert_uint_eq(back.rate_mib_s, 100);
}
END_TEST

START_TEST(test_every_request_round_trips)
{
    const struct cvg_own_req reqs[] = {
        { .op = CVG_OWN_SET, .vcpu = CVG_OWN_ALL, .rate_mib_s = CVG_OWN_MAX_RATE },
        { .op = CVG_OWN_CANCEL, .vcpu = 127 },
        { .op = CVG_OWN_LIST },
        { .op = CVG_OWN_MEASURE, .period_ms = 60000, .flags = CVG_OWN_MEASURE_NO_PROBE },
        { .op = CVG_OWN_HANDOVER, .pid = 4242 },
    };

    for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
        uint8_t buf[REQ_MAX];
        struct cvg_own_req back;
        struct cvg_err err = { 0 };
        int n = cvg_own_req_encode(&reqs[i], buf, sizeof(buf), &err);

        ck_assert_msg(n > 0, "%s: %s", cvg_own_op_name(reqs[i].op), err.msg);
        ck_assert_int_eq(cvg_own_req_decode(buf, (size_t)n, &back, &err), 0);
        ck_assert_int_eq(memcmp(&back, &reqs[i], sizeof(back)), 0);
        /* Every truncation is refused. */
        for (int cut = 0; cut < n; cut++)
            ck_assert_int_eq(cvg_own_req_decode(buf, (size_t)cut, &back, &err), -EPROTO);
    }
}
END_TEST

START_TEST(test_bad_requests_are_refused_with_a_reason)
{
    struct cvg_own_req q = { .op = CVG_OWN_SET, .vcpu = 1, .rate_mib_s = 10 };
    struct cvg_own_req back;
    uint8_t buf[REQ_MAX], bad[REQ_MAX];
    struct cvg_err err = { 0 };
    int n = cvg_own_req_encode(&q, buf, sizeof(buf), &err);

    /* Out-of-range values never leave the encoder. */
    q.rate_mib_s = 0;
    ck_assert_int_eq(cvg_own_req_encode(&q, buf + 0, sizeof(buf), &err), -EINVAL);
    q.rate_mib_s = 10;
    q.vcpu = 128;
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_own_req_encode(&q, bad, sizeof(bad), &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "vcpu 128"));

    /* Nor enter through the decoder. */
    memcpy(bad, buf, (size_t)n);
    cvg_put_le32(bad + CVG_OWN_REQ_HDR, 500);                  /* vcpu 500 */
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_own_req_decode(bad, (size_t)n, &back, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "vcpu 500"));
    memcpy(bad, buf, (size_t)n);
    cvg_put_le32(bad + CVG_OWN_REQ_HDR + 4, CVG_OWN_MAX_RATE + 1);
    ck_assert_int_eq(cvg_own_req_decode(bad, (size_t)n, &back, &err), -EPROTO);
    memcpy(bad, buf, (size_t)n);
    cvg_put_le32(bad + CVG_OWN_REQ_HDR + 8, 2);                /* unknown flag */
    ck_assert_int_eq(cvg_own_req_decode(bad, (size_t)n, &back, &err), -EPROTO);
    memcpy(bad, buf, (size_t)n);
    bad[0] = 'Y';
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_own_req_decode(bad, (size_t)n, &back, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "magic"));
    memcpy(bad, buf, (size_t)n);
    cvg_put_le16(bad + 4, 2);
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_own_req_decode(bad, (size_t)n, &back, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "version 2"));
    memcpy(bad, buf, (size_t)n);
    cvg_put_le16(bad + 6, 9);                                  /* op 9 */
    ck_assert_int_eq(cvg_own_req_decode(bad, (size_t)n, &back, &err), -EPROTO);
    memcpy(bad, buf, (size_t)n);
    cvg_put_le32(bad + 8, 4);                                  /* body shorter than SET's */
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_own_req_decode(bad, CVG_OWN_REQ_HDR + 4, &back, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "expected 12"));
    /* A header announcing more than any request holds is refused before
     * anything is read. */
    cvg_put_le32(bad + 8, 1u << 30);
    {
        uint16_t op;
        uint32_t len;

        ck_assert_int_eq(cvg_own_req_header(bad, &op, &len, &err), -EPROTO);
    }
    /* MEASURE bounds and a zero HANDOVER pid. */
    q = (struct cvg_own_req){ .op = CVG_OWN_MEASURE, .period_ms = 99 };
    ck_assert_int_eq(cvg_own_req_encode(&q, bad, sizeof(bad), &err), -EINVAL);
    q = (struct cvg_own_req){ .op = CVG_OWN_HANDOVER, .pid = 0 };
    ck_assert_int_eq(cvg_own_req_encode(&q, bad, sizeof(bad), &err), -EINVAL);
}
END_TEST

static struct cvg_own_reply *list_reply(uint32_t n)
{
    struct cvg_own_reply *r = calloc(1, sizeof(*r));

    r->op = CVG_OWN_LIST;
    r->owner_pid = 77;
    r->n = n;
    for (uint32_t i = 0; i < n; i++) {
        r->v[i].vcpu = i * 2;
        r->v[i].limit_mib_s = 100 + i;
        r->v[i].state = i % 3;
        r->v[i].flags = CVG_OWN_VCPU_LIMITED;
        r->v[i].rate_mib_s = 99.125 + i;
        r->v[i].confidence = 0.5;
        r->v[i].share = 0.25;
    }
    return r;
}

START_TEST(test_list_reply_round_trips)
{
    struct cvg_own_reply *r = list_reply(64), *back = calloc(1, sizeof(*back));
    uint8_t *buf = malloc(REPLY_MAX);
    struct cvg_err err = { 0 };
    int n = cvg_own_reply_encode(r, buf, REPLY_MAX, &err);

    ck_assert_int_eq(n, (int)(CVG_OWN_REPLY_HDR + 8 + 64 * CVG_OWN_LIST_ENTRY));
    ck_assert_int_eq(cvg_own_reply_decode(buf, (size_t)n, back, &err), 0);
    ck_assert_uint_eq(back->owner_pid, 77);
    ck_assert_uint_eq(back->n, 64);
    for (uint32_t i = 0; i < 64; i++) {
        ck_assert_uint_eq(back->v[i].vcpu, i * 2);
        ck_assert_uint_eq(back->v[i].limit_mib_s, 100 + i);
        ck_assert_uint_eq(back->v[i].state, i % 3);
        ck_assert_double_eq_tol(back->v[i].rate_mib_s, 99.125 + i, 1e-9);
        ck_assert_double_eq_tol(back->v[i].share, 0.25, 1e-9);
    }
    for (int cut = 0; cut < n; cut++)
        ck_assert_int_eq(cvg_own_reply_decode(buf, (size_t)cut, back, &err), -EPROTO);
    free(buf);
    free(back);
    free(r);
}
END_TEST

START_TEST(test_replies_are_checked)
{
    struct cvg_own_reply *r = list_reply(3), *back = calloc(1, sizeof(*back));
    uint8_t *buf = malloc(REPLY_MAX), *bad = malloc(REPLY_MAX);
    struct cvg_err err = { 0 };
    int n = cvg_own_reply_encode(r, buf, REPLY_MAX, &err);
    const size_t e0 = CVG_OWN_REPLY_HDR + 8;

    ck_assert_int_gt(n, 0);
    /* vCPU ids must increase: a repeated one is refused. */
    memcpy(bad, buf, (size_t)n);
    cvg_put_le32(bad + e0 + CVG_OWN_LIST_ENTRY, 0);
    ck_assert_int_eq(cvg_own_reply_decode(bad, (size_t)n, back, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "increasing"));
    /* A count that does not match the body. */
    memcpy(bad, buf, (size_t)n);
    cvg_put_le32(bad + CVG_OWN_REPLY_HDR + 4, 200);
    ck_assert_int_eq(cvg_own_reply_decode(bad, (size_t)n, back, &err), -EPROTO);
    /* An unknown state, a share above 1, a positive status. */
    memcpy(bad, buf, (size_t)n);
    cvg_put_le32(bad + e0 + 8, 7);
    ck_assert_int_eq(cvg_own_reply_decode(bad, (size_t)n, back, &err), -EPROTO);
    memcpy(bad, buf, (size_t)n);
    cvg_put_le32(bad + e0 + 28, 1000001);
    ck_assert_int_eq(cvg_own_reply_decode(bad, (size_t)n, back, &err), -EPROTO);
    memcpy(bad, buf, (size_t)n);
    cvg_put_le32(bad + 8, 5);
    ck_assert_int_eq(cvg_own_reply_decode(bad, (size_t)n, back, &err), -EPROTO);

    /* An error reply: its text comes back printable and bounded. */
    memset(r, 0, sizeof(*r));
    r->op = CVG_OWN_SET;
    r->status = -EBUSY;
    strcpy(r->text, "a migration runs");
    n = cvg_own_reply_encode(r, buf, REPLY_MAX, &err);
    buf[CVG_OWN_REPLY_HDR + 1] = '\n';
    ck_assert_int_eq(cvg_own_reply_decode(buf, (size_t)n, back, &err), 0);
    ck_assert_int_eq(back->status, -EBUSY);
    ck_assert_str_eq(back->text, "a?migration runs");
    free(bad);
    free(buf);
    free(back);
    free(r);
}
END_TEST

START_TEST(test_measure_reply_round_trips)
{
    struct cvg_own_reply *r = calloc(1, sizeof(*r)), *back = calloc(1, sizeof(*back));
    uint8_t *buf = malloc(REPLY_MAX);
    struct cvg_err err = { 0 };
    int n;

    r->op = CVG_OWN_MEASURE;
    r->period_ms = 2000;
    r->rate_mib_s = 412.5;
    r->confidence = 0.75;
    r->n = CVG_OWN_MAX_VCPUS;
    for (uint32_t i = 0; i < r->n; i++) {
        r->v[i].vcpu = i;
        r->v[i].flags = i & CVG_OWN_VCPU_FLAGS;
        r->v[i].rate_mib_s = i * 1.5;
        r->v[i].confidence = 1.0 / (i + 1);
        r->v[i].cpu = 0.5;
    }
    n = cvg_own_reply_encode(r, buf, REPLY_MAX, &err);
    ck_assert_int_eq(n, (int)(CVG_OWN_REPLY_HDR + 24 + 128 * CVG_OWN_MEAS_ENTRY));
    ck_assert_int_eq(cvg_own_reply_decode(buf, (size_t)n, back, &err), 0);
    ck_assert_uint_eq(back->period_ms, 2000);
    ck_assert_double_eq_tol(back->rate_mib_s, 412.5, 1e-9);
    ck_assert_double_eq_tol(back->confidence, 0.75, 1e-6);
    for (uint32_t i = 0; i < r->n; i++) {
        ck_assert_uint_eq(back->v[i].flags, i & CVG_OWN_VCPU_FLAGS);
        ck_assert_double_eq_tol(back->v[i].rate_mib_s, i * 1.5, 1e-3);
        ck_assert_double_eq_tol(back->v[i].confidence, 1.0 / (i + 1), 1e-6);
    }
    free(buf);
    free(back);
    free(r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("owner_proto");
    TCase *tc = tcase_create("codec");

    tcase_add_test(tc, test_set_request_golden_bytes);
    tcase_add_test(tc, test_every_request_round_trips);
    tcase_add_test(tc, test_bad_requests_are_refused_with_a_reason);
    tcase_add_test(tc, test_list_reply_round_trips);
    tcase_add_test(tc, test_replies_are_checked);
    tcase_add_test(tc, test_measure_reply_round_trips);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
