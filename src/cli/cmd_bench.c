/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl-converge bench SCENARIO [--policy P] [--json REPORT] [--timeline CSV]
 *                   [--lever budget|affinity|cap] [--seed N] [--periodic-sync]
 *                   [--no-dirty-ring] [--oracle] [--fixed-share A]
 *                   [--target-factor F] [--trace CSV] [-q]
 *
 * Runs SCENARIO in virtual time (src/vtime/model.h): the same policy code as
 * converge-helper, a modelled guest, scheduler and link, deterministic for a
 * seed, any guest size.  Prints one summary line; --json writes the report
 * (design.md's fields), --timeline a CSV for plots, --trace a CSV line per
 * policy step (policy/trace.h: the helper writes the same with
 * XENCONVERGE_POLICY_TRACE, to compare with a real-time run).  --oracle adds
 * "oracle_share": the largest constant writer share that would also have
 * converged by this run's end (what the link allows in that time).
 * Exit status 0 when the migration completed with the downtime within the
 * limit, 1 otherwise, 2 on usage errors.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmds.h"
#include "config/scenario.h"
#include "config/tunables.h"
#include "policy/trace.h"
#include "vtime/model.h"
#include "vtime/report.h"

_Static_assert((int)CVG_POLICY_KIND_CONVERGE == (int)CVG_POLICY_CONVERGE &&
               (int)CVG_POLICY_KIND_XEN_DEFAULT == (int)CVG_POLICY_XEN_DEFAULT &&
               (int)CVG_POLICY_KIND_AUTO_CONVERGE == (int)CVG_POLICY_AUTO_CONVERGE &&
               (int)CVG_POLICY_KIND_DIRTY_LIMIT == (int)CVG_POLICY_DIRTY_LIMIT,
               "policy kinds mirror the tunable's enum");

static void usage(FILE *f)
{
    fprintf(f, "Usage: xl-converge bench SCENARIO [--policy converge|xen-default|"
            "auto-converge|dirty-limit]\n"
            "         [--json REPORT] [--timeline CSV] [--lever budget|affinity|cap] "
            "[--seed N]\n"
            "         [--periodic-sync] [--no-dirty-ring] [--oracle] [--fixed-share A]\n"
            "         [--target-factor F] [--trace CSV] [-q]\n");
}

struct timeline {
    FILE *f;
    bool header;
};

static void timeline_row(void *opaque, const struct cvg_vt_sample *s)
{
    struct timeline *tl = opaque;

    if (!tl->header) {
        fprintf(tl->f, "t_s,pass,remaining_mib,throttle_pct,eta_s");
        for (uint32_t v = 0; v < s->nr_vcpus; v++)
            fprintf(tl->f, ",share%u", v);
        fputc('\n', tl->f);
        tl->header = true;
    }
    fprintf(tl->f, "%.3f,%u,%.3f,%.2f,", s->t_s, s->pass, s->remaining_bytes / 1048576.0,
            s->throttle_pct);
    if (s->eta_s >= 0)
        fprintf(tl->f, "%.3f", s->eta_s);
    for (uint32_t v = 0; v < s->nr_vcpus; v++)
        fprintf(tl->f, ",%.4f", s->share[v]);
    fputc('\n', tl->f);
}

struct trace {
    FILE *f;
    bool header;
};

static void trace_step(void *opaque, const struct cvg_policy_state *pol,
                       const struct cvg_policy_input *in, const struct cvg_policy_output *out)
{
    struct trace *tr = opaque;
    char line[8192];

    if (!tr->header) {
        cvg_policy_trace_header(line, sizeof(line), pol->p.nr_vcpus);
        fputs(line, tr->f);
        tr->header = true;
    }
    /* A line too long for the buffer (many vCPUs) is cut, never split. */
    if (cvg_policy_trace_line(line, sizeof(line), pol, in, out) < (int)sizeof(line))
        fputs(line, tr->f);
}

static int parse_share(const char *s, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0 && v <= 1))
        return -EINVAL;
    *out = v;
    return 0;
}

