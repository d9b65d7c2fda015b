/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "policy/refresh.h"

bool cvg_refresh_due(const struct cvg_refresh_params *p, uint64_t now_ms,
                     uint64_t last_sync_ms, uint32_t pass)
{
    if (!p->interval_ms)
        return false;
    if (pass == 0 && !p->first_pass)
        return false;
    return now_ms >= last_sync_ms + p->interval_ms;
}
