/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xen-converge's own records: optional libxc-framed records that carry the
 * negotiation, the switchover acknowledgement and live statistics between
 * our sender and our receiver.
 *
 * Numbering: 0xF0CE0000 + n.  Bit 31 is set, so a stock receiver skips them
 * (xg_sr_restore.c ignores unknown optional records at any position), and
 * the 0xF0CE prefix keeps clear of any range upstream might allocate.
 *
 * Framing is libxc's: u32 type, u32 length, body, zero padding to 8 bytes.
 * The same records travel in the libxc stream (sender -> receiver: HELLO,
 * STATS) and on the back channel (receiver -> sender over send_back_fd:
 * HELLO_ACK, SWITCHOVER_ACK, BYE), where COLO already puts libxc-framed
 * CHECKPOINT_DIRTY_PFN_LIST records.
 *
 * Every body is little-endian and starts with
 *     u16 version    body layout version, 1 for everything defined here
 *     u16 flags      per-record flag bits; undefined bits are zero
 * followed by naturally aligned fields (sizes below).  All bodies are at most
 * CVG_REC_BODY_MAX bytes, in every version: readers refuse longer ones
 * before reading them.
 *
 * Forward compatibility:
 *   - version 0 is refused;
 *   - version 1 must have exactly the v1 size, undefined flag bits zero and
 *     reserved fields zero;
 *   - a higher version is accepted when its body is at least the v1 size:
 *     the v1 fields are read, the extra bytes, unknown flag bits and v1
 *     reserved fields (which the newer version may have given a meaning)
 *     are ignored.  A later version therefore only appends fields, and
 *     never changes the meaning of a v1 field or flag;
 *   - capability bits a side does not know are ignored (never acknowledged);
 *   - a record type in our range that this build does not know is skipped
 *     like any unknown optional record.
 *
 * Protocol (see shared/docs/xen-interfaces.md 5.4): the sender puts HELLO
 * (with CVG_CAP_CAN_READ_ACKS when it holds a back channel) near the start
 * of the stream; a receiver of ours answers HELLO_ACK on send_back_fd with
 * the capabilities it agrees to, only if asked; SWITCHOVER_ACK when it has
 * applied the first full pass and is ready; STATS flow in the stream as
 * information; BYE is the receiver's last record on the back channel, so the
 * sender can drain the channel before libxl's own handshake uses it.
 */
#ifndef CVG_WIRE_CVG_RECORDS_H
#define CVG_WIRE_CVG_RECORDS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/io.h"
#include "wire/xc_stream.h"

#define CVG_REC_BASE            0xF0CE0000u
#define CVG_REC_RANGE_MASK      0xFFFF0000u
#define CVG_REC_HELLO           (CVG_REC_BASE + 1)      /* stream */
#define CVG_REC_HELLO_ACK       (CVG_REC_BASE + 2)      /* back channel */
#define CVG_REC_SWITCHOVER_ACK  (CVG_REC_BASE + 3)      /* back channel */
#define CVG_REC_STATS           (CVG_REC_BASE + 4)      /* stream */
#define CVG_REC_BYE             (CVG_REC_BASE + 5)      /* back channel */

#define CVG_REC_BODY_MAX        4096u
#define CVG_REC_VERSION         1u
#define CVG_PROTO_VERSION       1u

/* v1 body sizes. */
#define CVG_HELLO_SIZE          24
#define CVG_HELLO_ACK_SIZE      16
#define CVG_SWITCHOVER_ACK_SIZE 24
#define CVG_STATS_SIZE          40
#define CVG_BYE_SIZE            8

/* Capabilities (HELLO offers, HELLO_ACK agrees). */
#define CVG_CAP_CAN_READ_ACKS   (1u << 0)   /* sender reads the back channel */
#define CVG_CAP_STATS           (1u << 1)   /* sender sends STATS */
#define CVG_CAP_SWITCHOVER_ACK  (1u << 2)   /* sender waits for SWITCHOVER_ACK */
#define CVG_CAP_KNOWN           (CVG_CAP_CAN_READ_ACKS | CVG_CAP_STATS | \
                                 CVG_CAP_SWITCHOVER_ACK)

/* SWITCHOVER_ACK flags. */
#define CVG_SWACK_READY         (1u << 0)   /* receiver is ready for switchover */

static inline bool cvg_rec_in_range(uint32_t type)
{
    return (type & CVG_REC_RANGE_MASK) == CVG_REC_BASE;
}

/*
 * HELLO, 24 bytes: u16 version, u16 flags (none), u32 proto, u32 caps,
 * u32 domid, u64 nr_pfns.
 */
struct cvg_hello {
    uint32_t proto;             /* CVG_PROTO_VERSION */
    uint32_t caps;              /* CVG_CAP_* offered */
    uint32_t domid;             /* the sender's domid */
    uint64_t nr_pfns;           /* guest pfn space (p2m size), for progress */
};

/*
 * HELLO_ACK, 16 bytes: u16 version, u16 flags (none), u32 proto,
 * u32 caps, u32 domid.
 */
