/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The xen-converge back channel (receiver -> sender) and its in-band
 * negotiation, both halves.  Records and their codecs: wire/cvg_records.h.
 *
 * Sender (the save engine):
 *   - has a back channel only when its driver handed it one (xl-converge
 *     migrate exports the receive side of its transport in
 *     $CONVERGE_BACK_FD); libxl's own recv_fd argument is a dup of xl's
 *     stdin in a plain migration and is never read;
 *   - writes HELLO (CAN_READ_ACKS | STATS | SWITCHOVER_ACK) into the stream
 *     right after STATIC_DATA_END, only when it has a back channel;
 *   - reads the channel only when the engine asks, for at most as long as
 *     asked, and never a byte past the record it is reading: after BYE the
 *     same fd carries xl's own handshake;
 *   - no HELLO_ACK within hello_timeout_ms means a stock receiver (which
 *     skips optional records and says nothing): never read again;
 *   - once agreed, reads through the receiver's BYE before `complete`, so
 *     xl's handshake never sees a byte of ours.
 *
 * Receiver (the restore engine):
 *   - answers HELLO with HELLO_ACK (the offered capabilities it supports)
 *     only when it holds send_back_fd and HELLO says the sender reads it;
 *     a stock sender never says HELLO, so a stock xl never sees stray bytes;
 *   - sends SWITCHOVER_ACK once, when (a) a STATS record has arrived (the
 *     sender writes one after each pass, so everything of the first full
 *     pass is applied by then) and (b) its own setup is done (ready_at_ns,
 *     the simulator's model of the destination's setup), with the apply
 *     rate it measured;
 *   - sends BYE last, with its status, once agreed.
 */
#ifndef CVG_ENGINE_BACKCHANNEL_H
#define CVG_ENGINE_BACKCHANNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/io.h"
#include "wire/cvg_records.h"
#include "wire/xc_stream.h"

/*
 * The environment variable naming the sender's back-channel fd.  Not a
 * XENCONVERGE_* name: the tunables loader refuses unknown ones.
 */
#define CVG_BC_ENV_FD "CONVERGE_BACK_FD"

/*
 * The simulator's model of the destination, handed by migrate-receive to
 * its restore helper (honoured only on the simulator): CLOCK_MONOTONIC ns
 * at which the destination's own setup is done, and the rate in bytes/s
 * at which it can apply pages.
 */
#define CVG_BC_ENV_SIM_READY_AT   "CONVERGE_SIM_READY_AT_NS"
#define CVG_BC_ENV_SIM_APPLY_RATE "CONVERGE_SIM_APPLY_RATE_BPS"

/* What our sender offers and our receiver supports. */
#define CVG_BC_CAPS (CVG_CAP_CAN_READ_ACKS | CVG_CAP_STATS | CVG_CAP_SWITCHOVER_ACK)

/*
 * $CONVERGE_BACK_FD: the fd if the variable is set, names an open fd above
 * 2 that can be read, else -1 (*why says why it was not taken, NULL when
 * the variable is unset).
 */
int cvg_bc_env_fd(const char **why);

/* A decimal u64 variable: 0 when unset; -EINVAL when set but not a number. */
int cvg_bc_env_u64(const char *name, uint64_t *v);

/* ---- Sender -------------------------------------------------------- */

enum cvg_bc_state {
    CVG_BC_OFF,         /* no back channel: never HELLO, never read */
    CVG_BC_ASKED,       /* HELLO written, no answer yet */
    CVG_BC_AGREED,      /* HELLO_ACK read */
    CVG_BC_STOCK,       /* no answer in time: a stock receiver; never read */
    CVG_BC_DONE,        /* BYE read: nothing more of ours will come */
    CVG_BC_CLOSED,      /* end of file: the peer went away */
};

struct cvg_bc_send {
    int fd;
    enum cvg_bc_state state;
    uint32_t caps;              /* agreed */
    uint32_t peer_domid;        /* from HELLO_ACK */
    uint64_t hello_ns, hello_deadline_ns;
    bool acked;                 /* SWITCHOVER_ACK with READY arrived */
    struct cvg_switchover_ack ack;
    uint64_t ack_ns;
    int32_t bye_status;
    uint32_t unknown;           /* records of a newer peer, skipped */
    /* the record being read: exactly its own bytes, never more */
    uint8_t rec[XCS_RHDR_SIZE + CVG_REC_BODY_MAX + XCS_REC_ALIGN];
    uint32_t have, need;
    uint64_t off;               /* back-channel offset of rec */
};

const char *cvg_bc_state_name(enum cvg_bc_state s);

