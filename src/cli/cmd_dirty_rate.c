/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl-converge dirty-rate DOMAIN [--period MS] [--json] [--no-probe] [-v]
 *
 * QEMU's calc-dirty-rate for a Xen domain: the domain's dirty rate and
 * each vCPU's, in MiB/s, with a confidence (libxenconverge).  The JSON
 * holds at least {domid, rate, vcpus: [{id, rate, confidence}]}.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "cli/api_cli.h"
#include "cli/cmds.h"
#include "common/json.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: xl-converge dirty-rate DOMAIN [--period MS] [--json] [--no-probe] [-v]\n");
}

static void notes(FILE *f, uint32_t flags, bool json)
{
    static const struct { uint32_t bit; const char *name; } names[] = {
        { XENCONVERGE_VCPU_IDLE, "idle" },
        { XENCONVERGE_VCPU_PROBED, "probed" },
        { XENCONVERGE_VCPU_UNSPLIT, "unsplit" },
        { XENCONVERGE_VCPU_LIMITED, "limited" },
    };
    bool first = true;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(flags & names[i].bit))
            continue;
        if (json) {
            fprintf(f, "%s", first ? "" : ", ");
            cvg_json_string(f, names[i].name);
        } else {
            fprintf(f, "%s%s", first ? "" : ",", names[i].name);
        }
        first = false;
    }
}

static void print_json(const struct xenconverge_dirty_rate *r)
{
    printf("{\"domid\": %u, \"source\": \"%s\", \"period_ms\": %u, \"rate\": %.3f, "
           "\"confidence\": %.3f, \"vcpus\": [", r->domid,
           r->source == XENCONVERGE_SOURCE_MIGRATION ? "migration" : "logdirty", r->period_ms,
           r->rate_mib_s, r->confidence);
    for (uint32_t i = 0; i < r->nr_vcpus; i++) {
        const struct xenconverge_vcpu_rate *v = &r->vcpus[i];

        printf("%s{\"id\": %u, \"rate\": %.3f, \"confidence\": %.3f, \"cpu\": %.3f, "
               "\"flags\": [", i ? ", " : "", v->vcpu, v->rate_mib_s, v->confidence, v->cpu);
        notes(stdout, v->flags, true);
        printf("]}");
    }
    printf("]}\n");
}

static void print_text(const struct xenconverge_dirty_rate *r)
{
    printf("Domain %u dirtied %.1f MiB/s over %u ms (confidence %.2f%s)\n", r->domid,
           r->rate_mib_s, r->period_ms, r->confidence,
           r->source == XENCONVERGE_SOURCE_MIGRATION ? ", from its migration's statistics" : "");
    printf("%-6s %12s %11s %6s  %s\n", "vCPU", "rate MiB/s", "confidence", "cpu", "notes");
    for (uint32_t i = 0; i < r->nr_vcpus; i++) {
        const struct xenconverge_vcpu_rate *v = &r->vcpus[i];

        printf("%-6u %12.1f %11.2f %6.2f  ", v->vcpu, v->rate_mib_s, v->confidence, v->cpu);
        notes(stdout, v->flags, false);
        printf("\n");
    }
}

int cvg_cmd_dirty_rate(int argc, char **argv)
{
    static const struct option opts[] = {
        { "period", required_argument, NULL, 'p' },
        { "json", no_argument, NULL, 'j' },
        { "no-probe", no_argument, NULL, 'n' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct xenconverge_dirty_rate r;
    struct cvg_cli_api a;
    uint32_t domid, period = XENCONVERGE_PERIOD_DEFAULT_MS;
    unsigned flags = 0;
    bool json = false, verbose = false;
    int opt, rc;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "p:jnvh", opts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            if (cvg_cli_u32(optarg, XENCONVERGE_PERIOD_MIN_MS, XENCONVERGE_PERIOD_MAX_MS,
                            &period)) {
                fprintf(stderr, "dirty-rate: --period %s is not %u..%u ms\n", optarg,
                        XENCONVERGE_PERIOD_MIN_MS, XENCONVERGE_PERIOD_MAX_MS);
                return 2;
            }
            break;
        case 'j':
            json = true;
            break;
        case 'n':
            flags |= XENCONVERGE_MEASURE_NO_PROBE;
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
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    if (cvg_cli_domid("dirty-rate", argv[optind], &domid) || cvg_cli_api_open(&a, verbose))
        return 1;
    rc = xenconverge_dirty_rate_measure(a.h, domid, period, flags, &r);
    if (!rc) {
        if (json)
            print_json(&r);
        else
            print_text(&r);
        xenconverge_dirty_rate_dispose(&r);
    }
    cvg_cli_api_close(&a);
    return rc ? 1 : 0;
}
