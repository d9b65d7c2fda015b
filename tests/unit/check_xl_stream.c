/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxl migration stream v2: golden bytes written from the spec by hand,
 * round trips of every record type, the hand-off to the libxc reader on a
 * pipe, truncation everywhere and every malformed shape we refuse.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/io.h"
#include "wire/xl_stream.h"

/* "LibxlFmt", version 2, options 0: all big-endian. */
static const uint8_t golden_hdr[16] = {
    0x4c, 0x69, 0x62, 0x78, 0x6c, 0x46, 0x6d, 0x74,
    0x00, 0x00, 0x00, 0x02,
    0x00, 0x00, 0x00, 0x00,
};
/* type 1, length 0, host (little) endian. */
static const uint8_t golden_libxc[8] = { 1, 0, 0, 0, 0, 0, 0, 0 };
static const uint8_t golden_end[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
/* EMULATOR_XENSTORE_DATA, qemu-upstream #0, one pair "a" = "bc", 3 bytes of padding. */
static const uint8_t golden_xs[24] = {
    2, 0, 0, 0, 13, 0, 0, 0,
    2, 0, 0, 0, 0, 0, 0, 0,
    'a', 0, 'b', 'c', 0, 0, 0, 0,
};
/* CHECKPOINT_STATE SVM_RESUMED: u32 id, 4 bytes of padding. */
static const uint8_t golden_cps[16] = {
    5, 0, 0, 0, 4, 0, 0, 0,
    3, 0, 0, 0, 0, 0, 0, 0,
};

struct buf {
    uint8_t b[512];
    size_t len;
};

static void add(struct buf *s, const void *p, size_t n)
{
    ck_assert_uint_le(s->len + n, sizeof(s->b));
    if (n)
        memcpy(s->b + s->len, p, n);
    s->len += n;
}

/* A record header then body then zero padding, built by hand. */
static void add_rec(struct buf *s, uint32_t type, uint32_t len, const void *body)
{
    uint8_t h[8] = { 0 }, pad[8] = { 0 };

    cvg_put_le32(h, type);
    cvg_put_le32(h + 4, len);
    add(s, h, 8);
    add(s, body, len);
    add(s, pad, cvg_pad8(len));
}

/* Reads one record from bytes (after no header); returns rc, keeps err. */
static int read_one(const void *p, size_t n, unsigned flags, struct cvg_xl_rec *rec,
                    struct cvg_err *err)
{
    struct cvg_src src;

    cvg_err_clear(err);
    cvg_src_init_mem(&src, p, n);
    return cvg_xl_read_record(&src, flags, rec, err);
}

static void assert_refused(const void *p, size_t n, const char *needle1,
                           const char *needle2)
{
    struct cvg_xl_rec rec;
    struct cvg_err err;
    int rc = read_one(p, n, 0, &rec, &err);

    ck_assert_int_lt(rc, 0);
    ck_assert_msg(strstr(err.msg, needle1), "\"%s\" not in \"%s\"", needle1, err.msg);
    if (needle2)
        ck_assert_msg(strstr(err.msg, needle2), "\"%s\" not in \"%s\"", needle2, err.msg);
    ck_assert_ptr_null(rec.body);
}

START_TEST(test_golden_header_and_empty_records)
{
    struct cvg_sink sink;
    struct cvg_src src;
    struct cvg_err err = { 0 };
    struct cvg_xl_hdr hdr;
    struct cvg_xl_rec rec;

    cvg_sink_init_mem(&sink);
    ck_assert_int_eq(cvg_xl_write_header(&sink, 0, &err), 0);
    ck_assert_int_eq(cvg_xl_write_libxc_context(&sink, &err), 0);
    ck_assert_int_eq(cvg_xl_write_end(&sink, &err), 0);
    ck_assert_uint_eq(sink.len, 32);
    ck_assert_mem_eq(sink.buf, golden_hdr, 16);
    ck_assert_mem_eq(sink.buf + 16, golden_libxc, 8);
    ck_assert_mem_eq(sink.buf + 24, golden_end, 8);
    cvg_sink_free(&sink);

    cvg_src_init_mem(&src, golden_hdr, sizeof(golden_hdr));
    ck_assert_int_eq(cvg_xl_read_header(&src, &hdr, &err), 0);
    ck_assert_uint_eq(hdr.ident, CVG_XL_IDENT);
    ck_assert_uint_eq(hdr.version, 2);
    ck_assert_uint_eq(hdr.options, 0);

    ck_assert_int_eq(read_one(golden_libxc, 8, 0, &rec, &err), 0);
    ck_assert_uint_eq(rec.type, CVG_XL_REC_LIBXC_CONTEXT);
    ck_assert_uint_eq(rec.length, 0);
    ck_assert_str_eq(cvg_xl_rec_type_name(rec.type), "LIBXC_CONTEXT");
    cvg_xl_rec_free(&rec);
}
END_TEST

START_TEST(test_golden_xenstore_and_checkpoint_state)
{
    struct cvg_sink sink;
    struct cvg_err err = { 0 };
    struct cvg_xl_rec rec;

    ck_assert_int_eq(read_one(golden_xs, sizeof(golden_xs), 0, &rec, &err), 0);
    ck_assert_uint_eq(rec.type, CVG_XL_REC_EMULATOR_XENSTORE_DATA);
    ck_assert_uint_eq(rec.emulator_id, CVG_XL_EMULATOR_QEMU_UPSTREAM);
    ck_assert_uint_eq(rec.emulator_index, 0);
    ck_assert_uint_eq(rec.nr_pairs, 1);
    ck_assert_uint_eq(rec.data_len, 5);
    ck_assert_mem_eq(rec.data, "a\0bc", 5);
    cvg_xl_rec_free(&rec);

    ck_assert_int_eq(read_one(golden_cps, sizeof(golden_cps), 0, &rec, &err), 0);
    ck_assert_uint_eq(rec.control_id, CVG_XL_CHECKPOINT_SVM_RESUMED);
    ck_assert_str_eq(cvg_xl_checkpoint_name(rec.control_id), "SVM_RESUMED");
    cvg_xl_rec_free(&rec);

    cvg_sink_init_mem(&sink);
    ck_assert_int_eq(cvg_xl_write_emulator(&sink, CVG_XL_REC_EMULATOR_XENSTORE_DATA,
                                           2, 0, "a\0bc", 5, &err), 0);
    ck_assert_int_eq(cvg_xl_write_checkpoint_state(&sink, 3, &err), 0);
    ck_assert_uint_eq(sink.len, sizeof(golden_xs) + sizeof(golden_cps));
    ck_assert_mem_eq(sink.buf, golden_xs, sizeof(golden_xs));
    ck_assert_mem_eq(sink.buf + sizeof(golden_xs), golden_cps, sizeof(golden_cps));
    cvg_sink_free(&sink);
}
END_TEST

/* Every record type written by us comes back with the same fields. */
START_TEST(test_round_trip_every_type)
{
    static const char xs[] = "physmap/fe000000/start_addr\0fe000000\0"
                             "physmap/fe000000/size\0" "800000\0"
                             "physmap/fe000000/name\0vga.vram";
    uint8_t blob[13];
    struct cvg_sink sink;
    struct cvg_src src;
    struct cvg_err err = { 0 };
    struct cvg_xl_rec rec;
    unsigned i;

    for (i = 0; i < sizeof(blob); i++)
        blob[i] = (uint8_t)(0xa0 + i);
    cvg_sink_init_mem(&sink);
    ck_assert_int_eq(cvg_xl_write_end(&sink, &err), 0);
    ck_assert_int_eq(cvg_xl_write_libxc_context(&sink, &err), 0);
    ck_assert_int_eq(cvg_xl_write_emulator(&sink, CVG_XL_REC_EMULATOR_XENSTORE_DATA,
                                           1, 7, xs, sizeof(xs), &err), 0);
    ck_assert_int_eq(cvg_xl_write_emulator(&sink, CVG_XL_REC_EMULATOR_CONTEXT,
                                           2, 1, blob, sizeof(blob), &err), 0);
    ck_assert_int_eq(cvg_xl_write_checkpoint_end(&sink, &err), 0);
    ck_assert_int_eq(cvg_xl_write_checkpoint_state(&sink, 2, &err), 0);
    ck_assert_uint_eq(sink.len % 8, 0);

    cvg_src_init_mem(&src, sink.buf, sink.len);
    for (i = 0; i < CVG_XL_REC_NR; i++) {
        uint64_t at = src.off;

        ck_assert_int_eq(cvg_xl_read_record(&src, 0, &rec, &err), 0);
        ck_assert_uint_eq(rec.type, i);
        ck_assert_uint_eq(rec.offset, at);
        ck_assert_uint_eq(src.off % 8, 0);
        if (i == CVG_XL_REC_EMULATOR_XENSTORE_DATA) {
            ck_assert_uint_eq(rec.emulator_id, 1);
            ck_assert_uint_eq(rec.emulator_index, 7);
            ck_assert_uint_eq(rec.nr_pairs, 3);
            ck_assert_uint_eq(rec.data_len, sizeof(xs));
            ck_assert_mem_eq(rec.data, xs, sizeof(xs));
        } else if (i == CVG_XL_REC_EMULATOR_CONTEXT) {
            ck_assert_uint_eq(rec.emulator_id, 2);
            ck_assert_uint_eq(rec.emulator_index, 1);
            ck_assert_uint_eq(rec.length, 8 + sizeof(blob));
            ck_assert_uint_eq(rec.data_len, sizeof(blob));
            ck_assert_mem_eq(rec.data, blob, sizeof(blob));
        } else if (i == CVG_XL_REC_CHECKPOINT_STATE) {
            ck_assert_uint_eq(rec.control_id, 2);
        } else {
            ck_assert_uint_eq(rec.length, 0);
        }
        cvg_xl_rec_free(&rec);
    }
    ck_assert_uint_eq(src.off, sink.len);
    cvg_sink_free(&sink);
}
END_TEST

/* A plain stream as libxl writes it for an HVM guest, walked in order. */
static void build_plain(struct buf *s)
{
    static const char xs[] = "physmap/1/size\0" "1000";
    uint8_t emu[8 + 20];

    memset(s, 0, sizeof(*s));
    add(s, golden_hdr, sizeof(golden_hdr));
    add(s, golden_libxc, sizeof(golden_libxc));
    /* (the libxc stream would be here) */
    memset(emu, 0, sizeof(emu));
    cvg_put_le32(emu, CVG_XL_EMULATOR_QEMU_UPSTREAM);
    memcpy(emu + 8, xs, sizeof(xs));
    add_rec(s, CVG_XL_REC_EMULATOR_XENSTORE_DATA, 8 + sizeof(xs), emu);
    memset(emu + 8, 0x5a, 20);
    add_rec(s, CVG_XL_REC_EMULATOR_CONTEXT, 8 + 20, emu);
    add(s, golden_end, sizeof(golden_end));
}

START_TEST(test_reader_walks_plain_stream)
{
    static const uint32_t want[] = {
        CVG_XL_REC_LIBXC_CONTEXT, CVG_XL_REC_EMULATOR_XENSTORE_DATA,
        CVG_XL_REC_EMULATOR_CONTEXT, CVG_XL_REC_END,
    };
    struct buf s;
    struct cvg_src src;
    struct cvg_xl_reader rd;
    struct cvg_xl_rec rec;
    struct cvg_err err = { 0 };
    uint8_t byte;
    unsigned i;

    build_plain(&s);
    cvg_src_init_mem(&src, s.b, s.len);
    cvg_xl_reader_init(&rd, &src, false, 0);
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(cvg_xl_reader_next(&rd, &rec, &err), 0);
        ck_assert_uint_eq(rec.type, want[i]);
        cvg_xl_rec_free(&rec);
    }
    ck_assert(rd.ended);
    ck_assert_uint_eq(rd.nr_records, 4);
    ck_assert_int_eq(cvg_src_at_eof(&src, &byte, &err), 1);
    /* Nothing is read past END. */
    ck_assert_int_eq(cvg_xl_reader_next(&rd, &rec, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "after the END"));
}
END_TEST

