/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * converge-simd against clients that misbehave: frames it cannot trust get
 * an error reply (never a crash), a client killed mid-request or while it
 * holds a mapping changes nothing, garbage leaves every domain as it was.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "sim/frame.h"

static struct simd_proc proc;
static struct cvg_hv *hv;

static void setup(void)
{
    harness_start(&proc);
    hv = harness_hv(&proc);
}

static void teardown(void)
{
    harness_close(hv);
    hv = NULL;
    harness_stop(&proc);
}

static int raw_connect(void)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    ck_assert_int_ge(fd, 0);
    strcpy(sa.sun_path, proc.sock);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static void send_hdr(int fd, uint32_t magic, uint16_t version, uint16_t op, uint32_t domid,
                     uint32_t len, int32_t status)
{
    struct cvg_sim_hdr h = { .magic = magic, .version = version, .op = op, .domid = domid,
                             .len = len, .seq = 99, .status = status };
    uint8_t b[CVG_SIM_HDR_SIZE];

    cvg_sim_hdr_encode(b, &h);
    ck_assert_int_eq(send(fd, b, sizeof(b), MSG_NOSIGNAL), (ssize_t)sizeof(b));
}

/* Reads one reply; returns its status and copies its text. */
static int read_reply(int fd, char *text, size_t textsz)
{
    struct cvg_sim_hdr h;
    struct cvg_err err = { 0 };
    uint8_t *payload = NULL;
    int rc = cvg_sim_recv_frame(fd, true, &h, &payload, NULL, &err);

    ck_assert_msg(rc == 0, "no reply: %d %s", rc, err.msg);
    if (text) {
        size_t n = h.status < 0 && h.len < textsz ? h.len : 0;

        memcpy(text, payload ? (char *)payload : "", n);
        text[n] = '\0';
    }
    free(payload);
    return h.status;
}

static bool peer_closed(int fd)
{
    uint8_t b;

    return recv(fd, &b, 1, 0) == 0;
}

START_TEST(test_untrusted_headers_get_an_error_then_hang_up)
{
    char text[600];
    int fd;

    fd = raw_connect();
    send_hdr(fd, 0x12345678, CVG_SIM_VERSION, CVG_SIM_OP_HELLO, 0, 0, 0);
    ck_assert_int_eq(read_reply(fd, text, sizeof(text)), -EPROTO);
    ck_assert_ptr_nonnull(strstr(text, "magic"));
    ck_assert(peer_closed(fd));
    close(fd);

    fd = raw_connect();
    send_hdr(fd, CVG_SIM_MAGIC, 9, CVG_SIM_OP_HELLO, 0, 0, 0);
    ck_assert_int_eq(read_reply(fd, text, sizeof(text)), -EPROTONOSUPPORT);
    ck_assert_ptr_nonnull(strstr(text, "version 9"));
    ck_assert(peer_closed(fd));
    close(fd);

    fd = raw_connect();
    send_hdr(fd, CVG_SIM_MAGIC, CVG_SIM_VERSION, CVG_SIM_OP_HVM_CONTEXT_SET, 1,
             CVG_SIM_MAX_REQ_PAYLOAD + 1, 0);
    ck_assert_int_eq(read_reply(fd, text, sizeof(text)), -EMSGSIZE);
    ck_assert_ptr_nonnull(strstr(text, "exceeds"));
    ck_assert(peer_closed(fd));
    close(fd);

    fd = raw_connect();
    send_hdr(fd, CVG_SIM_MAGIC, CVG_SIM_VERSION, CVG_SIM_OP_HELLO, 0, 0, -5);
    ck_assert_int_eq(read_reply(fd, text, sizeof(text)), -EINVAL);
    close(fd);
}
END_TEST

