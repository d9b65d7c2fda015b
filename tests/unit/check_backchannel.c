/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The back channel over real pipes: negotiation, the HELLO timeout, reads
 * that never pass BYE (xl's handshake follows on the same fd), partial
 * records, refusals on the header, the switchover gate, and the receiver's
 * answers, ack timing and apply-rate meter.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "engine/backchannel.h"
#include "engine/clock.h"
#include "wire/cvg_records.h"
#include "wire/xl_migrate.h"

#define MS 1000000ull

static void make_pipe(int p[2])
{
    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
}

static void put(int fd, const void *b, size_t n)
{
    ck_assert_int_eq(cvg_write_exact(fd, b, n), 0);
}

/* Records as a receiver of ours writes them, into memory. */
static size_t rec_hello_ack(uint8_t *out, uint32_t caps)
{
    struct cvg_sink s;
    struct cvg_hello_ack a = { CVG_PROTO_VERSION, caps, 7 };
    size_t n;

    cvg_sink_init_mem(&s);
    ck_assert_int_eq(cvg_write_hello_ack(&s, &a, NULL), 0);
    memcpy(out, s.buf, s.len);
    n = s.len;
    cvg_sink_free(&s);
    return n;
}

static size_t rec_swack(uint8_t *out, uint64_t rate)
{
    struct cvg_sink s;
    struct cvg_switchover_ack a = { true, 100, rate };
    size_t n;

    cvg_sink_init_mem(&s);
    ck_assert_int_eq(cvg_write_switchover_ack(&s, &a, NULL), 0);
    memcpy(out, s.buf, s.len);
    n = s.len;
    cvg_sink_free(&s);
    return n;
}

static size_t rec_bye(uint8_t *out, int32_t status)
{
    struct cvg_sink s;
    struct cvg_bye b = { status };
    size_t n;

    cvg_sink_init_mem(&s);
    ck_assert_int_eq(cvg_write_bye(&s, &b, NULL), 0);
    memcpy(out, s.buf, s.len);
    n = s.len;
    cvg_sink_free(&s);
    return n;
}

/* A sender with HELLO out (into a memory stream) reading p[0]. */
static void asked(struct cvg_bc_send *bc, int p[2], uint32_t hello_ms)
{
    struct cvg_sink stream;
    struct cvg_src src;
    struct xcs_rec rec = { 0 };
    uint8_t hdr[8];
    struct cvg_msg m;

    make_pipe(p);
    cvg_bc_send_init(bc, p[0]);
    ck_assert_int_eq(bc->state, CVG_BC_OFF);
    cvg_sink_init_mem(&stream);
    ck_assert_int_eq(cvg_bc_send_hello(bc, &stream, 3, 4096, hello_ms, cvg_now_ns(),
                                       NULL), 0);
    ck_assert_int_eq(bc->state, CVG_BC_ASKED);
    /* The HELLO offers what our sender does. */
    cvg_src_init_mem(&src, stream.buf, stream.len);
    ck_assert_int_eq(cvg_src_read(&src, hdr, 8, "hdr", NULL), 0);
    rec.type = cvg_get_le32(hdr);
    rec.length = cvg_get_le32(hdr + 4);
    rec.body = stream.buf + 8;
    ck_assert_uint_eq(rec.type, CVG_REC_HELLO);
    ck_assert_int_eq(cvg_decode(&rec, &m, NULL), 0);
    ck_assert_uint_eq(m.u.hello.caps, CVG_CAP_CAN_READ_ACKS | CVG_CAP_STATS |
                      CVG_CAP_SWITCHOVER_ACK);
    ck_assert_uint_eq(m.u.hello.domid, 3);
    cvg_sink_free(&stream);
}

START_TEST(test_no_back_channel_no_hello)
{
    struct cvg_bc_send bc;
    struct cvg_sink stream;
    struct cvg_stats st = { 0 };

    cvg_bc_send_init(&bc, -1);
    cvg_sink_init_mem(&stream);
    ck_assert_int_eq(cvg_bc_send_hello(&bc, &stream, 3, 4096, 100, cvg_now_ns(), NULL), 0);
    ck_assert_int_eq(cvg_bc_send_stats(&bc, &stream, &st, NULL), 0);
    ck_assert_uint_eq(stream.len, 0);
    ck_assert_int_eq(bc.state, CVG_BC_OFF);
    ck_assert_int_eq(cvg_bc_send_poll(&bc, 10, NULL), 0);
    ck_assert_int_eq(cvg_bc_send_drain(&bc, 10, NULL), 0);
    cvg_sink_free(&stream);
}
END_TEST

START_TEST(test_agreement_from_partial_reads)
{
    struct cvg_bc_send bc;
    struct cvg_sink stream;
    struct cvg_stats st = { .pass = 2 };
    uint8_t b[64];
    int p[2];
    size_t n;

    asked(&bc, p, 5000);
    /* Offered bits only: a newer peer's extra bit is not agreed to. */
    n = rec_hello_ack(b, CVG_CAP_SWITCHOVER_ACK | CVG_CAP_STATS | (1u << 9));
    put(p[1], b, 5);
    ck_assert_int_eq(cvg_bc_send_poll(&bc, 0, NULL), 0);
    ck_assert_int_eq(bc.state, CVG_BC_ASKED);
    put(p[1], b + 5, n - 5);
    ck_assert_int_eq(cvg_bc_send_poll(&bc, 0, NULL), 0);
    ck_assert_int_eq(bc.state, CVG_BC_AGREED);
    ck_assert_uint_eq(bc.caps, CVG_CAP_SWITCHOVER_ACK | CVG_CAP_STATS);
    ck_assert_uint_eq(bc.peer_domid, 7);
    /* Agreed: STATS go into the stream. */
    cvg_sink_init_mem(&stream);
    ck_assert_int_eq(cvg_bc_send_stats(&bc, &stream, &st, NULL), 0);
    ck_assert_uint_eq(stream.len, 8 + CVG_STATS_SIZE);
    ck_assert_uint_eq(cvg_get_le32(stream.buf), CVG_REC_STATS);
    cvg_sink_free(&stream);
    /* The ack arrives with the apply rate. */
    n = rec_swack(b, 80ull << 20);
    put(p[1], b, n);
    ck_assert_int_eq(cvg_bc_send_poll(&bc, 1000, NULL), 0);
    ck_assert(bc.acked);
    ck_assert_uint_eq(bc.ack.apply_rate, 80ull << 20);
    close(p[0]);
    close(p[1]);
}
END_TEST

START_TEST(test_drain_stops_at_bye)
{
    struct cvg_bc_send bc;
    uint8_t b[256], rest[64];
    size_t n = 0;
    int p[2];

    asked(&bc, p, 5000);
    n += rec_hello_ack(b + n, CVG_BC_CAPS);
    n += rec_swack(b + n, 1 << 20);
    n += rec_bye(b + n, 0);
    memcpy(b + n, CVG_XLM_READY, sizeof(CVG_XLM_READY));
    n += sizeof(CVG_XLM_READY);
    put(p[1], b, n);
    ck_assert_int_eq(cvg_bc_send_drain(&bc, 1000, NULL), 0);
    ck_assert_int_eq(bc.state, CVG_BC_DONE);
    /* xl's ready message is still on the fd, whole. */
    close(p[1]);
    ck_assert_int_eq(read(p[0], rest, sizeof(rest)), (ssize_t)sizeof(CVG_XLM_READY));
    ck_assert_int_eq(memcmp(rest, CVG_XLM_READY, sizeof(CVG_XLM_READY)), 0);
    close(p[0]);
}
END_TEST

START_TEST(test_stock_receiver_times_out_and_is_left_alone)
{
    struct cvg_bc_send bc;
    struct cvg_gate g = { .ack_timeout_ms = 60000 };
    const char *why;
    uint64_t t0;
    uint8_t rest[64];
    int p[2];

    asked(&bc, p, 80);
    ck_assert_int_eq(cvg_gate_check(&g, &bc, false, cvg_now_ns(), &why), CVG_GATE_HOLD);
    ck_assert_ptr_nonnull(strstr(why, "HELLO_ACK"));
    t0 = cvg_now_ns();
    /* Asked to wait longer than the HELLO deadline: returns at it. */
    ck_assert_int_eq(cvg_bc_send_poll(&bc, 2000, NULL), 0);
    ck_assert_int_eq(bc.state, CVG_BC_STOCK);
    ck_assert_uint_ge(cvg_now_ns() - t0, 60 * MS);
    ck_assert_uint_lt(cvg_now_ns() - t0, 1000 * MS);
    ck_assert_int_eq(cvg_gate_check(&g, &bc, false, cvg_now_ns(), &why), CVG_GATE_GO);
    /* What a stock xl sends later is not ours to read. */
    put(p[1], CVG_XLM_READY, sizeof(CVG_XLM_READY));
    ck_assert_int_eq(cvg_bc_send_poll(&bc, 50, NULL), 0);
    ck_assert_int_eq(cvg_bc_send_drain(&bc, 50, NULL), 0);
    close(p[1]);
    ck_assert_int_eq(read(p[0], rest, sizeof(rest)), (ssize_t)sizeof(CVG_XLM_READY));
    close(p[0]);
}
END_TEST

START_TEST(test_drain_waits_out_the_hello_deadline)
{
    struct cvg_bc_send bc;
    uint8_t b[128];
    size_t n;
    int p[2];

    /* An answer in flight at END is still read through BYE. */
    asked(&bc, p, 3000);
    n = rec_hello_ack(b, CVG_BC_CAPS);
    n += rec_bye(b + n, 0);
    put(p[1], b, n);
    ck_assert_int_eq(cvg_bc_send_drain(&bc, 1000, NULL), 0);
    ck_assert_int_eq(bc.state, CVG_BC_DONE);
    close(p[0]);
    close(p[1]);
}
END_TEST

START_TEST(test_no_bye_in_time)
{
    struct cvg_bc_send bc;
    struct cvg_err err = { 0 };
    uint8_t b[64];
    int p[2];

    asked(&bc, p, 3000);
    put(p[1], b, rec_hello_ack(b, CVG_BC_CAPS));
    ck_assert_int_eq(cvg_bc_send_drain(&bc, 100, &err), -ETIMEDOUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "no CVG_BYE"));
    close(p[0]);
    close(p[1]);
}
END_TEST

