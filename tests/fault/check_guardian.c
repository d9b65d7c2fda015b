/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guardian against a real converge-simd, with real processes: a fake
 * helper (a child of the test, which plays libxl) starts a guardian,
 * changes the domain through the guarded API and is killed; the domain
 * must be back within a second, the guardian must end, and a guest must
 * be resumed exactly when the rules of guard.h say so -- never twice.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guardian/guard.h"
#include "harness.h"

#define RESTORE_DEADLINE_MS 1000u

static struct simd_proc simd;
static struct cvg_hv *hv;
static uint32_t dom;

struct state {
    uint32_t cap;
    uint32_t period[2], budget[2];
    uint64_t affinity[2];
    bool logdirty, paused, suspended;
};

static void get_state(uint32_t domid, struct state *s)
{
    struct cvg_err err = { 0 };
    struct cvg_dominfo di;

    memset(s, 0, sizeof(*s));
    ck_assert_msg(hv->ops->cap_get(hv, domid, &s->cap, &err) == 0, "%s", err.msg);
    for (uint32_t v = 0; v < 2; v++) {
        ck_assert(hv->ops->vcpu_budget_get(hv, domid, v, &s->period[v], &s->budget[v], &err) == 0);
        ck_assert(hv->ops->vcpu_affinity_get(hv, domid, v, &s->affinity[v], 1, &err) == 0);
    }
    ck_assert(hv->ops->logdirty_enabled(hv, domid, &s->logdirty, &err) == 0);
    ck_assert(hv->ops->dominfo(hv, domid, &di, &err) == 0);
    s->paused = di.paused;
    s->suspended = di.shutdown && di.shutdown_reason == CVG_SHUTDOWN_SUSPEND;
}

static bool same(const struct state *a, const struct state *b)
{
    return !memcmp(a, b, sizeof(*a));
}

/* Polls until the domain is back to want; returns the milliseconds it took. */
static unsigned wait_state(const struct state *want, unsigned deadline_ms)
{
    uint64_t t0 = harness_now_ns();
    struct state now;

    for (;;) {
        unsigned ms = (unsigned)((harness_now_ns() - t0) / 1000000u);

        get_state(dom, &now);
        if (same(&now, want))
            return ms;
        ck_assert_msg(ms < deadline_ms, "domain not restored within %u ms: cap %u (want %u), "
                      "budget1 %u (want %u), affinity0 %#llx (want %#llx), logdirty %d (want "
                      "%d), paused %d, suspended %d (want %d)", deadline_ms, now.cap, want->cap,
                      now.budget[1], want->budget[1], (unsigned long long)now.affinity[0],
                      (unsigned long long)want->affinity[0], now.logdirty, want->logdirty,
                      now.paused, now.suspended, want->suspended);
        harness_sleep_ms(5);
    }
}

/* Reaps the orphaned guardian (we are its subreaper) or sees it reaped by
 * its helper; it must be gone within ms. */
static void expect_guardian_exit(pid_t gpid, unsigned ms)
{
    uint64_t t0 = harness_now_ns();

    for (;;) {
        pid_t r = waitpid(gpid, NULL, WNOHANG);

        if (r == gpid)
            return;
        /* Reaped by its helper already (a normal end): then it is gone. */
        if (r < 0 && errno == ECHILD && kill(gpid, 0) < 0 && errno == ESRCH)
            return;
        ck_assert_msg(r >= 0 || errno == ECHILD, "waitpid(guardian %d): %s", (int)gpid,
                      strerror(errno));
        ck_assert_msg(harness_now_ns() - t0 < (uint64_t)ms * 1000000u,
                      "the guardian %d still runs %u ms after its helper ended", (int)gpid, ms);
        harness_sleep_ms(5);
    }
}

static void setup(void)
{
    char sc[512];
    struct cvg_err err = { 0 };
    const uint64_t map0 = 0x3;

    prctl(PR_SET_CHILD_SUBREAPER, 1);
    harness_start(&simd);
    setenv("XENCONVERGE_SIM", simd.sock, 1);
    hv = harness_hv(&simd);
    dom = harness_create(hv, harness_scenario(sc, sizeof(sc), 8, 2,
                                              "\"vcpus=0-1,pattern=uniform,rate=4\"", NULL));
    /* Settings of the administrator's own, so "restored" cannot mean "reset". */
    ck_assert(hv->ops->cap_set(hv, dom, 150, &err) == 0);
    ck_assert(hv->ops->vcpu_budget_set(hv, dom, 1, 10000, 7000, &err) == 0);
    ck_assert(hv->ops->vcpu_affinity_set(hv, dom, 0, &map0, 1, &err) == 0);
}

