/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The byte sources, sinks and error reporting every codec stands on. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/err.h"
#include "common/io.h"
#include "common/pagecopy.h"

START_TEST(test_endianness)
{
    uint8_t b[8];

    cvg_put_le32(b, 0x01020304);
    ck_assert_int_eq(b[0], 4);
    ck_assert_int_eq(b[3], 1);
    ck_assert_uint_eq(cvg_get_le32(b), 0x01020304);
    cvg_put_be64(b, 0x4c6962786c466d74ull);
    ck_assert_int_eq(memcmp(b, "LibxlFmt", 8), 0);
    ck_assert_uint_eq(cvg_get_be64(b), 0x4c6962786c466d74ull);
    cvg_put_le64(b, 0x1122334455667788ull);
    ck_assert_uint_eq(cvg_get_le64(b), 0x1122334455667788ull);
    ck_assert_uint_eq(cvg_pad8(0), 0);
    ck_assert_uint_eq(cvg_pad8(1), 7);
    ck_assert_uint_eq(cvg_pad8(8), 0);
    ck_assert_uint_eq(cvg_pad8(13), 3);
}
END_TEST

START_TEST(test_first_error_wins)
{
    struct cvg_err err = { 0 };

    ck_assert_int_eq(cvg_fail(&err, -EINVAL, "bad %s", "length"), -EINVAL);
    ck_assert_int_eq(cvg_fail(&err, -EIO, "cascade"), -EIO);
    ck_assert_int_eq(err.code, -EINVAL);
    ck_assert_str_eq(err.msg, "bad length");
    cvg_err_prefix(&err, "record %u", 7u);
    ck_assert_str_eq(err.msg, "record 7: bad length");
    ck_assert_int_eq(cvg_fail(NULL, -EIO, "nobody listens"), -EIO);
}
END_TEST

START_TEST(test_mem_source_truncation_names_offset)
{
    const uint8_t data[5] = { 1, 2, 3, 4, 5 };
    struct cvg_src src;
    struct cvg_err err = { 0 };
    uint8_t buf[8];

    cvg_src_init_mem(&src, data, sizeof(data));
    ck_assert_int_eq(cvg_src_read(&src, buf, 2, "header", &err), 0);
    ck_assert_uint_eq(src.off, 2);
    ck_assert_int_eq(cvg_src_read(&src, buf, 4, "record body", &err), -EPIPE);
    ck_assert_ptr_nonnull(strstr(err.msg, "record body"));
    ck_assert_ptr_nonnull(strstr(err.msg, "offset 2"));
}
END_TEST

START_TEST(test_fd_source_reads_no_further_than_asked)
{
    int p[2];
    struct cvg_src src;
    struct cvg_err err = { 0 };
    uint8_t buf[4];

    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(write(p[1], "abcdefgh", 8), 8);
    close(p[1]);
    cvg_src_init_fd(&src, p[0]);
    ck_assert_int_eq(cvg_src_read(&src, buf, 3, "x", &err), 0);
    ck_assert_int_eq(memcmp(buf, "abc", 3), 0);
    /* What the reader did not ask for is still in the pipe for the next owner. */
    ck_assert_int_eq(read(p[0], buf, 4), 4);
    ck_assert_int_eq(memcmp(buf, "defg", 4), 0);
    ck_assert_int_eq(cvg_src_skip(&src, 1, "y", &err), 0);
    ck_assert_int_eq(cvg_src_read(&src, buf, 1, "z", &err), -EPIPE);
    close(p[0]);
}
END_TEST

START_TEST(test_unread_replays_sniffed_bytes_on_a_pipe)
{
    int p[2];
    struct cvg_src src;
    struct cvg_err err = { 0 };
    uint8_t buf[8], b;

    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(write(p[1], "XENFrest", 8), 8);
    close(p[1]);
    cvg_src_init_fd(&src, p[0]);
    ck_assert_int_eq(cvg_src_read(&src, buf, 4, "magic", &err), 0);
    ck_assert_int_eq(cvg_src_unread(&src, buf, 4, &err), 0);
    ck_assert_uint_eq(src.off, 0);
    ck_assert_int_eq(cvg_src_read(&src, buf, 6, "all", &err), 0);
    ck_assert_int_eq(memcmp(buf, "XENFre", 6), 0);
    ck_assert_uint_eq(src.off, 6);
    ck_assert_int_eq(cvg_src_at_eof(&src, &b, &err), 0);
    ck_assert_int_eq(b, 's');
    /* Only what was read can be put back, and at most 16 bytes. */
    ck_assert_int_eq(cvg_src_unread(&src, buf, 8, &err), -EINVAL);
    close(p[0]);
}
END_TEST

/* Streaming copies land the same bytes as memcpy, aligned or not. */
START_TEST(test_copy_stream_equals_memcpy)
{
    static _Alignas(4096) uint8_t src[2 * 4096], dst[2 * 4096], want[2 * 4096];
    static const struct { size_t dst, src, len; } cases[] = {
        { 0, 0, 4096 },         /* a page: the streaming path */
        { 64, 128, 4096 },      /* aligned to lines */
        { 16, 48, 192 },        /* 16-byte aligned, whole lines */
        { 3, 0, 4096 },         /* unaligned: memcpy */
        { 0, 0, 100 },          /* not whole lines: memcpy */
    };

    for (size_t i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)(i * 31 + 7);
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        memset(dst, 0xee, sizeof(dst));
        memset(want, 0xee, sizeof(want));
        memcpy(want + cases[c].dst, src + cases[c].src, cases[c].len);
        cvg_copy_stream(dst + cases[c].dst, src + cases[c].src, cases[c].len);
        cvg_stream_fence();
        ck_assert_msg(memcmp(dst, want, sizeof(dst)) == 0, "case %zu", c);
    }
}
END_TEST

START_TEST(test_sinks_gather)
{
    struct cvg_sink sink;
    struct cvg_err err = { 0 };
    struct iovec iov[3] = {
        { "ab", 2 }, { "", 0 }, { "cde", 3 },
    };
    int p[2];
    char buf[8] = { 0 };

    cvg_sink_init_mem(&sink);
    ck_assert_int_eq(cvg_sink_writev(&sink, iov, 3, &err), 0);
    ck_assert_uint_eq(sink.len, 5);
    ck_assert_int_eq(memcmp(sink.buf, "abcde", 5), 0);
    sink.max = 6;
    ck_assert_int_eq(cvg_sink_write(&sink, "xy", 2, &err), -EFBIG);
    cvg_sink_free(&sink);

    ck_assert_int_eq(pipe(p), 0);
    cvg_sink_init_fd(&sink, p[1]);
    ck_assert_int_eq(cvg_sink_writev(&sink, iov, 3, &err), 0);
    ck_assert_uint_eq(sink.off, 5);
    ck_assert_int_eq(read(p[0], buf, 5), 5);
    ck_assert_str_eq(buf, "abcde");
    close(p[0]);
    close(p[1]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("common");
    TCase *tc = tcase_create("io");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_endianness);
    tcase_add_test(tc, test_first_error_wins);
    tcase_add_test(tc, test_mem_source_truncation_names_offset);
    tcase_add_test(tc, test_fd_source_reads_no_further_than_asked);
    tcase_add_test(tc, test_unread_replays_sniffed_bytes_on_a_pipe);
    tcase_add_test(tc, test_copy_stream_equals_memcpy);
    tcase_add_test(tc, test_sinks_gather);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