START_TEST(test_bad_requests_get_an_error_and_the_connection_stays)
{
    char text[600], sc[512];
    uint8_t junk[3] = { 1, 2, 3 };
    uint32_t domid;
    int fd;

    domid = harness_create(hv, harness_scenario(sc, sizeof(sc), 16, 1,
                                                "\"vcpus=0,pattern=uniform,rate=4\"", NULL));
    fd = raw_connect();
    /* Unknown op: the payload is read and skipped, the stream stays framed. */
    send_hdr(fd, CVG_SIM_MAGIC, CVG_SIM_VERSION, 200, 0, 3, 0);
    ck_assert_int_eq(send(fd, junk, 3, MSG_NOSIGNAL), 3);
    ck_assert_int_eq(read_reply(fd, text, sizeof(text)), -EOPNOTSUPP);
    ck_assert_ptr_nonnull(strstr(text, "unknown op 200"));
    /* Unknown domid. */
    send_hdr(fd, CVG_SIM_MAGIC, CVG_SIM_VERSION, CVG_SIM_OP_DOMINFO, 4242, 0, 0);
    ck_assert_int_eq(read_reply(fd, text, sizeof(text)), -ESRCH);
    ck_assert_ptr_nonnull(strstr(text, "4242"));
    /* A payload of the wrong size for its op. */
    send_hdr(fd, CVG_SIM_MAGIC, CVG_SIM_VERSION, CVG_SIM_OP_CAP_SET, domid, 3, 0);
    ck_assert_int_eq(send(fd, junk, 3, MSG_NOSIGNAL), 3);
    ck_assert_int_eq(read_reply(fd, text, sizeof(text)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(text, "cap-set"));
    /* A scenario the parser refuses names its source. */
    {
        struct cvg_err err = { 0 };
        uint32_t d2;

        ck_assert_int_lt(cvg_sim_create_scenario(hv, "name = \"x\"\n", 11, "broken.cfg", &d2,
                                                 &err), 0);
        ck_assert_ptr_nonnull(strstr(err.msg, "broken.cfg"));
    }
    /* And the same connection still works. */
    send_hdr(fd, CVG_SIM_MAGIC, CVG_SIM_VERSION, CVG_SIM_OP_HELLO, 0, 0, 0);
    ck_assert_int_eq(read_reply(fd, NULL, 0), 0);
    close(fd);
}
END_TEST

struct snapshot {
    uint32_t cap, pause_count, nr_vcpus;
    bool logdirty, shutdown, paused;
    uint64_t work[2];
    uint8_t ctx[1024];
    size_t ctx_len;
};

static void snap(uint32_t domid, struct snapshot *s)
{
    struct cvg_sim_info info;
    struct cvg_err err = { 0 };
    uint8_t *ctx = NULL;

    ck_assert_int_eq(cvg_sim_info(hv, domid, &info, &err), 0);
    s->cap = info.cap;
    s->pause_count = info.pause_count;
    s->nr_vcpus = info.nr_vcpus;
    s->logdirty = info.logdirty;
    s->shutdown = info.shutdown;
    s->paused = info.paused;
    s->work[0] = info.vcpus[0].work;
    s->work[1] = info.vcpus[1].work;
    cvg_sim_info_release(&info);
    ck_assert_int_eq(hv->ops->hvm_context_get(hv, domid, &ctx, &s->ctx_len, &err), 0);
    ck_assert_uint_le(s->ctx_len, sizeof(s->ctx));
    memcpy(s->ctx, ctx, s->ctx_len);
    free(ctx);
}

START_TEST(test_killed_clients_change_nothing)
{
    char sc[512];
    struct snapshot a, b;
    uint32_t domid;
    int ready[2];

    domid = harness_create(hv, harness_scenario(sc, sizeof(sc), 32, 2,
                                                "\"vcpus=0-1,pattern=uniform,rate=20\"", NULL));
    snap(domid, &a);
    ck_assert_int_eq(pipe(ready), 0);

    /* Three clients, each SIGKILLed mid-way:
     *   0: holds a read-write mapping it is writing through, mid-session;
     *   1: sent half of a cap-set (cap 50) request;
     *   2: sent half of a 1 MiB hvm-context-set. */
    for (int kind = 0; kind < 3; kind++) {
        pid_t pid = fork();
        char c;

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(ready[0]);
            if (kind == 0) {
                struct cvg_hv *h2 = harness_hv(&proc);
                struct cvg_hv_mapping map;
                uint64_t pfn = 5;
                struct cvg_err err = { 0 };

                if (h2->ops->map(h2, domid, PROT_READ | PROT_WRITE, 1, &pfn, &map, &err))
                    _exit(1);
                if (write(ready[1], "r", 1) != 1)
                    _exit(1);
                for (;;)
                    ((volatile uint8_t *)map.pages[0])[100]++;
            } else {
                int fd = raw_connect();
                uint8_t half[512 * 1024];

                memset(half, 0x5a, sizeof(half));
                if (kind == 1) {
                    send_hdr(fd, CVG_SIM_MAGIC, CVG_SIM_VERSION, CVG_SIM_OP_CAP_SET, domid, 4, 0);
                    cvg_put_le16(half, 50);
                    if (send(fd, half, 2, MSG_NOSIGNAL) != 2)
                        _exit(1);
                } else {
                    send_hdr(fd, CVG_SIM_MAGIC, CVG_SIM_VERSION, CVG_SIM_OP_HVM_CONTEXT_SET,
                             domid, 1 << 20, 0);
                    if (send(fd, half, sizeof(half), MSG_NOSIGNAL) != (ssize_t)sizeof(half))
                        _exit(1);
                }
                if (write(ready[1], "r", 1) != 1)
                    _exit(1);
                pause();
            }
            _exit(0);
        }
        ck_assert_int_eq(read(ready[0], &c, 1), 1);
        harness_sleep_ms(50);
        kill(pid, SIGKILL);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
    }
    close(ready[0]);
    close(ready[1]);

    /* The daemon answers, and the domain is as it was, still running. */
    harness_sleep_ms(200);
    snap(domid, &b);
    ck_assert_uint_eq(b.cap, a.cap);
    ck_assert_uint_eq(b.cap, 0);
    ck_assert_uint_eq(b.pause_count, a.pause_count);
    ck_assert(b.logdirty == a.logdirty && b.shutdown == a.shutdown && b.paused == a.paused);
    ck_assert_uint_eq(b.nr_vcpus, 2);
    ck_assert_uint_eq(b.ctx_len, a.ctx_len);
    ck_assert_int_eq(memcmp(b.ctx, a.ctx, a.ctx_len), 0);
    ck_assert_uint_gt(b.work[0], a.work[0]);
    ck_assert_uint_gt(b.work[1], a.work[1]);
    {
        uint64_t w[2];

        harness_work_over(hv, domid, 300, w, NULL, 2, NULL);
        ck_assert_uint_gt(w[0], 500);
        ck_assert_uint_gt(w[1], 500);
    }
    {
        struct cvg_hv *h3 = harness_hv(&proc);

        ck_assert_uint_eq(cvg_sim_daemon_pid(h3), (uint32_t)proc.pid);
        harness_close(h3);
    }
}
END_TEST

