/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl migrate's handshake strings (wire/xl_migrate.h) as read from the
 * peer: the banner, ready, GO and report messages over whatever the other
 * host (or its shell) sends.  A reader may accept only the exact message,
 * must never read past it (the stream that follows is libxl's), and must
 * stop at the first wrong byte.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/io.h"
#include "wire/cvg_records.h"
#include "wire/xl_migrate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const text[] = { CVG_XLM_BANNER, CVG_XLM_READY, CVG_XLM_GO,
                                        CVG_XLM_REPORT };

    for (unsigned m = CVG_XLM_MSG_BANNER; m <= CVG_XLM_MSG_REPORT; m++) {
        struct cvg_src src;
        struct cvg_err err = { 0 };
        size_t len = cvg_xlm_len((enum cvg_xlm_msg)m);
        uint8_t status;
        int rc;

        cvg_src_init_mem(&src, data, size);
        rc = cvg_xlm_expect(&src, (enum cvg_xlm_msg)m, &err);
        CHECK(src.off <= len);
        if (rc == 0) {
            CHECK(src.off == len && size >= len && !memcmp(data, text[m], len));
        } else {
            CHECK(err.msg[0] != '\0');
            CHECK(size < len || memcmp(data, text[m], len) != 0);
        }
        {
            unsigned skipped = 0;
            size_t off = 0;

            cvg_src_init_mem(&src, data, size);
            cvg_err_clear(&err);
            rc = cvg_xlm_expect_skipping(&src, (enum cvg_xlm_msg)m, &skipped, &err);
            CHECK(src.off <= size);
            if (rc == 0) {
                /* what was skipped is whole records of ours, then the text */
                CHECK(skipped <= CVG_XLM_SKIP_MAX);
                for (unsigned i = 0; i < skipped; i++) {
                    uint32_t l;

                    CHECK(off + 8 <= size);
                    CHECK((cvg_get_le32(data + off) & CVG_REC_RANGE_MASK) == CVG_REC_BASE);
                    l = cvg_get_le32(data + off + 4);
                    CHECK(l <= CVG_REC_BODY_MAX);
                    off += 8 + l + cvg_pad8(l);
                }
                CHECK(src.off == off + len && !memcmp(data + off, text[m], len));
            } else {
                CHECK(err.msg[0] != '\0');
            }
        }
        if (m != CVG_XLM_MSG_REPORT)
            continue;
        cvg_src_init_mem(&src, data, size);
        cvg_err_clear(&err);
        rc = cvg_xlm_read_report(&src, &status, &err);
        CHECK(src.off <= len + 1);
        if (rc == 0)
            CHECK(src.off == len + 1 && data[len] == status);
    }
    return 0;
}
