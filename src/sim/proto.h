/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The converge-simd control protocol, version 1.
 *
 * A client (hv/sim.c, xl-converge sim, tests) talks to the daemon over a
 * SOCK_STREAM UNIX socket in frames: a 24-byte header, then `len` bytes of
 * payload.  Every integer is little-endian; structures are built and read
 * field by field with common/bytes.h, never cast from the wire.
 *
 *   off size  field
 *     0    4  magic    CVG_SIM_MAGIC ("CSIM" in memory order)
 *     4    2  version  CVG_SIM_VERSION
 *     6    2  op       enum cvg_sim_op (a reply echoes it)
 *     8    4  domid    target domain (0 where the op has none)
 *    12    4  len      payload bytes: <= CVG_SIM_MAX_REQ_PAYLOAD in a
 *                      request, <= CVG_SIM_MAX_REPLY_PAYLOAD in a reply
 *    16    4  seq      chosen by the client, echoed in the reply
 *    20    4  status   request: 0; reply: 0 or a negative errno
 *
 * A reply with status < 0 carries the error text (no NUL, at most
 * CVG_SIM_MAX_ERR_TEXT bytes) as its payload.  The daemon answers every
 * request it can frame (unknown op, unknown domid, bad payload: error reply,
 * connection kept); a header it cannot trust (magic, version, length) gets
 * an error reply and the connection is closed, since the stream can no
 * longer be framed.  A request is executed only once it has arrived whole.
 *
 * Request payloads (exact sizes; anything else is -EINVAL):
 *   HELLO, DESTROY, LIST, INFO, DOMINFO, NR_PCPUS, LOGDIRTY_ENABLE/_DISABLE/
 *   _ENABLED, PAUSE, UNPAUSE, SUSPEND, RESUME, SCHED_ID, CAP_GET,
 *   HVM_CONTEXT_GET, TSC_GET, DIGEST, TRUTH           empty
 *   CREATE_SCENARIO  u16 source_len, u16 0, source, scenario text (rest)
 *   CREATE_EMPTY     u64 pages, u32 vcpus, u32 flags (CVG_SIM_EMPTY_*),
 *                    name (rest, <= 63 bytes)
 *   VCPUINFO, BUDGET_GET, AFFINITY_GET                 u32 vcpu
 *   MAP              u32 prot (CVG_SIM_PROT_*)
 *   PFN_TYPES, POPULATE   u32 n, u32 0, n x u64 pfn (n <= CVG_SIM_MAX_PFNS)
 *   LOGDIRTY_OP      u32 op (CLEAN 11 / PEEK 12), u32 mode, u64 pages
 *   CAP_SET          u32 cap
 *   BUDGET_SET       u32 vcpu, u32 period_us, u32 budget_us
 *   AFFINITY_SET     u32 vcpu, u32 nwords, nwords x u64 (1..CVG_SIM_MAX_CPUMAP_WORDS)
 *   HVM_CONTEXT_SET  the blob (<= CVG_SIM_MAX_BLOB)
 *   HVM_PARAM_GET    u32 index
 *   HVM_PARAM_SET    u32 index, u32 0, u64 value
 *   TSC_SET          u32 mode, u32 khz, u64 nsec, u32 incarnation, u32 0
 *
 * Reply payloads on success:
 *   HELLO            u32 version, u32 nr_pcpus, u32 daemon pid, u32 0
 *   CREATE_*         u32 domid
 *   LIST             struct cvg_sim_list (u32 count, u32 0, count x 88 bytes)
 *   INFO             struct cvg_sim_info (see cvg_sim_info_encode)
 *   DOMINFO          48 bytes (cvg_sim_dominfo_encode)
 *   VCPUINFO         u32 flags, u32 cpu, u64 cpu_time_ns
 *   NR_PCPUS, SCHED_ID, CAP_GET, LOGDIRTY_ENABLED      u32
 *   MAP              u64 p2m_size, u32 prot, u32 0, plus the guest memory
 *                    memfd as SCM_RIGHTS (read-only fd for PROT_READ)
 *   PFN_TYPES        n x u32 (XEN_DOMCTL_PFINFO_* in the top nibble)
 *   LOGDIRTY_OP      u32 fault_count, u32 dirty_count, u64 pages,
 *                    u64 bits, bitmap of `bits` bits in u64 LSB-first words
 *                    (bits = min(pages, p2m_size); pages beyond are clean)
 *   BUDGET_GET       u32 period_us, u32 budget_us
 *   AFFINITY_GET     u32 nwords, u32 0, nwords x u64
 *   HVM_CONTEXT_GET  the blob
 *   HVM_PARAM_GET    u64 value
 *   TSC_GET          as TSC_SET's request
 *   DIGEST           32 bytes: SHA-256 of guest memory in pfn order
 *   TRUTH            struct cvg_sim_truth (cvg_sim_truth_encode)
 *   everything else  empty
 */
