/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hv port's sim back end as the migration engine uses it: mapping
 * guest memory, pfn types, a restore target built with populate, the HVM
 * blobs a migration carries, and the errors Xen would give.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/evp.h>

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

static void sha256_pages(const struct cvg_hv_mapping *map, uint8_t out[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int len = 0;

    ck_assert_int_eq(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
    for (size_t i = 0; i < map->n; i++)
        ck_assert_int_eq(EVP_DigestUpdate(ctx, map->pages[i], 4096), 1);
    ck_assert_int_eq(EVP_DigestFinal_ex(ctx, out, &len), 1);
    EVP_MD_CTX_free(ctx);
}

START_TEST(test_mapped_memory_is_the_guest_memory)
{
    char sc[512];
    struct cvg_err err = { 0 };
    struct cvg_hv_mapping map, edge;
    const uint64_t pages = 8 * 256;
    uint64_t *pfns = malloc(pages * sizeof(*pfns));
    uint64_t probe[3] = { 0, pages - 1, pages };
    uint32_t types[3];
    uint8_t mine[32], theirs[32], again[32];
    uint32_t domid;

    domid = harness_create(hv, harness_scenario(sc, sizeof(sc), 8, 1,
                                                "\"vcpus=0,pattern=uniform,rate=4\"", NULL));
    for (uint64_t i = 0; i < pages; i++)
        pfns[i] = i;
    ck_assert_int_eq(hv->ops->map(hv, domid, PROT_READ, pages, pfns, &map, &err), 0);
    ck_assert_uint_eq(map.n, pages);
    /* Filled at creation: no page is zero, no two pages alike at the start. */
    for (uint64_t i = 0; i < pages; i++) {
        ck_assert_int_eq(map.errs[i], 0);
        ck_assert_ptr_nonnull(map.pages[i]);
        ck_assert_uint_ne(*(uint64_t *)map.pages[i], 0);
    }
    ck_assert_int_ne(memcmp(map.pages[1], map.pages[2], 64), 0);

    /* Paused, the daemon's digest and ours over the mapping agree. */
    ck_assert_int_eq(hv->ops->pause(hv, domid, &err), 0);
    sha256_pages(&map, mine);
    ck_assert_int_eq(cvg_sim_digest(hv, domid, theirs, &err), 0);
    ck_assert_int_eq(memcmp(mine, theirs, 32), 0);
    /* Running, the guest's writes show through the mapping. */
    ck_assert_int_eq(hv->ops->unpause(hv, domid, &err), 0);
    harness_sleep_ms(200);
    sha256_pages(&map, again);
    ck_assert_int_ne(memcmp(mine, again, 32), 0);

    /* Beyond the domain: per-page -EINVAL, and XTAB. */
    ck_assert_int_eq(hv->ops->map(hv, domid, PROT_READ, 3, probe, &edge, &err), 0);
    ck_assert_ptr_nonnull(edge.pages[1]);
    ck_assert_int_eq(edge.errs[1], 0);
    ck_assert_ptr_null(edge.pages[2]);
    ck_assert_int_eq(edge.errs[2], -EINVAL);
    ck_assert_int_eq(hv->ops->pfn_types(hv, domid, 3, probe, types, &err), 0);
    ck_assert_uint_eq(types[0], 0);
    ck_assert_uint_eq(types[1], 0);
    ck_assert_uint_eq(types[2], 0xFu << 28);

    /* A read-only view really is: the descriptor behind it cannot be written,
     * so the mapping cannot be made writable. */
    ck_assert_int_eq(mprotect(edge.pages[0], 4096, PROT_READ | PROT_WRITE), -1);
    ck_assert_int_eq(errno, EACCES);
    hv->ops->unmap(hv, &edge);
    hv->ops->unmap(hv, &map);
    free(pfns);
}
END_TEST

START_TEST(test_restore_target_is_populated_then_written)
{
    char sc[512];
    struct cvg_err err = { 0 };
    struct cvg_hv_mapping src, dst;
    struct cvg_dominfo di;
    struct cvg_sim_info info;
    const uint64_t pages = 4 * 256;
    uint64_t *pfns = malloc(pages * sizeof(*pfns)), beyond = pages;
    uint32_t *types = malloc(pages * sizeof(*types));
    uint8_t d_src[32], d_dst[32], *ctx = NULL, *ctx2 = NULL;
    size_t ctx_len, ctx2_len;
    uint64_t v = 0, nsec;
    uint32_t s, d, mode, khz, inc;

    s = harness_create(hv, harness_scenario(sc, sizeof(sc), 4, 2,
                                            "\"vcpus=0-1,pattern=uniform,rate=4\"", NULL));
    ck_assert_int_eq(cvg_sim_create_empty(hv, pages, 2, true, "dest", &d, &err), 0);
    ck_assert_uint_ne(s, d);
    ck_assert_int_eq(hv->ops->dominfo(hv, d, &di, &err), 0);
    ck_assert(di.paused && di.hvm);
    ck_assert_uint_eq(di.p2m_size, pages);
    ck_assert_uint_eq(di.nr_pages, 0);

    for (uint64_t i = 0; i < pages; i++)
        pfns[i] = i;
    ck_assert_int_eq(hv->ops->pfn_types(hv, d, pages, pfns, types, &err), 0);
    ck_assert_uint_eq(types[0], 0xFu << 28);
    /* populate is all or nothing: one bad pfn, nothing populated. */
    ck_assert_int_eq(hv->ops->populate(hv, d, 1, &beyond, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "beyond"));
    cvg_err_clear(&err);
    ck_assert_int_eq(hv->ops->populate(hv, d, pages / 2, pfns, &err), 0);
    ck_assert_int_eq(hv->ops->dominfo(hv, d, &di, &err), 0);
    ck_assert_uint_eq(di.nr_pages, pages / 2);
    ck_assert_int_eq(hv->ops->populate(hv, d, pages, pfns, &err), 0);
    ck_assert_int_eq(hv->ops->dominfo(hv, d, &di, &err), 0);
    ck_assert_uint_eq(di.nr_pages, pages);
    ck_assert_int_eq(hv->ops->pfn_types(hv, d, pages, pfns, types, &err), 0);
    ck_assert_uint_eq(types[pages - 1], 0);

    /* Copy the paused source into it: same memory, same digest. */
    ck_assert_int_eq(hv->ops->pause(hv, s, &err), 0);
    ck_assert_int_eq(hv->ops->map(hv, s, PROT_READ, pages, pfns, &src, &err), 0);
    ck_assert_int_eq(hv->ops->map(hv, d, PROT_READ | PROT_WRITE, pages, pfns, &dst, &err), 0);
    ck_assert_int_eq(cvg_sim_digest(hv, d, d_dst, &err), 0);
    ck_assert_int_eq(cvg_sim_digest(hv, s, d_src, &err), 0);
    ck_assert_int_ne(memcmp(d_src, d_dst, 32), 0);
    for (uint64_t i = 0; i < pages; i++)
        memcpy(dst.pages[i], src.pages[i], 4096);
    ck_assert_int_eq(cvg_sim_digest(hv, d, d_dst, &err), 0);
    ck_assert_int_eq(memcmp(d_src, d_dst, 32), 0);
    hv->ops->unmap(hv, &src);
    hv->ops->unmap(hv, &dst);

    /* The blobs a migration carries: a created domain has some, they move. */
    ck_assert_int_eq(hv->ops->hvm_context_get(hv, s, &ctx, &ctx_len, &err), 0);
    ck_assert_uint_gt(ctx_len, 0);
    ck_assert_int_eq(hv->ops->hvm_context_get(hv, d, &ctx2, &ctx2_len, &err), 0);
    ck_assert_uint_eq(ctx2_len, 0);
    free(ctx2);
    ck_assert_int_eq(hv->ops->hvm_context_set(hv, d, ctx, ctx_len, &err), 0);
    ck_assert_int_eq(hv->ops->hvm_context_get(hv, d, &ctx2, &ctx2_len, &err), 0);
    ck_assert_uint_eq(ctx2_len, ctx_len);
    ck_assert_int_eq(memcmp(ctx, ctx2, ctx_len), 0);
    free(ctx);
    free(ctx2);
    ck_assert_int_eq(hv->ops->hvm_param_get(hv, s, 1 /* STORE_PFN */, &v, &err), 0);
    ck_assert_uint_eq(v, pages - 1);
    ck_assert_int_eq(hv->ops->hvm_param_set(hv, d, 1, v, &err), 0);
    v = 0;
    ck_assert_int_eq(hv->ops->hvm_param_get(hv, d, 1, &v, &err), 0);
    ck_assert_uint_eq(v, pages - 1);
    ck_assert_int_eq(hv->ops->hvm_param_get(hv, d, 64, &v, &err), -EINVAL);
    ck_assert_int_eq(hv->ops->tsc_info_get(hv, s, &mode, &nsec, &khz, &inc, &err), 0);
    ck_assert_uint_gt(khz, 0);
    ck_assert_int_eq(hv->ops->tsc_info_set(hv, d, 2, 777, 3000000, 5, &err), 0);
    ck_assert_int_eq(hv->ops->tsc_info_get(hv, d, &mode, &nsec, &khz, &inc, &err), 0);
    ck_assert(mode == 2 && nsec == 777 && khz == 3000000 && inc == 5);

    /* Unpaused, the restored domain's vCPUs are idle: blocked, no work. */
    ck_assert_int_eq(hv->ops->unpause(hv, d, &err), 0);
    harness_sleep_ms(100);
    ck_assert_int_eq(cvg_sim_info(hv, d, &info, &err), 0);
    ck_assert(!info.paused);
    ck_assert_str_eq(info.name, "dest");
    ck_assert(info.vcpus[0].blocked && info.vcpus[0].work == 0);
    cvg_sim_info_release(&info);
    free(pfns);
    free(types);
}
END_TEST

/*
 * The views fill their page tables a 2 MiB chunk at a time as batches reach
 * into them: pages on both sides of a chunk boundary and in a last, partial
 * chunk are the domain's own, written through one handle's writable view
 * and read back through another handle's read-only one and the daemon.
 */
START_TEST(test_views_reach_every_page_of_an_odd_sized_domain)
{
    struct cvg_err err = { 0 };
    struct cvg_hv_mapping rw, ro;
    struct cvg_hv *other = harness_hv(&proc);
    const uint64_t pages = 700;     /* one 512-page chunk and part of another */
    const uint64_t pfns[] = { 699, 0, 512, 511, 700 };
    const uint64_t back[] = { 511, 512, 0, 699 };
    const size_t n = sizeof(pfns) / sizeof(pfns[0]);
    uint8_t before[32], after[32];
    uint64_t all[700];
    uint32_t d;

    ck_assert_int_eq(cvg_sim_create_empty(hv, pages, 1, true, "odd", &d, &err), 0);
    for (uint64_t i = 0; i < pages; i++)
        all[i] = i;
    ck_assert_int_eq(hv->ops->populate(hv, d, pages, all, &err), 0);
    ck_assert_int_eq(cvg_sim_digest(hv, d, before, &err), 0);

    ck_assert_int_eq(hv->ops->map(hv, d, PROT_READ | PROT_WRITE, n, pfns, &rw, &err), 0);
    for (size_t i = 0; i < n - 1; i++) {
        ck_assert_int_eq(rw.errs[i], 0);
        memset(rw.pages[i], 0x40 + (int)i, 4096);
    }
    ck_assert_ptr_null(rw.pages[n - 1]);
    ck_assert_int_eq(rw.errs[n - 1], -EINVAL);
    hv->ops->unmap(hv, &rw);
    ck_assert_int_eq(cvg_sim_digest(hv, d, after, &err), 0);
    ck_assert_int_ne(memcmp(before, after, 32), 0);

    /* Read back in another order, so the chunks fill the other way round. */
    ck_assert_int_eq(other->ops->map(other, d, PROT_READ, n - 1, back, &ro, &err), 0);
    for (size_t i = 0; i < n - 1; i++) {
        const uint8_t *pg = ro.pages[i];

        ck_assert_int_eq(ro.errs[i], 0);
        ck_assert_uint_eq(pg[0], 0x40 + n - 2 - i);
        ck_assert_uint_eq(pg[4095], 0x40 + n - 2 - i);
    }
    other->ops->unmap(other, &ro);
    harness_close(other);
}
END_TEST

START_TEST(test_lifecycle_and_xen_like_errors)
{
    char sc[512];
    struct cvg_err err = { 0 };
    struct cvg_sim_list_entry *e = NULL;
    struct cvg_vcpuinfo vi;
    enum cvg_sched_id sid;
    uint32_t a, b, n = 0;
    uint64_t bitmap[2];
    struct cvg_logdirty_stats st;

    a = harness_create(hv, harness_scenario(sc, sizeof(sc), 4, 1,
                                            "\"vcpus=0,pattern=idle,rate=0\"", NULL));
    b = harness_create(hv, harness_scenario(sc, sizeof(sc), 4, 1,
                                            "\"vcpus=0,pattern=idle,rate=0\"", NULL));
    ck_assert_uint_gt(b, a);
    ck_assert_int_eq(cvg_sim_list(hv, &e, &n, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(e[0].domid, a);
    ck_assert_str_eq(e[1].name, "t");
    ck_assert_uint_eq(e[1].p2m_size, 1024);
    free(e);

    ck_assert_int_eq(hv->ops->sched_id(hv, a, &sid, &err), 0);
    ck_assert_int_eq(sid, CVG_SCHED_SIM);
    ck_assert_int_eq(hv->ops->vcpuinfo(hv, a, 1, &vi, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "no vcpu 1"));
    cvg_err_clear(&err);
    ck_assert_int_eq(hv->ops->unpause(hv, a, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "not paused"));
    ck_assert_int_eq(hv->ops->resume(hv, a, &err), -EINVAL);

    /* A bitmap longer than the domain: the pages beyond come back clean. */
    memset(bitmap, 0xff, sizeof(bitmap));
    ck_assert_int_eq(hv->ops->logdirty_enable(hv, a, &err), 0);
    ck_assert_int_eq(hv->ops->logdirty_op(hv, a, CVG_LOGDIRTY_PEEK, (unsigned long *)bitmap,
                                          100, 0, &st, &err), 0);
    ck_assert_uint_eq(bitmap[0], 0);
    ck_assert_uint_eq(bitmap[1], 0);
    ck_assert_int_eq(hv->ops->logdirty_op(hv, a, CVG_LOGDIRTY_CLEAN, NULL, 0,
                                          CVG_LOGDIRTY_FINAL, &st, &err), 0);

    /* Rates the host cannot follow in real time are refused with a pointer. */
    cvg_err_clear(&err);
    harness_scenario(sc, sizeof(sc), 4, 1, "\"vcpus=0,pattern=uniform,rate=100000\"", NULL);
    ck_assert_int_lt(cvg_sim_create_scenario(hv, sc, strlen(sc), "fast.cfg", &n, &err), 0);
    ck_assert_msg(strstr(err.msg, "bench"), "%s", err.msg);

    ck_assert_int_eq(cvg_sim_destroy(hv, a, &err), 0);
    ck_assert_int_eq(cvg_sim_destroy(hv, a, &err), -ESRCH);
    ck_assert_int_eq(hv->ops->dominfo(hv, a, &(struct cvg_dominfo){ 0 }, &err), -ESRCH);
    ck_assert_int_eq(cvg_sim_list(hv, &e, &n, &err), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(e[0].domid, b);
    free(e);
    /* Domain ids are not reused at once, as in Xen. */
    ck_assert_uint_gt(harness_create(hv, harness_scenario(sc, sizeof(sc), 4, 1,
                                                          "\"vcpus=0,pattern=idle,rate=0\"",
                                                          NULL)), b);
}
END_TEST

START_TEST(test_open_fails_clearly_without_a_daemon)
{
    struct cvg_hv *h = NULL;
    struct cvg_err err = { 0 };
    char path[200];

    snprintf(path, sizeof(path), "%s.nobody-here", proc.sock);
    ck_assert_int_lt(cvg_hv_open_sim(&h, path, &err), 0);
    ck_assert_ptr_null(h);
    ck_assert_ptr_nonnull(strstr(err.msg, "cannot reach converge-simd"));
    ck_assert_ptr_nonnull(strstr(err.msg, path));
    /* cvg_hv_open picks the simulator from the environment. */
    setenv("XENCONVERGE_SIM", proc.sock, 1);
    ck_assert_int_eq(cvg_hv_open(&h, &err), 0);
    ck_assert(cvg_hv_is_sim(h));
    ck_assert_str_eq(h->ops->name, "sim");
    cvg_hv_close(h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("simd_hv");
    TCase *tc = tcase_create("daemon");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 20);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_mapped_memory_is_the_guest_memory);
    tcase_add_test(tc, test_restore_target_is_populated_then_written);
    tcase_add_test(tc, test_views_reach_every_page_of_an_odd_sized_domain);
    tcase_add_test(tc, test_lifecycle_and_xen_like_errors);
    tcase_add_test(tc, test_open_fails_clearly_without_a_daemon);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
