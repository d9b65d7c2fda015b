/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guardian's channel (guardian/guard_msg.h): the guardian acts on a
 * production domain with what it decodes, so the input is read as the
 * byte stream a helper would write, frame after frame, each applied to a
 * ledger as the guardian does.  Every frame accepted must re-encode to
 * exactly its bytes, and the ledger must keep its bounds whatever it is
 * told; decoding stops at the first refusal, as the guardian does.
 * (READY's text is the exception: its unprintable bytes come back as '?'.)
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guardian/guard_msg.h"
#include "guardian/ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cvg_guard_ledger l;
    size_t off = 0;

    cvg_guard_ledger_init(&l, 7);
    while (off < size) {
        struct cvg_guard_msg m;
        struct cvg_err err = { 0 };
        uint8_t again[CVG_GUARD_FRAME_MAX];
        size_t used = 0, n;
        int rc = cvg_guard_msg_decode(data + off, size - off, off, &m, &used, &err);

        if (rc) {
            /* A refusal says what; "more please" only for a short tail. */
            CHECK(rc == 1 ? size - off < CVG_GUARD_FRAME_MAX : err.msg[0] != '\0');
            break;
        }
        CHECK(used >= CVG_GUARD_HDR_SIZE && used <= size - off);
        n = cvg_guard_msg_encode(&m, again);
        CHECK(n == used);
        /* READY's text is made printable on the way in (regress/guard_msg). */
        for (size_t i = 0; i < n; i++)
            CHECK(again[i] == data[off + i] ||
                  (m.type == CVG_GMSG_READY && i >= 8 && again[i] == '?' &&
                   (data[off + i] < 0x20 || data[off + i] >= 0x7f)));
        off += used;
        rc = cvg_guard_ledger_apply(&l, &m, &err);
        CHECK(l.pauses <= CVG_GUARD_MAX_PAUSES);
        if (rc < 0) {
            CHECK(err.msg[0] != '\0');
            break;
        }
        if (rc == 1)
            break;
    }
    for (uint32_t v = 0; v < CVG_GUARD_MAX_VCPUS; v++)
        CHECK(!l.affinity_saved[v] ||
              (l.affinity_words[v] >= 1 && l.affinity_words[v] <= CVG_GUARD_MAP_WORDS));
    return 0;
}
