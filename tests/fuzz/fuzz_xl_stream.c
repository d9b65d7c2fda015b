/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz the xl save header and the libxl v2 stream readers over memory.
 *
 * Pass 1 reads the input as an `xl save` image: xl header, libxl header,
 * records up to END, taking the libxc part behind LIBXC_CONTEXT as empty
 * (its own target fuzzes it).  Pass 2 reads the same bytes as a
 * checkpointed stream that skips emulator blobs.  Pass 3 reads bare
 * records from offset 0, as on the COLO back channel.
 *
 * Beyond "no crash", every record accepted must be reproduced byte for
 * byte by the writer: what the reader lets through is exactly what a
 * well-formed writer emits.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/io.h"
#include "wire/xl_header.h"
#include "wire/xl_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void check_config(const struct cvg_xlh *h)
{
    if (!h->config) {
        CHECK(h->config_len == 0);
        return;
    }
    CHECK(h->config_len > 0);
    CHECK(h->config_len <= h->optional_data_len - 4);
    /* a C string no longer than what came, never cut short by a NUL */
    CHECK(strlen(h->config) >= h->config_len - 1);
    CHECK(strlen(h->config) <= h->config_len);
}

/* The writer must produce exactly the bytes the reader accepted. */
static void rewrite_matches(const uint8_t *data, const struct cvg_xl_rec *rec,
                            uint64_t end)
{
    struct cvg_sink sink;
    struct cvg_err err = { 0 };

    cvg_sink_init_mem(&sink);
    if (rec->type == CVG_XL_REC_EMULATOR_XENSTORE_DATA ||
        rec->type == CVG_XL_REC_EMULATOR_CONTEXT)
        CHECK(cvg_xl_write_emulator(&sink, rec->type, rec->emulator_id,
                                    rec->emulator_index, rec->data, rec->data_len,
                                    &err) == 0);
    else
        CHECK(cvg_xl_write_record(&sink, rec->type, rec->body, rec->length, &err) == 0);
    CHECK(sink.len == end - rec->offset);
    CHECK(memcmp(sink.buf, data + rec->offset, sink.len) == 0);
    cvg_sink_free(&sink);
}

static void read_image(const uint8_t *data, size_t size, bool checkpointed,
                       unsigned flags)
{
    struct cvg_src src;
    struct cvg_xlh h;
    struct cvg_xl_reader rd;
    struct cvg_xl_rec rec;
    struct cvg_err err = { 0 };

    cvg_src_init_mem(&src, data, size);
    if (cvg_xlh_read(&src, &h, &err)) {
        CHECK(err.code < 0 && err.msg[0]);
        CHECK(!h.config);
        return;
    }
    check_config(&h);
    cvg_xlh_free(&h);

    cvg_xl_reader_init(&rd, &src, checkpointed, flags);
    while (!rd.ended) {
        if (cvg_xl_reader_next(&rd, &rec, &err)) {
            CHECK(err.code < 0 && err.msg[0]);
            CHECK(!rec.body);
            break;
        }
        CHECK(src.off <= size);
        CHECK(src.off % 8 == rec.offset % 8);
        if (!(flags & CVG_XL_SKIP_EMULATOR_BLOB) || rec.type != CVG_XL_REC_EMULATOR_CONTEXT)
            rewrite_matches(data, &rec, src.off);
        cvg_xl_rec_free(&rec);
    }
}

static void read_bare_records(const uint8_t *data, size_t size)
{
    struct cvg_src src;
    struct cvg_xl_rec rec;
    struct cvg_err err = { 0 };

    cvg_src_init_mem(&src, data, size);
    while (src.off < size) {
        if (cvg_xl_read_record(&src, 0, &rec, &err)) {
            CHECK(err.code < 0 && err.msg[0]);
            break;
        }
        rewrite_matches(data, &rec, src.off);
        cvg_xl_rec_free(&rec);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_image(data, size, false, 0);
    read_image(data, size, true, CVG_XL_SKIP_EMULATOR_BLOB);
    read_bare_records(data, size);
    return 0;
}
