/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The xl save header: golden bytes of an image with a small JSON config
 * (written by hand from tools/xl/xl.h), what the reader refuses, and that
 * it leaves the source at the first byte of the libxl stream.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/io.h"
#include "wire/xl_header.h"

#define JSON "{\"name\":\"vm1\"}"       /* 14 bytes + NUL = 15 */

struct buf {
    uint8_t b[256];
    size_t len;
};

static void add(struct buf *s, const void *p, size_t n)
{
    ck_assert_uint_le(s->len + n, sizeof(s->b));
    if (n)
        memcpy(s->b + s->len, p, n);
    s->len += n;
}

/* magic, byteorder, mandatory, optional, optional_data_len: little-endian x86. */
static void add_fixed(struct buf *s, uint32_t mandatory, uint32_t optlen)
{
    uint8_t w[4];

    add(s, "Xen saved domain, xl format\n \0 \r", 32);
    add(s, "\x04\x03\x02\x01", 4);
    cvg_put_le32(w, mandatory);
    add(s, w, 4);
    add(s, "\0\0\0\0", 4);
    cvg_put_le32(w, optlen);
    add(s, w, 4);
}

static void golden(struct buf *s)
{
    memset(s, 0, sizeof(*s));
    add(s, "Xen saved domain, xl format\n \0 \r", 32);
    add(s, "\x04\x03\x02\x01", 4);      /* byteorder 0x01020304 */
    add(s, "\x03\0\0\0", 4);            /* JSON | STREAMv2 */
    add(s, "\0\0\0\0", 4);              /* optional_flags */
    add(s, "\x13\0\0\0", 4);            /* optional_data_len 19 */
    add(s, "\x0f\0\0\0", 4);            /* config_len 15 */
    add(s, JSON, 15);                   /* with its NUL */
}

static int read_hdr(const struct buf *s, struct cvg_xlh *h, struct cvg_err *err,
                    uint64_t *end)
{
    struct cvg_src src;
    int rc;

    cvg_err_clear(err);
    cvg_src_init_mem(&src, s->b, s->len);
    rc = cvg_xlh_read(&src, h, err);
    if (end)
        *end = src.off;
    return rc;
}

static void refused(const struct buf *s, int code, const char *needle)
{
    struct cvg_xlh h;
    struct cvg_err err;

    ck_assert_int_eq(read_hdr(s, &h, &err, NULL), code);
    ck_assert_msg(strstr(err.msg, needle), "\"%s\" not in \"%s\"", needle, err.msg);
    ck_assert_ptr_null(h.config);
}

START_TEST(test_golden_with_json)
{
    struct buf s;
    struct cvg_xlh h;
    struct cvg_err err = { 0 };
    struct cvg_sink sink;
    uint64_t end;

    golden(&s);
    ck_assert_uint_eq(s.len, 67);
    ck_assert_int_eq(read_hdr(&s, &h, &err, &end), 0);
    ck_assert_uint_eq(end, 67);
    ck_assert(h.stream_v2);
    ck_assert(h.config_is_json);
    ck_assert_uint_eq(h.mandatory_flags, 3);
    ck_assert_uint_eq(h.optional_data_len, 19);
    ck_assert_uint_eq(h.config_len, 15);
    ck_assert_str_eq(h.config, JSON);
    cvg_xlh_free(&h);

    cvg_sink_init_mem(&sink);
    ck_assert_int_eq(cvg_xlh_write(&sink, JSON, &err), 0);
    ck_assert_uint_eq(sink.len, s.len);
    ck_assert_mem_eq(sink.buf, s.b, s.len);
    cvg_sink_free(&sink);
}
END_TEST

/* What xl writes with no stored config: config_len 0, no JSON flag. */
START_TEST(test_no_config)
{
    struct buf s = { .len = 0 };
    struct cvg_xlh h;
    struct cvg_err err = { 0 };
    struct cvg_sink sink;

    add_fixed(&s, CVG_XLH_MANDATORY_STREAMV2, 4);
    add(&s, "\0\0\0\0", 4);
    ck_assert_int_eq(read_hdr(&s, &h, &err, NULL), 0);
    ck_assert_ptr_null(h.config);
    ck_assert(!h.config_is_json);
    ck_assert(h.stream_v2);

    cvg_sink_init_mem(&sink);
    ck_assert_int_eq(cvg_xlh_write(&sink, NULL, &err), 0);
    ck_assert_uint_eq(sink.len, s.len);
    ck_assert_mem_eq(sink.buf, s.b, s.len);
    cvg_sink_free(&sink);

    /* optional_data_len 0 altogether is fine too */
    s.len = 0;
    add_fixed(&s, CVG_XLH_MANDATORY_STREAMV2, 0);
    ck_assert_int_eq(read_hdr(&s, &h, &err, NULL), 0);
    ck_assert_ptr_null(h.config);
}
END_TEST

