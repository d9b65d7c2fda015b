/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dirty-rate: what a toolstack does with libxenconverge, in one page.
 *
 * Measures how fast a domain dirties memory, per vCPU; with --limit, holds
 * its busiest vCPU at half that rate for a few seconds, shows the limit at
 * work, and cancels it.
 *
 *   cc dirty-rate.c $(pkg-config --cflags --libs xenconverge) -o dirty-rate
 *   ./dirty-rate DOMID [PERIOD_MS] [--limit]
 *
 * On a machine without Xen, point it at the simulator:
 *   XENCONVERGE_SIM=/tmp/simd.sock ./dirty-rate 1 --limit
 *
 * Every call returns 0 or a negative errno; the reason also goes to the
 * xentoollog logger given at open (here: stderr), as with libxl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xenconverge.h>

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static int show_rates(xenconverge_handle *h, uint32_t domid, uint32_t period_ms,
                      uint32_t *busiest, double *busiest_rate)
{
    struct xenconverge_dirty_rate r;
    int rc = xenconverge_dirty_rate_measure(h, domid, period_ms, 0, &r);

    if (rc)
        return rc;
    printf("domain %u: %.1f MiB/s over %u ms (confidence %.2f)\n", r.domid, r.rate_mib_s,
           r.period_ms, r.confidence);
    *busiest_rate = -1;
    for (uint32_t i = 0; i < r.nr_vcpus; i++) {
        const struct xenconverge_vcpu_rate *v = &r.vcpus[i];

        printf("  vcpu %u: %.1f MiB/s, confidence %.2f, cpu %.2f%s\n", v->vcpu, v->rate_mib_s,
               v->confidence, v->cpu, v->flags & XENCONVERGE_VCPU_IDLE ? " (idle)" : "");
        if (v->rate_mib_s > *busiest_rate) {
            *busiest_rate = v->rate_mib_s;
            *busiest = v->vcpu;
        }
    }
    xenconverge_dirty_rate_dispose(&r);
    return 0;
}

static int limit_for_a_while(xenconverge_handle *h, uint32_t domid, uint32_t vcpu,
                             uint32_t mib_s)
{
    struct xenconverge_dirty_limits l;
    int rc = xenconverge_dirty_limit_set(h, domid, vcpu, mib_s, 0);

    if (rc)
        return rc;
    printf("vcpu %u limited to %u MiB/s\n", vcpu, mib_s);
    for (int i = 0; i < 3 && !rc; i++) {
        sleep_ms(1000);
        rc = xenconverge_dirty_limit_list(h, domid, &l);
        for (uint32_t j = 0; !rc && j < l.nr; j++)
            printf("  vcpu %u: %.1f MiB/s now (limit %u, share %.2f, %s)\n", l.limits[j].vcpu,
                   l.limits[j].current_mib_s, l.limits[j].limit_mib_s, l.limits[j].share,
                   l.limits[j].state == XENCONVERGE_LIMIT_ENFORCING ? "enforcing" :
                   l.limits[j].state == XENCONVERGE_LIMIT_LEARNING ? "learning" : "suspended");
        if (!rc)
            xenconverge_dirty_limits_dispose(&l);
    }
    /* Cancel even after a failure: the limit would outlive us otherwise. */
    if (xenconverge_dirty_limit_cancel(h, domid, vcpu) == 0)
        printf("limit cancelled\n");
    return rc;
}

int main(int argc, char **argv)
{
    xentoollog_logger_stdiostream *logger;
    xenconverge_handle *h = NULL;
    uint32_t domid, period_ms = 1000, busiest = 0;
    double busiest_rate = 0;
    int limit = 0, rc;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DOMID [PERIOD_MS] [--limit]\n", argv[0]);
        return 2;
    }
    domid = (uint32_t)strtoul(argv[1], NULL, 10);
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--limit"))
            limit = 1;
        else
            period_ms = (uint32_t)strtoul(argv[i], NULL, 10);
    }

    logger = xtl_createlogger_stdiostream(stderr, XTL_WARN, 0);
    if (!logger)
        return 1;
    rc = xenconverge_open(&h, (xentoollog_logger *)logger, NULL, 0);
    if (!rc)
        rc = show_rates(h, domid, period_ms, &busiest, &busiest_rate);
    if (!rc && limit && busiest_rate >= 2)
        rc = limit_for_a_while(h, domid, busiest, (uint32_t)(busiest_rate / 2));
    else if (!rc && limit)
        printf("nothing dirties memory fast enough to be worth a limit\n");
    if (rc)
        fprintf(stderr, "dirty-rate: %s\n", strerror(-rc));
    xenconverge_close(h);
    xtl_logger_destroy((xentoollog_logger *)logger);
    return rc ? 1 : 0;
}