int cvg_cmd_bench(int argc, char **argv)
{
    static const struct option opts[] = {
        { "policy", required_argument, NULL, 'P' },
        { "json", required_argument, NULL, 'j' },
        { "timeline", required_argument, NULL, 't' },
        { "lever", required_argument, NULL, 'l' },
        { "seed", required_argument, NULL, 's' },
        { "periodic-sync", no_argument, NULL, 'S' },
        { "no-dirty-ring", no_argument, NULL, 'R' },
        { "oracle", no_argument, NULL, 'O' },
        { "fixed-share", required_argument, NULL, 'F' },
        { "target-factor", required_argument, NULL, 'T' },
        { "trace", required_argument, NULL, 'r' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    enum cvg_policy policy = CVG_POLICY_CONVERGE;
    enum cvg_lever lever = CVG_LEVER_BUDGET;
    const char *json = NULL, *tlpath = NULL, *seed = NULL, *trpath = NULL;
    bool periodic = false, no_ring = false, oracle = false, quiet = false;
    double fixed = 0, target = 0;
    struct cvg_scenario sc;
    struct cvg_vt_opts o;
    struct cvg_vt_result *r = NULL;
    struct cvg_vt_report_info info;
    struct timeline tl = { NULL, false };
    struct trace tr = { NULL, false };
    struct cvg_err err = { 0 };
    int opt, rc = 1;
    bool loaded = false;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "P:j:t:l:s:SROF:T:r:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'P':
            if (cvg_policy_parse(optarg, &policy)) {
                fprintf(stderr, "bench: unknown policy '%s' (converge, xen-default, "
                        "auto-converge, dirty-limit)\n", optarg);
                return 2;
            }
            break;
        case 'j': json = optarg; break;
        case 't': tlpath = optarg; break;
        case 'r': trpath = optarg; break;
        case 'l':
            if (cvg_lever_parse(optarg, &lever)) {
                fprintf(stderr, "bench: unknown lever '%s' (budget, affinity, cap)\n", optarg);
                return 2;
            }
            break;
        case 's': seed = optarg; break;
        case 'S': periodic = true; break;
        case 'R': no_ring = true; break;
        case 'O': oracle = true; break;
        case 'F':
            if (parse_share(optarg, &fixed)) {
                fprintf(stderr, "bench: --fixed-share wants a share in (0, 1], not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'T': {
            char *end;

            errno = 0;
            target = strtod(optarg, &end);
            if (errno || end == optarg || *end || !(target >= 1 && target <= 100)) {
                fprintf(stderr, "bench: --target-factor wants a number in [1, 100], "
                        "not '%s'\n", optarg);
                return 2;
            }
            break;
        }
        case 'q': quiet = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return 2;
    }
    if (cvg_scenario_load(argv[optind], &sc, &err)) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    loaded = true;
    if (seed) {
        char *end;

        errno = 0;
        sc.seed = strtoull(seed, &end, 0);
        if (errno || end == seed || *end) {
            fprintf(stderr, "bench: --seed wants an unsigned integer, not '%s'\n", seed);
            rc = 2;
            goto out;
        }
    }
    r = malloc(sizeof(*r));
    if (!r) {
        fprintf(stderr, "bench: out of memory\n");
        goto out;
    }
    cvg_vt_opts_init(&o, &sc, (enum cvg_policy_kind)policy);
    o.lever = lever;
    o.params.periodic_sync = periodic;
    o.dirty_ring = !no_ring;
    o.fixed_share = fixed;
    if (target > 0)
        o.params.cv.target_factor = target;
    if (tlpath) {
        tl.f = fopen(tlpath, "w");
        if (!tl.f) {
            fprintf(stderr, "bench: %s: %s\n", tlpath, strerror(errno));
            goto out;
        }
        o.timeline = timeline_row;
        o.opaque = &tl;
        /* About 2000 rows whatever the length. */
        o.timeline_ms = sc.max_time_s > 200 ? sc.max_time_s / 2 : 100;
    }
    if (trpath) {
        tr.f = fopen(trpath, "w");
        if (!tr.f) {
            fprintf(stderr, "bench: %s: %s\n", trpath, strerror(errno));
            goto out;
        }
        o.trace = trace_step;
        o.trace_opaque = &tr;
    }
    if (cvg_vt_run(&sc, &o, r, &err)) {
        fprintf(stderr, "bench: %s: %s\n", sc.name, err.msg);
        goto out;
    }
    info = (struct cvg_vt_report_info){ sc.name, cvg_policy_name(policy),
                                        cvg_lever_name(lever), sc.seed, periodic, NAN };
    if (oracle && r->completed) {
        o.timeline = NULL;
        if (cvg_vt_oracle_share(&sc, &o, r->total_time_ms, &info.oracle_share, &err)) {
            fprintf(stderr, "bench: %s: %s\n", sc.name, err.msg);
            goto out;
        }
    }
    if (json) {
        FILE *f = strcmp(json, "-") ? fopen(json, "w") : stdout;

        if (!f || cvg_vt_report_json(f, &info, r) || (f != stdout && fclose(f))) {
            fprintf(stderr, "bench: cannot write %s: %s\n", json, strerror(errno));
            goto out;
        }
    }
    if (!quiet)
        printf("%s (%s): %s in %.1f s, downtime %" PRIu64 " ms (limit %u ms), %u passes, "
               "max throttle %u %%, %.0f MiB sent\n", sc.name, cvg_policy_name(policy),
               r->completed ? (r->converged ? "converged" : "switched over by force") :
               "aborted", r->total_time_ms / 1000.0, r->downtime_ms, r->downtime_limit_ms,
               r->live_passes, r->max_throttle_pct, r->bytes_sent / 1048576.0);
    rc = r->completed && r->downtime_ms <= r->downtime_limit_ms ? 0 : 1;
out:
    if (tl.f && fclose(tl.f)) {
        fprintf(stderr, "bench: cannot write %s\n", tlpath);
        rc = 1;
    }
    if (tr.f && fclose(tr.f)) {
        fprintf(stderr, "bench: cannot write %s\n", trpath);
        rc = 1;
    }
    free(r);
    if (loaded)
        cvg_scenario_free(&sc);
    return rc;
}
