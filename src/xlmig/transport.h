/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The transport of `xl migrate` (tools/xl/xl_migrate.c): a shell command
 * (the "rune") run as `sh -c RUNE` with its stdin reading what we send and
 * its stdout writing what we receive.
 *
 *   rune = "exec SSH HOST xl[ -t] migrate-receive[ -e][ -d][ -p]"
 *   with an empty ssh command (-s ""), HOST itself is the rune.
 *
 * Unlike xl, our ends of the pipes are close-on-exec: the sender driver
 * clears it on the receive side itself when it hands that fd to the save
 * helper as its back channel, and nothing else inherits them by accident.
 */
#ifndef CVG_XLMIG_TRANSPORT_H
#define CVG_XLMIG_TRANSPORT_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/err.h"

struct cvg_xlmig_rune_opts {
    const char *ssh;            /* -s; NULL: "ssh" */
    const char *host;
    bool tty;                   /* xl passes -t when its stderr is a tty */
    bool no_daemon;             /* -e */
    bool debug;                 /* --debug: -d */
    bool paused;                /* -p */
};

/* The command xl would run; *rune is malloc()ed. */
int cvg_xlmig_rune(const struct cvg_xlmig_rune_opts *o, char **rune, struct cvg_err *err);

struct cvg_xlmig_transport {
    pid_t pid;
    int send_fd;                /* its stdin */
    int recv_fd;                /* its stdout */
};

int cvg_xlmig_transport_start(struct cvg_xlmig_transport *t, const char *rune,
                            struct cvg_err *err);

/*
 * Closes our send side (the receiver sees the end of the stream) and waits
 * at most wait_ms for the transport to exit, as xl's migration_child_report
 * does.  *status is its wait status, or -1 when it did not exit in time
 * (it is then left running, as xl leaves it).  Closes recv_fd too.
 */
void cvg_xlmig_transport_finish(struct cvg_xlmig_transport *t, unsigned wait_ms,
                              int *status);

#endif
