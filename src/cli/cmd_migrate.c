/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl-converge migrate [-C config] [-s sshcommand] [-e] [-F] [-p] [-D]
 *                     [--debug] [--live] [--converge] [--downtime MS]
 *                     [--bandwidth MiB/s] [--max-time S]
 *                     [--on-timeout abort|switchover] [--helper PATH]
 *                     [--json REPORT] [-v] domain host
 *
 * The sender of `xl migrate`, wire-compatible with stock `xl
 * migrate-receive` (src/xlmig/sender.h).  With --converge the save helper
 * is converge-helper and gets the transport's receive side as its back
 * channel: in-band HELLO negotiation, the destination's switchover-ack,
 * and the settings given here.  Without it, the run is what stock xl
 * migrate does (whatever helper libxl runs, no back channel).
 *
 * On Xen it drives public libxl; with $XENCONVERGE_SIM set it plays libxl
 * on the simulator with the project's driver, and --json writes what it
 * measured: downtime from the source's suspend to the receiver's report
 * (sent just after it unpaused its copy) and the source's memory digest
 * at switchover.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmds.h"
#include "cli/sim_migrate.h"
#include "common/json.h"
#include "config/tunables.h"
#include "hv/hv.h"
#include "hv/sim_client.h"
#include "xlmig/sender.h"
#include "xlmig/sim_backend.h"
#include "xlmig/xen_backend.h"

#define PROG "xl-converge migrate"

static void usage(FILE *f)
{
    fprintf(f, "Usage: xl-converge migrate [-C config] [-s sshcommand] [-e] [-p] [-D] "
            "[--debug] [--converge] [--downtime MS] [--bandwidth MiB/s] [--max-time S] "
            "[--on-timeout abort|switchover] [--helper PATH] [--json REPORT] [-v] "
            "domain host\n");
}

struct run {
    int verbose;
};

static void say(void *opaque, const char *msg)
{
    (void)opaque;
    fprintf(stderr, "%s\n", msg);
}

static void helper_log(void *opaque, const struct cvg_ipc_msg *m)
{
    struct run *r = opaque;

    if (r->verbose || m->u.log.level >= CVG_XTL_WARN)
        fprintf(stderr, "%s: %s\n", m->u.log.context, m->u.log.text);
}

/* --downtime etc.: checked as the helper will check them, then handed to
 * it as XENCONVERGE_* variables (the highest-precedence source). */
struct setting {
    enum cvg_tun id;
    const char *option;
    const char *value;
};

static int make_settings(const struct setting *s, size_t n, char **env,
                         struct cvg_err *err)
{
    struct cvg_tunables t;
    size_t k = 0;

    cvg_tunables_init(&t);
    for (size_t i = 0; i < n; i++) {
        char upper[64];
        const char *name = cvg_tun_name(s[i].id);
        size_t j;
        int rc;

        if (!s[i].value)
            continue;
        rc = cvg_tunables_set(&t, s[i].id, s[i].value, CVG_TUN_SRC_ENV, s[i].option, err);
        if (rc)
            return rc;
        for (j = 0; name[j] && j < sizeof(upper) - 1; j++)
            upper[j] = (char)(name[j] >= 'a' && name[j] <= 'z' ? name[j] - 32 : name[j]);
        upper[j] = '\0';
        if (asprintf(&env[k], "XENCONVERGE_%s=%s", upper, s[i].value) < 0) {
            env[k] = NULL;
            return cvg_fail(err, -ENOMEM, "out of memory");
        }
        k++;
    }
    return 0;
}

static void write_report(const char *path, const struct cvg_xlmig_send_result *res,
                         const struct cvg_xlmig_sim_sender *sim, bool converge,
                         int rc, const struct cvg_err *err)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;

    if (!f) {
        fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
        return;
    }
    fprintf(f, "{\n  \"ok\": %s,\n  \"outcome\": ", rc ? "false" : "true");
    cvg_json_string(f, cvg_xlmig_outcome_name(res->outcome));
    fprintf(f, ",\n  \"converge\": %s", converge ? "true" : "false");
    if (sim) {
        fprintf(f, ",\n  \"domid\": %u,\n  \"name\": ", sim->domid);
        cvg_json_string(f, sim->cfg.name);
        if (res->t_report_ns && sim->t_suspend_ns)
            fprintf(f, ",\n  \"downtime_ms\": %" PRIu64 ",\n  \"total_time_ms\": %" PRIu64,
                    (uint64_t)((res->t_report_ns - sim->t_suspend_ns) / 1000000),
                    (uint64_t)((res->t_report_ns - res->t_start_ns) / 1000000));
        fprintf(f, ",\n  \"source_sha256\": ");
        cvg_json_string(f, sim->have_digest ? sim->digest : NULL);
    }
    fprintf(f, ",\n  \"error\": ");
    cvg_json_string(f, rc ? err->msg : NULL);
    fprintf(f, "\n}\n");
    if (f != stdout)
        fclose(f);
}

