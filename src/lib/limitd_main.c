/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * converge-limitd --domain DOMID [--sim SOCKET] [--ready-fd FD]
 *                 [--window MS] [--linger MS]
 *
 * A domain's dirty-limit owner (lib/owner.h).  libxenconverge starts it
 * on demand, detached, with its log on stderr (a file beside its socket);
 * it is not meant to be run by hand, but can be (it ends by itself when it
 * has nothing to do).  $LIBXENCONVERGE_TRACE set: every measurement window
 * goes to the log.  SIGTERM, SIGINT and SIGHUP end it cleanly: the
 * domain is put back first.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/owner.h"

static volatile int stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void log_line(void *opaque, int level, const char *text)
{
    char when[32];
    time_t t = time(NULL);
    struct tm tm;

    (void)opaque;
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
    fprintf(stderr, "%s converge-limitd[%d]: %s%s\n", when, (int)getpid(),
            level >= CVG_OWNER_LOG_ERROR ? "error: " :
            level >= CVG_OWNER_LOG_WARN ? "warning: " : "", text);
    fflush(stderr);
}

static int number(const char *s, unsigned long max, unsigned long *out)
{
    char *end;

    errno = 0;
    *out = strtoul(s, &end, 10);
    return errno || end == s || *end || *s == '-' || *out > max ? -1 : 0;
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: converge-limitd --domain DOMID [--sim SOCKET] [--ready-fd FD] "
            "[--window MS] [--linger MS]\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "domain", required_argument, NULL, 'd' },
        { "sim", required_argument, NULL, 's' },
        { "ready-fd", required_argument, NULL, 'r' },
        { "window", required_argument, NULL, 'w' },
        { "linger", required_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct cvg_owner_cfg cfg = { .log = log_line, .stop = &stop };
    struct sigaction sa = { .sa_handler = on_signal }, ign = { .sa_handler = SIG_IGN };
    unsigned long v;
    bool have_domain = false;
    int opt, ready_fd = -1;

    while ((opt = getopt_long(argc, argv, "d:s:r:w:l:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            if (number(optarg, 0x7fef, &v)) {
                fprintf(stderr, "converge-limitd: --domain %s is not a domain id\n", optarg);
                return 2;
            }
            cfg.domid = (uint32_t)v;
            have_domain = true;
            break;
        case 's':
            cfg.sim_socket = optarg;
            break;
        case 'r':
            if (number(optarg, 1024, &v) || v < 3) {
                fprintf(stderr, "converge-limitd: --ready-fd %s\n", optarg);
                return 2;
            }
            ready_fd = (int)v;
            break;
        case 'w':
            if (number(optarg, 1000, &v) || v < 20) {
                fprintf(stderr, "converge-limitd: --window %s (20..1000 ms)\n", optarg);
                return 2;
            }
            cfg.window_ms = (uint32_t)v;
            break;
        case 'l':
            if (number(optarg, 600000, &v)) {
                fprintf(stderr, "converge-limitd: --linger %s (ms)\n", optarg);
                return 2;
            }
            cfg.linger_ms = (uint32_t)v;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!have_domain || optind != argc) {
        usage(stderr);
        return 2;
    }
    /* Every window in the log, for debugging the controller. */
    cfg.trace = getenv("LIBXENCONVERGE_TRACE") != NULL;
    /* The guardian opens its own handle from the environment. */
    if (cfg.sim_socket)
        setenv("XENCONVERGE_SIM", cfg.sim_socket, 1);
    else
        unsetenv("XENCONVERGE_SIM");
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGPIPE, &ign, NULL);
    return cvg_owner_run(&cfg, ready_fd);
}
