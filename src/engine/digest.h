/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SHA-256 of a domain's memory in pfn order (holes left out, and on Xen
 * the ring pages a restore clears: digest.c), through the
 * hypervisor port's own mappings: the same definition on Xen and on the
 * simulator, so that "the destination has exactly the source's memory at
 * switchover" is one string comparison.
 */
#ifndef CVG_ENGINE_DIGEST_H
#define CVG_ENGINE_DIGEST_H

#include <stdint.h>

#include "common/err.h"
#include "hv/hv.h"

#define CVG_DIGEST_HEX_LEN 64

int cvg_memory_digest(struct cvg_hv *hv, uint32_t domid,
                      char hex[CVG_DIGEST_HEX_LEN + 1], struct cvg_err *err);

#endif