static void teardown(void)
{
    harness_close(hv);
    hv = NULL;
    harness_stop(&simd);
}

/* What the fake helper does on each command of the test. */
enum act {
    ACT_THROTTLE = 1 << 0,      /* cap, budget, affinity through cvg_guarded_* */
    ACT_LOGDIRTY = 1 << 1,      /* record + enable */
    ACT_PAUSE = 1 << 2,         /* one guarded pause */
    ACT_SUSPEND_LIBXL = 1 << 3, /* note_suspend(BY_LIBXL); libxl (the test) suspends */
    ACT_SUSPEND_SELF = 1 << 4,  /* note_suspend(BY_HELPER) + hv suspend */
    ACT_HAND_OVER = 1 << 5,
    ACT_RESTORE_SCHED = 1 << 6, /* the helper's own cleanup */
    ACT_FINISH = 1 << 7,        /* BYE, then exit(0) */
    ACT_RECORDED = 1 << 8,      /* throttle with originals read by the caller */
    ACT_PUT_BACK_SELF = 1 << 9, /* restore those itself, then release_sched */
};

struct report {
    pid_t guardian;
    int rc;
    char msg[CVG_ERR_MSG_MAX];
};

static int perform(struct cvg_guard *g, struct cvg_hv *h, unsigned acts, struct cvg_err *err)
{
    const uint64_t map1 = 0x1;
    int rc = 0;

    if (!rc && (acts & ACT_THROTTLE))
        rc = cvg_guarded_cap_set(g, h, dom, 20, err) ||
             cvg_guarded_cap_set(g, h, dom, 10, err) ||
             cvg_guarded_budget_set(g, h, dom, 1, 10000, 500, err) ||
             cvg_guarded_affinity_set(g, h, dom, 0, &map1, 1, err);
    if (!rc && (acts & ACT_LOGDIRTY))
        rc = cvg_guard_save_logdirty(g, h, err) || h->ops->logdirty_enable(h, dom, err);
    if (!rc && (acts & ACT_PAUSE))
        rc = cvg_guarded_pause(g, h, dom, err);
    if (!rc && (acts & ACT_SUSPEND_LIBXL))
        rc = cvg_guard_note_suspend(g, CVG_GUARD_BY_LIBXL, err);
    if (!rc && (acts & ACT_SUSPEND_SELF))
        rc = cvg_guard_note_suspend(g, CVG_GUARD_BY_HELPER, err) ||
             h->ops->suspend(h, dom, err);
    if (!rc && (acts & ACT_RECORDED)) {
        uint32_t cap, period, budget;
        uint64_t map;

        /* As the throttle's record hook does: it reads, we record. */
        rc = h->ops->cap_get(h, dom, &cap, err) ||
             h->ops->vcpu_budget_get(h, dom, 1, &period, &budget, err) ||
             h->ops->vcpu_affinity_get(h, dom, 0, &map, 1, err) ||
             cvg_guard_record_cap(g, cap, err) ||
             cvg_guard_record_budget(g, 1, period, budget, err) ||
             cvg_guard_record_affinity(g, 0, &map, 1, err) ||
             h->ops->cap_set(h, dom, 5, err) ||
             h->ops->vcpu_budget_set(h, dom, 1, 10000, 100, err) ||
             h->ops->vcpu_affinity_set(h, dom, 0, &map1, 1, err);
    }
    if (!rc && (acts & ACT_PUT_BACK_SELF)) {
        const struct cvg_guard_ledger *l = cvg_guard_ledger(g);

        rc = h->ops->cap_set(h, dom, l->cap, err) ||
             h->ops->vcpu_budget_set(h, dom, 1, l->period_us[1], l->budget_us[1], err) ||
             h->ops->vcpu_affinity_set(h, dom, 0, l->affinity[0], 1, err) ||
             cvg_guard_release_sched(g, err);
    }
    if (!rc && (acts & ACT_RESTORE_SCHED))
        rc = cvg_guard_restore_sched(g, h, err);
    if (!rc && (acts & ACT_HAND_OVER))
        rc = cvg_guard_handed_over(g, err);
    return rc;
}