#ifndef CVG_SIM_PROTO_H
#define CVG_SIM_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bytes.h"
#include "common/err.h"
#include "common/io.h"

#define CVG_SIM_MAGIC   0x4d495343u     /* bytes 'C' 'S' 'I' 'M' */
#define CVG_SIM_VERSION 1u
#define CVG_SIM_HDR_SIZE 24u

#define CVG_SIM_PAGE_SHIFT 12               /* guest pages of 4 KiB, as x86 Xen */
#define CVG_SIM_PAGE_SIZE  (1u << CVG_SIM_PAGE_SHIFT)

/* Bounds every side enforces before allocating. */
#define CVG_SIM_MAX_REQ_PAYLOAD   (4u << 20)
#define CVG_SIM_MAX_REPLY_PAYLOAD (64u << 20)
#define CVG_SIM_MAX_ERR_TEXT      (CVG_ERR_MSG_MAX - 1)
#define CVG_SIM_MAX_SCENARIO      (256u << 10)
#define CVG_SIM_MAX_SOURCE        255u
#define CVG_SIM_MAX_NAME          63u
#define CVG_SIM_MAX_PFNS          (256u << 10)       /* per PFN_TYPES/POPULATE */
#define CVG_SIM_MAX_BLOB          (1u << 20)         /* HVM context */
#define CVG_SIM_MAX_PAGES         (1ull << 28)       /* 1 TiB of guest memory */
#define CVG_SIM_MAX_VCPUS         128u
#define CVG_SIM_MAX_PCPUS         64u                /* one cpumap word */
#define CVG_SIM_MAX_CPUMAP_WORDS  16u
#define CVG_SIM_MAX_DOMAINS       256u
#define CVG_SIM_MAX_HVM_PARAMS    64u                /* index < this */
#define CVG_SIM_MAX_PAUSE_COUNT   1024u

/* Numerically the flags the hv port and Xen use. */
#define CVG_SIM_PROT_READ   1u                       /* PROT_READ */
#define CVG_SIM_PROT_RW     3u                       /* PROT_READ|PROT_WRITE */
#define CVG_SIM_PFINFO_XTAB (0xFu << 28)
#define CVG_SIM_SHUTDOWN_SUSPEND 2u  /* Xen's SHUTDOWN_suspend */

#define CVG_SIM_EMPTY_PAUSED 1u                      /* CREATE_EMPTY flags */

