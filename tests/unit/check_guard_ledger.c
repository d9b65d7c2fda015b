/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guardian's channel codec and its ledger: golden frames, round trips,
 * truncation at every byte, refusals naming the offset, and the ledger's
 * rules (first record wins, release forgets, pauses count, nothing after
 * the hand-over).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "guardian/guard_msg.h"
#include "guardian/ledger.h"

static size_t enc(const struct cvg_guard_msg *m, uint8_t *buf)
{
    return cvg_guard_msg_encode(m, buf);
}

START_TEST(test_golden_budget_frame)
{
    struct cvg_guard_msg m = { .type = CVG_GMSG_BUDGET, .vcpu = 3, .a = 10000, .b = 2500 };
    static const uint8_t want[] = {
        0x02, 0x00, 0x0c, 0x00,                 /* BUDGET, 12 bytes */
        0x03, 0x00, 0x00, 0x00,                 /* vcpu 3 */
        0x10, 0x27, 0x00, 0x00,                 /* period 10000 us */
        0xc4, 0x09, 0x00, 0x00,                 /* budget 2500 us */
    };
    uint8_t buf[CVG_GUARD_FRAME_MAX];

    ck_assert_uint_eq(enc(&m, buf), sizeof(want));
    ck_assert_int_eq(memcmp(buf, want, sizeof(want)), 0);
}
END_TEST

START_TEST(test_round_trip_every_type)
{
    struct cvg_guard_msg in[] = {
        { .type = CVG_GMSG_CAP, .a = 150 },
        { .type = CVG_GMSG_BUDGET, .vcpu = 127, .a = 1000, .b = 10 },
        { .type = CVG_GMSG_AFFINITY, .vcpu = 5, .nwords = 2, .map = { 0x3, 0x8000000000000000ull } },
        { .type = CVG_GMSG_LOGDIRTY, .a = 1 },
        { .type = CVG_GMSG_PAUSE },
        { .type = CVG_GMSG_SUSPEND, .a = CVG_GUARD_BY_HELPER },
        { .type = CVG_GMSG_RELEASE, .a = CVG_GUARD_AFFINITY, .vcpu = 5 },
        { .type = CVG_GMSG_HANDED_OVER },
        { .type = CVG_GMSG_BYE },
        { .type = CVG_GMSG_READY, .a = 13, .text = "cannot open the hypervisor" },
        { .type = CVG_GMSG_RESTORED, .a = 4, .b = 1 },
    };

    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        uint8_t buf[CVG_GUARD_FRAME_MAX];
        struct cvg_guard_msg out;
        struct cvg_err err = { 0 };
        size_t n = enc(&in[i], buf), used = 0;

        ck_assert_int_eq(cvg_guard_msg_decode(buf, n, 0, &out, &used, &err), 0);
        ck_assert_uint_eq(used, n);
        ck_assert_int_eq(out.type, in[i].type);
        ck_assert_uint_eq(out.a, in[i].a);
        ck_assert_uint_eq(out.b, in[i].b);
        ck_assert_uint_eq(out.vcpu, in[i].vcpu);
        ck_assert_uint_eq(out.nwords, in[i].nwords);
        ck_assert_int_eq(memcmp(out.map, in[i].map, sizeof(out.map)), 0);
        ck_assert_str_eq(out.text, in[i].text);
        /* Every strict prefix asks for more, never decodes, never fails. */
        for (size_t k = 0; k < n; k++)
            ck_assert_int_eq(cvg_guard_msg_decode(buf, k, 0, &out, &used, &err), 1);
    }
}
END_TEST