START_TEST(test_refusals)
{
    struct cvg_bc_send bc;
    struct cvg_err err = { 0 };
    uint8_t b[64];
    int p[2];

    /* A mandatory type is refused on its header. */
    asked(&bc, p, 3000);
    cvg_put_le32(b, 0x00000001);
    cvg_put_le32(b + 4, 16);
    put(p[1], b, 8);
    ck_assert_int_eq(cvg_bc_send_poll(&bc, 1000, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "mandatory record PAGE_DATA"));
    close(p[0]);
    close(p[1]);

    /* A body over the limit is refused before it is waited for. */
    cvg_err_clear(&err);
    asked(&bc, p, 3000);
    cvg_put_le32(b, CVG_REC_BASE + 77);
    cvg_put_le32(b + 4, 1u << 20);
    put(p[1], b, 8);
    ck_assert_int_eq(cvg_bc_send_poll(&bc, 1000, &err), -E2BIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "over the 4096-byte limit"));
    close(p[0]);
    close(p[1]);

    /* An ack before the agreement. */
    cvg_err_clear(&err);
    asked(&bc, p, 3000);
    put(p[1], b, rec_swack(b, 1));
    ck_assert_int_eq(cvg_bc_send_poll(&bc, 1000, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "before a HELLO_ACK"));
    close(p[0]);
    close(p[1]);

    /* The destination gave up: its status is the error. */
    cvg_err_clear(&err);
    asked(&bc, p, 3000);
    put(p[1], b, rec_hello_ack(b, CVG_BC_CAPS));
    put(p[1], b, rec_bye(b, -EIO));
    ck_assert_int_eq(cvg_bc_send_poll(&bc, 1000, NULL), 0);
    ck_assert_int_eq(cvg_bc_send_poll(&bc, 1000, &err), -EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "destination gave up"));
    close(p[0]);
    close(p[1]);
}
END_TEST

