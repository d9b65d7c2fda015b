/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * converge-simd's socket side: a listening UNIX socket (mode 0600: whoever
 * can connect controls every simulated domain), one thread per client,
 * requests framed and decoded by sim/proto.h and handed to sim/ops.c.
 */
#ifndef CVG_SIM_SERVER_H
#define CVG_SIM_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/un.h>

#include "common/err.h"
#include "sim/machine.h"

#define SIMD_MAX_CLIENTS 64u

struct simd_client {
    struct simd_server *srv;
    int fd;
    unsigned id;
    pthread_t thread;
    bool used;
    bool done;                  /* thread finished: join and reuse */
};

struct simd_server {
    struct simd_machine *m;
    int listen_fd;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    bool verbose;
    pthread_mutex_t lock;
    struct simd_client clients[SIMD_MAX_CLIENTS];
    unsigned next_id;
};

/* Binds path; a stale socket nobody listens on is replaced. */
int simd_server_open(struct simd_server *s, struct simd_machine *m, const char *path,
                     bool verbose, struct cvg_err *err);
/* Serves until stop_fd becomes readable (a signalfd). */
int simd_server_run(struct simd_server *s, int stop_fd, struct cvg_err *err);
/* Disconnects every client, joins their threads, unlinks the socket. */
void simd_server_close(struct simd_server *s);

#endif