enum cvg_sim_op {
    CVG_SIM_OP_HELLO = 1,
    CVG_SIM_OP_CREATE_SCENARIO,
    CVG_SIM_OP_CREATE_EMPTY,
    CVG_SIM_OP_DESTROY,
    CVG_SIM_OP_LIST,
    CVG_SIM_OP_INFO,
    CVG_SIM_OP_DIGEST,
    CVG_SIM_OP_TRUTH,
    CVG_SIM_OP_DOMINFO,
    CVG_SIM_OP_VCPUINFO,
    CVG_SIM_OP_NR_PCPUS,
    CVG_SIM_OP_MAP,
    CVG_SIM_OP_PFN_TYPES,
    CVG_SIM_OP_POPULATE,
    CVG_SIM_OP_LOGDIRTY_ENABLE,
    CVG_SIM_OP_LOGDIRTY_DISABLE,
    CVG_SIM_OP_LOGDIRTY_OP,
    CVG_SIM_OP_LOGDIRTY_ENABLED,
    CVG_SIM_OP_PAUSE,
    CVG_SIM_OP_UNPAUSE,
    CVG_SIM_OP_SUSPEND,
    CVG_SIM_OP_RESUME,
    CVG_SIM_OP_SCHED_ID,
    CVG_SIM_OP_CAP_GET,
    CVG_SIM_OP_CAP_SET,
    CVG_SIM_OP_BUDGET_GET,
    CVG_SIM_OP_BUDGET_SET,
    CVG_SIM_OP_AFFINITY_GET,
    CVG_SIM_OP_AFFINITY_SET,
    CVG_SIM_OP_HVM_CONTEXT_GET,
    CVG_SIM_OP_HVM_CONTEXT_SET,
    CVG_SIM_OP_HVM_PARAM_GET,
    CVG_SIM_OP_HVM_PARAM_SET,
    CVG_SIM_OP_TSC_GET,
    CVG_SIM_OP_TSC_SET,
    CVG_SIM_OP_MAX_PLUS_ONE,
};

const char *cvg_sim_op_name(unsigned op);   /* "create-scenario", or NULL */

struct cvg_sim_hdr {
    uint32_t magic;
    uint16_t version;
    uint16_t op;
    uint32_t domid;
    uint32_t len;
    uint32_t seq;
    int32_t status;
};

void cvg_sim_hdr_encode(uint8_t out[CVG_SIM_HDR_SIZE], const struct cvg_sim_hdr *h);
/* Checks magic, version, the status rule and len against max_len. */
int cvg_sim_hdr_decode(const uint8_t in[CVG_SIM_HDR_SIZE], bool is_reply,
                       struct cvg_sim_hdr *h, struct cvg_err *err);

/* A decoded request; pointers point into the payload it was decoded from. */
struct cvg_sim_req {
    uint16_t op;
    uint32_t domid;
    union {
        struct { const char *source; size_t source_len;
                 const char *text; size_t text_len; } scenario;
        struct { uint64_t pages; uint32_t vcpus, flags;
                 char name[CVG_SIM_MAX_NAME + 1]; } empty;
        uint32_t vcpu;
        uint32_t prot;
        struct { const uint8_t *le; uint32_t n; } pfns;   /* n x le64 */
        struct { uint32_t op, mode; uint64_t pages; } logdirty;
        uint32_t cap;
        struct { uint32_t vcpu, period_us, budget_us; } budget;
        struct { uint32_t vcpu, nwords; uint64_t map[CVG_SIM_MAX_CPUMAP_WORDS]; } affinity;
        struct { const uint8_t *buf; size_t len; } blob;
        struct { uint32_t index; uint64_t value; } param;
        struct { uint32_t mode, khz, incarnation; uint64_t nsec; } tsc;
    } u;
};

/* Validates a request's payload for its op (hdr already decoded). */
int cvg_sim_req_decode(const struct cvg_sim_hdr *h, const uint8_t *payload,
                       struct cvg_sim_req *req, struct cvg_err *err);
static inline uint64_t cvg_sim_req_pfn(const struct cvg_sim_req *req, uint32_t i)
{
    return cvg_get_le64(req->u.pfns.le + 8 * (size_t)i);
}

/* Builds a request frame (header + payload) into sink; used by clients. */
int cvg_sim_req_encode(struct cvg_sink *sink, const struct cvg_sim_req *req,
                       uint32_t seq, struct cvg_err *err);

/* ---- structured replies (daemon encodes, client decodes) ---- */

struct cvg_sim_dominfo {
    uint32_t domid;
    bool hvm, paused, shutdown, dying;
    uint32_t shutdown_reason;
    uint32_t max_vcpu_id;
    uint32_t nr_online_vcpus;
    uint32_t cpupool;
    uint64_t p2m_size;
    uint64_t nr_pages;
    uint64_t cpu_time_ns;
};
#define CVG_SIM_DOMINFO_SIZE 48u

struct cvg_sim_vcpuinfo {
    bool online, blocked, running;
    uint32_t cpu;
    uint64_t cpu_time_ns;
};
#define CVG_SIM_VCPUINFO_SIZE 16u