struct cvg_hello_ack {
    uint32_t proto;             /* receiver's CVG_PROTO_VERSION */
    uint32_t caps;              /* agreed: a subset of what HELLO offered */
    uint32_t domid;             /* the receiver's (new) domid */
};

/*
 * SWITCHOVER_ACK, 24 bytes: u16 version, u16 flags (CVG_SWACK_READY),
 * u32 reserved, u64 pages_applied, u64 apply_rate.
 */
struct cvg_switchover_ack {
    bool ready;
    uint64_t pages_applied;     /* pages written into the new domain so far */
    uint64_t apply_rate;        /* measured, bytes/s */
};

/*
 * STATS, 40 bytes: u16 version, u16 flags (none), u32 pass,
 * u64 bytes_sent, u64 remaining, u64 dirty_rate, u32 throttle_pct,
 * u32 expected_downtime_ms.  Informational.
 */
struct cvg_stats {
    uint32_t pass;              /* 0 = first full pass */
    uint64_t bytes_sent;
    uint64_t remaining;         /* bytes still dirty */
    uint64_t dirty_rate;        /* bytes/s */
    uint32_t throttle_pct;      /* 0-100 */
    uint32_t expected_downtime_ms;
};

/* BYE, 8 bytes: u16 version, u16 flags (none), i32 status. */
struct cvg_bye {
    int32_t status;             /* 0, or the receiver's negative errno */
};

/* One decoded record of ours. */
struct cvg_msg {
    uint32_t type;              /* CVG_REC_*, or the unknown type */
    uint64_t offset;            /* of the record header in its stream */
    uint16_t version;           /* as sent (>= 1) */
    bool unknown;               /* in our range but not known here: ignore */
    union {
        struct cvg_hello hello;
        struct cvg_hello_ack hello_ack;
        struct cvg_switchover_ack swack;
        struct cvg_stats stats;
        struct cvg_bye bye;
    } u;
};

/* "CVG_HELLO", ..., or NULL for a type outside our known set. */
const char *cvg_rec_type_name(uint32_t type);

/* Capabilities a receiver agrees to: offered ones it also supports. */
static inline uint32_t cvg_caps_agree(uint32_t offered, uint32_t supported)
{
    return offered & supported & CVG_CAP_KNOWN;
}

/* Encoders: fill out[] with a v1 body; return its length. */
size_t cvg_encode_hello(const struct cvg_hello *m, uint8_t out[CVG_HELLO_SIZE]);
size_t cvg_encode_hello_ack(const struct cvg_hello_ack *m,
                            uint8_t out[CVG_HELLO_ACK_SIZE]);
size_t cvg_encode_switchover_ack(const struct cvg_switchover_ack *m,
                                 uint8_t out[CVG_SWITCHOVER_ACK_SIZE]);
size_t cvg_encode_stats(const struct cvg_stats *m, uint8_t out[CVG_STATS_SIZE]);
size_t cvg_encode_bye(const struct cvg_bye *m, uint8_t out[CVG_BYE_SIZE]);

/* Writers: one framed record (header, body, padding) into the sink. */
int cvg_write_hello(struct cvg_sink *sink, const struct cvg_hello *m,
                    struct cvg_err *err);
int cvg_write_hello_ack(struct cvg_sink *sink, const struct cvg_hello_ack *m,
                        struct cvg_err *err);
int cvg_write_switchover_ack(struct cvg_sink *sink,
                             const struct cvg_switchover_ack *m,
                             struct cvg_err *err);
int cvg_write_stats(struct cvg_sink *sink, const struct cvg_stats *m,
                    struct cvg_err *err);
int cvg_write_bye(struct cvg_sink *sink, const struct cvg_bye *m,
                  struct cvg_err *err);

/*
 * Decodes a record of our range (as xcs_read_record returns it, or as
 * built by the back-channel reader).  Unknown types in our range: 0, with
 * out->unknown set.  Errors name the record, its offset and the field.
 */
int cvg_decode(const struct xcs_rec *rec, struct cvg_msg *out,
               struct cvg_err *err);

/*
 * Back channel (receiver -> sender): reads exactly one record from src and
 * decodes it.  The body may be at most CVG_REC_BODY_MAX bytes (checked on
 * the header, before reading), so a lying peer cannot make us allocate or
 * wait for more.  Accepts HELLO_ACK, SWITCHOVER_ACK, BYE; unknown optional
 * records of at most that size are read, dropped and returned with
 * out->unknown set; anything else (mandatory types, HELLO and STATS which
 * belong in the stream) is an error naming it.
 */
int cvg_read_back_record(struct cvg_src *src, struct cvg_msg *out,
                         struct cvg_err *err);
/* The same, for a caller that has read the 8-byte header already (at
 * stream offset `offset`) to tell a record from something else. */
int cvg_read_back_record_after_header(struct cvg_src *src, const uint8_t hdr[8],
                                      uint64_t offset, struct cvg_msg *out,
                                      struct cvg_err *err);

#endif
