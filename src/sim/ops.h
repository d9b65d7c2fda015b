/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's request handlers: one decoded request in, one reply payload
 * (and maybe a descriptor to pass) out.  No socket I/O here, so the fuzzer
 * and the unit tests can drive the same code the daemon runs.
 */
#ifndef CVG_SIM_OPS_H
#define CVG_SIM_OPS_H

#include "common/err.h"
#include "common/io.h"
#include "sim/machine.h"
#include "sim/proto.h"

/*
 * Executes req on m.  On success the reply payload is in reply (a memory
 * sink) and *pass_fd is a descriptor to send with it (the caller closes it
 * after sending) or -1.  On failure returns a negative errno with err set;
 * nothing was changed unless the op's own semantics say so.
 */
int simd_handle(struct simd_machine *m, const struct cvg_sim_req *req, struct cvg_sink *reply,
                int *pass_fd, struct cvg_err *err);

#endif
