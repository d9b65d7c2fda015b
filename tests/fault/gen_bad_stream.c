/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gen-bad-stream KIND PAGES OUT: a libxc HVM stream for a guest of PAGES
 * pages (two PAGE_DATA batches, TSC_INFO, HVM_CONTEXT, HVM_PARAMS, END),
 * either whole ("ok") or with one defect a hostile or broken sender could
 * put there.  The bytes are laid out here by hand -- the library's writer
 * refuses to write most of these -- so that bad_input.sh can push each one
 * through converge-helper --restore-domain.  `gen-bad-stream --list`
 * prints the kinds.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"

struct buf {
    uint8_t *p;
    size_t len, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) {
            fprintf(stderr, "gen-bad-stream: out of memory\n");
            exit(1);
        }
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void le32(struct buf *b, uint32_t v)
{
    uint8_t x[4];

    cvg_put_le32(x, v);
    put(b, x, 4);
}

static void le64(struct buf *b, uint64_t v)
{
    uint8_t x[8];

    cvg_put_le64(x, v);
    put(b, x, 8);
}

static void pad(struct buf *b, size_t body, uint8_t fill)
{
    static const uint8_t z[8];

    for (size_t i = body; i % 8; i++)
        put(b, fill ? &fill : z, 1);
}

static void rec(struct buf *b, uint32_t type, const void *body, uint32_t len)
{
    le32(b, type);
    le32(b, len);
    if (len)
        put(b, body, len);
    pad(b, len, 0);
}

static void ihdr(struct buf *b, uint64_t marker, uint32_t version)
{
    uint8_t h[24] = { 0 };

    cvg_put_be64(h, marker);
    cvg_put_be32(h + 8, 0x58454E46u);   /* "XENF" */
    cvg_put_be32(h + 12, version);
    put(b, h, sizeof(h));
}

static void dhdr(struct buf *b)
{
    le32(b, 2);                         /* x86 HVM */
    le32(b, 12);                        /* page_shift 12, reserved 0 */
    le32(b, 4);
    le32(b, 17);
}

/* One PAGE_DATA: count pfns from first, each page filled with its pfn. */
static void page_data(struct buf *b, uint64_t first, uint32_t count, uint32_t len_delta,
                      uint64_t pfn_or)
{
    uint8_t page[4096];

    le32(b, 0x01);
    le32(b, 8 + 8 * count + 4096 * count + len_delta);
    le32(b, count);
    le32(b, 0);
    for (uint32_t i = 0; i < count; i++)
        le64(b, (first + i) | (i == 0 ? pfn_or : 0));
    for (uint32_t i = 0; i < count; i++) {
        for (size_t k = 0; k < sizeof(page); k += 8)
            cvg_put_le64(page + k, (first + i) * 0x9e3779b97f4a7c15ull ^ k);
        put(b, page, sizeof(page));
    }
}

static void tsc_info(struct buf *b)
{
    uint8_t t[24] = { 0 };

    cvg_put_le32(t, 0);                 /* mode */
    cvg_put_le32(t + 4, 2000000);       /* khz */
    cvg_put_le64(t + 8, 123456789);     /* nsec */
    cvg_put_le32(t + 16, 1);            /* incarnation */
    rec(b, 0x08, t, sizeof(t));
}

static void hvm_context(struct buf *b)
{
    static const uint8_t ctx[32] = "an HVM context, opaque bytes...";

    rec(b, 0x09, ctx, sizeof(ctx));
}

static void hvm_params(struct buf *b, uint64_t pages)
{
    uint8_t p[8 + 2 * 16];

    cvg_put_le32(p, 2);
    cvg_put_le32(p + 4, 0);
    cvg_put_le64(p + 8, 1);             /* HVM_PARAM_STORE_PFN */
    cvg_put_le64(p + 16, pages - 2);
    cvg_put_le64(p + 24, 17);           /* HVM_PARAM_CONSOLE_PFN */
    cvg_put_le64(p + 32, pages - 1);
    rec(b, 0x0a, p, sizeof(p));
}