struct cvg_sim_list_entry {
    uint32_t domid;
    uint32_t nr_vcpus;
    bool paused, shutdown, logdirty;
    uint64_t p2m_size;
    char name[CVG_SIM_MAX_NAME + 1];
};
#define CVG_SIM_LIST_ENTRY_SIZE 88u

struct cvg_sim_vcpu_state {
    uint32_t id;
    uint32_t pattern;           /* enum cvg_pattern now running */
    double rate_mib_s;          /* full-speed rate of that pattern */
    uint32_t period_us, budget_us;
    uint64_t affinity;          /* hard affinity over CVG_SIM_MAX_PCPUS */
    uint32_t share_ppm;         /* of one pCPU in the current period */
    bool blocked, running;
    uint64_t work;              /* page writes, or page reads for `read` */
    uint64_t writes;            /* page writes only */
    uint64_t cpu_time_ns;
};
#define CVG_SIM_VCPU_STATE_SIZE 64u

struct cvg_sim_info {
    uint32_t domid;
    char name[CVG_SIM_MAX_NAME + 1];
    bool hvm, paused, shutdown, dying, logdirty;
    uint32_t pause_count;
    uint32_t shutdown_reason;
    uint32_t cap;
    uint64_t p2m_size;
    uint64_t nr_pages;          /* populated */
    uint64_t seed;
    uint64_t logdirty_since_ns; /* CLOCK_MONOTONIC of the first enable, 0 never */
    uint32_t nr_vcpus;
    struct cvg_sim_vcpu_state *vcpus;   /* nr_vcpus, malloc()ed by decode */
};
#define CVG_SIM_INFO_FIXED_SIZE 120u

struct cvg_sim_truth_vcpu {
    uint64_t dirtied;           /* pages this vCPU newly dirtied since the last CLEAN */
    uint64_t writes;            /* page writes since creation */
    uint64_t work;
    uint64_t cpu_time_ns;
};

struct cvg_sim_truth {
    uint64_t now_ns;            /* daemon's CLOCK_MONOTONIC at the snapshot */
    uint64_t clean_ns;          /* of the last CLEAN (or enable) */
    uint64_t dirty_count;       /* distinct pages newly dirtied since then */
    bool logdirty;
    uint32_t nr_vcpus;
    struct cvg_sim_truth_vcpu *vcpus;   /* malloc()ed by decode */
};
#define CVG_SIM_TRUTH_FIXED_SIZE 32u

void cvg_sim_dominfo_encode(uint8_t out[CVG_SIM_DOMINFO_SIZE], const struct cvg_sim_dominfo *d);
int cvg_sim_dominfo_decode(const uint8_t *p, size_t len, struct cvg_sim_dominfo *d,
                           struct cvg_err *err);
void cvg_sim_vcpuinfo_encode(uint8_t out[CVG_SIM_VCPUINFO_SIZE], const struct cvg_sim_vcpuinfo *v);
int cvg_sim_vcpuinfo_decode(const uint8_t *p, size_t len, struct cvg_sim_vcpuinfo *v,
                            struct cvg_err *err);

int cvg_sim_list_encode(struct cvg_sink *sink, const struct cvg_sim_list_entry *e,
                        uint32_t n, struct cvg_err *err);
/* *entries is malloc()ed (NULL when n is 0). */
int cvg_sim_list_decode(const uint8_t *p, size_t len, struct cvg_sim_list_entry **entries,
                        uint32_t *n, struct cvg_err *err);

int cvg_sim_info_encode(struct cvg_sink *sink, const struct cvg_sim_info *info,
                        struct cvg_err *err);
int cvg_sim_info_decode(const uint8_t *p, size_t len, struct cvg_sim_info *info,
                        struct cvg_err *err);
void cvg_sim_info_release(struct cvg_sim_info *info);

int cvg_sim_truth_encode(struct cvg_sink *sink, const struct cvg_sim_truth *t,
                         struct cvg_err *err);
int cvg_sim_truth_decode(const uint8_t *p, size_t len, struct cvg_sim_truth *t,
                         struct cvg_err *err);
void cvg_sim_truth_release(struct cvg_sim_truth *t);

#endif