/* The emulator blob can be skipped rather than held in memory. */
START_TEST(test_skip_emulator_blob)
{
    struct buf s;
    struct cvg_src src;
    struct cvg_xl_reader rd;
    struct cvg_xl_rec rec;
    struct cvg_err err = { 0 };

    build_plain(&s);
    cvg_src_init_mem(&src, s.b, s.len);
    cvg_xl_reader_init(&rd, &src, false, CVG_XL_SKIP_EMULATOR_BLOB);
    do {
        ck_assert_int_eq(cvg_xl_reader_next(&rd, &rec, &err), 0);
        if (rec.type == CVG_XL_REC_EMULATOR_CONTEXT) {
            ck_assert_ptr_null(rec.body);
            ck_assert_ptr_null(rec.data);
            ck_assert_uint_eq(rec.data_len, 20);
            ck_assert_uint_eq(rec.emulator_id, CVG_XL_EMULATOR_QEMU_UPSTREAM);
        }
        cvg_xl_rec_free(&rec);
    } while (!rd.ended);
    ck_assert_uint_eq(src.off, s.len);
}
END_TEST

/*
 * On a pipe the reader hands over right after LIBXC_CONTEXT: the libxc
 * stream behind it is still in the pipe, byte for byte, for the libxc reader.
 */
