/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "engine/hvm_state.h"
#include "wire/xc_stream.h"

const uint32_t cvg_hvm_saved_params[] = {
    1,  /* STORE_PFN */
    5,  /* IOREQ_PFN */
    6,  /* BUFIOREQ_PFN */
    27, /* PAGING_RING_PFN */
    28, /* MONITOR_RING_PFN */
    29, /* SHARING_RING_PFN */
    37, /* VM86_TSS_SIZED */
    17, /* CONSOLE_PFN */
    19, /* ACPI_IOPORTS_LOCATION */
    9,  /* VIRIDIAN */
    12, /* IDENT_PT */
    34, /* VM_GENERATION_ID_ADDR */
    32, /* IOREQ_SERVER_PFN */
    33, /* NR_IOREQ_SERVER_PAGES */
    36, /* X87_FIP_WIDTH */
    38, /* MCA_CAP */
};
const unsigned cvg_hvm_nr_saved_params =
    sizeof(cvg_hvm_saved_params) / sizeof(cvg_hvm_saved_params[0]);

int cvg_hvm_state_send(struct cvg_hv *hv, uint32_t domid, struct cvg_sink *sink,
                       struct cvg_err *err)
{
    struct xcs_hvm_param params[sizeof(cvg_hvm_saved_params) / sizeof(cvg_hvm_saved_params[0])];
    struct xcs_tsc_info tsc = { 0 };
    uint8_t *ctx = NULL;
    size_t ctx_len = 0;
    uint32_t n = 0;
    int rc;

    rc = hv->ops->tsc_info_get(hv, domid, &tsc.mode, &tsc.nsec, &tsc.khz,
                               &tsc.incarnation, err);
    if (rc)
        goto out;
    rc = xcs_write_tsc_info(sink, &tsc, err);
    if (rc)
        goto out;

    rc = hv->ops->hvm_context_get(hv, domid, &ctx, &ctx_len, err);
    if (rc)
        goto out;
    if (ctx_len == 0 || ctx_len > XCS_HVM_CONTEXT_MAX) {
        rc = cvg_fail(err, -EINVAL, "domain %u: HVM context of %zu bytes", domid, ctx_len);
        goto out;
    }
    rc = xcs_write_record_buf(sink, XCS_REC_HVM_CONTEXT, ctx, ctx_len, err);
    if (rc)
        goto out;

    for (unsigned i = 0; i < cvg_hvm_nr_saved_params; i++) {
        uint64_t v = 0;

        rc = hv->ops->hvm_param_get(hv, domid, cvg_hvm_saved_params[i], &v, err);
        if (rc)
            goto out;
        /* Like 4.17: zero params are not sent, the receiver's default is 0. */
        if (v) {
            params[n].index = cvg_hvm_saved_params[i];
            params[n].value = v;
            n++;
        }
    }
    /* An empty HVM_PARAMS is an old erratum; do not produce one. */
    if (n)
        rc = xcs_write_hvm_params(sink, params, n, err);
out:
    free(ctx);
    return rc;
}
