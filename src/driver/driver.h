/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libxl side of a save/restore helper, for tests and for the
 * simulator's migration commands: spawns a helper exactly as libxl 4.17
 * does (argv with fd numbers, two fresh pipes on its stdin and stdout, the
 * stream fd and back-channel fd inherited without CLOEXEC, stderr shared),
 * answers its IPC messages through callbacks, sends SIGTERM on abort and
 * judges the end as libxl's helper_exited() does: a non-zero exit, a
 * missing `complete`, or a restore without `restore_results` is a failure.
 */
#ifndef CVG_DRIVER_DRIVER_H
#define CVG_DRIVER_DRIVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "wire/ipc.h"

struct cvg_driver_cbs {
    /* suspend: 1 when the guest is suspended, 0 on failure (libxl's reply). */
    int (*suspend)(void *opaque);
    /* switch_qemu_logdirty: 0 ok. NULL: answer 0 (PVH, no qemu). */
    int (*qemu_logdirty)(void *opaque, uint32_t domid, unsigned enable);
    /* static_data_done: 0 ok.  NULL: answer 0. */
    int (*static_data_done)(void *opaque, unsigned missing);
    void (*log)(void *opaque, const struct cvg_ipc_msg *msg);
    void (*progress)(void *opaque, const struct cvg_ipc_msg *msg);
    /* complete arrived (the helper may still log before it exits). */
    void (*complete)(void *opaque, int retval, int errnoval);
    void *opaque;
};

struct cvg_helper_proc {
    pid_t pid;
    enum cvg_ipc_role role;
    unsigned cbflags;
    int to_helper;              /* its stdin: our replies */
    int from_helper;            /* its stdout: its messages */
};

struct cvg_driver_result {
    bool ok;                    /* libxl would report success */
    int exit_status;            /* waitpid status */
    bool completed;
    int retval, errnoval;       /* from complete */
    bool have_results;
    uint64_t store_gfn, console_gfn;
    uint32_t nr_msgs;
    char why[640];              /* failure as libxl would word it */
};

/* envp NULL: inherit ours.  back_fd may be -1.  The fds stay open here. */
int cvg_driver_spawn_save(const char *helper, int io_fd, int recv_fd, uint32_t domid,
                          unsigned xcflags, unsigned cbflags, unsigned stream_type,
                          char *const envp[], struct cvg_helper_proc *p,
                          struct cvg_err *err);
int cvg_driver_spawn_restore(const char *helper, int io_fd, int send_back_fd,
                             uint32_t domid, uint32_t store_evtchn,
                             uint32_t store_domid, uint32_t console_evtchn,
                             uint32_t console_domid, unsigned cbflags,
                             unsigned stream_type, char *const envp[],
                             struct cvg_helper_proc *p, struct cvg_err *err);

/* Serves the helper until it exits; always reaps it. */
int cvg_driver_run(struct cvg_helper_proc *p, const struct cvg_driver_cbs *cbs,
                   struct cvg_driver_result *res, struct cvg_err *err);

/* libxl's helper_stop (SIGTERM) and helper_failed (SIGKILL). */
void cvg_driver_stop(struct cvg_helper_proc *p);
void cvg_driver_kill(struct cvg_helper_proc *p);

#endif
