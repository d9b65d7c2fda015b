/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl-converge migrate-info DOMAIN [--json] [--watch] [--interval MS] [--count N]
 *
 * QEMU's `info migrate` for a Xen domain: the live statistics of the
 * converge-helper saving it now (libxenconverge).  --watch prints one line
 * (or JSON object) per interval until the migration ends.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "cli/api_cli.h"
#include "cli/cmds.h"
#include "common/json.h"

#define MIB (1024.0 * 1024.0)

static void usage(FILE *f)
{
    fprintf(f, "Usage: xl-converge migrate-info DOMAIN [--json] [--watch] [--interval MS] "
            "[--count N]\n");
}

static void print_json(const struct xenconverge_migration_info *m)
{
    printf("{\"domid\": %u, \"helper_pid\": %d, \"phase\": ", m->domid, (int)m->helper_pid);
    cvg_json_string(stdout, m->phase);
    printf(", \"elapsed_ms\": %" PRIu64 ", \"pass\": %u, \"memory_bytes\": %" PRIu64
           ", \"bytes_sent\": %" PRIu64 ", \"remaining_bytes\": %" PRIu64
           ", \"dirty_rate\": %.3f, \"bandwidth\": %.3f, \"throttle_pct\": %u"
           ", \"expected_downtime_ms\": %" PRIu64 ", \"downtime_limit_ms\": %u"
           ", \"eta_ms\": %" PRId64 "}\n", m->elapsed_ms, m->pass, m->memory_bytes,
           m->bytes_sent, m->remaining_bytes, m->dirty_rate_mib_s, m->bandwidth_mib_s,
           m->throttle_pct, m->expected_downtime_ms, m->downtime_limit_ms, m->eta_ms);
}

static void eta(char *buf, size_t len, int64_t ms)
{
    if (ms < 0)
        snprintf(buf, len, "none (not converging at these rates)");
    else
        snprintf(buf, len, "%.1f s", ms / 1000.0);
}

static void print_text(const struct xenconverge_migration_info *m)
{
    char e[64];

    eta(e, sizeof(e), m->eta_ms);
    printf("Migration of domain %u (converge-helper pid %d): %s, pass %u\n", m->domid,
           (int)m->helper_pid, m->phase, m->pass);
    printf("  total time:         %.1f s\n", m->elapsed_ms / 1000.0);
    printf("  memory:             %.1f MiB\n", m->memory_bytes / MIB);
    printf("  transferred:        %.1f MiB\n", m->bytes_sent / MIB);
    printf("  remaining:          %.1f MiB\n", m->remaining_bytes / MIB);
    printf("  dirty rate:         %.1f MiB/s\n", m->dirty_rate_mib_s);
    printf("  bandwidth:          %.1f MiB/s\n", m->bandwidth_mib_s);
    printf("  throttle:           %u %%\n", m->throttle_pct);
    printf("  expected downtime:  %" PRIu64 " ms (limit %u ms)\n", m->expected_downtime_ms,
           m->downtime_limit_ms);
    printf("  ETA:                %s\n", e);
}

static void print_line(const struct xenconverge_migration_info *m)
{
    char e[64];

    eta(e, sizeof(e), m->eta_ms);
    printf("%7.1f s  pass %-3u sent %8.1f MiB  remaining %8.1f MiB  dirty %7.1f MiB/s  "
           "bw %7.1f MiB/s  throttle %2u %%  downtime %5" PRIu64 " ms  ETA %s\n",
           m->elapsed_ms / 1000.0, m->pass, m->bytes_sent / MIB, m->remaining_bytes / MIB,
           m->dirty_rate_mib_s, m->bandwidth_mib_s, m->throttle_pct, m->expected_downtime_ms,
           e);
}

int cvg_cmd_migrate_info(int argc, char **argv)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' },
        { "watch", no_argument, NULL, 'w' },
        { "interval", required_argument, NULL, 'i' },
        { "count", required_argument, NULL, 'c' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct xenconverge_migration_info m;
    struct cvg_cli_api a;
    uint32_t domid, interval = 1000, count = 0, shown = 0;
    bool json = false, watch = false, verbose = false;
    int opt, rc;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "jwi:c:vh", opts, NULL)) != -1) {
        switch (opt) {
        case 'j':
            json = true;
            break;
        case 'w':
            watch = true;
            break;
        case 'i':
            if (cvg_cli_u32(optarg, 100, 3600000, &interval)) {
                fprintf(stderr, "migrate-info: --interval %s is not 100..3600000 ms\n", optarg);
                return 2;
            }
            break;
        case 'c':
            if (cvg_cli_u32(optarg, 1, UINT32_MAX, &count)) {
                fprintf(stderr, "migrate-info: --count %s\n", optarg);
                return 2;
            }
            break;
        case 'v':
            verbose = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 1 || (count && !watch)) {
        usage(stderr);
        return 2;
    }
    if (cvg_cli_domid("migrate-info", argv[optind], &domid) || cvg_cli_api_open(&a, verbose))
        return 1;
    rc = xenconverge_migration_info(a.h, domid, &m);
    if (rc == -ESRCH)
        fprintf(stderr, "migrate-info: %s\n", xenconverge_last_error(a.h));
    while (!rc) {
        if (json)
            print_json(&m);
        else if (watch)
            print_line(&m);
        else
            print_text(&m);
        fflush(stdout);
        if (!watch || (count && ++shown >= count))
            break;
        nanosleep(&(struct timespec){ interval / 1000, (long)(interval % 1000) * 1000000L },
                  NULL);
        /* The end of the migration ends the watch: not an error. */
        rc = xenconverge_migration_info(a.h, domid, &m);
        if (rc == -ESRCH) {
            if (!json)
                printf("migration of domain %u ended\n", domid);
            rc = 0;
            break;
        }
    }
    cvg_cli_api_close(&a);
    return rc ? 1 : 0;
}
