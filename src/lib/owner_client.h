/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reaching a domain's dirty-limit owner (owner.h): connect, start one when
 * nobody serves the domain yet, one request and its reply; and the
 * migration's side, the hand-over.
 */
#ifndef CVG_LIB_OWNER_CLIENT_H
#define CVG_LIB_OWNER_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "lib/owner_proto.h"

#define CVG_OWNER_START_TIMEOUT_MS 10000u
#define CVG_OWNER_HANDOVER_TIMEOUT_MS 2000u

/*
 * Starts converge-limitd (at path) for domid, detached (its own session,
 * reparented away from us, descriptors closed, log appended to
 * dirty-limit-DOMID.log), and waits until it serves or says why not.
 * Fork and exec only: safe in a multithreaded caller.  -EEXIST: the domain
 * has an owner already (someone started one meanwhile); *pid (may be NULL):
 * the owner's.
 */
int cvg_owner_spawn(const char *path, const char *sim_socket, uint32_t domid, pid_t *pid,
                    struct cvg_err *err);

/*
 * A connection to domid's owner in *fd; -ENOENT when there is none and
 * limitd_path is NULL, otherwise one is started first.
 */
int cvg_owner_connect(const char *sim_socket, uint32_t domid, const char *limitd_path,
                      int *fd, struct cvg_err *err);

/*
 * One request and its reply (which may carry the owner's own error:
 * r->status < 0, r->text).  Returns 0 when a reply came, -EPIPE when the
 * owner closed the connection first.
 */
int cvg_owner_call(int fd, const struct cvg_own_req *q, struct cvg_own_reply *r,
                   uint32_t timeout_ms, struct cvg_err *err);

/*
 * A migration of domid is about to start in process pid: if the domain has
 * an owner, it puts the domain back, switches log-dirty off and suspends
 * its limits until pid ends.  0 when that is done or there is no owner;
 * an owner still starting up is waited for (bounded by timeout_ms).
 */
int cvg_owner_handover(const char *sim_socket, uint32_t domid, pid_t pid,
                       uint32_t timeout_ms, struct cvg_err *err);

#endif
