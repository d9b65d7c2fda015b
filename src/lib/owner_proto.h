/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The protocol of a domain's dirty-limit owner (converge-limitd) on its
 * UNIX socket (runpath.h).  Its clients: libxenconverge (set, cancel,
 * list, measure) and a migration about to start on the domain (handover).
 *
 * The owner acts on a production domain with what it reads, so both
 * directions decode strictly: fixed little-endian layouts, every length
 * exact, every count and value bounded before use.
 *
 * Request:  u32 magic "XCLO", u16 version (1), u16 op, u32 length, body
 *   SET       u32 vcpu (< 128, or ALL = 0xffffffff), u32 rate_mib_s (1..2^20), u32 flags (0)
 *   CANCEL    u32 vcpu (< 128, or ALL)
 *   LIST      (empty)
 *   MEASURE   u32 period_ms (100..60000), u32 flags (bit 0: no probe)
 *   HANDOVER  u32 pid of the migration's helper (> 0)
 * Reply:    u32 magic "XCLR", u16 version, u16 op (the request's), i32 status,
 *           u32 length, body
 *   status < 0  the error text (at most CVG_OWN_TEXT_MAX bytes, no NUL)
 *   LIST      u32 owner_pid, u32 n (<= 128), n x
 *               { u32 vcpu, u32 limit_mib_s, u32 state, u32 flags,
 *                 u64 current (MiB/s x 1000), u32 confidence (ppm), u32 share (ppm) }
 *   MEASURE   u32 source, u32 period_ms, u64 rate (MiB/s x 1000), u32 confidence (ppm),
 *             u32 n (<= 128), n x
 *               { u32 vcpu, u32 flags, u64 rate (MiB/s x 1000), u32 confidence (ppm),
 *                 u32 cpu (ppm of one CPU-second per second, <= 1e6) }
 *   others    (empty)
 * vcpu ids in a list are strictly increasing.
 */
#ifndef CVG_LIB_OWNER_PROTO_H
#define CVG_LIB_OWNER_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define CVG_OWN_REQ_MAGIC   0x4f4c4358u     /* "XCLO" */
#define CVG_OWN_REPLY_MAGIC 0x524c4358u     /* "XCLR" */
#define CVG_OWN_VERSION     1u
#define CVG_OWN_REQ_HDR     12u
#define CVG_OWN_REPLY_HDR   16u
#define CVG_OWN_MAX_VCPUS   128u
#define CVG_OWN_ALL         0xffffffffu
#define CVG_OWN_MAX_RATE    1048576u        /* MiB/s */
#define CVG_OWN_PERIOD_MIN  100u
#define CVG_OWN_PERIOD_MAX  60000u
#define CVG_OWN_TEXT_MAX    255u
#define CVG_OWN_REQ_BODY_MAX   12u
#define CVG_OWN_LIST_ENTRY  32u
#define CVG_OWN_MEAS_ENTRY  24u
#define CVG_OWN_REPLY_BODY_MAX (8u + CVG_OWN_MAX_VCPUS * CVG_OWN_LIST_ENTRY)

#define CVG_OWN_MEASURE_NO_PROBE 1u

enum cvg_own_op {
    CVG_OWN_SET = 1,
    CVG_OWN_CANCEL = 2,
    CVG_OWN_LIST = 3,
    CVG_OWN_MEASURE = 4,
    CVG_OWN_HANDOVER = 5,
};

/* Limit states and vCPU flags: the public header's values. */
enum cvg_own_state { CVG_OWN_ENFORCING = 0, CVG_OWN_LEARNING = 1, CVG_OWN_SUSPENDED = 2 };
#define CVG_OWN_VCPU_IDLE    (1u << 0)
#define CVG_OWN_VCPU_PROBED  (1u << 1)
#define CVG_OWN_VCPU_UNSPLIT (1u << 2)
#define CVG_OWN_VCPU_LIMITED (1u << 3)
#define CVG_OWN_VCPU_FLAGS   0xfu

struct cvg_own_req {
    enum cvg_own_op op;
    uint32_t vcpu;
    uint32_t rate_mib_s;
    uint32_t flags;
    uint32_t period_ms;
    uint32_t pid;
};

struct cvg_own_vcpu {
    uint32_t vcpu;
    uint32_t limit_mib_s;       /* LIST */
    uint32_t state;             /* LIST */
    uint32_t flags;
    double rate_mib_s;          /* LIST: current; MEASURE: measured */
    double confidence;
    double share;               /* LIST */
    double cpu;                 /* MEASURE */
};

struct cvg_own_reply {
    enum cvg_own_op op;
    int32_t status;
    char text[CVG_OWN_TEXT_MAX + 1];
    uint32_t owner_pid;         /* LIST */
    uint32_t source;            /* MEASURE */
    uint32_t period_ms;         /* MEASURE */
    double rate_mib_s;          /* MEASURE */
    double confidence;          /* MEASURE */
    uint32_t n;
    struct cvg_own_vcpu v[CVG_OWN_MAX_VCPUS];
};

const char *cvg_own_op_name(unsigned op);

/* Whole frames into out (room for CVG_OWN_REQ_HDR + CVG_OWN_REQ_BODY_MAX,
 * resp. CVG_OWN_REPLY_HDR + CVG_OWN_REPLY_BODY_MAX bytes); return the
 * frame's length, or a negative errno for a value out of range. */
int cvg_own_req_encode(const struct cvg_own_req *r, uint8_t *out, size_t room,
                       struct cvg_err *err);
int cvg_own_reply_encode(const struct cvg_own_reply *r, uint8_t *out, size_t room,
                         struct cvg_err *err);

/* Header only: the body length that follows (bounded), after checking magic
 * and version. */
int cvg_own_req_header(const uint8_t hdr[CVG_OWN_REQ_HDR], uint16_t *op, uint32_t *len,
                       struct cvg_err *err);
int cvg_own_reply_header(const uint8_t hdr[CVG_OWN_REPLY_HDR], uint16_t *op,
                         int32_t *status, uint32_t *len, struct cvg_err *err);

/* Whole frames: header and body, exactly len bytes. */
int cvg_own_req_decode(const uint8_t *p, size_t len, struct cvg_own_req *r,
                       struct cvg_err *err);
int cvg_own_reply_decode(const uint8_t *p, size_t len, struct cvg_own_reply *r,
                         struct cvg_err *err);

#endif
