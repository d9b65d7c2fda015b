/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Both halves of the back channel and the switchover gate (backchannel.h).
 *
 * The sender never lets a read block: poll() bounds every wait, and a read
 * asks for at most the bytes the current record still lacks, so a partial
 * record never stalls the precopy loop and the bytes after BYE (xl's ready
 * message) are left on the fd for xl.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/bytes.h"
#include "engine/backchannel.h"
#include "engine/clock.h"

#define NS_PER_MS 1000000ull

int cvg_bc_env_fd(const char **why)
{
    const char *s = getenv(CVG_BC_ENV_FD);
    char *end;
    long v;
    int fl;

    *why = NULL;
    if (!s)
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 3 || v > INT_MAX) {
        *why = "not a file descriptor number above 2";
        return -1;
    }
    fl = fcntl((int)v, F_GETFL);
    if (fl < 0) {
        *why = "names no open file descriptor";
        return -1;
    }
    if ((fl & O_ACCMODE) == O_WRONLY) {
        *why = "names a file descriptor open for writing only";
        return -1;
    }
    return (int)v;
}

int cvg_bc_env_u64(const char *name, uint64_t *v)
{
    const char *s = getenv(name);
    unsigned long long x;
    char *end;

    *v = 0;
    if (!s)
        return 0;
    errno = 0;
    x = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-')
        return -EINVAL;
    *v = x;
    return 0;
}

const char *cvg_bc_state_name(enum cvg_bc_state s)
{
    switch (s) {
    case CVG_BC_OFF: return "off";
    case CVG_BC_ASKED: return "HELLO sent";
    case CVG_BC_AGREED: return "agreed";
    case CVG_BC_STOCK: return "stock peer";
    case CVG_BC_DONE: return "BYE received";
    case CVG_BC_CLOSED: return "closed";
    }
    return "unknown";
}

/* ---- Sender -------------------------------------------------------- */

void cvg_bc_send_init(struct cvg_bc_send *bc, int fd)
{
    memset(bc, 0, sizeof(*bc));
    bc->fd = fd;
    bc->state = CVG_BC_OFF;     /* ASKED once HELLO is out */
    bc->need = XCS_RHDR_SIZE;
}

int cvg_bc_send_hello(struct cvg_bc_send *bc, struct cvg_sink *stream,
                      uint32_t domid, uint64_t nr_pfns,
                      uint32_t hello_timeout_ms, uint64_t now_ns,
                      struct cvg_err *err)
{
    const struct cvg_hello h = {
        .proto = CVG_PROTO_VERSION,
        .caps = CVG_BC_CAPS,
        .domid = domid,
        .nr_pfns = nr_pfns,
    };
    int rc;

    if (bc->fd < 0)
        return 0;
    rc = cvg_write_hello(stream, &h, err);
    if (rc)
        return rc;
    bc->state = CVG_BC_ASKED;
    bc->hello_ns = now_ns;
    bc->hello_deadline_ns = now_ns + (uint64_t)hello_timeout_ms * NS_PER_MS;
    return 0;
}

int cvg_bc_send_stats(struct cvg_bc_send *bc, struct cvg_sink *stream,
                      const struct cvg_stats *s, struct cvg_err *err)
{
    if (bc->state != CVG_BC_AGREED || !(bc->caps & CVG_CAP_STATS))
        return 0;
    return cvg_write_stats(stream, s, err);
}

static bool reading(const struct cvg_bc_send *bc)
{
    return bc->state == CVG_BC_ASKED || bc->state == CVG_BC_AGREED;
}

