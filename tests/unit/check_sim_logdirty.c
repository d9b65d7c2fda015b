/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated log-dirty bitmap keeps Xen's CLEAN/PEEK semantics. */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sim/logdirty.h"

static unsigned popcount(const uint64_t *w, size_t n)
{
    unsigned c = 0;

    for (size_t i = 0; i < n; i++)
        c += (unsigned)__builtin_popcountll(w[i]);
    return c;
}

START_TEST(test_count_is_distinct_pages_and_attributed)
{
    struct cvg_sim_logdirty ld;
    uint64_t bm[2];

    ck_assert_int_eq(cvg_sim_ld_init(&ld, 100, 2, NULL), 0);
    cvg_sim_ld_mark(&ld, 0, 3);
    cvg_sim_ld_mark(&ld, 0, 3);         /* the same page again: not new */
    cvg_sim_ld_mark(&ld, 1, 3);         /* nor from another vCPU */
    cvg_sim_ld_mark(&ld, 1, 99);
    cvg_sim_ld_mark(&ld, 1, 64);
    ck_assert_uint_eq(cvg_sim_ld_dirty_count(&ld), 3);
    ck_assert_uint_eq(atomic_load(&ld.vcpus[0].dirtied), 1);
    ck_assert_uint_eq(atomic_load(&ld.vcpus[1].dirtied), 2);

    /* PEEK copies, leaves everything. */
    ck_assert_uint_eq(cvg_sim_ld_op(&ld, false, bm, 100), 3);
    ck_assert_uint_eq(bm[0], 1ull << 3);
    ck_assert_uint_eq(bm[1], (1ull << 0) | (1ull << 35));
    ck_assert_uint_eq(cvg_sim_ld_op(&ld, false, NULL, 0), 3);

    /* CLEAN copies, then clears and resets the counters. */
    memset(bm, 0xff, sizeof(bm));
    ck_assert_uint_eq(cvg_sim_ld_op(&ld, true, bm, 100), 3);
    ck_assert_uint_eq(popcount(bm, 2), 3);
    ck_assert_uint_eq(cvg_sim_ld_op(&ld, false, bm, 100), 0);
    ck_assert_uint_eq(popcount(bm, 2), 0);
    ck_assert_uint_eq(atomic_load(&ld.vcpus[1].dirtied), 0);

    /* After a CLEAN a page counts as new again. */
    cvg_sim_ld_mark(&ld, 0, 3);
    ck_assert_uint_eq(cvg_sim_ld_dirty_count(&ld), 1);
    cvg_sim_ld_destroy(&ld);
}
END_TEST

START_TEST(test_partial_and_stats_only_clean)
{
    struct cvg_sim_logdirty ld;
    uint64_t bm[2];

    ck_assert_int_eq(cvg_sim_ld_init(&ld, 128, 1, NULL), 0);
    cvg_sim_ld_mark(&ld, 0, 5);
    cvg_sim_ld_mark(&ld, 0, 70);
    cvg_sim_ld_mark(&ld, 0, 127);

    /* A CLEAN of the first 71 pages clears those only (as Xen walks `pages`). */
    ck_assert_uint_eq(cvg_sim_ld_op(&ld, true, bm, 71), 3);
    ck_assert_uint_eq(bm[0], 1ull << 5);
    ck_assert_uint_eq(bm[1], 1ull << 6);     /* bit 70; 127 is beyond the 71 asked */
    ck_assert_uint_eq(cvg_sim_ld_op(&ld, false, bm, 128), 0);
    ck_assert_uint_eq(bm[0], 0);
    ck_assert_uint_eq(bm[1], 1ull << 63);

    /* A stats-only CLEAN still clears the whole bitmap. */
    ck_assert_uint_eq(cvg_sim_ld_op(&ld, true, NULL, 0), 0);
    ck_assert_uint_eq(cvg_sim_ld_op(&ld, false, bm, 128), 0);
    ck_assert_uint_eq(bm[1], 0);

    /* Asking for more pages than exist copies what exists. */
    cvg_sim_ld_mark(&ld, 0, 127);
    memset(bm, 0, sizeof(bm));
    ck_assert_uint_eq(cvg_sim_ld_op(&ld, false, bm, 1000), 1);
    ck_assert_uint_eq(bm[1], 1ull << 63);
    cvg_sim_ld_reset(&ld);
    ck_assert_uint_eq(cvg_sim_ld_dirty_count(&ld), 0);
    cvg_sim_ld_destroy(&ld);
}
END_TEST

struct marker {
    struct cvg_sim_logdirty *ld;
    uint32_t vcpu;
};

static void *mark_many(void *arg)
{
    struct marker *m = arg;
    uint64_t x = 0x9e3779b97f4a7c15ull * (m->vcpu + 1);

    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        cvg_sim_ld_mark(m->ld, m->vcpu, x % m->ld->nr_pages);
    }
    return NULL;
}

START_TEST(test_concurrent_marks_lose_nothing)
{
    struct cvg_sim_logdirty ld;
    struct marker m[4];
    pthread_t t[4];
    uint64_t *bm;
    uint64_t per_vcpu = 0;

    ck_assert_int_eq(cvg_sim_ld_init(&ld, 50000, 4, NULL), 0);
    for (uint32_t i = 0; i < 4; i++) {
        m[i] = (struct marker){ &ld, i };
        ck_assert_int_eq(pthread_create(&t[i], NULL, mark_many, &m[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    bm = calloc(ld.nr_words, sizeof(*bm));
    for (uint32_t i = 0; i < 4; i++)
        per_vcpu += atomic_load(&ld.vcpus[i].dirtied);
    /* Every bit was set by exactly one vCPU's fetch_or: the sums agree. */
    ck_assert_uint_eq(cvg_sim_ld_op(&ld, true, bm, ld.nr_pages), per_vcpu);
    ck_assert_uint_eq(popcount(bm, ld.nr_words), per_vcpu);
    ck_assert_uint_gt(per_vcpu, 49000);
    free(bm);
    cvg_sim_ld_destroy(&ld);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sim_logdirty");
    TCase *tc = tcase_create("bitmap");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_count_is_distinct_pages_and_attributed);
    tcase_add_test(tc, test_partial_and_stats_only_clean);
    tcase_add_test(tc, test_concurrent_marks_lose_nothing);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