START_TEST(test_unknown_records_skipped)
{
    struct cvg_bc_send bc;
    uint8_t b[64] = { 0 };
    int p[2];

    asked(&bc, p, 3000);
    put(p[1], b, rec_hello_ack(b, CVG_BC_CAPS));
    ck_assert_int_eq(cvg_bc_send_poll(&bc, 1000, NULL), 0);
    /* A newer peer's record of ours, then the ack. */
    memset(b, 0, sizeof(b));
    cvg_put_le32(b, CVG_REC_BASE + 0x42);
    cvg_put_le32(b + 4, 5);
    cvg_put_le16(b + 8, 2);
    put(p[1], b, 16);
    put(p[1], b, rec_swack(b, 5));
    ck_assert_int_eq(cvg_bc_send_poll(&bc, 1000, NULL), 0);
    ck_assert(bc.acked);
    ck_assert_uint_eq(bc.unknown, 1);
    close(p[0]);
    close(p[1]);
}
END_TEST

START_TEST(test_peer_gone)
{
    struct cvg_bc_send bc;
    struct cvg_gate g = { .ack_timeout_ms = 1000 };
    struct cvg_err err = { 0 };
    const char *why;
    uint8_t b[64];
    int p[2];

    asked(&bc, p, 3000);
    put(p[1], b, rec_hello_ack(b, CVG_BC_CAPS));
    close(p[1]);
    ck_assert_int_eq(cvg_bc_send_poll(&bc, 1000, NULL), 0);
    ck_assert_int_eq(cvg_bc_send_poll(&bc, 1000, NULL), 0);
    ck_assert_int_eq(bc.state, CVG_BC_CLOSED);
    ck_assert_int_eq(cvg_gate_check(&g, &bc, false, cvg_now_ns(), &why), CVG_GATE_LOST);
    ck_assert_int_eq(cvg_bc_send_drain(&bc, 100, &err), -EPIPE);
    close(p[0]);
}
END_TEST