START_TEST(test_refusals_name_type_and_offset)
{
    uint8_t buf[CVG_GUARD_FRAME_MAX];
    struct cvg_guard_msg m = { .type = CVG_GMSG_CAP, .a = 1 }, out;
    struct cvg_err err = { 0 };
    size_t used, n;

    /* Unknown type. */
    cvg_put_le16(buf, 99);
    cvg_put_le16(buf + 2, 0);
    ck_assert_int_eq(cvg_guard_msg_decode(buf, 4, 40, &out, &used, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown message type 99 at offset 40"));

    /* A CAP with a body of the wrong size. */
    cvg_err_clear(&err);
    n = enc(&m, buf);
    cvg_put_le16(buf + 2, 5);
    ck_assert_int_eq(cvg_guard_msg_decode(buf, n + 1, 8, &out, &used, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "CAP of 5 bytes at offset 8"));

    /* A budget for a vCPU beyond the limit. */
    cvg_err_clear(&err);
    m = (struct cvg_guard_msg){ .type = CVG_GMSG_BUDGET, .vcpu = CVG_GUARD_MAX_VCPUS };
    n = enc(&m, buf);
    ck_assert_int_eq(cvg_guard_msg_decode(buf, n, 0, &out, &used, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "vcpu 128"));

    /* AFFINITY whose word count disagrees with its length. */
    cvg_err_clear(&err);
    m = (struct cvg_guard_msg){ .type = CVG_GMSG_AFFINITY, .nwords = 2 };
    n = enc(&m, buf);
    cvg_put_le32(buf + 8, 3);
    ck_assert_int_eq(cvg_guard_msg_decode(buf, n, 0, &out, &used, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "says 3 words in 24 bytes"));

    /* AFFINITY longer than any cpumap we record. */
    cvg_err_clear(&err);
    cvg_put_le16(buf, CVG_GMSG_AFFINITY);
    cvg_put_le16(buf + 2, 8 + 8 * (CVG_GUARD_MAP_WORDS + 1));
    ck_assert_int_eq(cvg_guard_msg_decode(buf, 4, 0, &out, &used, &err), -EPROTO);

    /* log-dirty is on or off, nothing else. */
    cvg_err_clear(&err);
    m = (struct cvg_guard_msg){ .type = CVG_GMSG_LOGDIRTY, .a = 2 };
    n = enc(&m, buf);
    ck_assert_int_eq(cvg_guard_msg_decode(buf, n, 0, &out, &used, &err), -EPROTO);

    /* RELEASE of an item that does not exist. */
    cvg_err_clear(&err);
    m = (struct cvg_guard_msg){ .type = CVG_GMSG_RELEASE, .a = 42 };
    n = enc(&m, buf);
    ck_assert_int_eq(cvg_guard_msg_decode(buf, n, 0, &out, &used, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown item 42"));
}
END_TEST

START_TEST(test_ready_text_made_printable)
{
    uint8_t buf[CVG_GUARD_FRAME_MAX];
    struct cvg_guard_msg out;
    struct cvg_err err = { 0 };
    size_t used;

    cvg_put_le16(buf, CVG_GMSG_READY);
    cvg_put_le16(buf + 2, 7);
    cvg_put_le32(buf + 4, 5);
    memcpy(buf + 8, "a\nb", 3);
    ck_assert_int_eq(cvg_guard_msg_decode(buf, 11, 0, &out, &used, &err), 0);
    ck_assert_str_eq(out.text, "a?b");
}
END_TEST

static int apply(struct cvg_guard_ledger *l, struct cvg_guard_msg m)
{
    return cvg_guard_ledger_apply(l, &m, NULL);
}

START_TEST(test_ledger_first_record_wins_and_release_forgets)
{
    struct cvg_guard_ledger *l = malloc(sizeof(*l));

    cvg_guard_ledger_init(l, 7);
    ck_assert(!cvg_guard_ledger_dirty(l));
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_CAP, .a = 150 }), 0);
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_CAP, .a = 30 }), 0);
    ck_assert(l->cap_saved);
    ck_assert_uint_eq(l->cap, 150);
    ck_assert(cvg_guard_ledger_dirty(l));
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_RELEASE,
                                                      .a = CVG_GUARD_CAP }), 0);
    ck_assert(!l->cap_saved);
    ck_assert(!cvg_guard_ledger_dirty(l));
    /* After a release, the next record is the new original. */
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_CAP, .a = 150 }), 0);
    ck_assert_uint_eq(l->cap, 150);

    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_BUDGET, .vcpu = 1,
                                                      .a = 10000, .b = 7000 }), 0);
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_BUDGET, .vcpu = 1,
                                                      .a = 10000, .b = 100 }), 0);
    ck_assert_uint_eq(l->budget_us[1], 7000);
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_AFFINITY, .vcpu = 0,
                                                      .nwords = 1, .map = { 0x3 } }), 0);
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_AFFINITY, .vcpu = 0,
                                                      .nwords = 1, .map = { 0x1 } }), 0);
    ck_assert_uint_eq(l->affinity[0][0], 0x3);
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_LOGDIRTY, .a = 0 }), 0);
    ck_assert(l->logdirty_saved && !l->logdirty_was_on);
    free(l);
}
END_TEST

START_TEST(test_ledger_refuses_contradictions)
{
    struct cvg_guard_ledger *l = malloc(sizeof(*l));
    struct cvg_guard_msg m = { .type = CVG_GMSG_RELEASE, .a = CVG_GUARD_BUDGET, .vcpu = 2 };
    struct cvg_err err = { 0 };

    cvg_guard_ledger_init(l, 7);
    ck_assert_int_eq(cvg_guard_ledger_apply(l, &m, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "release of budget (vcpu 2) that was never recorded"));
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_RELEASE,
                                                      .a = CVG_GUARD_PAUSE }), -EINVAL);
    for (unsigned i = 0; i < CVG_GUARD_MAX_PAUSES; i++)
        ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_PAUSE }), 0);
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_PAUSE }), -EINVAL);
    ck_assert_uint_eq(l->pauses, CVG_GUARD_MAX_PAUSES);
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_RELEASE,
                                                      .a = CVG_GUARD_PAUSE }), 0);
    ck_assert_uint_eq(l->pauses, CVG_GUARD_MAX_PAUSES - 1);
    /* The hand-over ends the session; nothing may be recorded after it. */
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_HANDED_OVER }), 1);
    ck_assert(l->handed_over);
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_CAP, .a = 1 }), -EINVAL);
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_BYE }), 1);
    /* Guardian-to-helper messages are not for the ledger. */
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_READY }), -EINVAL);
    free(l);
}
END_TEST

START_TEST(test_ledger_suspend_keeps_first_owner)
{
    struct cvg_guard_ledger *l = malloc(sizeof(*l));

    cvg_guard_ledger_init(l, 7);
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_SUSPEND,
                                                      .a = CVG_GUARD_BY_LIBXL }), 0);
    ck_assert_int_eq(apply(l, (struct cvg_guard_msg){ .type = CVG_GMSG_SUSPEND,
                                                      .a = CVG_GUARD_BY_HELPER }), 0);
    ck_assert(l->suspended);
    ck_assert_int_eq(l->suspended_by, CVG_GUARD_BY_LIBXL);
    /* A suspend alone is not "dirty": who resumes it is decided apart. */
    ck_assert(!cvg_guard_ledger_dirty(l));
    free(l);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("guard_ledger");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_golden_budget_frame);
    tcase_add_test(tc, test_round_trip_every_type);
    tcase_add_test(tc, test_refusals_name_type_and_offset);
    tcase_add_test(tc, test_ready_text_made_printable);
    tcase_add_test(tc, test_ledger_first_record_wins_and_release_forgets);
    tcase_add_test(tc, test_ledger_refuses_contradictions);
    tcase_add_test(tc, test_ledger_suspend_keeps_first_owner);
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