/* A helper in miniature: starts its guardian, then obeys the test. */
static void fake_helper(int ctl)
{
    struct cvg_guard_cfg cfg = { .domid = dom, .libxl_pid = getppid() };
    struct cvg_guard *g = NULL;
    struct cvg_hv *h = NULL;
    struct cvg_err err = { 0 };
    struct report r = { 0 };
    unsigned acts;

    r.rc = cvg_hv_open(&h, &err);
    if (!r.rc)
        r.rc = cvg_guard_start(&g, &cfg, &err);
    r.guardian = cvg_guard_pid(g);
    snprintf(r.msg, sizeof(r.msg), "%s", err.msg);
    if (write(ctl, &r, sizeof(r)) != sizeof(r))
        _exit(3);
    while (read(ctl, &acts, sizeof(acts)) == sizeof(acts)) {
        cvg_err_clear(&err);
        r.rc = (acts & ACT_FINISH) ? cvg_guard_finish(g, NULL, &err) : perform(g, h, acts, &err);
        snprintf(r.msg, sizeof(r.msg), "%s", err.msg);
        if (acts & ACT_FINISH) {
            h->ops->close(h);
            _exit(r.rc ? 5 : 0);
        }
        if (write(ctl, &r, sizeof(r)) != sizeof(r))
            _exit(3);
    }
    for (;;)
        pause();
}

struct helper_proc {
    pid_t pid;
    pid_t guardian;
    int ctl;
};

static void spawn_helper(struct helper_proc *hp)
{
    struct report r;
    int sv[2];

    ck_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    hp->pid = fork();
    ck_assert(hp->pid >= 0);
    if (hp->pid == 0) {
        close(sv[0]);
        fake_helper(sv[1]);
    }
    close(sv[1]);
    hp->ctl = sv[0];
    ck_assert(read(hp->ctl, &r, sizeof(r)) == sizeof(r));
    ck_assert_msg(r.rc == 0, "fake helper: %s", r.msg);
    ck_assert(r.guardian > 0);
    hp->guardian = r.guardian;
}

/* Has the helper do acts; returns its result (msg filled on failure). */
static int helper_do(struct helper_proc *hp, unsigned acts, char *msg, size_t len)
{
    struct report r;

    ck_assert(write(hp->ctl, &acts, sizeof(acts)) == sizeof(acts));
    ck_assert(read(hp->ctl, &r, sizeof(r)) == sizeof(r));
    if (msg)
        snprintf(msg, len, "%s", r.msg);
    return r.rc;
}

static void helper_must(struct helper_proc *hp, unsigned acts)
{
    char msg[CVG_ERR_MSG_MAX];

    ck_assert_msg(helper_do(hp, acts, msg, sizeof(msg)) == 0, "fake helper: %s", msg);
}

static void kill_helper(struct helper_proc *hp)
{
    kill(hp->pid, SIGKILL);
    ck_assert(waitpid(hp->pid, NULL, 0) == hp->pid);
    close(hp->ctl);
}

