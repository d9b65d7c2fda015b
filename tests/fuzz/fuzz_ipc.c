/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz libxl's half of the save-helper IPC: the input is what a helper
 * wrote on its stdout.  It is read as a save helper's and as a restore
 * helper's session (every callback of the role registered, so decoding
 * reaches every message), replying whenever a message wants it; and the
 * whole input is also decoded as one message body.
 *
 * Every message accepted must be re-encoded by the helper half into
 * exactly the frame it came in: the decoder lets through nothing a
 * well-formed helper would not write.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/io.h"
#include "wire/ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

#define SAVE_CBS    (CVG_IPC_CB(3) | CVG_IPC_CB(4) | CVG_IPC_CB(5) | CVG_IPC_CB(6) | \
                     CVG_IPC_CB(7))
#define RESTORE_CBS (CVG_IPC_CB(3) | CVG_IPC_CB(4) | CVG_IPC_CB(5) | CVG_IPC_CB(6) | \
                     CVG_IPC_CB(8) | CVG_IPC_CB(9))

/* 64 KiB of frame buffer: kept across runs rather than on the stack. */
static struct cvg_ipc_libxl libxl_side;

static void reencode_matches(const uint8_t *frame, size_t len,
                             const struct cvg_ipc_msg *m)
{
    struct cvg_sink sink;
    struct cvg_err err = { 0 };

    cvg_sink_init_mem(&sink);
    CHECK(cvg_ipc_write_msg(&sink, m, &err) == 0);
    CHECK(sink.len == len);
    CHECK(memcmp(sink.buf, frame, len) == 0);
    cvg_sink_free(&sink);
}

static void session(const uint8_t *data, size_t size, enum cvg_ipc_role role,
                    unsigned cbflags)
{
    struct cvg_ipc_libxl *l = &libxl_side;
    struct cvg_src in;
    struct cvg_sink out;
    struct cvg_ipc_msg m;
    struct cvg_err err = { 0 };
    uint32_t replies = 0;
    int rc;

    cvg_src_init_mem(&in, data, size);
    cvg_sink_init_mem(&out);
    CHECK(cvg_ipc_libxl_init(l, role, cbflags, &in, &out, &err) == 0);
    for (;;) {
        uint64_t start = in.off;

        rc = cvg_ipc_libxl_next(l, &m, &err);
        if (rc) {
            CHECK(rc == 1 || (err.code < 0 && err.msg[0]));
            break;
        }
        CHECK(in.off <= size);
        CHECK(cvg_ipc_role_allows(role, m.num));
        reencode_matches(data + start, (size_t)(in.off - start), &m);
        if (cvg_ipc_msginfo(m.num)->reply) {
            CHECK(cvg_ipc_libxl_reply(l, (int)replies, &err) == 0);
            replies++;
        }
    }
    CHECK(out.len == 4u * replies);
    if (rc == 1)
        (void)cvg_ipc_libxl_exit_check(l, &err);
    cvg_sink_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cvg_ipc_msg m;
    struct cvg_err err = { 0 };

    session(data, size, CVG_IPC_SAVE, SAVE_CBS);
    session(data, size, CVG_IPC_RESTORE, RESTORE_CBS);
    if (size <= CVG_IPC_BODY_MAX) {
        if (cvg_ipc_decode(CVG_IPC_SAVE, data, size, 0, &m, &err) == 0)
            CHECK(cvg_ipc_role_allows(CVG_IPC_SAVE, m.num));
        cvg_err_clear(&err);
        if (cvg_ipc_decode(CVG_IPC_RESTORE, data, size, 0, &m, &err) == 0)
            CHECK(cvg_ipc_role_allows(CVG_IPC_RESTORE, m.num));
    }
    return 0;
}
