/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl-converge dirty-limit DOMAIN --vcpu N|all --rate MIB_S
 * xl-converge dirty-limit DOMAIN --cancel [--vcpu N|all]
 * xl-converge dirty-limit DOMAIN --list [--json]
 *
 * QEMU's set-vcpu-dirty-limit, cancel-vcpu-dirty-limit and
 * query-vcpu-dirty-limit for a Xen domain (libxenconverge).  A limit
 * outlives this command: the domain's owner process holds it until it is
 * cancelled, and its guardian puts the domain back if the owner is killed.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/api_cli.h"
#include "cli/cmds.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: xl-converge dirty-limit DOMAIN --vcpu N|all --rate MIB_S\n"
               "       xl-converge dirty-limit DOMAIN --cancel [--vcpu N|all]\n"
               "       xl-converge dirty-limit DOMAIN --list [--json]\n");
}

static const char *state_name(uint32_t s)
{
    switch (s) {
    case XENCONVERGE_LIMIT_ENFORCING: return "enforcing";
    case XENCONVERGE_LIMIT_LEARNING: return "learning";
    case XENCONVERGE_LIMIT_SUSPENDED: return "suspended (migration)";
    default: return "unknown";
    }
}

static int list(xenconverge_handle *h, uint32_t domid, bool json)
{
    struct xenconverge_dirty_limits l;
    int rc = xenconverge_dirty_limit_list(h, domid, &l);

    if (rc)
        return 1;
    if (json) {
        printf("{\"domid\": %u, \"owner_pid\": %d, \"limits\": [", domid, (int)l.owner_pid);
        for (uint32_t i = 0; i < l.nr; i++) {
            const struct xenconverge_dirty_limit *x = &l.limits[i];

            printf("%s{\"vcpu\": %u, \"limit\": %u, \"current\": %.3f, \"confidence\": %.3f, "
                   "\"share\": %.3f, \"state\": \"%s\"}", i ? ", " : "", x->vcpu,
                   x->limit_mib_s, x->current_mib_s, x->confidence, x->share,
                   x->state == XENCONVERGE_LIMIT_SUSPENDED ? "suspended" :
                   state_name(x->state));
        }
        printf("]}\n");
    } else if (!l.nr) {
        printf("Domain %u has no dirty limit\n", domid);
    } else {
        printf("Domain %u: dirty limits held by converge-limitd pid %d\n", domid,
               (int)l.owner_pid);
        printf("%-6s %12s %14s %11s %6s  %s\n", "vCPU", "limit MiB/s", "current MiB/s",
               "confidence", "share", "state");
        for (uint32_t i = 0; i < l.nr; i++) {
            const struct xenconverge_dirty_limit *x = &l.limits[i];

            printf("%-6u %12u %14.1f %11.2f %6.2f  %s\n", x->vcpu, x->limit_mib_s,
                   x->current_mib_s, x->confidence, x->share, state_name(x->state));
        }
    }
    xenconverge_dirty_limits_dispose(&l);
    return 0;
}

int cvg_cmd_dirty_limit(int argc, char **argv)
{
    static const struct option opts[] = {
        { "vcpu", required_argument, NULL, 'c' },
        { "rate", required_argument, NULL, 'r' },
        { "cancel", no_argument, NULL, 'x' },
        { "list", no_argument, NULL, 'l' },
        { "json", no_argument, NULL, 'j' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct cvg_cli_api a;
    uint32_t domid, vcpu = XENCONVERGE_ALL_VCPUS, rate = 0;
    bool have_vcpu = false, cancel = false, do_list = false, json = false, verbose = false;
    int opt, rc;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:r:xljvh", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            if (strcmp(optarg, "all") &&
                cvg_cli_u32(optarg, 0, XENCONVERGE_MAX_VCPUS - 1, &vcpu)) {
                fprintf(stderr, "dirty-limit: --vcpu %s is neither a vCPU number nor 'all'\n",
                        optarg);
                return 2;
            }
            have_vcpu = true;
            break;
        case 'r':
            if (cvg_cli_u32(optarg, 1, XENCONVERGE_LIMIT_MAX_MIB_S, &rate)) {
                fprintf(stderr, "dirty-limit: --rate %s is not 1..%u MiB/s\n", optarg,
                        XENCONVERGE_LIMIT_MAX_MIB_S);
                return 2;
            }
            break;
        case 'x':
            cancel = true;
            break;
        case 'l':
            do_list = true;
            break;
        case 'j':
            json = true;
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
    if (optind != argc - 1 || cancel + do_list + (rate != 0) != 1 ||
        (rate && !have_vcpu) || (do_list && have_vcpu) || (json && !do_list)) {
        usage(stderr);
        return 2;
    }
    if (cvg_cli_domid("dirty-limit", argv[optind], &domid) || cvg_cli_api_open(&a, verbose))
        return 1;
    if (do_list)
        rc = list(a.h, domid, json);
    else if (cancel)
        rc = xenconverge_dirty_limit_cancel(a.h, domid, vcpu) ? 1 : 0;
    else
        rc = xenconverge_dirty_limit_set(a.h, domid, vcpu, rate, 0) ? 1 : 0;
    cvg_cli_api_close(&a);
    return rc;
}
