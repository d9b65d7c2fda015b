/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which progress steps go to libxl.  The engine reports every batch (4 MiB,
 * as libxc does); libxl hands each to xl's progress display, which shows a
 * percentage and skips a step whose percentage it has already shown.  Only
 * the steps that change what xl would show are sent: on an idle 2 GiB guest
 * 100 messages a pass instead of 512, each a wakeup of libxl.
 */
#ifndef CVG_HELPER_PROGRESS_H
#define CVG_HELPER_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct cvg_progress_gate {
    char doing[64];             /* the step last sent belongs to this */
    int percent;                /* and showed this; -1: nothing sent yet */
};

void cvg_progress_gate_init(struct cvg_progress_gate *g);

/* True for a step worth sending: a new "doing", its first and last step,
 * or a percentage not sent yet. */
bool cvg_progress_gate_pass(struct cvg_progress_gate *g, const char *doing, uint64_t done,
                            uint64_t total);

#endif