START_TEST(test_stops_after_libxc_context_on_pipe)
{
    static const uint8_t libxc_start[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                           'X', 'E', 'N', 'F' };
    struct cvg_src src;
    struct cvg_xl_reader rd;
    struct cvg_xl_rec rec;
    struct cvg_err err = { 0 };
    uint8_t got[sizeof(libxc_start) + 1];
    int p[2];

    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(write(p[1], golden_hdr, 16), 16);
    ck_assert_int_eq(write(p[1], golden_libxc, 8), 8);
    ck_assert_int_eq(write(p[1], libxc_start, sizeof(libxc_start)), sizeof(libxc_start));
    close(p[1]);

    cvg_src_init_fd(&src, p[0]);
    cvg_xl_reader_init(&rd, &src, false, 0);
    ck_assert_int_eq(cvg_xl_reader_next(&rd, &rec, &err), 0);
    ck_assert_uint_eq(rec.type, CVG_XL_REC_LIBXC_CONTEXT);
    ck_assert_uint_eq(src.off, 24);
    cvg_xl_rec_free(&rec);
    ck_assert_int_eq(read(p[0], got, sizeof(got)), sizeof(libxc_start));
    ck_assert_mem_eq(got, libxc_start, sizeof(libxc_start));
    close(p[0]);
}
END_TEST

