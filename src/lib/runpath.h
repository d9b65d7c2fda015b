/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the processes that act on one hypervisor's domains find each
 * other: the status socket of a running migration (migrate-DOMID.sock) and
 * the socket and lock of a domain's dirty-limit owner
 * (dirty-limit-DOMID.sock, .lock, .log).
 *
 * Domain ids only mean something on one hypervisor, so the directory is
 * per hypervisor: /run/xen-converge for Xen; for a simulator, beside its
 * socket (SOCKET.run), so that two converge-simd daemons on one machine
 * (parallel tests) never see each other's domain 1.  No variable overrides
 * it: converge-helper refuses unknown XENCONVERGE_* variables, and every
 * party must agree on the place anyway.
 *
 * The directory is made 0700 when missing: whoever can connect to these
 * sockets can throttle a domain (the files themselves are 0600).
 */
#ifndef CVG_LIB_RUNPATH_H
#define CVG_LIB_RUNPATH_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define CVG_RUN_DEFAULT_DIR "/run/xen-converge"
#define CVG_RUN_PATH_MAX 108            /* sizeof(sun_path) */

/* sim_socket: the simulator's socket, or NULL for Xen. */
int cvg_run_dir(char *buf, size_t len, const char *sim_socket, struct cvg_err *err);

/* <dir>/<what>-<domid><ext>, at most CVG_RUN_PATH_MAX - 1 characters. */
int cvg_run_path(char *buf, size_t len, const char *sim_socket, const char *what,
                 uint32_t domid, const char *ext, struct cvg_err *err);

/* Makes the directory (mode 0700) unless it exists. */
int cvg_run_mkdir(const char *sim_socket, struct cvg_err *err);

#endif
