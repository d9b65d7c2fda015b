/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Picking the hypervisor: the simulator when $XENCONVERGE_SIM names it. */
#include "config.h"

#include <stdlib.h>

#include "hv/hv.h"

int cvg_hv_open(struct cvg_hv **hv, struct cvg_err *err)
{
    const char *sim = getenv("XENCONVERGE_SIM");

    if (sim && *sim)
        return cvg_hv_open_sim(hv, sim, err);
    return cvg_hv_open_xen(hv, err);
}

void cvg_hv_close(struct cvg_hv *hv)
{
    if (hv && hv->ops && hv->ops->close)
        hv->ops->close(hv);
}