START_TEST(test_gate)
{
    struct cvg_bc_send bc = { .fd = 5 };
    struct cvg_gate g = { .ack_timeout_ms = 100 };
    const char *why;
    uint64_t t = 1000 * MS;

    bc.state = CVG_BC_AGREED;
    bc.caps = CVG_BC_CAPS;
    /* A paused guest loses nothing by waiting: no wait. */
    ck_assert_int_eq(cvg_gate_check(&g, &bc, true, t, &why), CVG_GATE_GO);
    ck_assert_int_eq(cvg_gate_check(&g, &bc, false, t, &why), CVG_GATE_HOLD);
    ck_assert_int_eq(cvg_gate_check(&g, &bc, false, t + 99 * MS, &why), CVG_GATE_HOLD);
    ck_assert_int_eq(cvg_gate_check(&g, &bc, false, t + 100 * MS, &why), CVG_GATE_TIMEOUT);
    bc.acked = true;
    ck_assert_int_eq(cvg_gate_check(&g, &bc, false, t + 200 * MS, &why), CVG_GATE_GO);
    ck_assert_ptr_nonnull(strstr(why, "acknowledged"));
    /* A peer that agreed to talk but not to ack. */
    g.hold_since_ns = 0;
    bc.acked = false;
    bc.caps = CVG_CAP_CAN_READ_ACKS | CVG_CAP_STATS;
    ck_assert_int_eq(cvg_gate_check(&g, &bc, false, t, &why), CVG_GATE_GO);
    bc.state = CVG_BC_OFF;
    ck_assert_int_eq(cvg_gate_check(&g, &bc, false, t, &why), CVG_GATE_GO);
    bc.state = CVG_BC_STOCK;
    ck_assert_int_eq(cvg_gate_check(&g, &bc, false, t, &why), CVG_GATE_GO);
    bc.state = CVG_BC_DONE;
    ck_assert_int_eq(cvg_gate_check(&g, &bc, false, t, &why), CVG_GATE_LOST);
}
END_TEST

/* ---- receiver ------------------------------------------------------ */

static struct xcs_rec stream_rec(struct cvg_sink *s)
{
    return (struct xcs_rec){ .type = cvg_get_le32(s->buf), .length = cvg_get_le32(s->buf + 4),
                             .body = s->buf + 8 };
}

