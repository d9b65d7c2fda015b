/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small in-memory hypervisor that plays libxenctrl and
 * libxenforeignmemory for the xen port's tests, the way libvirt tests its
 * drivers against fakes.  fake_xc.c defines the xc_* and
 * xenforeignmemory_* functions hv/xen.c calls; because a definition in
 * the executable takes precedence over the shared library's (symbol
 * interposition), xen.c linked into the test talks to this fake.
 *
 * The state is one global the tests poke directly: test code, reset by
 * fake_reset() before every test.
 */
#ifndef CVG_TESTS_FAKE_XC_H
#define CVG_TESTS_FAKE_XC_H

#include <stdbool.h>
#include <stdint.h>

#include <xenctrl.h>

#define FAKE_MAX_DOMS   4
#define FAKE_MAX_VCPUS  8
#define FAKE_MAX_POOLS  4
#define FAKE_CPUMAP_BYTES 4         /* room for 32 pCPUs */
#define FAKE_NR_PCPUS   24          /* max_cpu_id 23 */
#define FAKE_MAX_PFNS   4096
#define FAKE_MAX_CALLS  32

struct fake_dom {
    bool exists;
    uint32_t domid;
    uint32_t flags;                 /* XEN_DOMINF_* and shutdown code */
    uint32_t nr_vcpus;
    uint32_t cpupool;
    uint64_t tot_pages, cpu_time;
    uint64_t nr_gpfns;              /* grows as pages are populated, as Xen's max gpfn */
    uint64_t max_pages;             /* maxmem in pages */
    unsigned pause_count;
    int resumed_fast;               /* last xc_domain_resume's fast, -1: never */
    /* scheduler parameters, as each scheduler keeps them */
    uint16_t credit_weight, credit_cap;
    uint16_t credit2_weight, credit2_cap;
    struct { uint32_t period, budget, flags; } rtds[FAKE_MAX_VCPUS];
    uint8_t affinity[FAKE_MAX_VCPUS][FAKE_CPUMAP_BYTES];
    uint64_t vcpu_time[FAKE_MAX_VCPUS];
    /* log-dirty */
    bool logdirty_on;               /* already on (qemu VRAM tracking): ENABLE
                                       says EINVAL, as Xen does */
    bool no_shadow;                 /* PV without shadow paging: EOPNOTSUPP */
    uint8_t dirty[FAKE_MAX_PFNS / 8];
    uint32_t dirty_count;
    uint64_t short_by;              /* report this many pages fewer processed */
    /* memory */
    uint32_t pfn_type[FAKE_MAX_PFNS];
    bool populated[FAKE_MAX_PFNS];
    /* HVM state */
    uint8_t hvm_ctx[300];
    uint32_t hvm_ctx_len;
    uint64_t params[64];
    uint32_t tsc_mode, tsc_khz, tsc_incarnation;
    uint64_t tsc_nsec;
};

struct fake_pool {
    bool exists;
    uint32_t id;
    uint32_t sched_id;              /* XEN_SCHEDULER_* */
};

struct fake_shadow_call {
    uint32_t domid;
    unsigned op, mode;
    bool bitmap_null;
    unsigned long pages;
};

struct fake_state {
    struct fake_dom dom[FAKE_MAX_DOMS];
    struct fake_pool pool[FAKE_MAX_POOLS];
    xentoollog_logger *logger;      /* what xen.c gave xc_interface_open */

    /* Failure injection: the next call of that name fails with errno e. */
    const char *fail_call;
    int fail_errno;
    const char *fail_logmsg;        /* also logged at XTL_ERROR if set */

    /* What was called, how often, with what. */
    unsigned n_interface_open, n_interface_close, n_fmem_open, n_fmem_close;
    unsigned n_getinfolist, n_cpupool_getinfo, n_cpupool_infofree;
    unsigned n_credit_get, n_credit_set, n_credit2_get, n_credit2_set;
    unsigned n_rtds_get, n_rtds_set;
    unsigned n_setaffinity, n_pfn_type_calls, max_pfn_type_batch;
    unsigned n_hcbuf_alloc, n_hcbuf_free, n_map, n_unmap;
    unsigned long last_unmap_pages;
    unsigned n_populate;
    unsigned long populated_extents;
    unsigned n_hvm_getcontext_size_queries;
    uint16_t last_credit2_set_weight, last_credit_set_weight;
    struct fake_shadow_call shadow[FAKE_MAX_CALLS];
    unsigned n_shadow;
    /* xc_dom_gnttab_seed's last call, and whether the CPU state was set
     * before it (libxc seeds last) */
    struct {
        unsigned n;
        uint32_t domid, console_domid, store_domid;
        uint64_t console_gfn, store_gfn;
        bool after_setcontext;
    } gnttab_seed;
    /* a getpageframeinfo3 over nothing but holes takes this long (Xen
     * under TCG walking a PVH guest's p2m up to its special pages) */
    unsigned hole_batch_delay_us;
    /* pfns mapped writable, in order (the last FAKE_MAX_CALLS) */
    uint64_t rw_mapped[FAKE_MAX_CALLS];
    unsigned n_rw_mapped;
};

extern struct fake_state fake;

/* Two domains: 3 (HVM, 4 vCPUs, pool 0 = credit2) and 9 (PV, 2 vCPUs);
 * pools 0 (credit2) and 2 (RTDS); 24 pCPUs. */
void fake_reset(void);
struct fake_dom *fake_dom(uint32_t domid);

/* The contents the fake gives guest page pfn (every byte). */
static inline uint8_t fake_page_byte(uint64_t pfn)
{
    return (uint8_t)(pfn * 7 + 1);
}

#endif
