/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fixed strings of `xl migrate` (tools/xl/xl.h, xl_migrate.c), for a
 * sender or receiver that must stay byte-compatible with stock xl:
 *
 *   R->S  banner   "xl migration receiver ready, send binary domain data.\n"
 *                  54 bytes, no NUL
 *   S->R  xl save header + config, then the libxl stream
 *   R->S  ready    "domain received, ready to unpause" + NUL        (34)
 *   S->R  go       "domain is yours, you are cleared to unpause" + NUL (44)
 *   R->S  report   "my copy unpause results are as follows" + NUL   (39)
 *                  + 1 status byte: 0 ok, else -rc of the receiver
 *   R->S  go       (again, only after a failure report: the sender may
 *                  resume its copy)
 *
 * Readers take exactly the bytes of the expected message and compare them
 * one at a time as they arrive, so a peer that sends something else (an
 * error text, a shell's complaint) is reported at the first wrong byte
 * rather than after a wait for bytes that will never come.
 */
#ifndef CVG_WIRE_XL_MIGRATE_H
#define CVG_WIRE_XL_MIGRATE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/io.h"

#define CVG_XLM_BANNER  "xl migration receiver ready, send binary domain data.\n"
#define CVG_XLM_READY   "domain received, ready to unpause"
#define CVG_XLM_GO      "domain is yours, you are cleared to unpause"
#define CVG_XLM_REPORT  "my copy unpause results are as follows"

enum cvg_xlm_msg {
    CVG_XLM_MSG_BANNER,     /* sent without a NUL */
    CVG_XLM_MSG_READY,      /* the others with theirs */
    CVG_XLM_MSG_GO,
    CVG_XLM_MSG_REPORT,     /* followed by a status byte: cvg_xlm_*_report */
};

/* Bytes on the wire (54, 34, 44, 39); 0 for an unknown message. */
size_t cvg_xlm_len(enum cvg_xlm_msg m);
/* "banner", "ready message", "GO message", "report message". */
const char *cvg_xlm_name(enum cvg_xlm_msg m);

int cvg_xlm_send(struct cvg_sink *sink, enum cvg_xlm_msg m, struct cvg_err *err);
/*
 * Reads exactly cvg_xlm_len(m) bytes (fewer when a byte differs) and
 * fails with "unexpected data from the migration peer at offset N ..."
 * naming the message, the position in it and the byte seen.
 */
int cvg_xlm_expect(struct cvg_src *src, enum cvg_xlm_msg m, struct cvg_err *err);
/* cvg_xlm_expect, after skipping whole records of xen-converge's own
 * family (wire/cvg_records.h) in front of the message: a destination
 * helper that answered HELLO after the sender's deadline left its
 * back-channel records where xl's message comes next.  At most
 * CVG_XLM_SKIP_MAX records, bodies bounded as the records' readers bound
 * them; anything else is refused as cvg_xlm_expect refuses it, at its
 * first byte when that cannot start a record of ours (a type's low byte is
 * 1..0x1f).  *skipped (may be NULL) counts the records dropped. */
#define CVG_XLM_SKIP_MAX 16u
int cvg_xlm_expect_skipping(struct cvg_src *src, enum cvg_xlm_msg m, unsigned *skipped,
                            struct cvg_err *err);

/* The report message and its status byte, in one write. */
int cvg_xlm_send_report(struct cvg_sink *sink, uint8_t status, struct cvg_err *err);
int cvg_xlm_read_report(struct cvg_src *src, uint8_t *status, struct cvg_err *err);

#endif
