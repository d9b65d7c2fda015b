/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "helper/progress.h"

void cvg_progress_gate_init(struct cvg_progress_gate *g)
{
    g->doing[0] = '\0';
    g->percent = -1;
}

bool cvg_progress_gate_pass(struct cvg_progress_gate *g, const char *doing, uint64_t done,
                            uint64_t total)
{
    /* xtl_progress's percentage. */
    int percent = !total ? 0 : done >= total ? 100 :
                  (int)(total < UINT64_MAX / 100 ? done * 100 / total : done / (total / 100));
    bool same = !strncmp(g->doing, doing, sizeof(g->doing) - 1);

    if (same && percent == g->percent && done != 0 && done != total)
        return false;
    snprintf(g->doing, sizeof(g->doing), "%s", doing);
    g->percent = percent;
    return true;
}