/* A whole record is in bc->rec: decode and act.  1 when it changed state. */
static int handle_record(struct cvg_bc_send *bc, struct cvg_err *err)
{
    struct cvg_src src;
    struct cvg_msg m;
    int rc;

    /* Offsets in the reader's messages count from this record's start. */
    cvg_src_init_mem(&src, bc->rec, bc->need);
    rc = cvg_read_back_record(&src, &m, err);
    if (rc) {
        cvg_err_prefix(err, "back channel, record at byte %" PRIu64, bc->off);
        return rc;
    }
    m.offset = bc->off;
    if (m.unknown) {
        bc->unknown++;
        return 0;
    }
    switch (m.type) {
    case CVG_REC_HELLO_ACK:
        if (bc->state != CVG_BC_ASKED)
            return cvg_fail(err, -EPROTO, "back channel: CVG_HELLO_ACK at offset %"
                            PRIu64 " when %s", m.offset, cvg_bc_state_name(bc->state));
        /* Bits we did not offer are a newer peer's: never agreed to. */
        bc->caps = m.u.hello_ack.caps & CVG_BC_CAPS;
        bc->peer_domid = m.u.hello_ack.domid;
        bc->state = CVG_BC_AGREED;
        return 1;
    case CVG_REC_SWITCHOVER_ACK:
        if (bc->state != CVG_BC_AGREED || !(bc->caps & CVG_CAP_SWITCHOVER_ACK))
            return cvg_fail(err, -EPROTO, "back channel: CVG_SWITCHOVER_ACK at offset %"
                            PRIu64 " before a HELLO_ACK agreeing to it", m.offset);
        bc->ack = m.u.swack;
        if (m.u.swack.ready && !bc->acked) {
            bc->acked = true;
            bc->ack_ns = cvg_now_ns();
        }
        return 1;
    case CVG_REC_BYE:
        if (bc->state != CVG_BC_AGREED)
            return cvg_fail(err, -EPROTO, "back channel: CVG_BYE at offset %" PRIu64
                            " before a HELLO_ACK", m.offset);
        bc->state = CVG_BC_DONE;
        bc->bye_status = m.u.bye.status;
        /* The peer's number is only an errno if it looks like one. */
        if (m.u.bye.status < 0 && m.u.bye.status >= -4095)
            return cvg_fail(err, m.u.bye.status, "the destination gave up: %s "
                            "(CVG_BYE status %d)", strerror(-m.u.bye.status),
                            m.u.bye.status);
        if (m.u.bye.status < 0)
            return cvg_fail(err, -EREMOTEIO, "the destination gave up (CVG_BYE "
                            "status %d)", m.u.bye.status);
        return 1;
    default:
        return cvg_fail(err, -EPROTO, "back channel: %s at offset %" PRIu64
                        " does not belong there", cvg_rec_type_name(m.type) ?
                        cvg_rec_type_name(m.type) : "record", m.offset);
    }
}

/* Header complete: size the record, refusing on the header what cannot
 * be ours, before waiting for a body. */
static int size_record(struct cvg_bc_send *bc, struct cvg_err *err)
{
    uint32_t type = cvg_get_le32(bc->rec), len = cvg_get_le32(bc->rec + 4);

    if (!(type & XCS_REC_OPTIONAL))
        return cvg_fail(err, -EPROTO, "back channel: mandatory record %s (0x%08x) at "
                        "offset %" PRIu64, xcs_rec_type_name(type), type, bc->off);
    if (len > CVG_REC_BODY_MAX)
        return cvg_fail(err, -E2BIG, "back channel: %s (0x%08x) at offset %" PRIu64
                        ": length %u over the %u-byte limit", xcs_rec_type_name(type),
                        type, bc->off, len, CVG_REC_BODY_MAX);
    bc->need = XCS_RHDR_SIZE + len + cvg_pad8(len);
    return 0;
}

/* One read of at most what the current record lacks.  1: a record is
 * complete; 0: not yet (or end of file: state CLOSED). */
static int read_some(struct cvg_bc_send *bc, struct cvg_err *err)
{
    ssize_t n = read(bc->fd, bc->rec + bc->have, bc->need - bc->have);
    int rc;

    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN)
            return 0;
        return cvg_fail(err, -errno, "back channel: read at offset %" PRIu64 ": %s",
                        bc->off + bc->have, strerror(errno));
    }
    if (n == 0) {
        bc->state = CVG_BC_CLOSED;
        return 0;
    }
    bc->have += (uint32_t)n;
    if (bc->have < bc->need)
        return 0;
    if (bc->need == XCS_RHDR_SIZE) {
        rc = size_record(bc, err);
        if (rc)
            return rc;
        if (bc->have < bc->need)
            return 0;
    }
    return 1;
}