static const char *const kinds[] = {
    "ok", "bad-marker", "bad-version", "pfn-beyond", "count-over-limit",
    "record-over-128mib", "page-data-before-static-data-end", "page-data-after-hvm-context",
    "two-hvm-contexts", "pv-record-in-hvm", "end-with-body", "nonzero-padding",
    "reserved-pfn-bits", "no-hvm-context", "two-static-data-ends", "unknown-mandatory",
    "length-mismatch", "checkpoint-in-plain-stream", "truncated",
};

static bool is(const char *kind, const char *name)
{
    return !strcmp(kind, name);
}

static int generate(const char *k, uint64_t pages, struct buf *b)
{
    uint32_t half = (uint32_t)(pages / 2);

    ihdr(b, is(k, "bad-marker") ? 0xfffffffffffffffeull : ~0ull, is(k, "bad-version") ? 1 : 3);
    dhdr(b);
    if (is(k, "page-data-before-static-data-end"))
        page_data(b, 0, 1, 0, 0);
    rec(b, 0x10, NULL, 0);                              /* STATIC_DATA_END */
    if (is(k, "two-static-data-ends"))
        rec(b, 0x10, NULL, 0);
    if (is(k, "pv-record-in-hvm")) {
        uint8_t pv[8] = { 8, 3 };                       /* guest width 8, 3 levels */

        rec(b, 0x02, pv, sizeof(pv));
    }
    if (is(k, "unknown-mandatory"))
        rec(b, 0x77, "??", 2);
    if (is(k, "checkpoint-in-plain-stream"))
        rec(b, 0x0e, NULL, 0);
    if (is(k, "count-over-limit")) {
        /* A batch larger than MAX_BATCH_SIZE (1024), consistent otherwise. */
        page_data(b, 0, 1025, 0, 0);
    } else {
        page_data(b, 0, half, 0, is(k, "reserved-pfn-bits") ? 1ull << 55 : 0);
        if (is(k, "truncated")) {
            b->len -= 3000;
            return 0;
        }
        page_data(b, half, (uint32_t)(pages - half), is(k, "length-mismatch") ? 8 : 0, 0);
    }
    if (is(k, "pfn-beyond"))
        page_data(b, pages + 5, 1, 0, 0);
    if (is(k, "record-over-128mib")) {
        /* Only the header: a reader must refuse before it allocates or reads. */
        le32(b, 0x09);
        le32(b, (128u << 20) + 8);
        return 0;
    }
    tsc_info(b);
    if (!is(k, "no-hvm-context"))
        hvm_context(b);
    if (is(k, "two-hvm-contexts"))
        hvm_context(b);
    if (is(k, "page-data-after-hvm-context"))
        page_data(b, 0, 1, 0, 0);
    if (is(k, "nonzero-padding")) {
        /* HVM_PARAMS is 40 bytes: no padding; use a 5-byte optional record. */
        le32(b, 0x80001234u);
        le32(b, 5);
        put(b, "abcde", 5);
        pad(b, 5, 0xa5);
    }
    hvm_params(b, pages);
    if (is(k, "end-with-body"))
        rec(b, 0x00, "12345678", 8);
    else
        rec(b, 0x00, NULL, 0);
    return 0;
}

int main(int argc, char **argv)
{
    struct buf b = { 0 };
    uint64_t pages;
    FILE *f;
    bool known = false;

    if (argc == 2 && !strcmp(argv[1], "--list")) {
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
            printf("%s\n", kinds[i]);
        return 0;
    }
    if (argc != 4) {
        fprintf(stderr, "usage: gen-bad-stream KIND PAGES OUT | --list\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        known |= is(argv[1], kinds[i]);
    pages = strtoull(argv[2], NULL, 0);
    if (!known || pages < 8 || pages > 4096) {
        fprintf(stderr, "gen-bad-stream: unknown kind '%s' or PAGES not in 8..4096\n", argv[1]);
        return 2;
    }
    generate(argv[1], pages, &b);
    f = fopen(argv[3], "wb");
    if (!f || fwrite(b.p, 1, b.len, f) != b.len || fclose(f)) {
        perror(argv[3]);
        free(b.p);
        return 1;
    }
    free(b.p);
    return 0;
}
