/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sending half of `xl migrate` (tools/xl/xl_migrate.c: migrate_domain),
 * byte-compatible with stock `xl migrate-receive`:
 *
 *   start the transport; R->S banner
 *   S->R xl header + config (JSON, or xl.cfg text from -C)
 *   S->R the libxl stream: what libxl_domain_suspend writes (backend)
 *   R->S "domain received, ready to unpause"
 *   S    rename NAME -> NAME--migratedaway
 *   S->R "domain is yours, you are cleared to unpause"   (no return)
 *   R->S report + status byte
 *   S    status 0: destroy the source; else wait for R's GO, rename back
 *        and resume
 *
 * Failures before the GO resume the source (xl's failed_resume) unless the
 * guest never answered the suspend request (failed_suspend: xl leaves it);
 * failures after it leave both ends for the administrator (failed_badly).
 *
 * With `converge`, the receive side of the transport is handed to the save
 * helper as its back channel (backchannel.h) for the length of the stream;
 * the helper reads through the receiver's BYE, so the handshake that
 * follows sees exactly what stock xl would.
 *
 * What libxl does (config, suspend + stream, rename, destroy, resume) is
 * the backend's: public libxl on Xen, our libxl-side driver on the
 * simulator.
 */
#ifndef CVG_XLMIG_SENDER_H
#define CVG_XLMIG_SENDER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "xlmig/transport.h"

struct cvg_xlmig_backend_ops {
    /* xl's common_domname: the domain's name, NULL when it has none. */
    const char *(*name)(void *priv);
    /* libxl_retrieve_domain_configuration + libxl_domain_config_to_json;
     * c_info.domid kept only with preserve_domid.  *json malloc()ed. */
    int (*config_json)(void *priv, bool preserve_domid, char **json,
                       struct cvg_err *err);
    /*
     * libxl_domain_suspend(LIVE[|DEBUG]) into send_fd: the whole libxl
     * stream, the save helper's part included.  back_fd >= 0: the save
     * helper's back channel (exported to it with CONVERGE_BACK_FD).  env:
     * NULL-terminated NAME=VALUE settings for the save helper.
     * *guest_timedout: the guest never answered the suspend request.
     */
    int (*suspend)(void *priv, int send_fd, int back_fd, bool debug,
                   char *const *env, bool *guest_timedout, struct cvg_err *err);
    int (*rename)(void *priv, const char *from, const char *to, struct cvg_err *err);
    /* The destination runs: just before the source is destroyed (may be NULL). */
    void (*switched_over)(void *priv);
    int (*destroy)(void *priv, struct cvg_err *err);
    /* libxl_domain_resume(cooperative); must leave log-dirty off. */
    int (*resume)(void *priv, struct cvg_err *err);
};

struct cvg_xlmig_backend {
    const struct cvg_xlmig_backend_ops *ops;
    void *priv;
};

struct cvg_xlmig_send_opts {
    struct cvg_xlmig_rune_opts rune;
    bool debug;                 /* --debug: LIBXL_SUSPEND_DEBUG */
    bool preserve_domid;        /* -D */
    const char *config_file;    /* -C: JSON, or xl.cfg text sent as such */
    bool converge;              /* back channel for the save helper */
    char *const *helper_env;    /* NAME=VALUE for the save helper, or NULL */
    /* xl's progress lines ("migration sender: ..."); may be NULL. */
    void (*say)(void *opaque, const char *msg);
    void *opaque;
};

enum cvg_xlmig_outcome {
    CVG_XLMIG_MIGRATED,           /* destination running, source destroyed */
    CVG_XLMIG_RESUMED,            /* failed, the source resumed here */
    CVG_XLMIG_NOT_RESUMED,        /* failed before the stream or at suspend
                                 * (guest not answering): nothing resumed */
    CVG_XLMIG_UNDEFINED,          /* failed in the final handshake */
};

struct cvg_xlmig_send_result {
    enum cvg_xlmig_outcome outcome;
    uint64_t t_start_ns;        /* CLOCK_MONOTONIC: transport started */
    uint64_t t_report_ns;       /* the receiver's report arrived: its copy
                                 * was unpaused just before */
    uint8_t target_status;      /* the report's status byte */
    int resume_rc;              /* after a failure */
    int transport_status;       /* wait status, -1 when still running */
};

const char *cvg_xlmig_outcome_name(enum cvg_xlmig_outcome o);

/*
 * Runs the whole sender.  0 only for CVG_XLMIG_MIGRATED; otherwise err says
 * what failed and res->outcome where the domain is.
 */
int cvg_xlmig_send(const struct cvg_xlmig_send_opts *o, const struct cvg_xlmig_backend *b,
                 struct cvg_xlmig_send_result *res, struct cvg_err *err);

/* Max bytes of a -C file (the xl header's own bound). */
#define CVG_XLMIG_CONFIG_FILE_MAX (4u << 20)

#endif
