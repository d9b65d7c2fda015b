/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Page pickers of the workload patterns: in range, deterministic, shaped as named. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sim/pattern.h"

static struct cvg_workload wl(enum cvg_pattern p, uint32_t first, uint32_t last)
{
    return (struct cvg_workload){ .vcpu_first = first, .vcpu_last = last, .pattern = p,
                                  .rate_mib_s = 100 };
}

START_TEST(test_every_pattern_stays_in_memory)
{
    static const uint64_t sizes[] = { 1, 2, 63, 64, 65, 4096, 262144 };
    enum cvg_pattern pats[] = { CVG_PATTERN_UNIFORM, CVG_PATTERN_HOTCOLD,
                                CVG_PATTERN_SEQUENTIAL, CVG_PATTERN_ZIPF, CVG_PATTERN_READ };

    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
        for (size_t p = 0; p < sizeof(pats) / sizeof(pats[0]); p++) {
            struct cvg_workload w = wl(pats[p], 0, 3);
            struct cvg_sim_picker pk;

            w.hot_pct = 5;
            w.hot_share_pct = 90;
            cvg_sim_picker_init(&pk, &w, sizes[s], 7, 2);
            for (int i = 0; i < 20000; i++)
                ck_assert_uint_lt(cvg_sim_picker_next(&pk), sizes[s]);
        }
}
END_TEST

START_TEST(test_picks_are_deterministic_per_seed_and_vcpu)
{
    struct cvg_workload w = wl(CVG_PATTERN_UNIFORM, 0, 1);
    struct cvg_sim_picker a, b, c;
    int same_vcpu = 0, other_vcpu = 0;

    cvg_sim_picker_init(&a, &w, 1 << 20, 42, 0);
    cvg_sim_picker_init(&b, &w, 1 << 20, 42, 0);
    cvg_sim_picker_init(&c, &w, 1 << 20, 42, 1);
    for (int i = 0; i < 1000; i++) {
        uint64_t x = cvg_sim_picker_next(&a);

        same_vcpu += x == cvg_sim_picker_next(&b);
        other_vcpu += x == cvg_sim_picker_next(&c);
    }
    ck_assert_int_eq(same_vcpu, 1000);
    ck_assert_int_lt(other_vcpu, 5);
}
END_TEST

START_TEST(test_uniform_spreads_evenly)
{
    struct cvg_workload w = wl(CVG_PATTERN_UNIFORM, 0, 0);
    struct cvg_sim_picker pk;
    unsigned bucket[16] = { 0 };
    const uint64_t n = 1600;

    cvg_sim_picker_init(&pk, &w, n, 3, 0);
    for (int i = 0; i < 160000; i++)
        bucket[cvg_sim_picker_next(&pk) / 100]++;
    for (int i = 0; i < 16; i++)
        ck_assert_msg(bucket[i] > 9000 && bucket[i] < 11000, "bucket %d holds %u", i, bucket[i]);
}
END_TEST

START_TEST(test_hotcold_sends_hot_share_to_hot_pct)
{
    struct cvg_workload w = wl(CVG_PATTERN_HOTCOLD, 2, 3);
    struct cvg_sim_picker a, b;
    const uint64_t n = 100000;
    uint8_t *hits = calloc(n, 1);
    uint64_t hot_first, hot = 0, total = 200000;
    uint64_t distinct_hot = 0;

    w.hot_pct = 10;
    w.hot_share_pct = 90;
    cvg_sim_picker_init(&a, &w, n, 11, 2);
    cvg_sim_picker_init(&b, &w, n, 11, 3);
    /* The group shares one hot window of 10 % of memory. */
    ck_assert_uint_eq(a.hot_pages, 10000);
    ck_assert_uint_eq(a.hot_first, b.hot_first);
    hot_first = a.hot_first;
    for (uint64_t i = 0; i < total; i++) {
        uint64_t pfn = cvg_sim_picker_next(&a);
        uint64_t off = pfn >= hot_first ? pfn - hot_first : pfn + n - hot_first;

        if (off < a.hot_pages) {
            hot++;
            distinct_hot += !hits[pfn];
            hits[pfn] = 1;
        }
    }
    ck_assert_msg(hot > total * 88 / 100 && hot < total * 92 / 100, "%llu of %llu picks hot",
                  (unsigned long long)hot, (unsigned long long)total);
    /* 180k picks over 10k hot pages touch (nearly) all of them. */
    ck_assert_uint_gt(distinct_hot, 9900);
    free(hits);
}
END_TEST

START_TEST(test_sequential_sweeps_in_stripes)
{
    struct cvg_workload w = wl(CVG_PATTERN_SEQUENTIAL, 4, 7);
    struct cvg_sim_picker pk;

    /* vCPU 6 is the third of four: it starts half-way and wraps. */
    cvg_sim_picker_init(&pk, &w, 1000, 1, 6);
    ck_assert_uint_eq(cvg_sim_picker_next(&pk), 500);
    ck_assert_uint_eq(cvg_sim_picker_next(&pk), 501);
    for (int i = 0; i < 497; i++)
        cvg_sim_picker_next(&pk);
    ck_assert_uint_eq(cvg_sim_picker_next(&pk), 999);
    ck_assert_uint_eq(cvg_sim_picker_next(&pk), 0);
}
END_TEST

START_TEST(test_zipf_concentrates_on_few_pages)
{
    struct cvg_workload w = wl(CVG_PATTERN_ZIPF, 0, 0);
    struct cvg_sim_picker pk;
    const uint64_t n = 65536;
    unsigned *count = calloc(n, sizeof(*count));
    unsigned top = 0, sum_top1pct = 0;
    const int total = 400000;

    cvg_sim_picker_init(&pk, &w, n, 5, 0);
    for (int i = 0; i < total; i++)
        count[cvg_sim_picker_next(&pk)]++;
    /* The 1 % most popular pages take about ln(0.01 n) / ln(n) of the picks. */
    for (int k = 0; k < 655; k++) {
        unsigned best = 0;
        uint64_t at = 0;

        for (uint64_t p = 0; p < n; p++)
            if (count[p] > best) {
                best = count[p];
                at = p;
            }
        if (k == 0)
            top = best;
        sum_top1pct += best;
        count[at] = 0;
    }
    ck_assert_msg(sum_top1pct > total / 2 && sum_top1pct < total * 2 / 3,
                  "top 1%% of pages took %u of %d picks", sum_top1pct, total);
    /* The most popular page alone is hit ~ 1/ln(n) of the time: far above uniform. */
    ck_assert_uint_gt(top, total / 20);
    free(count);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sim_pattern");
    TCase *tc = tcase_create("pickers");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_every_pattern_stays_in_memory);
    tcase_add_test(tc, test_picks_are_deterministic_per_seed_and_vcpu);
    tcase_add_test(tc, test_uniform_spreads_evenly);
    tcase_add_test(tc, test_hotcold_sends_hot_share_to_hot_pct);
    tcase_add_test(tc, test_sequential_sweeps_in_stripes);
    tcase_add_test(tc, test_zipf_concentrates_on_few_pages);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
