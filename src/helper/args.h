/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * converge-helper's command line: exactly libxl-save-helper 4.17's.
 *   --save-domain    io_fd recv_fd domid xcflags cbflags stream_type
 *   --restore-domain io_fd send_back_fd domid store_evtchn store_domid
 *                    console_evtchn console_domid cbflags stream_type
 */
#ifndef CVG_HELPER_ARGS_H
#define CVG_HELPER_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

#define CVG_XCFLAGS_LIVE  1u
#define CVG_XCFLAGS_DEBUG 2u

struct cvg_helper_args {
    bool save;
    int io_fd;
    int back_fd;                /* recv_fd (save) or send_back_fd (restore); -1 none */
    uint32_t domid;
    unsigned xcflags;           /* save */
    uint32_t store_evtchn, store_domid, console_evtchn, console_domid; /* restore */
    unsigned cbflags;
    unsigned stream_type;       /* 0 plain, 1 Remus, 2 COLO */
};

int cvg_helper_parse_args(int argc, char *const argv[], struct cvg_helper_args *a,
                          struct cvg_err *err);

/*
 * Why this run goes to the stock helper, or NULL when it is ours: Remus
 * and COLO streams, the debug VERIFY pass, flags we do not know.  (PV
 * guests are found later, from the domain itself.)
 */
const char *cvg_helper_delegate_reason(const struct cvg_helper_args *a);

#endif
