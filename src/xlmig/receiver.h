/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The receiving half of `xl migrate` on the simulator (xl_migrate.c:
 * migrate_receive + the restore part of create_domain), byte-compatible
 * with a stock `xl migrate` sender:
 *
 *   R->S banner
 *   S->R xl header + config: an empty, paused destination domain named
 *        NAME--incoming is created for it, as xl does
 *   S->R libxl stream up to LIBXC_CONTEXT; then converge-helper
 *        --restore-domain reads the libxc stream from our stdin, with
 *        send_back_fd a dup of our stdout (as xl passes fd 1); then the
 *        remaining libxl records through END
 *   R    the destination's own setup (modelled: receiver_setup_ms from our
 *        start) must be done before the domain can run
 *   R->S "domain received, ready to unpause"; S->R GO
 *   R    unpause (unless -p); R->S report + status 0
 *
 * Any failure destroys the destination; before the ready message we just
 * stop (the sender sees the stream end and resumes its copy), after the GO
 * we report the failure and then give the sender its GO back, as xl does.
 *
 * The destination model (apply rate, setup time) is handed to the restore
 * helper in CONVERGE_SIM_* variables (backchannel.h): SWITCHOVER_ACK only
 * once setup is done, pages applied no faster than the apply rate.
 */
#ifndef CVG_XLMIG_RECEIVER_H
#define CVG_XLMIG_RECEIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "hv/hv.h"
#include "wire/ipc.h"

struct cvg_xlmig_recv_opts {
    bool paused;                /* -p: leave the domain paused on arrival */
    const char *helper;         /* converge-helper */
    /* Play a stock receiver: the restore helper gets no send_back_fd, so
     * a HELLO goes unanswered (as the stock helper ignores it). */
    bool ignore_hello;
    uint32_t setup_ms;          /* destination setup, from our start */
    double apply_rate_mib_s;    /* 0: keeps up */
    void (*say)(void *opaque, const char *msg);     /* xl's lines */
    void (*log)(void *opaque, const struct cvg_ipc_msg *m);  /* the helper's */
    void *opaque;
};

struct cvg_xlmig_recv_result {
    uint32_t domid;
    bool created;
    bool started;               /* unpaused (or left paused with -p) */
    uint64_t setup_wait_ms;     /* after the stream: setup still to finish */
    uint64_t stream_ms;         /* start to libxl END */
};

/* in_fd/out_fd: what xl migrate-receive has on stdin/stdout. */
int cvg_xlmig_receive(struct cvg_hv *hv, const struct cvg_xlmig_recv_opts *o,
                      int in_fd, int out_fd, struct cvg_xlmig_recv_result *res,
                      struct cvg_err *err);

#endif
