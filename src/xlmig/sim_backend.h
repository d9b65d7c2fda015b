/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxl's part of a migration, played on the simulator with the project's
 * libxl-side driver (src/driver), so that the same bytes cross the wire as
 * on Xen:
 *
 *   sender    libxl stream header, LIBXC_CONTEXT, the save helper (spawned
 *             as libxl spawns it; its suspend callback suspends the guest),
 *             libxl END; rename is a no-op (converge-simd has no names op),
 *             destroy and resume through the simulator.  No emulator
 *             records: a simulated guest has no device model.
 *   receiver  see receiver.h.
 */
#ifndef CVG_XLMIG_SIM_BACKEND_H
#define CVG_XLMIG_SIM_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "engine/digest.h"
#include "hv/hv.h"
#include "wire/ipc.h"
#include "xlmig/domconfig.h"
#include "xlmig/sender.h"

struct cvg_xlmig_sim_sender {
    struct cvg_hv *hv;
    uint32_t domid;
    struct cvg_xlmig_domcfg cfg;
    const char *helper;             /* converge-helper */
    /* the save helper's log lines (may be NULL) */
    void (*log)(void *opaque, const struct cvg_ipc_msg *m);
    void *opaque;

    /* what happened */
    bool suspend_asked, suspended;
    uint64_t t_suspend_ns;          /* CLOCK_MONOTONIC, suspend requested */
    bool have_digest;
    char digest[CVG_DIGEST_HEX_LEN + 1];    /* source memory at switchover */
    char helper_failure[640];       /* libxl's words for a failed helper */
};

extern const struct cvg_xlmig_backend_ops cvg_xlmig_sim_sender_ops;

/* domain: a domid or a name on the simulator hv. */
int cvg_xlmig_sim_sender_init(struct cvg_xlmig_sim_sender *s, struct cvg_hv *hv,
                              const char *domain, const char *helper,
                              struct cvg_err *err);

/*
 * A copy of environ with every NAME=... of add[] replaced by add[]'s
 * (add NULL-terminated, may be NULL), plus extra (may be NULL).  Free with
 * cvg_xlmig_env_free().  NULL when out of memory.
 */
char **cvg_xlmig_env_make(char *const *add, const char *extra);
void cvg_xlmig_env_free(char **env);

#endif