static int finish_helper(struct helper_proc *hp)
{
    unsigned acts = ACT_FINISH;
    int status = 0;

    ck_assert(write(hp->ctl, &acts, sizeof(acts)) == sizeof(acts));
    ck_assert(waitpid(hp->pid, &status, 0) == hp->pid);
    close(hp->ctl);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

START_TEST(test_sigkill_restores_everything_within_a_second)
{
    struct state before, now;
    struct helper_proc hp;
    unsigned ms;

    get_state(dom, &before);
    spawn_helper(&hp);
    helper_must(&hp, ACT_THROTTLE | ACT_LOGDIRTY | ACT_PAUSE);
    get_state(dom, &now);
    ck_assert_uint_eq(now.cap, 10);
    ck_assert_uint_eq(now.budget[1], 500);
    ck_assert_uint_eq(now.affinity[0], 0x1);
    ck_assert(now.logdirty && now.paused);
    kill_helper(&hp);
    ms = wait_state(&before, RESTORE_DEADLINE_MS);
    fprintf(stderr, "guardian restored cap, budget, affinity, log-dirty, pause in %u ms\n", ms);
    expect_guardian_exit(hp.guardian, 1000);
}
END_TEST

START_TEST(test_kill_of_the_process_group_spares_the_guardian)
{
    struct state before;
    struct helper_proc hp;

    get_state(dom, &before);
    spawn_helper(&hp);
    /* As a terminal's ^C or a kill of xl's group would: the helper's group. */
    ck_assert_int_eq(setpgid(hp.pid, hp.pid), 0);
    helper_must(&hp, ACT_THROTTLE);
    kill(-hp.pid, SIGKILL);
    ck_assert(waitpid(hp.pid, NULL, 0) == hp.pid);
    close(hp.ctl);
    wait_state(&before, RESTORE_DEADLINE_MS);
    expect_guardian_exit(hp.guardian, 1000);
}
END_TEST

START_TEST(test_guardian_holds_no_helper_descriptor)
{
    struct helper_proc hp;
    int p[2];
    char c;

    /* The helper inherits the write end (as it holds a stream), and the
     * guardian was forked with it: the reader must see EOF as soon as the
     * helper dies, while the guardian still watches the suspended guest. */
    ck_assert(pipe(p) == 0);
    spawn_helper(&hp);
    close(p[1]);
    helper_must(&hp, ACT_SUSPEND_LIBXL);
    ck_assert(hv->ops->suspend(hv, dom, NULL) == 0);
    kill_helper(&hp);
    alarm(2);
    ck_assert_int_eq(read(p[0], &c, 1), 0);
    alarm(0);
    ck_assert_int_eq(kill(hp.guardian, 0), 0);
    ck_assert(hv->ops->resume(hv, dom, NULL) == 0);
    expect_guardian_exit(hp.guardian, 1000);
    close(p[0]);
}
END_TEST

START_TEST(test_normal_end_leaves_released_items_alone)
{
    struct state before, now;
    struct helper_proc hp;
    struct cvg_err err = { 0 };

    get_state(dom, &before);
    spawn_helper(&hp);
    helper_must(&hp, ACT_THROTTLE | ACT_RESTORE_SCHED);
    get_state(dom, &now);
    ck_assert(same(&now, &before));
    /* The administrator changes the cap once the helper put it back: the
     * guardian must not "restore" it at the helper's goodbye. */
    ck_assert(hv->ops->cap_set(hv, dom, 77, &err) == 0);
    ck_assert_int_eq(finish_helper(&hp), 0);
    expect_guardian_exit(hp.guardian, 1000);
    get_state(dom, &now);
    ck_assert_uint_eq(now.cap, 77);
}
END_TEST

START_TEST(test_goodbye_restores_what_is_left)
{
    struct state before;
    struct helper_proc hp;

    get_state(dom, &before);
    spawn_helper(&hp);
    helper_must(&hp, ACT_THROTTLE | ACT_LOGDIRTY | ACT_PAUSE);
    ck_assert_int_eq(finish_helper(&hp), 0);
    /* cvg_guard_finish waits for RESTORED: all is back when the helper exits. */
    wait_state(&before, 1);
    expect_guardian_exit(hp.guardian, 1000);
}
END_TEST

START_TEST(test_handed_over_guest_is_never_resumed)
{
    struct state before, want;
    struct helper_proc hp;
    struct cvg_err err = { 0 };

    get_state(dom, &before);
    spawn_helper(&hp);
    helper_must(&hp, ACT_THROTTLE | ACT_SUSPEND_LIBXL);
    ck_assert(hv->ops->suspend(hv, dom, NULL) == 0);            /* libxl suspends */
    helper_must(&hp, ACT_HAND_OVER);                            /* the save completed */
    kill_helper(&hp);
    /* The throttle comes back, the suspend stays: libxl decides. */
    want = before;
    want.suspended = true;
    wait_state(&want, RESTORE_DEADLINE_MS);
    expect_guardian_exit(hp.guardian, 1000);
    harness_sleep_ms(200);
    wait_state(&want, 1);
    ck_assert_msg(hv->ops->resume(hv, dom, &err) == 0, "%s", err.msg);
}
END_TEST

START_TEST(test_libxl_alive_resumes_and_guardian_stays_out)
{
    struct state before, want;
    struct helper_proc hp;
    struct cvg_err err = { 0 };

    get_state(dom, &before);
    spawn_helper(&hp);
    helper_must(&hp, ACT_LOGDIRTY | ACT_SUSPEND_LIBXL);
    ck_assert(hv->ops->suspend(hv, dom, NULL) == 0);
    kill_helper(&hp);
    want = before;
    want.suspended = true;
    wait_state(&want, RESTORE_DEADLINE_MS);
    harness_sleep_ms(300);
    /* libxl (this test) is alive: its resume must be the only one. */
    ck_assert_msg(hv->ops->resume(hv, dom, &err) == 0, "the guardian resumed a guest libxl "
                  "was about to resume: %s", err.msg);
    /* ... and the guardian, seeing it running, ends well before its grace. */
    expect_guardian_exit(hp.guardian, 1000);
}
END_TEST

/*
 * libxl itself dies with the helper (xl killed): nobody else will resume
 * the guest.  A middle process plays libxl: it spawns the helper, the test
 * kills both.
 */
START_TEST(test_libxl_dead_guardian_resumes)
{
    struct state before;
    pid_t libxl, pids[2];
    int p[2];
    unsigned ms;

    get_state(dom, &before);
    ck_assert(pipe(p) == 0);
    libxl = fork();
    ck_assert(libxl >= 0);
    if (libxl == 0) {
        struct helper_proc hp;
        struct cvg_hv *own = NULL;

        close(p[0]);
        spawn_helper(&hp);
        helper_must(&hp, ACT_THROTTLE | ACT_SUSPEND_LIBXL);
        if (cvg_hv_open(&own, NULL) || own->ops->suspend(own, dom, NULL))
            _exit(2);
        pids[0] = hp.pid;
        pids[1] = hp.guardian;
        if (write(p[1], pids, sizeof(pids)) != sizeof(pids))
            _exit(3);
        for (;;)
            pause();
    }
    close(p[1]);
    ck_assert(read(p[0], pids, sizeof(pids)) == sizeof(pids));
    close(p[0]);
    kill(libxl, SIGKILL);
    kill(pids[0], SIGKILL);
    ck_assert(waitpid(libxl, NULL, 0) == libxl);
    /* The helper was libxl's child; we are its subreaper now. */
    ck_assert(waitpid(pids[0], NULL, 0) == pids[0]);
    ms = wait_state(&before, RESTORE_DEADLINE_MS);
    fprintf(stderr, "guardian resumed the guest %u ms after libxl and the helper died\n", ms);
    expect_guardian_exit(pids[1], 1000);
}
END_TEST

START_TEST(test_suspended_by_the_helper_is_resumed_at_once)
{
    struct state before, now;
    struct helper_proc hp;

    get_state(dom, &before);
    spawn_helper(&hp);
    helper_must(&hp, ACT_SUSPEND_SELF);
    get_state(dom, &now);
    ck_assert(now.suspended);
    kill_helper(&hp);
    wait_state(&before, RESTORE_DEADLINE_MS);
    expect_guardian_exit(hp.guardian, 1000);
}
END_TEST

START_TEST(test_values_recorded_by_the_caller_come_back)
{
    struct state before, now;
    struct helper_proc hp;

    get_state(dom, &before);
    spawn_helper(&hp);
    helper_must(&hp, ACT_RECORDED);
    get_state(dom, &now);
    ck_assert_uint_eq(now.cap, 5);
    ck_assert_uint_eq(now.budget[1], 100);
    kill_helper(&hp);
    wait_state(&before, RESTORE_DEADLINE_MS);
    expect_guardian_exit(hp.guardian, 1000);
}
END_TEST

START_TEST(test_release_sched_hands_the_settings_back)
{
    struct state before, now;
    struct helper_proc hp;
    struct cvg_err err = { 0 };

    get_state(dom, &before);
    spawn_helper(&hp);
    helper_must(&hp, ACT_RECORDED | ACT_PUT_BACK_SELF);
    get_state(dom, &now);
    ck_assert(same(&now, &before));
    /* Released: an administrator's later change is not undone at the end. */
    ck_assert(hv->ops->cap_set(hv, dom, 60, &err) == 0);
    kill_helper(&hp);
    expect_guardian_exit(hp.guardian, 1000);
    get_state(dom, &now);
    ck_assert_uint_eq(now.cap, 60);
}
END_TEST

START_TEST(test_no_change_without_a_guardian)
{
    struct state before, now;
    struct helper_proc hp;
    char msg[CVG_ERR_MSG_MAX];

    get_state(dom, &before);
    spawn_helper(&hp);
    kill(hp.guardian, SIGKILL);        /* the helper's child: it is not ours to reap */
    harness_sleep_ms(100);
    ck_assert_int_ne(helper_do(&hp, ACT_THROTTLE, msg, sizeof(msg)), 0);
    ck_assert_msg(strstr(msg, "not recorded, so not changed"), "%s", msg);
    get_state(dom, &now);
    ck_assert(same(&now, &before));
    kill_helper(&hp);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("guardian");
    TCase *tc = tcase_create("sim");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_sigkill_restores_everything_within_a_second);
    tcase_add_test(tc, test_kill_of_the_process_group_spares_the_guardian);
    tcase_add_test(tc, test_guardian_holds_no_helper_descriptor);
    tcase_add_test(tc, test_normal_end_leaves_released_items_alone);
    tcase_add_test(tc, test_goodbye_restores_what_is_left);
    tcase_add_test(tc, test_handed_over_guest_is_never_resumed);
    tcase_add_test(tc, test_libxl_alive_resumes_and_guardian_stays_out);
    tcase_add_test(tc, test_libxl_dead_guardian_resumes);
    tcase_add_test(tc, test_suspended_by_the_helper_is_resumed_at_once);
    tcase_add_test(tc, test_values_recorded_by_the_caller_come_back);
    tcase_add_test(tc, test_release_sched_hands_the_settings_back);
    tcase_add_test(tc, test_no_change_without_a_guardian);
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
