/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sender's back-channel reader on whatever a peer writes: the input
 * goes through a pipe (as from the transport) to a sender that has sent
 * HELLO.  Whatever it decides, it must never take a byte past the BYE it
 * stopped at (xl's handshake follows on that fd), and never hold more than
 * one record.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/io.h"
#include "engine/backchannel.h"
#include "engine/clock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cvg_bc_send *bc = malloc(sizeof(*bc));
    struct cvg_sink stream;
    uint8_t rest[1024];
    size_t left = 0;
    int p[2], rc = 0;

    /* A pipe holds 64 KiB: more would block the writer (us). */
    if (!bc || size > 60000 || pipe2(p, O_CLOEXEC)) {
        free(bc);
        return 0;
    }
    if (cvg_write_exact(p[1], data, size))
        abort();
    close(p[1]);
    cvg_bc_send_init(bc, p[0]);
    cvg_sink_init_mem(&stream);
    if (cvg_bc_send_hello(bc, &stream, 1, 1024, 60000, cvg_now_ns(), NULL))
        abort();
    for (int i = 0; i < 100000 && !rc && (bc->state == CVG_BC_ASKED ||
                                          bc->state == CVG_BC_AGREED); i++)
        rc = cvg_bc_send_poll(bc, 0, NULL);
    if (bc->have > sizeof(bc->rec) || bc->need > sizeof(bc->rec))
        abort();
    if (!rc && bc->state == CVG_BC_DONE) {
        ssize_t n;

        while ((n = read(p[0], rest, sizeof(rest))) > 0)
            left += (size_t)n;
        if (bc->off + left != size)
            abort();
    }
    close(p[0]);
    cvg_sink_free(&stream);
    free(bc);
    return 0;
}