/* Every proper prefix of a valid stream is refused as truncated. */
START_TEST(test_truncation_at_every_offset)
{
    struct buf s;
    size_t cut;

    build_plain(&s);
    for (cut = 0; cut < s.len; cut++) {
        struct cvg_src src;
        struct cvg_xl_reader rd;
        struct cvg_xl_rec rec;
        struct cvg_err err = { 0 };
        int rc;

        cvg_src_init_mem(&src, s.b, cut);
        cvg_xl_reader_init(&rd, &src, false, 0);
        do {
            rc = cvg_xl_reader_next(&rd, &rec, &err);
            cvg_xl_rec_free(&rec);
        } while (rc == 0 && !rd.ended);
        ck_assert_msg(rc == -EPIPE, "prefix %zu: rc %d (%s)", cut, rc, err.msg);
        ck_assert_msg(strstr(err.msg, "truncated") && strstr(err.msg, "offset"),
                      "prefix %zu: %s", cut, err.msg);
        ck_assert_msg(strstr(err.msg, "libxl") || strstr(err.msg, "record"),
                      "prefix %zu: message does not say what: %s", cut, err.msg);
    }
}
END_TEST

START_TEST(test_header_refusals)
{
    uint8_t h[16];
    struct cvg_src src;
    struct cvg_xl_hdr hdr;
    struct cvg_err err = { 0 };

    memcpy(h, golden_hdr, 16);
    h[0] = 'l';
    cvg_src_init_mem(&src, h, 16);
    ck_assert_int_eq(cvg_xl_read_header(&src, &hdr, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "ident"));

    memcpy(h, golden_hdr, 16);
    h[11] = 1;
    cvg_err_clear(&err);
    cvg_src_init_mem(&src, h, 16);
    ck_assert_int_eq(cvg_xl_read_header(&src, &hdr, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "version 1"));

    memcpy(h, golden_hdr, 16);
    h[15] = CVG_XL_OPT_BIG_ENDIAN;
    cvg_err_clear(&err);
    cvg_src_init_mem(&src, h, 16);
    ck_assert_int_eq(cvg_xl_read_header(&src, &hdr, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "big-endian"));

    memcpy(h, golden_hdr, 16);
    h[12] = 0x80;
    cvg_err_clear(&err);
    cvg_src_init_mem(&src, h, 16);
    ck_assert_int_eq(cvg_xl_read_header(&src, &hdr, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "reserved option bits 0x80000000"));

    /* converted from legacy: accepted and reported */
    memcpy(h, golden_hdr, 16);
    h[15] = CVG_XL_OPT_LEGACY;
    cvg_err_clear(&err);
    cvg_src_init_mem(&src, h, 16);
    ck_assert_int_eq(cvg_xl_read_header(&src, &hdr, &err), 0);
    ck_assert_uint_eq(hdr.options, CVG_XL_OPT_LEGACY);
}
END_TEST

