/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <sys/mman.h>

#include "engine/digest.h"
#include "engine/hvm_state.h"

#define DIGEST_BATCH 1024

/*
 * The pages a restore clears on a hypervisor with real back ends (the
 * xenstore and console rings, qemu's ioreq pages: restore.c, as 4.17's
 * restore does; hv.h, gnttab_seed) hold the back ends' state, not the
 * guest's: left out there, so that both ends of a migration hash the same.
 */
static const uint32_t ring_params[] = {
    CVG_HVM_PARAM_STORE_PFN, CVG_HVM_PARAM_IOREQ_PFN,
    CVG_HVM_PARAM_BUFIOREQ_PFN, CVG_HVM_PARAM_CONSOLE_PFN,
};
#define NR_RING_PARAMS (sizeof(ring_params) / sizeof(ring_params[0]))

static bool is_ring(const uint64_t *rings, uint64_t pfn)
{
    for (size_t i = 0; i < NR_RING_PARAMS; i++)
        if (rings[i] && rings[i] == pfn)
            return true;
    return false;
}

int cvg_memory_digest(struct cvg_hv *hv, uint32_t domid,
                      char hex[CVG_DIGEST_HEX_LEN + 1], struct cvg_err *err)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    struct cvg_dominfo info;
    uint64_t pfns[DIGEST_BATCH];
    uint32_t types[DIGEST_BATCH];
    uint64_t rings[NR_RING_PARAMS] = { 0 };
    unsigned char sum[32];
    unsigned sum_len = 0;
    int rc;

    if (!md)
        return cvg_fail(err, -ENOMEM, "out of memory for a digest");
    rc = hv->ops->dominfo(hv, domid, &info, err);
    if (rc)
        goto out;
    /* A param the back end cannot read (a PV guest's) names no page. */
    for (size_t i = 0; hv->ops->gnttab_seed && i < NR_RING_PARAMS; i++)
        if (hv->ops->hvm_param_get(hv, domid, ring_params[i], &rings[i], NULL))
            rings[i] = 0;
    if (!EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        rc = cvg_fail(err, -EIO, "SHA-256 unavailable");
        goto out;
    }
    for (uint64_t base = 0; base < info.p2m_size && !rc; base += DIGEST_BATCH) {
        struct cvg_hv_mapping map = { 0 };
        size_t n = 0, want = info.p2m_size - base < DIGEST_BATCH ?
                             (size_t)(info.p2m_size - base) : DIGEST_BATCH;

        for (size_t i = 0; i < want; i++)
            pfns[i] = base + i;
        rc = hv->ops->pfn_types(hv, domid, want, pfns, types, err);
        if (rc)
            break;
        for (size_t i = 0; i < want; i++)
            if ((types[i] & 0xF0000000u) != 0xF0000000u &&  /* not XTAB */
                !is_ring(rings, base + i))
                pfns[n++] = base + i;
        if (!n)
            continue;
        rc = hv->ops->map(hv, domid, PROT_READ, n, pfns, &map, err);
        if (rc)
            break;
        for (size_t i = 0; i < n && !rc; i++) {
            if (!map.pages[i] || (map.errs && map.errs[i]))
                rc = cvg_fail(err, -EFAULT, "domain %u: cannot map pfn %#" PRIx64,
                              domid, pfns[i]);
            else
                EVP_DigestUpdate(md, map.pages[i], CVG_PAGE_SIZE);
        }
        hv->ops->unmap(hv, &map);
    }
    if (!rc && !EVP_DigestFinal_ex(md, sum, &sum_len))
        rc = cvg_fail(err, -EIO, "SHA-256 failed");
    if (!rc)
        for (unsigned i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", sum[i]);
out:
    EVP_MD_CTX_free(md);
    return rc;
}
