/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dirty-limit controller (lib/dlc.h) against a model domain: vCPUs
 * that dirty R_v pages per CPU-second while they run, run as much as their
 * demand and their share allow (a share takes effect a little into the
 * window), and a log-dirty count with
 * Poisson-like noise.  What is asserted is what a user of dirty-limit
 * cares about: the limited writer ends at its limit, readers are never
 * slowed but for a probe window, a writer that stops is let go, and
 * measured rates match the model's.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dlc.h"
#include "lib/owner_proto.h"

#define MIB 256.0               /* pages */
#define DT 0.1
/* Share of a window before a new share applies: the owner starts a window
 * only once a change had time to take (settle), what is left is jitter. */
#define LAG 0.03

struct model {
    uint32_t n;
    double R[8];                /* pages per CPU-second */
    double demand[8];           /* CPU-s per s it would use */
    double share[8];            /* what the controller asked last */
    double prev[8];
    double run[8];
    uint64_t seed;
    uint32_t reader_slowed;     /* windows where a vCPU without a limit was slowed */
    uint32_t probe_windows;     /* windows with a vCPU slowed to tell it apart */
};

static double gauss(struct model *m)
{
    double u1, u2;

    m->seed = m->seed * 6364136223846793005ull + 1442695040888963407ull;
    u1 = ((m->seed >> 11) + 1.0) / 9007199254740993.0;
    m->seed = m->seed * 6364136223846793005ull + 1442695040888963407ull;
    u2 = (m->seed >> 11) / 9007199254740992.0;
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static void model_init(struct model *m, uint32_t n)
{
    memset(m, 0, sizeof(*m));
    m->n = n;
    m->seed = 42;
    for (uint32_t v = 0; v < n; v++) {
        m->demand[v] = 1;
        m->share[v] = m->prev[v] = 1;
    }
}

/* One window: the model runs, the controller observes and plans. */
static double step(struct model *m, struct cvg_dlc *d)
{
    struct cvg_dlc_window w = { .dt_s = DT, .run_s = m->run };
    double pages = 0;

    for (uint32_t v = 0; v < m->n; v++) {
        double before = fmin(m->demand[v], m->prev[v]), after = fmin(m->demand[v], m->share[v]);

        m->run[v] = DT * (LAG * before + (1 - LAG) * after);
        pages += m->R[v] * m->run[v];
    }
    pages += sqrt(pages) * gauss(m);
    w.pages = pages > 0 ? pages : 0;
    cvg_dlc_observe(d, &w);
    memcpy(m->prev, m->share, sizeof(m->prev));
    cvg_dlc_plan(d, m->share);
    if (cvg_dlc_probe_window(d))
        m->probe_windows++;
    for (uint32_t v = 0; v < m->n; v++)
        if (d->quota[v] <= 0 && m->share[v] < 0.999 && !cvg_dlc_probe_window(d))
            m->reader_slowed++;
    return pages / DT;
}

/* What vCPU v really dirtied per second in the last window. */
static double actual(const struct model *m, uint32_t v)
{
    return m->R[v] * m->run[v] / DT;
}

static struct cvg_dlc *new_dlc(uint32_t n)
{
    struct cvg_dlc *d = calloc(1, sizeof(*d));
    struct cvg_dlc_params p;

    cvg_dlc_defaults(&p);
    cvg_dlc_init(d, n, &p);
    return d;
}

/* Mean over the next k windows of vCPU v's actual rate. */
static double run_mean(struct model *m, struct cvg_dlc *d, uint32_t v, uint32_t k)
{
    double sum = 0;

    for (uint32_t i = 0; i < k; i++) {
        step(m, d);
        sum += actual(m, v);
    }
    return sum / k;
}

START_TEST(test_writer_held_at_its_limit_readers_free)
{
    struct model m;
    struct cvg_dlc *d = new_dlc(4);
    double got;

    model_init(&m, 4);
    m.R[0] = 400 * MIB;         /* readers: R 0, busy all the time */
    cvg_dlc_set_quota(d, 0, 100 * MIB);
    for (int i = 0; i < 30; i++)        /* 3 s */
        step(&m, d);
    got = run_mean(&m, d, 0, 10);
    ck_assert_msg(fabs(got - 100 * MIB) < 0.05 * 100 * MIB,
                  "vcpu 0 dirties %.1f MiB/s after 3 s, limit 100", got / MIB);
    ck_assert_uint_eq(m.reader_slowed, 0);
    for (uint32_t v = 1; v < 4; v++)
        ck_assert_double_eq_tol(m.share[v], 1, 1e-9);
    /* The list says enforcing, at the right rate. */
    ck_assert(!d->learning[0]);
    ck_assert_msg(fabs(cvg_dlc_rate(d, 0) - 100 * MIB) < 0.1 * 100 * MIB, "reported %.1f",
                  cvg_dlc_rate(d, 0) / MIB);
    ck_assert(cvg_dlc_flags(d, 0) & CVG_OWN_VCPU_LIMITED);

    /* Cancelled: full speed from the next window on. */
    cvg_dlc_set_quota(d, 0, 0);
    step(&m, d);
    ck_assert_double_eq_tol(m.share[0], 1, 1e-9);
    got = run_mean(&m, d, 0, 5);
    ck_assert_double_ge(got, 0.95 * 400 * MIB);
    free(d);
}
END_TEST

START_TEST(test_limit_on_every_vcpu_spares_readers)
{
    struct model m;
    struct cvg_dlc *d = new_dlc(4);
    double w0, w2;

    model_init(&m, 4);
    m.R[0] = 400 * MIB;
    m.R[2] = 50 * MIB;          /* under the limit: must not be slowed either */
    for (uint32_t v = 0; v < 4; v++)
        cvg_dlc_set_quota(d, v, 100 * MIB);
    for (int i = 0; i < 30; i++)
        step(&m, d);
    w0 = run_mean(&m, d, 0, 10);
    ck_assert_msg(fabs(w0 - 100 * MIB) < 0.05 * 100 * MIB, "vcpu 0 at %.1f MiB/s", w0 / MIB);
    for (uint32_t v = 1; v < 4; v++)
        ck_assert_msg(m.share[v] > 0.999, "vcpu %u (rate %.0f MiB/s) throttled to %.2f", v,
                      m.R[v] / MIB, m.share[v]);
    w2 = run_mean(&m, d, 2, 5);
    ck_assert_double_ge(w2, 0.95 * 50 * MIB);
    free(d);
}
END_TEST

START_TEST(test_writer_that_stops_is_let_go)
{
    struct model m;
    struct cvg_dlc *d = new_dlc(2);
    int i;

    model_init(&m, 2);
    m.R[0] = 400 * MIB;
    cvg_dlc_set_quota(d, 0, 100 * MIB);
    for (i = 0; i < 30; i++)
        step(&m, d);
    ck_assert_double_lt(m.share[0], 0.3);
    m.R[0] = 0;                 /* the guest's writer turns into a reader */
    for (i = 0; i < 50 && m.share[0] < 0.999; i++)
        step(&m, d);
    ck_assert_msg(m.share[0] > 0.999, "vcpu 0 still at share %.2f 5 s after it stopped "
                  "writing", m.share[0]);
    free(d);
}
END_TEST

START_TEST(test_new_writer_is_found_and_limited)
{
    struct model m;
    struct cvg_dlc *d = new_dlc(4);
    double w0, w3;

    model_init(&m, 4);
    m.R[0] = 400 * MIB;
    for (uint32_t v = 0; v < 4; v++)
        cvg_dlc_set_quota(d, v, 100 * MIB);
    for (int i = 0; i < 30; i++)
        step(&m, d);
    /* A reader becomes a heavy writer: it must not be blamed on vcpu 0,
     * and it must get its own limit. */
    m.R[3] = 300 * MIB;
    for (int i = 0; i < 40; i++)
        step(&m, d);
    w0 = run_mean(&m, d, 0, 10);
    w3 = run_mean(&m, d, 3, 10);
    ck_assert_msg(fabs(w0 - 100 * MIB) < 0.1 * 100 * MIB, "vcpu 0 at %.1f MiB/s", w0 / MIB);
    ck_assert_msg(fabs(w3 - 100 * MIB) < 0.1 * 100 * MIB, "vcpu 3 at %.1f MiB/s", w3 / MIB);
    ck_assert(m.share[1] > 0.999 && m.share[2] > 0.999);
    free(d);
}
END_TEST

START_TEST(test_measurement_tells_vcpus_apart)
{
    struct model m;
    struct cvg_dlc *d = new_dlc(4);

    model_init(&m, 4);
    m.R[0] = 200 * MIB;
    m.R[1] = 60 * MIB;
    m.demand[3] = 0;            /* idle */
    d->identify = true;
    for (int i = 0; i < 20; i++)
        step(&m, d);
    ck_assert(!cvg_dlc_probing(d));
    for (uint32_t v = 0; v < 4; v++) {
        double want = m.R[v] * m.demand[v], got = d->est.r[v] * d->cpu[v];

        /* Within 10 %, or 2 % of the domain's rate for a non-writer. */
        ck_assert_msg(fabs(got - want) <= 0.1 * want + 0.02 * 260 * MIB,
                      "vcpu %u: %.1f MiB/s estimated, %.1f true", v, got / MIB, want / MIB);
    }
    ck_assert(cvg_dlc_flags(d, 3) & CVG_OWN_VCPU_IDLE);
    ck_assert(!(cvg_dlc_flags(d, 0) & CVG_OWN_VCPU_UNSPLIT));
    /* A measurement slows no vCPU but in probe windows, at most every
     * other window once the round is over. */
    ck_assert_uint_eq(m.reader_slowed, 0);
    ck_assert_uint_le(m.probe_windows, 11);
    free(d);
}
END_TEST

START_TEST(test_without_probes_lockstep_vcpus_stay_unsplit)
{
    struct model m;
    struct cvg_dlc *d = new_dlc(3);

    model_init(&m, 3);
    m.R[0] = 200 * MIB;
    d->probe_allowed = false;
    for (int i = 0; i < 20; i++)
        step(&m, d);
    ck_assert_uint_eq(m.probe_windows, 0);
    for (uint32_t v = 0; v < 3; v++) {
        ck_assert(cvg_dlc_flags(d, v) & CVG_OWN_VCPU_UNSPLIT);
        ck_assert_double_le(cvg_dlc_confidence(d, v), 1.0 / 3 + 1e-9);
    }
    /* The total is still right: split by run time. */
    ck_assert_double_eq_tol(cvg_dlc_rate(d, 0) + cvg_dlc_rate(d, 1) + cvg_dlc_rate(d, 2),
                            200 * MIB, 0.05 * 200 * MIB);
    free(d);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dlc");
    TCase *tc = tcase_create("model");

    tcase_add_test(tc, test_writer_held_at_its_limit_readers_free);
    tcase_add_test(tc, test_limit_on_every_vcpu_spares_readers);
    tcase_add_test(tc, test_writer_that_stops_is_let_go);
    tcase_add_test(tc, test_new_writer_is_found_and_limited);
    tcase_add_test(tc, test_measurement_tells_vcpus_apart);
    tcase_add_test(tc, test_without_probes_lockstep_vcpus_stay_unsplit);
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
