/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl-converge migrate-receive [-e] [-F] [-d] [-p] [--helper PATH]
 *                             [--scenario FILE] [--ignore-hello] [-v]
 *
 * The receiver of `xl migrate` on the simulator ($XENCONVERGE_SIM):
 * stdin is the stream from the sender, stdout the channel back to it
 * (src/xlmig/receiver.h).  Nothing but the protocol goes to stdout.
 *
 *   --scenario FILE  the destination model from a scenario file:
 *                    apply_rate (MiB/s) and receiver_setup_ms
 *   --ignore-hello   play a stock receiver: the restore helper gets no
 *                    back channel, so the sender's HELLO goes unanswered
 *
 * On Xen the receiver is stock `xl migrate-receive`; it runs our restore
 * helper when LIBXL_SAVE_HELPER names it on the receiving host (or when
 * tools/install-helper put it in place there).
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmds.h"
#include "cli/sim_migrate.h"
#include "config/scenario.h"
#include "hv/hv.h"
#include "xlmig/receiver.h"

#define PROG "xl-converge migrate-receive"

static void usage(FILE *f)
{
    fprintf(f, "Usage: xl-converge migrate-receive [-e] [-d] [-p] [--helper PATH] "
            "[--scenario FILE] [--ignore-hello] [-v]\n");
}

static void say(void *opaque, const char *msg)
{
    (void)opaque;
    fprintf(stderr, "%s\n", msg);
}

static void helper_log(void *opaque, const struct cvg_ipc_msg *m)
{
    const int *verbose = opaque;

    if (*verbose || m->u.log.level >= CVG_XTL_WARN)
        fprintf(stderr, "%s: %s\n", m->u.log.context, m->u.log.text);
}

int cvg_cmd_migrate_receive(int argc, char **argv)
{
    enum { O_HELPER = 0x100, O_SCENARIO, O_IGNORE_HELLO, O_COLO };
    static const struct option opts[] = {
        { "helper", required_argument, NULL, O_HELPER },
        { "scenario", required_argument, NULL, O_SCENARIO },
        { "ignore-hello", no_argument, NULL, O_IGNORE_HELLO },
        { "colo", no_argument, NULL, O_COLO },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct cvg_xlmig_recv_opts o = { .say = say, .log = helper_log };
    struct cvg_xlmig_recv_result res;
    struct cvg_err err = { 0 };
    struct cvg_hv *hv = NULL;
    const char *sock = getenv("XENCONVERGE_SIM"), *scenario = NULL, *helper_opt = NULL;
    char helper[4096];
    int opt, verbose = 0, rc;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "Fedrpvh", opts, NULL)) != -1) {
        switch (opt) {
        case 'F': case 'e': break;      /* we never daemonise */
        case 'd': verbose = 1; break;
        case 'p': o.paused = true; break;
        case 'v': verbose = 1; break;
        case 'r': case O_COLO:
            fprintf(stderr, PROG ": Remus and COLO streams are not supported here\n");
            return 1;
        case O_HELPER: helper_opt = optarg; break;
        case O_SCENARIO: scenario = optarg; break;
        case O_IGNORE_HELLO: o.ignore_hello = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    o.opaque = &verbose;
    if (!sock || !*sock) {
        fprintf(stderr, PROG ": only for the simulator (set XENCONVERGE_SIM); on Xen the "
                "receiver is stock `xl migrate-receive` with LIBXL_SAVE_HELPER=%s/"
                "converge-helper on the receiving host\n", CVG_PKGLIBEXECDIR);
        return 1;
    }
    if (scenario) {
        struct cvg_scenario sc;

        if (cvg_scenario_load(scenario, &sc, &err)) {
            fprintf(stderr, PROG ": %s\n", err.msg);
            return 1;
        }
        o.setup_ms = sc.receiver_setup_ms;
        o.apply_rate_mib_s = sc.apply_rate_mib_s;
        cvg_scenario_free(&sc);
    }
    if (helper_opt)
        snprintf(helper, sizeof(helper), "%s", helper_opt);
    else if (cvg_find_program("converge-helper", CVG_PKGLIBEXECDIR, helper,
                              sizeof(helper))) {
        fprintf(stderr, PROG ": converge-helper not found (use --helper)\n");
        return 1;
    }
    o.helper = helper;
    signal(SIGPIPE, SIG_IGN);
    rc = cvg_hv_open_sim(&hv, sock, &err);
    if (!rc)
        rc = cvg_xlmig_receive(hv, &o, STDIN_FILENO, STDOUT_FILENO, &res, &err);
    if (rc)
        fprintf(stderr, "migration target: %s\n", err.msg);
    else if (res.setup_wait_ms)
        fprintf(stderr, "migration target: waited %llu ms for the destination's setup "
                "after the stream\n", (unsigned long long)res.setup_wait_ms);
    if (hv)
        cvg_hv_close(hv);
    return rc ? 1 : 0;
}
