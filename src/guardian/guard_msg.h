/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guardian's channel: what the helper tells its guardian (original
 * values before each change, releases, the end) and the guardian's two
 * answers (READY once it holds its own hypervisor handle, RESTORED after
 * putting things back).  Both ends are our own processes, but the guardian
 * acts on a production domain with what it reads, so the decoder is as
 * strict as any other: every length exact, every index bounded.
 *
 * Frame: u16 type, u16 body length, body; little-endian.  Every frame is
 * smaller than PIPE_BUF, so one send() carries it whole.
 *
 *   CAP          u32 cap (percent of a pCPU, 0 = uncapped)
 *   BUDGET       u32 vcpu, u32 period_us, u32 budget_us
 *   AFFINITY     u32 vcpu, u32 nwords (1..CVG_GUARD_MAP_WORDS), u64 map[nwords]
 *   LOGDIRTY     u32 was_on (0 or 1)
 *   PAUSE        (empty) the helper is about to take one pause reference
 *   SUSPEND      u32 by (enum cvg_guard_suspender)
 *   RELEASE      u32 item (enum cvg_guard_item), u32 vcpu
 *   HANDED_OVER  (empty) a save completed: libxl owns the suspended guest
 *   BYE          (empty) the helper ends normally; restore what is left
 *   READY        u32 status (0 or a positive errno), text (guardian -> helper)
 *   RESTORED     u32 restored, u32 failed (guardian -> helper)
 */
#ifndef CVG_GUARDIAN_GUARD_MSG_H
#define CVG_GUARDIAN_GUARD_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define CVG_GUARD_MAX_VCPUS   128u      /* HVM_MAX_VCPUS on x86 in 4.17 */
#define CVG_GUARD_MAP_WORDS   16u       /* cpumaps of up to 1024 pCPUs */
#define CVG_GUARD_HDR_SIZE    4u
#define CVG_GUARD_TEXT_MAX    256u
#define CVG_GUARD_BODY_MAX    (8u + 8u * CVG_GUARD_MAP_WORDS)
#define CVG_GUARD_FRAME_MAX   (CVG_GUARD_HDR_SIZE + 4u + CVG_GUARD_TEXT_MAX)

enum cvg_guard_msg_type {
    CVG_GMSG_CAP = 1,
    CVG_GMSG_BUDGET = 2,
    CVG_GMSG_AFFINITY = 3,
    CVG_GMSG_LOGDIRTY = 4,
    CVG_GMSG_PAUSE = 5,
    CVG_GMSG_SUSPEND = 6,
    CVG_GMSG_RELEASE = 7,
    CVG_GMSG_HANDED_OVER = 8,
    CVG_GMSG_BYE = 9,
    CVG_GMSG_READY = 10,
    CVG_GMSG_RESTORED = 11,
};

/* What a RELEASE gives back (the helper restored it itself). */
enum cvg_guard_item {
    CVG_GUARD_CAP = 1,
    CVG_GUARD_BUDGET = 2,
    CVG_GUARD_AFFINITY = 3,
    CVG_GUARD_LOGDIRTY = 4,
    CVG_GUARD_PAUSE = 5,        /* one pause reference */
    CVG_GUARD_SUSPEND = 6,      /* the guest was resumed */
};

/* Who stopped the guest; it decides who may resume it (see guard.h). */
enum cvg_guard_suspender {
    CVG_GUARD_BY_LIBXL = 0,     /* libxl's suspend callback, at our request */
    CVG_GUARD_BY_HELPER = 1,    /* hv->suspend from the helper itself */
};

struct cvg_guard_msg {
    enum cvg_guard_msg_type type;
    uint32_t vcpu;
    uint32_t a, b;              /* cap | period,budget | was_on | by | item | status | restored,failed */
    uint32_t nwords;
    uint64_t map[CVG_GUARD_MAP_WORDS];
    char text[CVG_GUARD_TEXT_MAX + 1];      /* READY's message, NUL-terminated */
};

/* "CAP", "BUDGET", ...; "unknown" otherwise. */
const char *cvg_guard_msg_name(unsigned type);
const char *cvg_guard_item_name(unsigned item);

/* Encodes m into buf (CVG_GUARD_FRAME_MAX bytes); returns the frame length. */
size_t cvg_guard_msg_encode(const struct cvg_guard_msg *m, uint8_t buf[CVG_GUARD_FRAME_MAX]);

/*
 * Decodes the frame at the start of buf.  Returns 0 with *used set, 1 when
 * buf holds only part of a frame (read more), or a negative errno with err
 * naming the type and the byte offset (base + position) at fault.
 */
int cvg_guard_msg_decode(const uint8_t *buf, size_t len, uint64_t base,
                         struct cvg_guard_msg *m, size_t *used, struct cvg_err *err);

#endif