int cvg_cmd_migrate(int argc, char **argv)
{
    enum { O_DEBUG = 0x100, O_LIVE, O_CONVERGE, O_DOWNTIME, O_BANDWIDTH, O_MAXTIME,
           O_ONTIMEOUT, O_HELPER, O_JSON };
    static const struct option opts[] = {
        { "debug", no_argument, NULL, O_DEBUG },
        { "live", no_argument, NULL, O_LIVE },
        { "converge", no_argument, NULL, O_CONVERGE },
        { "downtime", required_argument, NULL, O_DOWNTIME },
        { "bandwidth", required_argument, NULL, O_BANDWIDTH },
        { "max-time", required_argument, NULL, O_MAXTIME },
        { "on-timeout", required_argument, NULL, O_ONTIMEOUT },
        { "helper", required_argument, NULL, O_HELPER },
        { "json", required_argument, NULL, O_JSON },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct setting settings[] = {
        { CVG_TUN_DOWNTIME_LIMIT_MS, "--downtime", NULL },
        { CVG_TUN_BANDWIDTH_MIB_S, "--bandwidth", NULL },
        { CVG_TUN_MAX_TIME_S, "--max-time", NULL },
        { CVG_TUN_ON_TIMEOUT, "--on-timeout", NULL },
    };
    enum { NSET = sizeof(settings) / sizeof(settings[0]) };
    struct cvg_xlmig_send_opts o = { .say = say };
    struct cvg_xlmig_send_result res = { 0 };
    struct cvg_xlmig_sim_sender sim;
    struct cvg_xlmig_xen *xen = NULL;
    struct cvg_xlmig_backend b = { 0 };
    struct cvg_err err = { 0 };
    struct cvg_hv *hv = NULL;
    struct run run = { 0 };
    char *env[NSET + 1] = { NULL };
    const char *json = NULL, *helper_opt = NULL, *simsock = getenv("XENCONVERGE_SIM");
    char helper[4096];
    bool is_sim = simsock && *simsock, any_setting = false;
    int opt, rc;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "FC:s:epDvh", opts, NULL)) != -1) {
        switch (opt) {
        case 'C': o.config_file = optarg; break;
        case 's': o.rune.ssh = optarg; break;
        case 'F': o.rune.no_daemon = true; break;
        case 'e': o.rune.no_daemon = true; break;
        case 'p': o.rune.paused = true; break;
        case 'D': o.preserve_domid = true; break;
        case 'v': run.verbose++; break;
        case O_DEBUG: o.debug = o.rune.debug = true; break;
        case O_LIVE: break;     /* ignored, as xl does (always live) */
        case O_CONVERGE: o.converge = true; break;
        case O_DOWNTIME: settings[0].value = optarg; any_setting = true; break;
        case O_BANDWIDTH: settings[1].value = optarg; any_setting = true; break;
        case O_MAXTIME: settings[2].value = optarg; any_setting = true; break;
        case O_ONTIMEOUT: settings[3].value = optarg; any_setting = true; break;
        case O_HELPER: helper_opt = optarg; break;
        case O_JSON: json = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (argc - optind != 2) {
        usage(stderr);
        return 2;
    }
    if (any_setting && !o.converge) {
        fprintf(stderr, PROG ": --downtime, --bandwidth, --max-time and --on-timeout "
                "set converge-helper's policy: they need --converge\n");
        return 2;
    }
    if (make_settings(settings, NSET, env, &err)) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        rc = 2;
        goto out;
    }
    o.helper_env = env;
    o.rune.host = argv[optind + 1];
    o.rune.tty = isatty(STDERR_FILENO) > 0;
    if (helper_opt)
        snprintf(helper, sizeof(helper), "%s", helper_opt);
    else if (cvg_find_program("converge-helper", CVG_PKGLIBEXECDIR, helper,
                              sizeof(helper)) && (is_sim || o.converge)) {
        fprintf(stderr, PROG ": converge-helper not found (use --helper)\n");
        rc = 1;
        goto out;
    }
    /* As xl: a receiver that dies is an error to clean up after, not a kill. */
    signal(SIGPIPE, SIG_IGN);

    if (is_sim) {
        rc = cvg_hv_open_sim(&hv, simsock, &err);
        if (!rc)
            rc = cvg_xlmig_sim_sender_init(&sim, hv, argv[optind], helper, &err);
        sim.log = helper_log;
        sim.opaque = &run;
        b.ops = &cvg_xlmig_sim_sender_ops;
        b.priv = &sim;
    } else {
        /* Without --converge libxl runs whatever helper it would. */
        rc = cvg_xlmig_xen_open(&xen, argv[optind], o.converge ? helper : NULL,
                                run.verbose, &err);
        b.ops = &cvg_xlmig_xen_ops;
        b.priv = xen;
    }
    if (rc) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        rc = 1;
        goto out;
    }
    rc = cvg_xlmig_send(&o, &b, &res, &err);
    if (rc)
        fprintf(stderr, PROG ": %s (%s)\n", err.msg, cvg_xlmig_outcome_name(res.outcome));
    if (json)
        write_report(json, &res, is_sim ? &sim : NULL, o.converge, rc, &err);
    rc = rc ? 1 : 0;
out:
    for (int i = 0; i < NSET; i++)
        free(env[i]);
    if (hv)
        cvg_hv_close(hv);
    cvg_xlmig_xen_close(xen);
    return rc;
}