START_TEST(test_unknown_types_refused)
{
    struct buf s = { .len = 0 };

    add_rec(&s, 6, 0, NULL);
    assert_refused(s.b, s.len, "unknown type 0x00000006", "offset 0");
    s.len = 0;
    /* optional or not: libxl's process_record() refuses it */
    add_rec(&s, 0x80000001u, 8, "12345678");
    assert_refused(s.b, s.len, "unknown type 0x80000001 (optional)", NULL);
}
END_TEST

START_TEST(test_bad_lengths_refused)
{
    struct buf s = { .len = 0 };
    uint8_t h[8];

    add_rec(&s, CVG_XL_REC_END, 8, "xxxxxxxx");
    assert_refused(s.b, s.len, "END record at offset 0", "no body");
    s.len = 0;
    add_rec(&s, CVG_XL_REC_LIBXC_CONTEXT, 1, "x");
    assert_refused(s.b, s.len, "LIBXC_CONTEXT", "body length 1");
    s.len = 0;
    add_rec(&s, CVG_XL_REC_CHECKPOINT_END, 4, "xxxx");
    assert_refused(s.b, s.len, "CHECKPOINT_END", "no body");
    s.len = 0;
    add_rec(&s, CVG_XL_REC_CHECKPOINT_STATE, 8, "\0\0\0\0\0\0\0\0");
    assert_refused(s.b, s.len, "CHECKPOINT_STATE", "expected 4");
    s.len = 0;
    add_rec(&s, CVG_XL_REC_EMULATOR_CONTEXT, 4, "\2\0\0\0");
    assert_refused(s.b, s.len, "EMULATOR_CONTEXT", "sub-header");
    s.len = 0;
    add_rec(&s, CVG_XL_REC_EMULATOR_XENSTORE_DATA, 7, "\2\0\0\0\0\0\0");
    assert_refused(s.b, s.len, "EMULATOR_XENSTORE_DATA", "sub-header");

    /* Over the limits: refused from the header alone, before any body. */
    cvg_put_le32(h, CVG_XL_REC_EMULATOR_CONTEXT);
    cvg_put_le32(h + 4, CVG_XL_EMULATOR_CONTEXT_MAX + 1);
    assert_refused(h, 8, "EMULATOR_CONTEXT record at offset 0", "exceeds");
    cvg_put_le32(h, CVG_XL_REC_EMULATOR_XENSTORE_DATA);
    cvg_put_le32(h + 4, CVG_XL_XENSTORE_DATA_MAX + 1);
    assert_refused(h, 8, "EMULATOR_XENSTORE_DATA", "exceeds");
}
END_TEST

/* A body length at the limit with almost no data behind it: truncated. */
START_TEST(test_lying_length_is_truncation)
{
    uint8_t b[32] = { 0 };
    struct cvg_xl_rec rec;
    struct cvg_err err;

    cvg_put_le32(b, CVG_XL_REC_EMULATOR_CONTEXT);
    cvg_put_le32(b + 4, CVG_XL_EMULATOR_CONTEXT_MAX);
    cvg_put_le32(b + 8, CVG_XL_EMULATOR_QEMU_UPSTREAM);
    ck_assert_int_eq(read_one(b, sizeof(b), 0, &rec, &err), -EPIPE);
    ck_assert_ptr_nonnull(strstr(err.msg, "EMULATOR_CONTEXT record body"));
    ck_assert_int_eq(read_one(b, sizeof(b), CVG_XL_SKIP_EMULATOR_BLOB, &rec, &err),
                     -EPIPE);
    ck_assert_ptr_nonnull(strstr(err.msg, "EMULATOR_CONTEXT blob"));
}
END_TEST