static void hello_in(struct cvg_bc_recv *r, uint32_t caps)
{
    struct cvg_sink s;
    struct cvg_hello h = { CVG_PROTO_VERSION, caps, 1, 4096 };
    struct xcs_rec rec;

    cvg_sink_init_mem(&s);
    ck_assert_int_eq(cvg_write_hello(&s, &h, NULL), 0);
    rec = stream_rec(&s);
    ck_assert_int_eq(cvg_bc_recv_record(r, &rec, NULL), 0);
    cvg_sink_free(&s);
}

static void stats_in(struct cvg_bc_recv *r)
{
    struct cvg_sink s;
    struct cvg_stats st = { .pass = 0 };
    struct xcs_rec rec;

    cvg_sink_init_mem(&s);
    ck_assert_int_eq(cvg_write_stats(&s, &st, NULL), 0);
    rec = stream_rec(&s);
    ck_assert_int_eq(cvg_bc_recv_record(r, &rec, NULL), 0);
    cvg_sink_free(&s);
}

/* Reads one back-channel record the receiver wrote. */
static struct cvg_msg back_msg(int fd)
{
    struct cvg_src src;
    struct cvg_msg m;
    struct cvg_err err = { 0 };

    cvg_src_init_fd(&src, fd);
    ck_assert_msg(cvg_read_back_record(&src, &m, &err) == 0, "%s", err.msg);
    return m;
}

static bool readable(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };

    return poll(&pfd, 1, 0) > 0;
}

START_TEST(test_receiver_silent_without_channel_or_request)
{
    struct cvg_bc_recv r;
    int p[2];

    cvg_bc_recv_init(&r, -1, 9, 0, 0);
    hello_in(&r, CVG_BC_CAPS);
    ck_assert(!r.agreed);
    ck_assert_int_eq(cvg_bc_recv_bye(&r, 0, NULL), 0);

    /* A sender that does not read acks gets no answer. */
    make_pipe(p);
    cvg_bc_recv_init(&r, p[1], 9, 0, 0);
    hello_in(&r, CVG_CAP_STATS);
    stats_in(&r);
    ck_assert_int_eq(cvg_bc_recv_bye(&r, 0, NULL), 0);
    ck_assert(!readable(p[0]));
    close(p[0]);
    close(p[1]);
}
END_TEST

START_TEST(test_receiver_answers_and_acks_after_a_pass)
{
    struct cvg_bc_recv r;
    struct cvg_msg m;
    int p[2];

    make_pipe(p);
    cvg_bc_recv_init(&r, p[1], 9, 0, 0);
    hello_in(&r, CVG_BC_CAPS | (1u << 12));
    m = back_msg(p[0]);
    ck_assert_uint_eq(m.type, CVG_REC_HELLO_ACK);
    ck_assert_uint_eq(m.u.hello_ack.caps, CVG_BC_CAPS);
    ck_assert_uint_eq(m.u.hello_ack.domid, 9);
    /* Pages before the end of the first pass: no ack yet. */
    cvg_bc_recv_applied(&r, 256, cvg_now_ns() - 10 * MS);
    ck_assert(!readable(p[0]));
    stats_in(&r);
    m = back_msg(p[0]);
    ck_assert_uint_eq(m.type, CVG_REC_SWITCHOVER_ACK);
    ck_assert(m.u.swack.ready);
    ck_assert_uint_eq(m.u.swack.pages_applied, 256);
    /* 1 MiB in >= 10 ms: at most 100 MiB/s. */
    ck_assert_uint_gt(m.u.swack.apply_rate, 0);
    ck_assert_uint_le(m.u.swack.apply_rate, 100ull << 20);
    /* Once only. */
    stats_in(&r);
    ck_assert_int_eq(cvg_bc_recv_bye(&r, -EIO, NULL), 0);
    m = back_msg(p[0]);
    ck_assert_uint_eq(m.type, CVG_REC_BYE);
    ck_assert_int_eq(m.u.bye.status, -EIO);
    close(p[0]);
    close(p[1]);
}
END_TEST

