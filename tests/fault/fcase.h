/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One migration on the simulator with one fault in it, and the verdict.
 *
 * The harness plays xl and libxl as tests/tools/play_libxl.c and
 * sim-migrate do (src/driver: spawn, IPC, SIGTERM/SIGKILL): a source
 * domain with non-default scheduler settings, an empty destination, the
 * real converge-helper on both ends of a proxy (proxy.h), and after the
 * helpers xl's part: switch over on success (destination unpaused, memory
 * compared, source destroyed), otherwise resume the source if libxl
 * suspended it and destroy the destination.  Then it checks what a user
 * is promised:
 *   - the source runs, with its cap, budgets, affinity and log-dirty state
 *     as before, within a second of the helper's end;
 *   - the destination never reports success for a stream that did not
 *     reach END whole, and a migration that succeeded has equal memory;
 *   - nobody resumed the guest behind libxl's back (xl's resume works);
 *   - nothing hangs: every wait has a deadline, a stalled destination is
 *     ended by libxl's SIGTERM and the helper obeys it at once;
 *   - no domain and no process (guardian) is left behind.
 * The back-channel kinds run the helpers with one (as xl-converge migrate
 * does: $CONVERGE_BACK_FD at the source, send_back_fd at the destination)
 * through a second, raw proxy.
 */
#ifndef CVG_TESTS_FAULT_FCASE_H
#define CVG_TESTS_FAULT_FCASE_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/hv.h"

enum fault_kind {
    FK_NONE,                /* the reference run: must migrate and verify */
    FK_CUT_RECORD,          /* transport closed at a record boundary */
    FK_EOF_RECORD,          /* only the destination's side closed there */
    FK_CUT_BYTES,           /* transport closed inside a PAGE_DATA record */
    FK_FLIP,                /* one bit flipped in a PAGE_DATA's structure */
    FK_FLIP_HEADER,         /* one bit flipped in a record header */
    FK_SAVE_KILL,           /* SIGKILL to the save helper (libxl's helper_failed) */
    FK_SAVE_TERM,           /* SIGTERM to the save helper (libxl's abort) */
    FK_RESTORE_KILL,
    FK_RESTORE_TERM,
    FK_DEST_NO_DOMAIN,      /* the restore helper is given a domain that does not exist */
    FK_DEST_TOO_SMALL,      /* the destination domain has half the pages */
    FK_DEST_SDD_REFUSED,    /* libxl refuses static_data_done at the destination */
    FK_DEST_EXITS,          /* the destination's helper exits at once (exit 1) */
    FK_STALL,               /* the destination stops reading: libxl must abort */
    FK_LIBXL_DIES,          /* libxl (xl) is killed with its save helper */
    FK_BC_GARBAGE,          /* back channel: garbage inserted at a byte offset */
    FK_BC_FLIP,             /* back channel: one bit flipped */
    FK_BC_CUT,              /* back channel: closed at a byte offset */
    FK_BC_STALL,            /* back channel: the destination's acks stop */
    FK__COUNT
};

enum fault_phase {
    PH_FIRST,               /* inside the first pass (PAGE_DATA index, offset) */
    PH_LATER,               /* at the first record of pass 1 */
    PH_STOP,                /* in libxl's suspend callback, before it answers */
    PH_STOP_SENDING,        /* at the first record after the suspend */
    PH__COUNT
};

struct fault_spec {
    enum fault_kind kind;
    enum fault_phase phase;
    int64_t index;          /* record number (-3..-1: offsets 0, 12, 24) or PAGE_DATA number */
    uint64_t offset;        /* inside that PAGE_DATA (modulo its size); back channel: byte */
    uint32_t rnd;           /* flips */
};

struct case_env {
    struct cvg_hv *hv;              /* the harness's own handle (xl's) */
    const char *helper;             /* converge-helper */
    const char *scenario;           /* scenario text of the source */
    uint32_t vcpus;
    uint64_t pages;
    bool verbose;
};

struct case_result {
    bool passed;
    bool injected;                  /* the fault happened (else: not reached) */
    char desc[160];
    char outcome[200];
    char failure[768];
    uint32_t records, page_data;    /* of the stream that went through */
    uint64_t ms;                    /* the whole case */
    uint64_t restore_ms;            /* helper's end to the source as before */
};

const char *fault_kind_name(enum fault_kind k);
const char *fault_phase_name(enum fault_phase p);
/* "cut-record k=3", "save-kill in stop-and-copy", ... */
void fault_describe(const struct fault_spec *f, char *buf, size_t len);

void fault_case_run(const struct case_env *env, const struct fault_spec *f,
                    struct case_result *r);

#endif