START_TEST(test_foreign_byte_order)
{
    struct buf s;

    golden(&s);
    memcpy(s.b + 32, "\x01\x02\x03\x04", 4);
    refused(&s, -EINVAL, "big-endian host");
    golden(&s);
    memcpy(s.b + 32, "\x01\x01\x01\x01", 4);
    refused(&s, -EINVAL, "byteorder field 0x01010101");
}
END_TEST

START_TEST(test_unknown_mandatory_flags)
{
    struct buf s;

    golden(&s);
    s.b[36] = 0x07;
    refused(&s, -EINVAL, "unknown mandatory flag(s) 0x00000004");
    golden(&s);
    s.b[39] = 0x80;
    refused(&s, -EINVAL, "0x80000000");
}
END_TEST

START_TEST(test_bad_magic)
{
    struct buf s;

    golden(&s);
    s.b[27] = '\r';
    refused(&s, -EINVAL, "magic differs at offset 27");
    golden(&s);
    s.b[31] = '\n';
    refused(&s, -EINVAL, "offset 31");
}
END_TEST

START_TEST(test_bad_optional_data)
{
    struct buf s = { .len = 0 };

    add_fixed(&s, 3, 2);
    add(&s, "\0\0", 2);
    refused(&s, -EINVAL, "cannot hold the u32 config_len");

    s.len = 0;
    add_fixed(&s, 3, 8);
    add(&s, "\x05\0\0\0" "abcd", 8);
    refused(&s, -EINVAL, "config_len 5 at offset 48 does not fit the 4 bytes");

    s.len = 0;
    add_fixed(&s, 3, CVG_XLH_OPTDATA_MAX + 1);
    refused(&s, -E2BIG, "exceeds");

    s.len = 0;
    add_fixed(&s, 3, 8);
    add(&s, "\x04\0\0\0" "{}}}", 8);
    refused(&s, -EINVAL, "not NUL-terminated");

    s.len = 0;
    add_fixed(&s, 3, 8);
    add(&s, "\x04\0\0\0" "{\0}\0", 8);
    refused(&s, -EINVAL, "NUL byte at offset 53");
}
END_TEST

/* An old xl.cfg-text config, a legacy stream, and tail bytes we skip. */
START_TEST(test_text_legacy_and_tail)
{
    struct buf s = { .len = 0 };
    struct cvg_xlh h;
    struct cvg_err err = { 0 };
    uint64_t end;

    add_fixed(&s, 0, 4 + 9 + 3);
    add(&s, "\x09\0\0\0" "name=\"a\"" "\n" "xyz", 16);
    add(&s, "LibxlFmt", 8);
    ck_assert_int_eq(read_hdr(&s, &h, &err, &end), 0);
    ck_assert(!h.stream_v2);
    ck_assert(!h.config_is_json);
    ck_assert_uint_eq(h.config_len, 9);
    ck_assert_str_eq(h.config, "name=\"a\"\n");
    ck_assert_uint_eq(end, 48 + 16);
    cvg_xlh_free(&h);
}
END_TEST

START_TEST(test_truncation_at_every_offset)
{
    struct buf s;
    size_t cut;

    golden(&s);
    for (cut = 0; cut < s.len; cut++) {
        struct cvg_src src;
        struct cvg_xlh h;
        struct cvg_err err = { 0 };

        cvg_src_init_mem(&src, s.b, cut);
        ck_assert_int_eq(cvg_xlh_read(&src, &h, &err), -EPIPE);
        ck_assert_msg(strstr(err.msg, "xl save header") && strstr(err.msg, "offset"),
                      "prefix %zu: %s", cut, err.msg);
        ck_assert_ptr_null(h.config);
    }
}
END_TEST

/* On a pipe the reader stops at the end of the optional data. */
START_TEST(test_pipe_leaves_libxl_stream)
{
    struct buf s;
    struct cvg_src src;
    struct cvg_xlh h;
    struct cvg_err err = { 0 };
    char rest[16];
    int p[2];

    golden(&s);
    add(&s, "LibxlFmt", 8);
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(write(p[1], s.b, s.len), (ssize_t)s.len);
    close(p[1]);
    cvg_src_init_fd(&src, p[0]);
    ck_assert_int_eq(cvg_xlh_read(&src, &h, &err), 0);
    ck_assert_str_eq(h.config, JSON);
    cvg_xlh_free(&h);
    ck_assert_int_eq(read(p[0], rest, sizeof(rest)), 8);
    ck_assert_mem_eq(rest, "LibxlFmt", 8);
    close(p[0]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xl_header");
    TCase *tc = tcase_create("codec");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_golden_with_json);
    tcase_add_test(tc, test_no_config);
    tcase_add_test(tc, test_foreign_byte_order);
    tcase_add_test(tc, test_unknown_mandatory_flags);
    tcase_add_test(tc, test_bad_magic);
    tcase_add_test(tc, test_bad_optional_data);
    tcase_add_test(tc, test_text_legacy_and_tail);
    tcase_add_test(tc, test_truncation_at_every_offset);
    tcase_add_test(tc, test_pipe_leaves_libxl_stream);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