START_TEST(test_bad_fields_refused)
{
    struct buf s = { .len = 0 };

    add_rec(&s, CVG_XL_REC_EMULATOR_CONTEXT, 8, "\3\0\0\0\0\0\0\0");
    assert_refused(s.b, s.len, "emulator_id 3", NULL);
    s.len = 0;
    add_rec(&s, CVG_XL_REC_CHECKPOINT_STATE, 4, "\4\0\0\0");
    assert_refused(s.b, s.len, "control_id 4", NULL);
    s.len = 0;
    /* padding must be zero */
    add(&s, "\3\0\0\0\11\0\0\0" "\2\0\0\0\0\0\0\0" "Z" "\0\0\0\0\0\0\1", 24);
    assert_refused(s.b, s.len, "padding byte at offset 23", "0x01");
}
END_TEST

static void xs_refused(const void *pairs, uint32_t len, const char *needle)
{
    struct buf s = { .len = 0 };
    uint8_t body[64] = { 2, 0, 0, 0, 0, 0, 0, 0 };
    struct cvg_sink sink;
    struct cvg_err err = { 0 };

    ck_assert_uint_le(len + 8, sizeof(body));
    memcpy(body + 8, pairs, len);
    add_rec(&s, CVG_XL_REC_EMULATOR_XENSTORE_DATA, 8 + len, body);
    assert_refused(s.b, s.len, needle, "EMULATOR_XENSTORE_DATA record at offset 0");
    /* and the writer will not produce it either */
    cvg_sink_init_mem(&sink);
    ck_assert_int_lt(cvg_xl_write_emulator(&sink, CVG_XL_REC_EMULATOR_XENSTORE_DATA,
                                           2, 0, pairs, len, &err), 0);
    ck_assert_uint_eq(sink.len, 0);
    cvg_sink_free(&sink);
}

START_TEST(test_bad_xenstore_pairs_refused)
{
    xs_refused("key", 3, "not NUL-terminated");
    xs_refused("key\0", 4, "no NUL-terminated value");
    xs_refused("key\0val", 7, "no NUL-terminated value");
    xs_refused("\0val\0", 5, "empty key at offset 16");
    xs_refused("/abs\0v\0", 7, "absolute");
    xs_refused("a\0b\0c d\0e\0", 10, "outside xenstore");
    xs_refused("a//b\0v\0", 7, "empty path component");
    xs_refused("a/\0v\0", 5, "empty path component");
    /* the second pair is where it goes wrong: its offset is quoted */
    xs_refused("k\0v\0k2", 6, "offset 20 (pair 1)");
}
END_TEST

START_TEST(test_empty_values_and_no_pairs_accepted)
{
    struct buf s = { .len = 0 };
    struct cvg_xl_rec rec;
    struct cvg_err err = { 0 };

    add_rec(&s, CVG_XL_REC_EMULATOR_XENSTORE_DATA, 8 + 6,
            "\2\0\0\0\0\0\0\0" "k\0\0" "j\0\0");
    ck_assert_int_eq(read_one(s.b, s.len, 0, &rec, &err), 0);
    ck_assert_uint_eq(rec.nr_pairs, 2);
    cvg_xl_rec_free(&rec);
    s.len = 0;
    add_rec(&s, CVG_XL_REC_EMULATOR_XENSTORE_DATA, 8, "\2\0\0\0\0\0\0\0");
    ck_assert_int_eq(read_one(s.b, s.len, 0, &rec, &err), 0);
    ck_assert_uint_eq(rec.nr_pairs, 0);
    cvg_xl_rec_free(&rec);
}
END_TEST

