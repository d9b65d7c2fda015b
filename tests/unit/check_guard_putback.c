/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Putting a domain back (guardian/putback.c) against a fake hypervisor that
 * logs every call: the order (scheduler settings before the guest may run
 * again), what is put back and what is left alone, a failure that does not
 * stop the rest, a domain already gone, Xen's missing log-dirty query, and
 * the resume rule (only a guest really suspended).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guardian/putback.h"

struct fake {
    char log[2048];
    int fail_cap;               /* error cap_set returns */
    int gone;                   /* every call: -ESRCH */
    int no_ld_query;            /* logdirty_enabled: -EOPNOTSUPP (Xen) */
    bool ld_on, suspended;
};

static struct fake F;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
    size_t n = strlen(F.log);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(F.log + n, sizeof(F.log) - n, fmt, ap);
    va_end(ap);
}

#define GONE() do { if (F.gone) return cvg_fail(err, -ESRCH, "no domain"); } while (0)

static int f_cap_set(struct cvg_hv *hv, uint32_t d, uint32_t cap, struct cvg_err *err)
{
    (void)hv; (void)d;
    GONE();
    note("cap=%u ", cap);
    return F.fail_cap ? cvg_fail(err, F.fail_cap, "cap refused") : 0;
}

static int f_budget_set(struct cvg_hv *hv, uint32_t d, uint32_t v, uint32_t period,
                        uint32_t budget, struct cvg_err *err)
{
    (void)hv; (void)d;
    GONE();
    note("budget%u=%u/%u ", v, budget, period);
    return 0;
}

static int f_aff_set(struct cvg_hv *hv, uint32_t d, uint32_t v, const uint64_t *map,
                     size_t nwords, struct cvg_err *err)
{
    (void)hv; (void)d;
    GONE();
    note("aff%u=%#llx/%zu ", v, (unsigned long long)map[0], nwords);
    return 0;
}

static int f_ld_enabled(struct cvg_hv *hv, uint32_t d, bool *on, struct cvg_err *err)
{
    (void)hv; (void)d;
    GONE();
    if (F.no_ld_query)
        return cvg_fail(err, -EOPNOTSUPP, "no query");
    *on = F.ld_on;
    return 0;
}

static int f_ld_disable(struct cvg_hv *hv, uint32_t d, struct cvg_err *err)
{
    (void)hv; (void)d;
    GONE();
    note("ld-off ");
    F.ld_on = false;
    return 0;
}

static int f_ld_enable(struct cvg_hv *hv, uint32_t d, struct cvg_err *err)
{
    (void)hv; (void)d;
    GONE();
    note("ld-on ");
    F.ld_on = true;
    return 0;
}

static int f_unpause(struct cvg_hv *hv, uint32_t d, struct cvg_err *err)
{
    (void)hv; (void)d;
    GONE();
    note("unpause ");
    return 0;
}

static int f_dominfo(struct cvg_hv *hv, uint32_t d, struct cvg_dominfo *info,
                     struct cvg_err *err)
{
    (void)hv;
    GONE();
    memset(info, 0, sizeof(*info));
    info->domid = d;
    info->shutdown = F.suspended;
    info->shutdown_reason = F.suspended ? CVG_SHUTDOWN_SUSPEND : 0;
    return 0;
}

static int f_resume(struct cvg_hv *hv, uint32_t d, struct cvg_err *err)
{
    (void)hv; (void)d;
    GONE();
    note("resume ");
    F.suspended = false;
    return 0;
}

static const struct cvg_hv_ops fake_ops = {
    .name = "fake",
    .cap_set = f_cap_set,
    .vcpu_budget_set = f_budget_set,
    .vcpu_affinity_set = f_aff_set,
    .logdirty_enabled = f_ld_enabled,
    .logdirty_disable = f_ld_disable,
    .logdirty_enable = f_ld_enable,
    .unpause = f_unpause,
    .dominfo = f_dominfo,
    .resume = f_resume,
};

static struct cvg_hv fake_hv = { .ops = &fake_ops };

static struct cvg_guard_ledger *full_ledger(void)
{
    struct cvg_guard_ledger *l = malloc(sizeof(*l));

    cvg_guard_ledger_init(l, 5);
    l->cap_saved = true;
    l->cap = 150;
    l->budget_saved[1] = true;
    l->period_us[1] = 10000;
    l->budget_us[1] = 7000;
    l->affinity_saved[0] = true;
    l->affinity_words[0] = 1;
    l->affinity[0][0] = 0x3;
    l->logdirty_saved = true;
    l->logdirty_was_on = false;
    l->pauses = 2;
    return l;
}

static void reset(void)
{
    memset(&F, 0, sizeof(F));
    F.ld_on = true;
}

