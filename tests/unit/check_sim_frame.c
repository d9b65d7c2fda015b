/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Frames on a real stream socket: large payloads arrive whole, descriptors ride along. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/frame.h"

struct sender {
    int sock;
    const uint8_t *payload;
    size_t len;
    int fd;
};

static void *send_reply(void *arg)
{
    struct sender *s = arg;
    struct cvg_sim_hdr req = { .op = CVG_SIM_OP_LOGDIRTY_OP, .domid = 3, .seq = 11 };

    return (void *)(intptr_t)cvg_sim_send_reply(s->sock, &req, 0, s->payload, s->len, s->fd);
}

START_TEST(test_a_64gib_bitmap_crosses_the_socket)
{
    /* 64 GiB of guest = 16 Mi pages = 2 MiB of bitmap, far above the socket buffer. */
    const size_t len = 24 + (16u << 20) / 8;
    uint8_t *payload = malloc(len), *got = NULL;
    struct sender s;
    struct cvg_sim_hdr h;
    struct cvg_err err = { 0 };
    pthread_t t;
    void *rc;
    int sv[2];

    for (size_t i = 0; i < len; i++)
        payload[i] = (uint8_t)(i * 131 + (i >> 16));
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    s = (struct sender){ sv[0], payload, len, -1 };
    ck_assert_int_eq(pthread_create(&t, NULL, send_reply, &s), 0);
    ck_assert_int_eq(cvg_sim_recv_frame(sv[1], true, &h, &got, NULL, &err), 0);
    pthread_join(t, &rc);
    ck_assert_int_eq((int)(intptr_t)rc, 0);
    ck_assert_uint_eq(h.op, CVG_SIM_OP_LOGDIRTY_OP);
    ck_assert_uint_eq(h.seq, 11);
    ck_assert_uint_eq(h.len, len);
    ck_assert_int_eq(memcmp(got, payload, len), 0);
    free(got);
    free(payload);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

START_TEST(test_descriptor_rides_with_the_frame)
{
    struct sender s;
    struct cvg_sim_hdr h;
    struct cvg_err err = { 0 };
    uint8_t body[16] = { 1 }, *got = NULL;
    struct stat a, b;
    pthread_t t;
    int sv[2], p[2], fd = -1;

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    ck_assert_int_eq(pipe(p), 0);
    s = (struct sender){ sv[0], body, sizeof(body), p[0] };
    ck_assert_int_eq(pthread_create(&t, NULL, send_reply, &s), 0);
    ck_assert_int_eq(cvg_sim_recv_frame(sv[1], true, &h, &got, &fd, &err), 0);
    pthread_join(t, NULL);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &a), 0);
    ck_assert_int_eq(fstat(p[0], &b), 0);
    ck_assert_uint_eq(a.st_ino, b.st_ino);      /* the same pipe */
    ck_assert_int_eq(write(p[1], "z", 1), 1);
    ck_assert_int_eq(read(fd, body, 1), 1);
    ck_assert_int_eq(body[0], 'z');
    free(got);
    close(fd);

    /* A reader that expects none closes what it is sent. */
    s.fd = p[0];
    ck_assert_int_eq(pthread_create(&t, NULL, send_reply, &s), 0);
    ck_assert_int_eq(cvg_sim_recv_frame(sv[1], true, &h, &got, NULL, &err), 0);
    pthread_join(t, NULL);
    free(got);
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

START_TEST(test_truncation_and_goodbye_are_told_apart)
{
    struct cvg_sim_hdr h;
    struct cvg_err err = { 0 };
    uint8_t *got = NULL, hdr[CVG_SIM_HDR_SIZE];
    struct cvg_sim_hdr out = { .magic = CVG_SIM_MAGIC, .version = CVG_SIM_VERSION,
                               .op = CVG_SIM_OP_HELLO, .len = 100 };
    int sv[2];

    /* Closed before a byte: a clean goodbye, no message. */
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    close(sv[0]);
    ck_assert_int_eq(cvg_sim_recv_frame(sv[1], false, &h, &got, NULL, &err), -EPIPE);
    ck_assert_int_eq(err.code, 0);
    close(sv[1]);

    /* Closed inside the payload: truncated, and said so. */
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    cvg_sim_hdr_encode(hdr, &out);
    ck_assert_int_eq(write(sv[0], hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
    ck_assert_int_eq(write(sv[0], "abc", 3), 3);
    close(sv[0]);
    ck_assert_int_eq(cvg_sim_recv_frame(sv[1], false, &h, &got, NULL, &err), -EPIPE);
    ck_assert_ptr_null(got);
    ck_assert_ptr_nonnull(strstr(err.msg, "truncated"));
    ck_assert_ptr_nonnull(strstr(err.msg, "3 of 100"));
    close(sv[1]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sim_frame");
    TCase *tc = tcase_create("socket");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_a_64gib_bitmap_crosses_the_socket);
    tcase_add_test(tc, test_descriptor_rides_with_the_frame);
    tcase_add_test(tc, test_truncation_and_goodbye_are_told_apart);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
