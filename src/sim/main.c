/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * converge-simd: the simulated hypervisor.  Holds simulated domains apart
 * from the tools that migrate them, as Xen does, and serves the hv port's
 * operations over a UNIX socket (sim/proto.h).
 *
 *   converge-simd [--socket PATH] [--pcpus N] [--verbose]
 *
 * PATH defaults to $XENCONVERGE_SIM.  Runs in the foreground until SIGTERM
 * or SIGINT, then destroys its domains and removes the socket.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "sim/machine.h"
#include "sim/server.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: converge-simd [--socket PATH] [--pcpus N] [--verbose]\n"
            "\n"
            "The simulated hypervisor of xen-converge.  Tools reach it through\n"
            "XENCONVERGE_SIM=PATH.  PATH defaults to $XENCONVERGE_SIM.\n"
            "  --socket PATH   UNIX socket to serve (created mode 0600)\n"
            "  --pcpus N       simulated physical CPUs, 1..%u (default %u)\n"
            "  --verbose       log domain creation, destruction and failed requests\n",
            CVG_SIM_MAX_PCPUS, SIMD_DEFAULT_PCPUS);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "socket", required_argument, NULL, 's' },
        { "pcpus", required_argument, NULL, 'p' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *path = getenv("XENCONVERGE_SIM");
    unsigned long pcpus = SIMD_DEFAULT_PCPUS;
    struct simd_machine m;
    struct simd_server srv;
    struct cvg_err err = { 0 };
    bool verbose = false, machine_up = false, server_up = false;
    sigset_t stop;
    int sfd = -1, c, rc = 1;

    while ((c = getopt_long(argc, argv, "s:p:vh", opts, NULL)) != -1) {
        char *end;

        switch (c) {
        case 's':
            path = optarg;
            break;
        case 'p':
            errno = 0;
            pcpus = strtoul(optarg, &end, 10);
            if (errno || *end || !*optarg || pcpus < 1 || pcpus > CVG_SIM_MAX_PCPUS) {
                fprintf(stderr, "converge-simd: --pcpus '%s': want 1..%u\n", optarg,
                        CVG_SIM_MAX_PCPUS);
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
    if (optind < argc) {
        fprintf(stderr, "converge-simd: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!path || !*path) {
        fprintf(stderr, "converge-simd: no socket: pass --socket PATH or set XENCONVERGE_SIM\n");
        return 2;
    }

    /* Every thread inherits this mask: the signals arrive only through sfd. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    sfd = signalfd(-1, &stop, SFD_CLOEXEC);
    if (sfd < 0) {
        fprintf(stderr, "converge-simd: signalfd: %s\n", strerror(errno));
        return 1;
    }

    if (simd_machine_init(&m, (uint32_t)pcpus, &err))
        goto out;
    machine_up = true;
    if (simd_machine_start(&m, &err))
        goto out;
    if (simd_server_open(&srv, &m, path, verbose, &err))
        goto out;
    server_up = true;
    if (verbose)
        fprintf(stderr, "converge-simd: serving %s with %lu pCPUs\n", path, pcpus);
    if (simd_server_run(&srv, sfd, &err))
        goto out;
    if (verbose) {
        struct signalfd_siginfo si;

        if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
            fprintf(stderr, "converge-simd: %s from pid %u: shutting down\n",
                    strsignal((int)si.ssi_signo), si.ssi_pid);
    }
    rc = 0;
out:
    if (err.code)
        fprintf(stderr, "converge-simd: %s\n", err.msg);
    if (server_up)
        simd_server_close(&srv);
    if (machine_up)
        simd_machine_fini(&m);
    close(sfd);
    return rc;
}