START_TEST(test_everything_back_in_order)
{
    struct cvg_guard_ledger *l = full_ledger();
    struct cvg_guard_tally t = { 0 };

    reset();
    ck_assert_int_eq(cvg_guard_putback(&fake_hv, l, CVG_GUARD_PUT_ALL, NULL, NULL, &t, NULL), 0);
    /* Scheduler settings first, log-dirty, then the guest may run again. */
    ck_assert_str_eq(F.log, "budget1=7000/10000 aff0=0x3/1 cap=150 ld-off unpause unpause ");
    ck_assert_uint_eq(t.restored, 6);
    ck_assert_uint_eq(t.failed, 0);
    ck_assert(!cvg_guard_ledger_dirty(l));
    free(l);
}
END_TEST

START_TEST(test_only_what_is_asked)
{
    struct cvg_guard_ledger *l = full_ledger();
    struct cvg_guard_tally t = { 0 };

    reset();
    ck_assert_int_eq(cvg_guard_putback(&fake_hv, l, CVG_GUARD_PUT_SCHED, NULL, NULL, &t, NULL), 0);
    ck_assert_str_eq(F.log, "budget1=7000/10000 aff0=0x3/1 cap=150 ");
    ck_assert(l->logdirty_saved && l->pauses == 2);
    free(l);
}
END_TEST

START_TEST(test_a_failure_does_not_stop_the_rest)
{
    struct cvg_guard_ledger *l = full_ledger();
    struct cvg_guard_tally t = { 0 };
    struct cvg_err err = { 0 };

    reset();
    F.fail_cap = -EBUSY;
    ck_assert_int_eq(cvg_guard_putback(&fake_hv, l, CVG_GUARD_PUT_ALL, NULL, NULL, &t, &err),
                     -EBUSY);
    ck_assert_ptr_nonnull(strstr(err.msg, "domain 5: cannot restore cap 150%"));
    ck_assert_str_eq(F.log, "budget1=7000/10000 aff0=0x3/1 cap=150 ld-off unpause unpause ");
    ck_assert_uint_eq(t.failed, 1);
    /* The cap stays recorded: a second attempt may still succeed. */
    ck_assert(l->cap_saved);
    free(l);
}
END_TEST

START_TEST(test_log_dirty_left_alone_when_already_off)
{
    struct cvg_guard_ledger *l = full_ledger();
    struct cvg_guard_tally t = { 0 };

    reset();
    F.ld_on = false;        /* the helper's own cleanup got there first */
    ck_assert_int_eq(cvg_guard_putback(&fake_hv, l, CVG_GUARD_PUT_LOGDIRTY, NULL, NULL, &t,
                                       NULL), 0);
    ck_assert_str_eq(F.log, "");
    ck_assert(!l->logdirty_saved);
    free(l);
}
END_TEST

START_TEST(test_xen_without_a_log_dirty_query)
{
    struct cvg_guard_ledger *l = full_ledger();
    struct cvg_guard_tally t = { 0 };

    reset();
    F.no_ld_query = 1;
    ck_assert_int_eq(cvg_guard_putback(&fake_hv, l, CVG_GUARD_PUT_LOGDIRTY, NULL, NULL, &t,
                                       NULL), 0);
    ck_assert_str_eq(F.log, "ld-off ");
    ck_assert_uint_eq(t.restored, 1);
    free(l);
}
END_TEST

START_TEST(test_domain_gone_is_not_a_failure)
{
    struct cvg_guard_ledger *l = full_ledger();
    struct cvg_guard_tally t = { 0 };

    reset();
    F.gone = 1;
    l->suspended = true;
    ck_assert_int_eq(cvg_guard_putback(&fake_hv, l, CVG_GUARD_PUT_ALL, NULL, NULL, &t, NULL), 0);
    ck_assert(t.domain_gone);
    ck_assert_uint_eq(t.failed, 0);
    ck_assert(!cvg_guard_ledger_dirty(l));
    ck_assert(l->suspended);        /* who resumes is decided apart */
    free(l);
}
END_TEST

START_TEST(test_resume_only_a_suspended_guest)
{
    struct cvg_guard_ledger *l = full_ledger();
    bool resumed;

    reset();
    l->suspended = true;
    F.suspended = false;            /* libxl's caller resumed it already */
    ck_assert_int_eq(cvg_guard_resume(&fake_hv, l, &resumed, NULL), 0);
    ck_assert(!resumed);
    ck_assert_str_eq(F.log, "");
    l->suspended = true;
    F.suspended = true;
    ck_assert_int_eq(cvg_guard_resume(&fake_hv, l, &resumed, NULL), 0);
    ck_assert(resumed);
    ck_assert_str_eq(F.log, "resume ");
    ck_assert(!l->suspended);
    free(l);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("guard_putback");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_everything_back_in_order);
    tcase_add_test(tc, test_only_what_is_asked);
    tcase_add_test(tc, test_a_failure_does_not_stop_the_rest);
    tcase_add_test(tc, test_log_dirty_left_alone_when_already_off);
    tcase_add_test(tc, test_xen_without_a_log_dirty_query);
    tcase_add_test(tc, test_domain_gone_is_not_a_failure);
    tcase_add_test(tc, test_resume_only_a_suspended_guest);
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