START_TEST(test_receiver_acks_when_setup_is_done)
{
    struct cvg_bc_recv r;
    struct cvg_msg m;
    int p[2], io[2];
    uint64_t t0 = cvg_now_ns();

    make_pipe(p);
    make_pipe(io);
    cvg_bc_recv_init(&r, p[1], 9, t0 + 150 * MS, 0);
    hello_in(&r, CVG_BC_CAPS);
    (void)back_msg(p[0]);
    stats_in(&r);
    ck_assert(!readable(p[0]));
    /* Stream data waiting: read them first, no wait, no ack yet. */
    put(io[1], "x", 1);
    ck_assert_int_eq(cvg_bc_recv_before_read(&r, io[0], NULL), 0);
    ck_assert_uint_lt(cvg_now_ns() - t0, 100 * MS);
    ck_assert(!readable(p[0]));
    {
        char c;

        ck_assert_int_eq(read(io[0], &c, 1), 1);
    }
    /* Nothing to read: wait for the setup, then ack. */
    ck_assert_int_eq(cvg_bc_recv_before_read(&r, io[0], NULL), 0);
    ck_assert_uint_ge(cvg_now_ns() - t0, 150 * MS);
    m = back_msg(p[0]);
    ck_assert_uint_eq(m.type, CVG_REC_SWITCHOVER_ACK);
    close(p[0]);
    close(p[1]);
    close(io[0]);
    close(io[1]);
}
END_TEST

START_TEST(test_apply_limit)
{
    struct cvg_bc_recv r;
    uint64_t t0 = cvg_now_ns();

    /* 2 MiB at 50 MiB/s: at least 40 ms. */
    cvg_bc_recv_init(&r, -1, 1, 0, 50ull << 20);
    cvg_bc_recv_applied(&r, 256, cvg_now_ns());
    cvg_bc_recv_applied(&r, 256, cvg_now_ns());
    ck_assert_uint_ge(cvg_now_ns() - t0, 39 * MS);
    ck_assert_uint_le(cvg_bc_recv_apply_rate(&r), 50ull << 20);
    ck_assert_uint_ge(cvg_bc_recv_apply_rate(&r), 40ull << 20);
    ck_assert_uint_eq(r.pages_applied, 512);
}
END_TEST

START_TEST(test_env_fd)
{
    const char *why;
    int p[2];
    char num[16];

    unsetenv(CVG_BC_ENV_FD);
    ck_assert_int_eq(cvg_bc_env_fd(&why), -1);
    ck_assert_ptr_null(why);
    setenv(CVG_BC_ENV_FD, "1", 1);
    ck_assert_int_eq(cvg_bc_env_fd(&why), -1);
    ck_assert_ptr_nonnull(why);
    setenv(CVG_BC_ENV_FD, "12x", 1);
    ck_assert_int_eq(cvg_bc_env_fd(&why), -1);
    make_pipe(p);
    snprintf(num, sizeof(num), "%d", p[1]);
    setenv(CVG_BC_ENV_FD, num, 1);
    ck_assert_int_eq(cvg_bc_env_fd(&why), -1);     /* write-only end */
    ck_assert_ptr_nonnull(strstr(why, "writing only"));
    snprintf(num, sizeof(num), "%d", p[0]);
    setenv(CVG_BC_ENV_FD, num, 1);
    ck_assert_int_eq(cvg_bc_env_fd(&why), p[0]);
    close(p[0]);
    ck_assert_int_eq(cvg_bc_env_fd(&why), -1);     /* closed */
    close(p[1]);
    unsetenv(CVG_BC_ENV_FD);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("backchannel");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_no_back_channel_no_hello);
    tcase_add_test(tc, test_agreement_from_partial_reads);
    tcase_add_test(tc, test_drain_stops_at_bye);
    tcase_add_test(tc, test_stock_receiver_times_out_and_is_left_alone);
    tcase_add_test(tc, test_drain_waits_out_the_hello_deadline);
    tcase_add_test(tc, test_no_bye_in_time);
    tcase_add_test(tc, test_refusals);
    tcase_add_test(tc, test_unknown_records_skipped);
    tcase_add_test(tc, test_peer_gone);
    tcase_add_test(tc, test_gate);
    tcase_add_test(tc, test_receiver_silent_without_channel_or_request);
    tcase_add_test(tc, test_receiver_answers_and_acks_after_a_pass);
    tcase_add_test(tc, test_receiver_acks_when_setup_is_done);
    tcase_add_test(tc, test_apply_limit);
    tcase_add_test(tc, test_env_fd);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
