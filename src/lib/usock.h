/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small UNIX-socket helpers for the owner, its clients and the migration
 * status server: listen (0600, stale socket replaced), connect, check the
 * peer, and whole reads and writes bounded by a deadline (CLOCK_MONOTONIC
 * milliseconds, cvg_mono_ms()).
 */
#ifndef CVG_LIB_USOCK_H
#define CVG_LIB_USOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

uint64_t cvg_mono_ms(void);

/* A listening SOCK_STREAM socket at path (close-on-exec, non-blocking). */
int cvg_usock_listen(const char *path, struct cvg_err *err);

/* A connected socket, or -ENOENT / -ECONNREFUSED when nobody listens there
 * (no err message for those two: "nobody there" is an answer, not a fault). */
int cvg_usock_connect(const char *path, struct cvg_err *err);

/* The peer runs as root or as our own user. */
bool cvg_usock_peer_ok(int fd, int32_t *pid);

/* Exactly len bytes, or -EPIPE at end of file, -ETIMEDOUT past deadline_ms. */
int cvg_usock_read(int fd, void *buf, size_t len, uint64_t deadline_ms, struct cvg_err *err);
int cvg_usock_write(int fd, const void *buf, size_t len, uint64_t deadline_ms,
                    struct cvg_err *err);

#endif
