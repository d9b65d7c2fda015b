/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: xen-converge's records.
 *
 * The input is read twice:
 *  - as a back channel, record after record, by cvg_read_back_record();
 *  - as the body of each of our record types, by cvg_decode().
 * A version-1 record that decodes must re-encode to exactly its input
 * bytes (v1 is strict: no slack in length, flags or reserved fields).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "wire/cvg_records.h"
#include "wire/xc_stream.h"

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_cvg_records: %s\n", what);
        abort();
    }
}

/* Re-encodes a decoded v1 message; returns its length, 0 if not ours. */
static size_t encode(const struct cvg_msg *m, uint8_t *out)
{
    switch (m->type) {
    case CVG_REC_HELLO:
        return cvg_encode_hello(&m->u.hello, out);
    case CVG_REC_HELLO_ACK:
        return cvg_encode_hello_ack(&m->u.hello_ack, out);
    case CVG_REC_SWITCHOVER_ACK:
        return cvg_encode_switchover_ack(&m->u.swack, out);
    case CVG_REC_STATS:
        return cvg_encode_stats(&m->u.stats, out);
    case CVG_REC_BYE:
        return cvg_encode_bye(&m->u.bye, out);
    default:
        return 0;
    }
}

static void back_channel(const uint8_t *data, size_t size)
{
    struct cvg_src src;
    struct cvg_msg m;
    struct cvg_err err = { 0 };
    uint8_t again[64];

    cvg_src_init_mem(&src, data, size);
    while (src.off < size) {
        uint64_t start = src.off;
        int rc = cvg_read_back_record(&src, &m, &err);

        check(src.off <= size, "read past the input");
        if (rc) {
            check(err.code == rc && err.msg[0], "refusal without a message");
            /* Refused on the header: nothing of the body was consumed. */
            if (rc == -E2BIG || rc == -EPROTO)
                check(src.off == start + 8, "read a refused body");
            return;
        }
        check(m.offset == start, "offset");
        check(cvg_get_le32(data + start) == m.type, "type");
        check((src.off - start) % 8 == 0, "records end 8-aligned");
        check(src.off - start <= 8 + CVG_REC_BODY_MAX, "over the body bound");
        if (!m.unknown && m.version == 1) {
            size_t n = encode(&m, again);

            check(n == cvg_get_le32(data + start + 4) &&
                  memcmp(again, data + start + 8, n) == 0,
                  "v1 back-channel record does not re-encode to itself");
        }
    }
}

static void bodies(const uint8_t *data, size_t size)
{
    static const uint32_t types[] = {
        CVG_REC_HELLO, CVG_REC_HELLO_ACK, CVG_REC_SWITCHOVER_ACK,
        CVG_REC_STATS, CVG_REC_BYE, CVG_REC_BASE + 0x1234,
    };
    uint8_t again[64];

    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        struct xcs_rec rec = {
            .type = types[t],
            .length = size > 0xffffffffu ? 0xffffffffu : (uint32_t)size,
            .body = size ? data : NULL,
        };
        struct cvg_msg m;
        struct cvg_err err = { 0 };
        int rc = cvg_decode(&rec, &m, &err);

        if (rc) {
            check(err.code == rc && err.msg[0], "refusal without a message");
            continue;
        }
        check(m.version >= 1 || m.unknown, "version 0 accepted");
        if (!m.unknown && m.version == 1) {
            size_t n = encode(&m, again);

            check(n == size && memcmp(again, data, n) == 0,
                  "v1 body does not re-encode to itself");
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    back_channel(data, size);
    bodies(data, size);
    return 0;
}
