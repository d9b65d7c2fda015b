/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxl's part of `xl migrate` on Xen, through public libxl only:
 * libxl_retrieve_domain_configuration, libxl_domain_suspend (which runs
 * the save helper named by $LIBXL_SAVE_HELPER), libxl_domain_rename,
 * libxl_domain_destroy, libxl_domain_resume.
 *
 * For the back channel, the receive side of the transport has its
 * close-on-exec flag cleared and its number exported in
 * $CONVERGE_BACK_FD for the length of libxl_domain_suspend, and
 * $LIBXL_SAVE_HELPER names converge-helper; both are put back afterwards.
 * Built into xl-converge only (it links libxenlight).
 */
#ifndef CVG_XLMIG_XEN_BACKEND_H
#define CVG_XLMIG_XEN_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "xlmig/sender.h"

struct cvg_xlmig_xen;

extern const struct cvg_xlmig_backend_ops cvg_xlmig_xen_ops;

/*
 * domain: a domid or a name.  helper: the save helper libxl is to run when
 * a back channel is handed over (NULL: leave $LIBXL_SAVE_HELPER alone).
 * verbose: xentoollog level from -v flags (0: xl's default).
 */
int cvg_xlmig_xen_open(struct cvg_xlmig_xen **x, const char *domain,
                       const char *helper, int verbose, struct cvg_err *err);
void cvg_xlmig_xen_close(struct cvg_xlmig_xen *x);

#endif