static int ms_until(uint64_t deadline_ns, uint64_t now_ns)
{
    uint64_t ms;

    if (deadline_ns <= now_ns)
        return 0;
    ms = (deadline_ns - now_ns + NS_PER_MS - 1) / NS_PER_MS;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

int cvg_bc_send_poll(struct cvg_bc_send *bc, int timeout_ms, struct cvg_err *err)
{
    uint64_t now = cvg_now_ns();
    uint64_t deadline = now + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * NS_PER_MS;
    /* Past the deadline, only what is already there, and not forever: a
     * peer streaming unknown records cannot keep the engine here. */
    unsigned late_reads = 0;

    for (;;) {
        struct pollfd pfd = { .fd = bc->fd, .events = POLLIN };
        int wait, r, rc;

        if (bc->state == CVG_BC_ASKED && now >= bc->hello_deadline_ns)
            bc->state = CVG_BC_STOCK;
        if (!reading(bc))
            return 0;
        wait = ms_until(deadline, now);
        if (bc->state == CVG_BC_ASKED) {
            int h = ms_until(bc->hello_deadline_ns, now);

            wait = h < wait ? h : wait;
        }
        r = poll(&pfd, 1, wait);
        if (r < 0) {
            if (errno == EINTR)
                return 0;       /* a signal: let the engine look at it */
            return cvg_fail(err, -errno, "back channel: poll: %s", strerror(errno));
        }
        now = cvg_now_ns();
        if (r == 0) {
            if (now >= deadline) {
                if (bc->state == CVG_BC_ASKED && now >= bc->hello_deadline_ns)
                    bc->state = CVG_BC_STOCK;
                return 0;
            }
            continue;
        }
        if (now >= deadline && ++late_reads > 64)
            return 0;
        rc = read_some(bc, err);
        if (rc < 0)
            return rc;
        if (rc > 0) {
            uint32_t size = bc->need;

            rc = handle_record(bc, err);
            bc->off += size;
            bc->have = 0;
            bc->need = XCS_RHDR_SIZE;
            if (rc)
                return rc < 0 ? rc : 0;
        }
    }
}

int cvg_bc_send_drain(struct cvg_bc_send *bc, uint32_t timeout_ms,
                      struct cvg_err *err)
{
    uint64_t deadline = cvg_now_ns() + (uint64_t)timeout_ms * NS_PER_MS;
    int rc;

    /* Bounded by the HELLO deadline: poll turns ASKED into STOCK there. */
    while (bc->state == CVG_BC_ASKED) {
        rc = cvg_bc_send_poll(bc, ms_until(bc->hello_deadline_ns, cvg_now_ns()), err);
        if (rc)
            return rc;
    }
    while (bc->state == CVG_BC_AGREED) {
        uint64_t now = cvg_now_ns();

        if (now >= deadline)
            return cvg_fail(err, -ETIMEDOUT, "no CVG_BYE from the destination within "
                            "%u ms of END", timeout_ms);
        rc = cvg_bc_send_poll(bc, ms_until(deadline, now), err);
        if (rc)
            return rc;
    }
    if (bc->state == CVG_BC_CLOSED && bc->caps)
        return cvg_fail(err, -EPIPE, "the destination closed the back channel "
                        "before its CVG_BYE");
    return 0;
}

/* ---- Gate ---------------------------------------------------------- */

static enum cvg_gate_verdict hold(struct cvg_gate *g, uint64_t now_ns)
{
    if (!g->hold_since_ns)
        g->hold_since_ns = now_ns;
    if (now_ns - g->hold_since_ns >= (uint64_t)g->ack_timeout_ms * NS_PER_MS)
        return CVG_GATE_TIMEOUT;
    return CVG_GATE_HOLD;
}

enum cvg_gate_verdict cvg_gate_check(struct cvg_gate *g, const struct cvg_bc_send *bc,
                                     bool guest_paused, uint64_t now_ns,
                                     const char **why)
{
    if (guest_paused) {
        *why = "the guest is already paused: no downtime to protect";
        return CVG_GATE_GO;
    }
    switch (bc->state) {
    case CVG_BC_OFF:
        *why = "no back channel";
        return CVG_GATE_GO;
    case CVG_BC_STOCK:
        *why = "the destination did not answer HELLO (a stock receiver)";
        return CVG_GATE_GO;
    case CVG_BC_ASKED:
        *why = "waiting for the destination's HELLO_ACK";
        return hold(g, now_ns);
    case CVG_BC_AGREED:
        if (!(bc->caps & CVG_CAP_SWITCHOVER_ACK)) {
            *why = "the destination does not acknowledge switchover";
            return CVG_GATE_GO;
        }
        if (bc->acked) {
            *why = "the destination acknowledged switchover";
            return CVG_GATE_GO;
        }
        *why = "waiting for the destination's SWITCHOVER_ACK";
        return hold(g, now_ns);
    case CVG_BC_DONE:
    case CVG_BC_CLOSED:
        break;
    }
    *why = "the destination left the back channel before acknowledging";
    return CVG_GATE_LOST;
}

/* ---- Receiver ------------------------------------------------------ */

void cvg_bc_recv_init(struct cvg_bc_recv *r, int send_back_fd, uint32_t domid,
                      uint64_t ready_at_ns, uint64_t apply_limit_bps)
{
    memset(r, 0, sizeof(*r));
    r->fd = send_back_fd;
    if (send_back_fd >= 0)
        cvg_sink_init_fd(&r->sink, send_back_fd);
    r->domid = domid;
    r->ready_at_ns = ready_at_ns;
    r->apply_limit_bps = apply_limit_bps;
}

uint64_t cvg_bc_recv_apply_rate(const struct cvg_bc_recv *r)
{
    if (!r->busy_ns)
        return 0;
    return (uint64_t)((double)r->applied_bytes * 1e9 / (double)r->busy_ns);
}

/* Everything but the clock stands between us and the ack. */
static bool ack_waits_for_setup(const struct cvg_bc_recv *r)
{
    return r->agreed && (r->caps & CVG_CAP_SWITCHOVER_ACK) && !r->acked &&
           (r->pass_seen || !(r->caps & CVG_CAP_STATS));
}

static int maybe_ack(struct cvg_bc_recv *r, struct cvg_err *err)
{
    struct cvg_switchover_ack a = { .ready = true };
    int rc;

    if (!ack_waits_for_setup(r))
        return 0;
    if (r->ready_at_ns && cvg_now_ns() < r->ready_at_ns)
        return 0;
    a.pages_applied = r->pages_applied;
    a.apply_rate = cvg_bc_recv_apply_rate(r);
    rc = cvg_write_switchover_ack(&r->sink, &a, err);
    if (rc) {
        cvg_err_prefix(err, "back channel");
        return rc;
    }
    r->acked = true;
    return 0;
}

int cvg_bc_recv_record(struct cvg_bc_recv *r, const struct xcs_rec *rec,
                       struct cvg_err *err)
{
    struct cvg_msg m;
    int rc = cvg_decode(rec, &m, err);

    if (rc || m.unknown)
        return rc;
    switch (m.type) {
    case CVG_REC_HELLO: {
        struct cvg_hello_ack a = { .proto = CVG_PROTO_VERSION, .domid = r->domid };

        /* Answer only a sender that reads, only once, only if we can. */
        if (r->fd < 0 || r->agreed || !(m.u.hello.caps & CVG_CAP_CAN_READ_ACKS))
            return 0;
        a.caps = cvg_caps_agree(m.u.hello.caps, CVG_BC_CAPS);
        rc = cvg_write_hello_ack(&r->sink, &a, err);
        if (rc) {
            cvg_err_prefix(err, "back channel");
            return rc;
        }
        r->agreed = true;
        r->caps = a.caps;
        return 0;
    }
    case CVG_REC_STATS:
        r->pass_seen = true;
        return maybe_ack(r, err);
    default:
        return 0;   /* back-channel types have no business in the stream */
    }
}

void cvg_bc_recv_applied(struct cvg_bc_recv *r, uint64_t pages, uint64_t start_ns)
{
    uint64_t bytes = pages * XCS_PAGE_SIZE, spent = cvg_now_ns() - start_ns;

    if (r->apply_limit_bps) {
        uint64_t min_ns = (uint64_t)((double)bytes * 1e9 / (double)r->apply_limit_bps);

        if (spent < min_ns) {
            uint64_t d = min_ns - spent;
            struct timespec ts = { (time_t)(d / 1000000000ull), (long)(d % 1000000000ull) };

            while (nanosleep(&ts, &ts) && errno == EINTR)
                ;
            spent = min_ns;
        }
    }
    r->busy_ns += spent;
    r->applied_bytes += bytes;
    r->pages_applied += pages;
}

int cvg_bc_recv_before_read(struct cvg_bc_recv *r, int io_fd, struct cvg_err *err)
{
    uint64_t now;

    if (!ack_waits_for_setup(r))
        return 0;
    now = cvg_now_ns();
    if (r->ready_at_ns > now) {
        struct pollfd pfd = { .fd = io_fd, .events = POLLIN };
        int n = poll(&pfd, 1, ms_until(r->ready_at_ns, now));

        if (n != 0)
            return 0;   /* data (or a signal): read on, ask again later */
    }
    return maybe_ack(r, err);
}

int cvg_bc_recv_bye(struct cvg_bc_recv *r, int status, struct cvg_err *err)
{
    struct cvg_bye b = { .status = status > 0 ? -status : status };
    int rc;

    if (!r->agreed)
        return 0;
    rc = cvg_write_bye(&r->sink, &b, err);
    if (rc)
        cvg_err_prefix(err, "back channel");
    return rc;
}