START_TEST(test_garbage_frames_leave_domains_intact)
{
    char sc[512];
    struct snapshot a, b;
    uint64_t x = 0x243f6a8885a308d3ull;
    uint32_t domid;

    domid = harness_create(hv, harness_scenario(sc, sizeof(sc), 16, 2,
                                                "\"vcpus=0-1,pattern=uniform,rate=4\"", NULL));
    snap(domid, &a);
    for (int conn = 0; conn < 40; conn++) {
        int fd = raw_connect();
        uint8_t buf[200];
        size_t n = 24 + conn * 4;

        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[i] = (uint8_t)x;
        }
        /* Half of them with a valid header prefix, so the decoder sees payloads. */
        if (conn % 2) {
            struct cvg_sim_hdr h = { .magic = CVG_SIM_MAGIC, .version = CVG_SIM_VERSION,
                                     .op = (uint16_t)(conn % CVG_SIM_OP_MAX_PLUS_ONE),
                                     .domid = conn % 4 ? domid + 1 : 77,
                                     .len = (uint32_t)(n - 24) };

            /* Never a valid destroy/pause/cap of our domain: keep it comparable. */
            cvg_sim_hdr_encode(buf, &h);
        }
        send(fd, buf, n, MSG_NOSIGNAL);
        shutdown(fd, SHUT_WR);
        while (recv(fd, buf, sizeof(buf), 0) > 0)
            ;
        close(fd);
    }
    /* A slow vCPU wakes every 10 ms at most: give it a few periods to show
     * that it still runs. */
    harness_sleep_ms(200);
    snap(domid, &b);
    ck_assert_uint_eq(b.cap, a.cap);
    ck_assert_uint_eq(b.pause_count, a.pause_count);
    ck_assert(b.logdirty == a.logdirty && b.shutdown == a.shutdown);
    ck_assert_uint_eq(b.ctx_len, a.ctx_len);
    ck_assert_uint_gt(b.work[0], a.work[0]);
}
END_TEST

START_TEST(test_client_limit_is_enforced_and_recovers)
{
    struct cvg_hv *h[64];
    struct cvg_hv *extra = NULL;
    struct cvg_err err = { 0 };
    int n = 0;

    /* The fixture holds one connection already. */
    for (n = 0; n < 63; n++)
        h[n] = harness_hv(&proc);
    ck_assert_int_lt(cvg_hv_open_sim(&extra, proc.sock, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "64 clients"));
    for (int i = 0; i < n; i++)
        harness_close(h[i]);
    harness_sleep_ms(100);
    extra = harness_hv(&proc);
    harness_close(extra);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("simd_robust");
    TCase *tc = tcase_create("daemon");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 20);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_untrusted_headers_get_an_error_then_hang_up);
    tcase_add_test(tc, test_bad_requests_get_an_error_and_the_connection_stays);
    tcase_add_test(tc, test_killed_clients_change_nothing);
    tcase_add_test(tc, test_garbage_frames_leave_domains_intact);
    tcase_add_test(tc, test_client_limit_is_enforced_and_recovers);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