static int walk(const struct buf *s, bool checkpointed, struct cvg_err *err)
{
    struct cvg_src src;
    struct cvg_xl_reader rd;
    struct cvg_xl_rec rec;
    int rc;

    cvg_err_clear(err);
    cvg_src_init_mem(&src, s->b, s->len);
    cvg_xl_reader_init(&rd, &src, checkpointed, 0);
    do {
        rc = cvg_xl_reader_next(&rd, &rec, err);
        cvg_xl_rec_free(&rec);
    } while (rc == 0 && !rd.ended);
    return rc;
}

START_TEST(test_sequence_rules)
{
    struct buf s;
    struct cvg_err err;

    memset(&s, 0, sizeof(s));
    add(&s, golden_hdr, 16);
    add(&s, golden_end, 8);
    ck_assert_int_eq(walk(&s, false, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "END record at offset 16 before any LIBXC_CONTEXT"));

    memset(&s, 0, sizeof(s));
    add(&s, golden_hdr, 16);
    add(&s, golden_libxc, 8);
    add(&s, golden_libxc, 8);
    ck_assert_int_eq(walk(&s, false, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "second LIBXC_CONTEXT record at offset 24"));

    memset(&s, 0, sizeof(s));
    add(&s, golden_hdr, 16);
    add(&s, golden_libxc, 8);
    add_rec(&s, CVG_XL_REC_CHECKPOINT_END, 0, NULL);
    add(&s, golden_end, 8);
    ck_assert_int_eq(walk(&s, false, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "not checkpointed"));
    /* the same stream is fine when checkpointed (Remus/COLO) */
    ck_assert_int_eq(walk(&s, true, &err), 0);

    memset(&s, 0, sizeof(s));
    add(&s, golden_hdr, 16);
    add_rec(&s, CVG_XL_REC_CHECKPOINT_END, 0, NULL);
    ck_assert_int_eq(walk(&s, true, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "before LIBXC_CONTEXT"));

    memset(&s, 0, sizeof(s));
    add(&s, golden_hdr, 16);
    add(&s, golden_libxc, 8);
    add(&s, golden_cps, 16);
    ck_assert_int_eq(walk(&s, true, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "back channel"));
}
END_TEST

START_TEST(test_writer_refuses_what_reader_refuses)
{
    struct cvg_sink sink;
    struct cvg_err err = { 0 };

    cvg_sink_init_mem(&sink);
    ck_assert_int_eq(cvg_xl_write_header(&sink, CVG_XL_OPT_BIG_ENDIAN, &err), -EINVAL);
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_xl_write_record(&sink, 9, NULL, 0, &err), -EINVAL);
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_xl_write_record(&sink, CVG_XL_REC_END, "x", 1, &err), -EINVAL);
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_xl_write_emulator(&sink, CVG_XL_REC_EMULATOR_CONTEXT, 3, 0,
                                           "x", 1, &err), -EINVAL);
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_xl_write_checkpoint_state(&sink, 9, &err), -EINVAL);
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_xl_write_emulator(&sink, CVG_XL_REC_END, 2, 0, "x", 1, &err),
                     -EINVAL);
    ck_assert_uint_eq(sink.len, 0);
    cvg_sink_free(&sink);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xl_stream");
    TCase *tc = tcase_create("codec");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_golden_header_and_empty_records);
    tcase_add_test(tc, test_golden_xenstore_and_checkpoint_state);
    tcase_add_test(tc, test_round_trip_every_type);
    tcase_add_test(tc, test_reader_walks_plain_stream);
    tcase_add_test(tc, test_skip_emulator_blob);
    tcase_add_test(tc, test_stops_after_libxc_context_on_pipe);
    tcase_add_test(tc, test_truncation_at_every_offset);
    tcase_add_test(tc, test_header_refusals);
    tcase_add_test(tc, test_unknown_types_refused);
    tcase_add_test(tc, test_bad_lengths_refused);
    tcase_add_test(tc, test_lying_length_is_truncation);
    tcase_add_test(tc, test_bad_fields_refused);
    tcase_add_test(tc, test_bad_xenstore_pairs_refused);
    tcase_add_test(tc, test_empty_values_and_no_pairs_accepted);
    tcase_add_test(tc, test_sequence_rules);
    tcase_add_test(tc, test_writer_refuses_what_reader_refuses);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