/* fd -1: no back channel. */
void cvg_bc_send_init(struct cvg_bc_send *bc, int fd);

/* HELLO into the stream (nothing when there is no back channel). */
int cvg_bc_send_hello(struct cvg_bc_send *bc, struct cvg_sink *stream,
                      uint32_t domid, uint64_t nr_pfns,
                      uint32_t hello_timeout_ms, uint64_t now_ns,
                      struct cvg_err *err);

/*
 * Reads the records that arrive within timeout_ms (0: only what is already
 * there), returning as soon as one changed something the engine waits for
 * (agreement, the ack, BYE).  Moves ASKED to STOCK once the HELLO deadline
 * has passed.  Fails on a malformed record, a BYE with an error status (the
 * destination failed) and read errors; end of file only moves to CLOSED.
 */
int cvg_bc_send_poll(struct cvg_bc_send *bc, int timeout_ms, struct cvg_err *err);

/*
 * After END: when agreed, reads through BYE within timeout_ms; while the
 * HELLO is still unanswered, first waits out its deadline (an answer may be
 * in flight, and would otherwise reach xl's handshake).  0 when nothing of
 * ours can follow on the fd any more.
 */
int cvg_bc_send_drain(struct cvg_bc_send *bc, uint32_t timeout_ms,
                      struct cvg_err *err);

/* STATS into the stream when agreed (nothing otherwise). */
int cvg_bc_send_stats(struct cvg_bc_send *bc, struct cvg_sink *stream,
                      const struct cvg_stats *s, struct cvg_err *err);

/* ---- The switchover gate (pure: state in, verdict out) ------------- */

enum cvg_gate_verdict {
    CVG_GATE_GO,            /* suspend now */
    CVG_GATE_HOLD,          /* keep copying live, ask again after a pass */
    CVG_GATE_TIMEOUT,       /* ack_timeout_ms passed: on_timeout decides */
    CVG_GATE_LOST,          /* the peer went away before acknowledging */
};

struct cvg_gate {
    uint32_t ack_timeout_ms;
    uint64_t hold_since_ns;     /* 0: not holding yet */
};

/*
 * Asked when the stop rule says stop-and-copy.  GO when the guest is
 * already paused (nothing to protect), without a back channel or with a
 * stock peer, when the peer did not agree to SWITCHOVER_ACK, and once the
 * ack arrived; HOLD while the HELLO is unanswered or the ack pending, for
 * at most ack_timeout_ms from the first HOLD.  *why: one line for the log.
 */
enum cvg_gate_verdict cvg_gate_check(struct cvg_gate *g, const struct cvg_bc_send *bc,
                                     bool guest_paused, uint64_t now_ns,
                                     const char **why);

/* ---- Receiver ------------------------------------------------------ */

struct cvg_bc_recv {
    int fd;                     /* send_back_fd; -1: none (xl restore) */
    struct cvg_sink sink;
    uint32_t domid;             /* ours, for HELLO_ACK */
    bool agreed;
    uint32_t caps;
    bool pass_seen;             /* a STATS arrived: a whole pass is applied */
    bool acked;
    uint64_t ready_at_ns;       /* setup done (CLOCK_MONOTONIC); 0: at once */
    /* apply-rate meter, and the simulator's limit on it */
    uint64_t apply_limit_bps;   /* 0: none */
    uint64_t busy_ns, applied_bytes, pages_applied;
};

void cvg_bc_recv_init(struct cvg_bc_recv *r, int send_back_fd, uint32_t domid,
                      uint64_t ready_at_ns, uint64_t apply_limit_bps);

/* One of our records read from the stream (HELLO, STATS, others ignored). */
int cvg_bc_recv_record(struct cvg_bc_recv *r, const struct xcs_rec *rec,
                       struct cvg_err *err);

/*
 * Pages applied: start_ns is when the work on them began.  With an apply
 * limit, sleeps so that applying never runs faster than the limit.
 */
void cvg_bc_recv_applied(struct cvg_bc_recv *r, uint64_t pages, uint64_t start_ns);
/* Measured apply rate (bytes/s of busy time), 0 before any page. */
uint64_t cvg_bc_recv_apply_rate(const struct cvg_bc_recv *r);

/*
 * Before reading the next record: when only the setup stands between us
 * and the ack, waits until either stream data arrive on io_fd or the setup
 * is done, and then acks.  Never reads io_fd.
 */
int cvg_bc_recv_before_read(struct cvg_bc_recv *r, int io_fd, struct cvg_err *err);

/* The last word on the back channel (once agreed); status 0 or -errno. */
int cvg_bc_recv_bye(struct cvg_bc_recv *r, int status, struct cvg_err *err);

#endif
