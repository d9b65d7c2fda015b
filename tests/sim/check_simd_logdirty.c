/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * converge-simd's log-dirty "hardware", end to end: what the vCPU threads
 * write is what CLEAN/PEEK report, with Xen's counter semantics; reads,
 * pause and suspend dirty nothing; phases start with log-dirty.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "config/scenario.h"
#include "harness.h"

static struct simd_proc proc;
static struct cvg_hv *hv;

static void setup(void)
{
    harness_start(&proc);
    hv = harness_hv(&proc);
}

static void teardown(void)
{
    harness_close(hv);
    hv = NULL;
    harness_stop(&proc);
}

#define RATIO_IN(x, lo, hi) \
    ck_assert_msg((x) >= (lo) && (x) <= (hi), "%s = %.3f, expected %.2f..%.2f", #x, (x), (lo), (hi))

static uint32_t stats(uint32_t domid, enum cvg_logdirty_op op)
{
    struct cvg_logdirty_stats st = { 7, 7 };
    struct cvg_err err = { 0 };

    ck_assert_msg(hv->ops->logdirty_op(hv, domid, op, NULL, 0, 0, &st, &err) == 0, "%s",
                  err.msg);
    ck_assert_uint_eq(st.fault_count, 0);
    return st.dirty_count;
}

static unsigned long *bitmap_op(uint32_t domid, enum cvg_logdirty_op op, uint64_t pages,
                                uint32_t *count)
{
    unsigned long *bm = malloc(((pages + 63) / 64) * 8);
    struct cvg_logdirty_stats st;
    struct cvg_err err = { 0 };

    memset(bm, 0xa5, ((pages + 63) / 64) * 8);
    ck_assert_msg(hv->ops->logdirty_op(hv, domid, op, bm, pages, 0, &st, &err) == 0, "%s",
                  err.msg);
    if (count)
        *count = st.dirty_count;
    return bm;
}

static uint64_t popcount(const unsigned long *bm, uint64_t pages)
{
    uint64_t n = 0;

    for (uint64_t i = 0; i < (pages + 63) / 64; i++)
        n += (uint64_t)__builtin_popcountl(bm[i]);
    return n;
}

START_TEST(test_uniform_writer_dirties_at_its_rate)
{
    char sc[512];
    struct cvg_err err = { 0 };
    struct cvg_sim_truth t;
    const uint64_t pages = 256 * 256;
    const double rate = 8;      /* MiB/s: 2048 page writes/s, far below saturation */
    uint32_t domid, count, after;
    uint64_t t_clean, t_pause;
    unsigned long *bm;
    double secs, expected;
    bool on = false;

    domid = harness_create(hv, harness_scenario(sc, sizeof(sc), 256, 1,
                                                "\"vcpus=0,pattern=uniform,rate=8\"", NULL));
    ck_assert_int_eq(hv->ops->logdirty_enabled(hv, domid, &on, &err), 0);
    ck_assert(!on);
    ck_assert_int_eq(hv->ops->logdirty_enable(hv, domid, &err), 0);
    ck_assert_int_eq(hv->ops->logdirty_enabled(hv, domid, &on, &err), 0);
    ck_assert(on);
    /* The port's enable behaves as libxc's: the daemon refuses a second
     * enable as Xen does (EINVAL), the port then switches log-dirty off and
     * on again -- it is still on, and the counter starts afresh. */
    ck_assert_int_eq(hv->ops->logdirty_enable(hv, domid, &err), 0);
    ck_assert_int_eq(hv->ops->logdirty_enabled(hv, domid, &on, &err), 0);
    ck_assert(on);

    harness_sleep_ms(100);
    stats(domid, CVG_LOGDIRTY_CLEAN);
    t_clean = harness_now_ns();
    harness_sleep_ms(1500);
    ck_assert_int_eq(hv->ops->pause(hv, domid, &err), 0);
    t_pause = harness_now_ns();
    secs = (double)(t_pause - t_clean) / 1e9;

    /* Stats-only PEEK: about rate x 256 distinct pages per second. */
    count = stats(domid, CVG_LOGDIRTY_PEEK);
    RATIO_IN(count / (rate * 256 * secs), 0.75, 1.1);
    /* It is the truth: the sum of what each vCPU newly dirtied. */
    ck_assert_int_eq(cvg_sim_truth(hv, domid, &t, &err), 0);
    ck_assert_uint_eq(t.dirty_count, count);
    ck_assert_uint_eq(t.vcpus[0].dirtied, count);
    ck_assert(t.logdirty);
    /* Distinct pages: a little under the writes, by the birthday rule. */
    expected = (double)pages * (1 - exp(-(double)count / (double)pages));
    ck_assert_uint_le(count, t.vcpus[0].writes);
    ck_assert_uint_ge(count, (uint64_t)(expected * 0.97));
    cvg_sim_truth_release(&t);

    /* The bitmap holds exactly count bits; PEEK leaves them. */
    bm = bitmap_op(domid, CVG_LOGDIRTY_PEEK, pages, &after);
    ck_assert_uint_eq(after, count);
    ck_assert_uint_eq(popcount(bm, pages), count);
    free(bm);
    ck_assert_uint_eq(stats(domid, CVG_LOGDIRTY_PEEK), count);

    /* CLEAN returns the count and resets it; the domain is paused, so 0 stays 0. */
    ck_assert_uint_eq(stats(domid, CVG_LOGDIRTY_CLEAN), count);
    ck_assert_uint_eq(stats(domid, CVG_LOGDIRTY_PEEK), 0);
    bm = bitmap_op(domid, CVG_LOGDIRTY_PEEK, pages, NULL);
    ck_assert_uint_eq(popcount(bm, pages), 0);
    free(bm);

    ck_assert_int_eq(hv->ops->unpause(hv, domid, &err), 0);
    harness_sleep_ms(300);
    ck_assert_uint_gt(stats(domid, CVG_LOGDIRTY_PEEK), 200);

    /* Disabled: ops still answer, with nothing dirty (Xen's empty trie). */
    ck_assert_int_eq(hv->ops->logdirty_disable(hv, domid, &err), 0);
    ck_assert_int_eq(hv->ops->logdirty_enabled(hv, domid, &on, &err), 0);
    ck_assert(!on);
    harness_sleep_ms(100);
    ck_assert_uint_eq(stats(domid, CVG_LOGDIRTY_PEEK), 0);
}
END_TEST

START_TEST(test_bitmap_names_exactly_the_pages_that_changed)
{
    char sc[512];
    struct cvg_err err = { 0 };
    struct cvg_hv_mapping map;
    struct cvg_sim_truth t;
    const uint64_t pages = 16 * 256;
    uint64_t *pfns = malloc(pages * sizeof(*pfns));
    uint8_t *before = malloc(pages * 4096);
    unsigned long *bm;
    uint64_t changed = 0, bits;
    uint32_t domid, count;

    domid = harness_create(hv, harness_scenario(sc, sizeof(sc), 16, 2,
                                                "\"vcpus=0-1,pattern=uniform,rate=4\"", NULL));
    for (uint64_t i = 0; i < pages; i++)
        pfns[i] = i;
    ck_assert_int_eq(hv->ops->map(hv, domid, PROT_READ, pages, pfns, &map, &err), 0);
    ck_assert_int_eq(hv->ops->logdirty_enable(hv, domid, &err), 0);

    ck_assert_int_eq(hv->ops->pause(hv, domid, &err), 0);
    stats(domid, CVG_LOGDIRTY_CLEAN);
    for (uint64_t i = 0; i < pages; i++)
        memcpy(before + i * 4096, map.pages[i], 4096);
    ck_assert_int_eq(hv->ops->unpause(hv, domid, &err), 0);
    harness_sleep_ms(400);
    ck_assert_int_eq(hv->ops->pause(hv, domid, &err), 0);

    bm = bitmap_op(domid, CVG_LOGDIRTY_CLEAN, pages, &count);
    bits = popcount(bm, pages);
    for (uint64_t i = 0; i < pages; i++) {
        bool differs = memcmp(before + i * 4096, map.pages[i], 4096) != 0;
        bool dirty = (bm[i / 64] >> (i % 64)) & 1;

        /* Every write changes its page, and every changed page is marked. */
        ck_assert_msg(differs == dirty, "pfn %llu: %s but %s", (unsigned long long)i,
                      differs ? "changed" : "unchanged", dirty ? "dirty" : "clean");
        changed += differs;
    }
    ck_assert_uint_eq(bits, changed);
    ck_assert_uint_eq(count, changed);
    ck_assert_uint_gt(changed, 300);
    /* Both vCPUs wrote; the per-vCPU truth adds up (counters were reset by CLEAN). */
    ck_assert_int_eq(cvg_sim_truth(hv, domid, &t, &err), 0);
    ck_assert_uint_gt(t.vcpus[0].writes, 0);
    ck_assert_uint_gt(t.vcpus[1].writes, 0);
    ck_assert_uint_eq(t.vcpus[0].dirtied + t.vcpus[1].dirtied, 0);
    cvg_sim_truth_release(&t);
    hv->ops->unmap(hv, &map);
    free(bm);
    free(before);
    free(pfns);
}
END_TEST

START_TEST(test_reader_never_dirties)
{
    char sc[512];
    struct cvg_err err = { 0 };
    struct cvg_sim_truth t;
    uint8_t d0[32], d1[32];
    unsigned long *bm;
    uint32_t domid, count;

    domid = harness_create(hv, harness_scenario(sc, sizeof(sc), 32, 2,
                                                "\"vcpus=0,pattern=read,rate=40\", "
                                                "\"vcpus=1,pattern=idle,rate=0\"", NULL));
    ck_assert_int_eq(cvg_sim_digest(hv, domid, d0, &err), 0);
    ck_assert_int_eq(hv->ops->logdirty_enable(hv, domid, &err), 0);
    harness_sleep_ms(600);
    bm = bitmap_op(domid, CVG_LOGDIRTY_PEEK, 32 * 256, &count);
    ck_assert_uint_eq(count, 0);
    ck_assert_uint_eq(popcount(bm, 32 * 256), 0);
    free(bm);
    ck_assert_int_eq(cvg_sim_truth(hv, domid, &t, &err), 0);
    ck_assert_uint_gt(t.vcpus[0].work, 3000);       /* it did read */
    ck_assert_uint_eq(t.vcpus[0].writes, 0);
    ck_assert_uint_eq(t.vcpus[0].dirtied, 0);
    ck_assert_uint_eq(t.vcpus[1].work, 0);
    cvg_sim_truth_release(&t);
    /* Memory is exactly as created. */
    ck_assert_int_eq(cvg_sim_digest(hv, domid, d1, &err), 0);
    ck_assert_int_eq(memcmp(d0, d1, 32), 0);
}
END_TEST

START_TEST(test_pause_and_suspend_stop_every_write)
{
    char sc[512];
    struct cvg_err err = { 0 };
    struct cvg_sim_info a, b;
    struct cvg_dominfo di;
    uint8_t d0[32], d1[32];
    unsigned long *bm;
    uint32_t domid, count;

    domid = harness_create(hv, harness_scenario(sc, sizeof(sc), 32, 2,
                                                "\"vcpus=0-1,pattern=uniform,rate=40\"", NULL));
    ck_assert_int_eq(hv->ops->logdirty_enable(hv, domid, &err), 0);
    harness_sleep_ms(200);
    /* Nested, as Xen's pause count: two pauses need two unpauses. */
    ck_assert_int_eq(hv->ops->pause(hv, domid, &err), 0);
    ck_assert_int_eq(hv->ops->pause(hv, domid, &err), 0);
    ck_assert_int_eq(hv->ops->unpause(hv, domid, &err), 0);
    stats(domid, CVG_LOGDIRTY_CLEAN);
    ck_assert_int_eq(cvg_sim_info(hv, domid, &a, &err), 0);
    ck_assert_int_eq(cvg_sim_digest(hv, domid, d0, &err), 0);
    ck_assert(a.paused);
    ck_assert_uint_eq(a.pause_count, 1);
    ck_assert_uint_gt(a.vcpus[0].work, 0);
    harness_sleep_ms(500);
    bm = bitmap_op(domid, CVG_LOGDIRTY_PEEK, 32 * 256, &count);
    ck_assert_uint_eq(count, 0);
    ck_assert_uint_eq(popcount(bm, 32 * 256), 0);
    free(bm);
    ck_assert_int_eq(cvg_sim_info(hv, domid, &b, &err), 0);
    ck_assert_int_eq(cvg_sim_digest(hv, domid, d1, &err), 0);
    ck_assert_int_eq(memcmp(d0, d1, 32), 0);
    for (int i = 0; i < 2; i++) {
        ck_assert_uint_eq(b.vcpus[i].work, a.vcpus[i].work);
        ck_assert_uint_eq(b.vcpus[i].cpu_time_ns, a.vcpus[i].cpu_time_ns);
        ck_assert(!b.vcpus[i].running);
    }
    cvg_sim_info_release(&a);
    cvg_sim_info_release(&b);
    ck_assert_int_eq(hv->ops->dominfo(hv, domid, &di, &err), 0);
    ck_assert(di.paused && !di.shutdown);

    ck_assert_int_eq(hv->ops->unpause(hv, domid, &err), 0);
    ck_assert_int_eq(hv->ops->unpause(hv, domid, &err), -EINVAL);
    harness_sleep_ms(300);
    ck_assert_uint_gt(stats(domid, CVG_LOGDIRTY_PEEK), 500);

    /* Suspend: shut down with reason suspend, nothing runs; resume undoes it. */
    ck_assert_int_eq(hv->ops->suspend(hv, domid, &err), 0);
    ck_assert_int_eq(hv->ops->dominfo(hv, domid, &di, &err), 0);
    ck_assert(di.shutdown && !di.paused);
    ck_assert_uint_eq(di.shutdown_reason, 2);    /* SHUTDOWN_suspend */
    ck_assert_int_eq(hv->ops->suspend(hv, domid, &err), -EINVAL);
    stats(domid, CVG_LOGDIRTY_CLEAN);
    harness_sleep_ms(300);
    ck_assert_uint_eq(stats(domid, CVG_LOGDIRTY_PEEK), 0);
    ck_assert_int_eq(hv->ops->resume(hv, domid, &err), 0);
    ck_assert_int_eq(hv->ops->resume(hv, domid, &err), -EINVAL);
    harness_sleep_ms(300);
    ck_assert_uint_gt(stats(domid, CVG_LOGDIRTY_PEEK), 500);
}
END_TEST

START_TEST(test_phases_count_from_logdirty_enable)
{
    char sc[768];
    struct cvg_err err = { 0 };
    struct cvg_sim_info info;
    uint64_t w[2];
    uint32_t domid;

    domid = harness_create(hv, harness_scenario(sc, sizeof(sc), 32, 2,
                                                "\"vcpus=0,pattern=uniform,rate=20\", "
                                                "\"vcpus=1,pattern=idle,rate=0\"",
                                                "phases = [ \"at=0,vcpus=1,pattern=sequential,rate=20\", "
                                                "\"at=0.3,vcpus=0,pattern=idle,rate=0\" ]\n"));
    /* Before any migration the initial workload runs, however long. */
    harness_sleep_ms(100);
    harness_work_over(hv, domid, 400, w, NULL, 2, NULL);
    ck_assert_uint_gt(w[0], 1000);
    ck_assert_uint_eq(w[1], 0);

    ck_assert_int_eq(hv->ops->logdirty_enable(hv, domid, &err), 0);
    harness_sleep_ms(600);
    harness_work_over(hv, domid, 400, w, NULL, 2, NULL);
    ck_assert_uint_eq(w[0], 0);
    ck_assert_uint_gt(w[1], 1000);
    ck_assert_int_eq(cvg_sim_info(hv, domid, &info, &err), 0);
    ck_assert_uint_eq(info.vcpus[0].pattern, CVG_PATTERN_IDLE);
    ck_assert_uint_eq(info.vcpus[1].pattern, CVG_PATTERN_SEQUENTIAL);
    ck_assert(info.vcpus[0].blocked && !info.vcpus[1].blocked);
    ck_assert_uint_gt(info.logdirty_since_ns, 0);
    cvg_sim_info_release(&info);
}
END_TEST

START_TEST(test_hotcold_dirties_only_its_hot_set)
{
    char sc[512];
    struct cvg_err err = { 0 };
    uint32_t domid, count;

    /* 1 % of 64 MiB is 163 pages, taking every write. */
    domid = harness_create(hv, harness_scenario(sc, sizeof(sc), 64, 1,
                                                "\"vcpus=0,pattern=hotcold,rate=20,hot=1,hot_share=100\"",
                                                NULL));
    ck_assert_int_eq(hv->ops->logdirty_enable(hv, domid, &err), 0);
    harness_sleep_ms(800);
    count = stats(domid, CVG_LOGDIRTY_PEEK);
    ck_assert_uint_le(count, 163);
    ck_assert_uint_ge(count, 150);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("simd_logdirty");
    TCase *tc = tcase_create("daemon");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 20);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_uniform_writer_dirties_at_its_rate);
    tcase_add_test(tc, test_bitmap_names_exactly_the_pages_that_changed);
    tcase_add_test(tc, test_reader_never_dirties);
    tcase_add_test(tc, test_pause_and_suspend_stop_every_write);
    tcase_add_test(tc, test_phases_count_from_logdirty_enable);
    tcase_add_test(tc, test_hotcold_dirties_only_its_hot_set);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
