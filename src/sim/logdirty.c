/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/logdirty.h"

int cvg_sim_ld_init(struct cvg_sim_logdirty *ld, uint64_t nr_pages, uint32_t nr_vcpus,
                    struct cvg_err *err)
{
    memset(ld, 0, sizeof(*ld));
    ld->nr_pages = nr_pages;
    ld->nr_words = (nr_pages + 63) / 64;
    ld->nr_vcpus = nr_vcpus;
    ld->bits = calloc(ld->nr_words ? ld->nr_words : 1, sizeof(*ld->bits));
    ld->vcpus = aligned_alloc(64, sizeof(*ld->vcpus) * (nr_vcpus ? nr_vcpus : 1));
    if (!ld->bits || !ld->vcpus) {
        cvg_sim_ld_destroy(ld);
        return cvg_fail(err, -ENOMEM, "no memory for a log-dirty bitmap of %llu pages",
                        (unsigned long long)nr_pages);
    }
    memset(ld->vcpus, 0, sizeof(*ld->vcpus) * (nr_vcpus ? nr_vcpus : 1));
    atomic_init(&ld->enabled, false);
    return 0;
}

void cvg_sim_ld_destroy(struct cvg_sim_logdirty *ld)
{
    free((void *)ld->bits);
    free(ld->vcpus);
    ld->bits = NULL;
    ld->vcpus = NULL;
}

uint64_t cvg_sim_ld_dirty_count(struct cvg_sim_logdirty *ld)
{
    uint64_t n = 0;

    for (uint32_t i = 0; i < ld->nr_vcpus; i++)
        n += atomic_load_explicit(&ld->vcpus[i].dirtied, memory_order_relaxed);
    return n;
}

static void reset_counters(struct cvg_sim_logdirty *ld)
{
    for (uint32_t i = 0; i < ld->nr_vcpus; i++)
        atomic_store_explicit(&ld->vcpus[i].dirtied, 0, memory_order_relaxed);
}

void cvg_sim_ld_reset(struct cvg_sim_logdirty *ld)
{
    for (uint64_t w = 0; w < ld->nr_words; w++)
        atomic_store_explicit(&ld->bits[w], 0, memory_order_relaxed);
    reset_counters(ld);
}

uint32_t cvg_sim_ld_op(struct cvg_sim_logdirty *ld, bool clean, uint64_t *out, uint64_t pages)
{
    uint64_t count = cvg_sim_ld_dirty_count(ld);
    uint64_t bits = out ? (pages < ld->nr_pages ? pages : ld->nr_pages) : ld->nr_pages;
    uint64_t full = bits / 64, tail = bits % 64;

    for (uint64_t w = 0; w < full; w++) {
        uint64_t v = clean ? atomic_exchange_explicit(&ld->bits[w], 0, memory_order_relaxed)
                           : atomic_load_explicit(&ld->bits[w], memory_order_relaxed);
        if (out)
            out[w] = v;
    }
    if (tail) {
        uint64_t mask = (1ull << tail) - 1;
        uint64_t v = clean ? atomic_fetch_and_explicit(&ld->bits[full], ~mask, memory_order_relaxed)
                           : atomic_load_explicit(&ld->bits[full], memory_order_relaxed);
        if (out)
            out[full] = v & mask;
    }
    if (clean)
        reset_counters(ld);
    return count > UINT32_MAX ? UINT32_MAX : (uint32_t)count;
}
