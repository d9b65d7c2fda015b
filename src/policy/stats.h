/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one statistics struct of a migration.  The precopy engine is its only
 * writer; every field says who reads it.  Policies are pure functions of
 * this struct (plus their own parameters and state): no I/O, no clock, so
 * the same code decides on Xen, on the simulator and in virtual time.
 */
#ifndef CVG_POLICY_STATS_H
#define CVG_POLICY_STATS_H

#include <stdbool.h>
#include <stdint.h>

/* Policies count in x86 pages; kept here so policy depends on nothing else. */
#define CVG_MIG_PAGE_SIZE 4096u

struct cvg_mig_stats {
    uint64_t now_ms;            /* since the migration started; policy, report */
    uint32_t pass;              /* 0 = the first full pass; policy, progress, STATS */
    uint64_t memory_bytes;      /* guest RAM; progress, report */
    uint64_t bytes_sent;        /* page data + headers written so far; report, STATS */
    uint64_t pages_sent;        /* pages written so far, all passes; report */
    uint64_t pass_pages_total;  /* pages this pass set out to send; progress */
    uint64_t pass_pages_sent;   /* of those, written so far; progress */
    uint64_t dirty_pages;       /* dirty set found by the last CLEAN: what a
                                 * stop-and-copy now would still have to send;
                                 * stop rule, progress, STATS */
    uint64_t dirty_rate_pps;    /* pages newly dirtied per second, latest
                                 * estimate; throttles, ETA, STATS */
    uint64_t bandwidth_bps;     /* measured send rate (sliding window); stop rule */
    uint64_t apply_rate_bps;    /* destination's apply rate from its ack, 0 if
                                 * unknown; stop rule (when below bandwidth) */
    uint32_t throttle_pct;      /* current domain throttle; report, STATS */
    bool guest_paused;          /* already paused by someone else; switchover gate */
};

/* What a policy asks the engine to do at a decision point. */
enum cvg_decision {
    CVG_CONTINUE = 0,           /* another live pass */
    CVG_STOP_AND_COPY = 1,      /* suspend the guest, send the rest */
    CVG_ABORT = -1,             /* give up; the guest keeps running here */
};

const char *cvg_decision_name(enum cvg_decision d);

#endif
