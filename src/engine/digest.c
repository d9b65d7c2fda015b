/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <sys/mman.h>

#include "engine/digest.h"

#define DIGEST_BATCH 1024

int cvg_memory_digest(struct cvg_hv *hv, uint32_t domid,
                      char hex[CVG_DIGEST_HEX_LEN + 1], struct cvg_err *err)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    struct cvg_dominfo info;
    uint64_t pfns[DIGEST_BATCH];
    uint32_t types[DIGEST_BATCH];
    unsigned char sum[32];
    unsigned sum_len = 0;
    int rc;

    if (!md)
        return cvg_fail(err, -ENOMEM, "out of memory for a digest");
    rc = hv->ops->dominfo(hv, domid, &info, err);
    if (rc)
        goto out;
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
            if ((types[i] & 0xF0000000u) != 0xF0000000u)   /* not XTAB */
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
