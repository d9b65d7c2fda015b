/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parts of the xen hypervisor port that are pure computation: decoding
 * what libxenctrl returns and encoding what it takes.  No call reaches
 * Xen from here, so all of it is unit-tested on any machine.
 */
#ifndef CVG_HV_XEN_LOGIC_H
#define CVG_HV_XEN_LOGIC_H

#include <stddef.h>
#include <stdint.h>

#include <xenctrl.h>

#include "common/err.h"
#include "hv/hv.h"

/* XEN_DOMCTL_getpageframeinfo3 takes at most this many pfns per call. */
#define CVG_XEN_PFN_BATCH        1024u
/* An HVM context is a few KiB per vCPU; refuse a size no guest has. */
#define CVG_XEN_MAX_HVM_CONTEXT  (16u << 20)
/* Largest map/populate batch the port accepts in one call. */
#define CVG_XEN_MAX_BATCH        (1u << 20)

/*
 * Fills info from one xc_domain_getinfolist() entry.  getinfolist returns
 * the first domain with id >= the one asked for, so an entry for another
 * domain means "no such domain" (-ESRCH).  p2m_size is left alone (it
 * comes from xc_domain_nr_gpfns).
 */
int cvg_xen_dominfo_decode(uint32_t domid, const xc_domaininfo_t *di,
                           struct cvg_dominfo *info, struct cvg_err *err);

/* credit/credit2 cap: refuses cap > 100 per vCPU (credit2 would say EINVAL
 * without saying why) and values the 16-bit field cannot carry. */
int cvg_xen_cap_check(uint32_t domid, uint32_t cap, uint32_t nr_vcpus,
                      struct cvg_err *err);

/* RTDS per-vCPU budget: 10 us <= budget <= period. */
int cvg_xen_budget_check(uint32_t domid, uint32_t vcpu, uint32_t period_us,
                         uint32_t budget_us, struct cvg_err *err);

/*
 * cpumaps: libxenctrl's are bytes (bit i of byte i/8 = pCPU i), the port's
 * are 64-bit words.  from_words refuses pCPUs the host cannot have and an
 * empty map; to_words refuses a map that does not fit the caller's words.
 */
int cvg_xen_cpumap_from_words(const uint64_t *words, size_t nwords,
                              uint8_t *map, size_t map_bytes,
                              struct cvg_err *err);
int cvg_xen_cpumap_to_words(const uint8_t *map, size_t map_bytes,
                            uint64_t *words, size_t nwords,
                            struct cvg_err *err);

/* Log-dirty bitmaps: bytes Xen writes for pages bits, and the hypercall
 * buffer pages that hold them. */
size_t cvg_xen_bitmap_bytes(uint64_t pages);
size_t cvg_xen_bitmap_buffer_pages(uint64_t pages);
/* Copies pages bits from the hypercall buffer into the caller's bitmap,
 * clearing the unused bits of its last word (Xen leaves them as found). */
void cvg_xen_bitmap_copy_out(unsigned long *dst, const void *src,
                             uint64_t pages);

/* xenforeignmemory_map reports per-page errors as errno values (Linux
 * privcmd: negative); the port wants negative errnos. */
static inline int cvg_xen_map_err(int e)
{
    return e > 0 ? -e : e;
}

/* Which schedulers have a domain cap; which have per-vCPU budgets. */
int cvg_xen_sched_has_cap(enum cvg_sched_id id);
int cvg_xen_sched_has_budgets(enum cvg_sched_id id);
const char *cvg_xen_sched_name(enum cvg_sched_id id);

#endif
