/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scenario files: a simulated guest and the migration asked of it, in xl.cfg
 * syntax (parsed with libxlutil, as xl parses domain configs).  One file
 * drives converge-simd (real time) and the virtual-time bench alike.
 *
 *   name = "busy"
 *   memory = 1024              # MiB
 *   vcpus = 4
 *   bandwidth = 500            # MiB/s, the link
 *   downtime_limit = 300       # ms
 *   max_time = 60              # s
 *   workload = [ "vcpus=0-1,pattern=uniform,rate=800",
 *                "vcpus=2-3,pattern=read,rate=2000" ]
 *   # optional: seed, phases = [ "at=20,vcpus=0,pattern=zipf,rate=900" ],
 *   #           apply_rate (MiB/s), receiver_setup_ms
 */
#ifndef CVG_CONFIG_SCENARIO_H
#define CVG_CONFIG_SCENARIO_H

#include <stdint.h>

#include "common/err.h"

#define CVG_SCENARIO_MAX_VCPUS   128u      /* Xen 4.17's HVM limit */
#define CVG_SCENARIO_MAX_GROUPS  128u
#define CVG_SCENARIO_MAX_MEMORY_MIB (16ull << 20)   /* 16 TiB, bench only */

/*
 * Further limits (every value outside them is refused, naming the key):
 *   name              1..63 characters of [A-Za-z0-9_.+-], starting with
 *                     a letter or digit (it ends up in file names and JSON)
 *   memory            1 .. CVG_SCENARIO_MAX_MEMORY_MIB MiB
 *   vcpus             1 .. CVG_SCENARIO_MAX_VCPUS
 *   bandwidth         > 0 .. CVG_SCENARIO_MAX_RATE_MIB_S MiB/s
 *   downtime_limit    1 .. CVG_SCENARIO_MAX_DOWNTIME_MS ms (QEMU's bound)
 *   max_time          1 .. CVG_SCENARIO_MAX_TIME_S s
 *   seed              0 .. 2^64-1, default CVG_SCENARIO_DEFAULT_SEED (runs
 *                     are reproducible unless asked otherwise)
 *   apply_rate        0 .. CVG_SCENARIO_MAX_RATE_MIB_S MiB/s, 0 = keeps up
 *   receiver_setup_ms 0 .. CVG_SCENARIO_MAX_SETUP_MS
 *   workload          1 .. CVG_SCENARIO_MAX_GROUPS entries; phases at most
 *                     CVG_SCENARIO_MAX_PHASES entries
 * xl.cfg numbers are unsigned integers; a decimal (bandwidth, apply_rate)
 * must be quoted: bandwidth = "12.5".
 *
 * Workload strings: comma-separated KEY=VALUE, spaces around items allowed.
 *   vcpus=N or vcpus=N-M   required; inside 0..vcpus-1
 *   pattern=P              required: uniform hotcold sequential zipf read idle
 *   rate=MIB_S             required except for idle (where only 0 is
 *                          allowed); 0 .. CVG_SCENARIO_MAX_RATE_MIB_S
 *   hot=PCT,hot_share=PCT  hotcold only, both required, each in (0,100]
 *   at=SECONDS             phases only (required there), 0 .. max_time
 * Every vCPU must be in exactly one workload group: overlapping groups are
 * refused, and so is a vCPU in none (write "vcpus=N,pattern=idle" for it:
 * an explicit file beats a guessed default).  Phases must be sorted by at;
 * two phases at the same time may not touch the same vCPU.
 */
#define CVG_SCENARIO_MAX_PHASES      256u
#define CVG_SCENARIO_MAX_RATE_MIB_S  1048576.0   /* 1 TiB/s */
#define CVG_SCENARIO_MAX_DOWNTIME_MS 2000000u    /* 2000 s, as QEMU */
#define CVG_SCENARIO_MAX_TIME_S      86400u      /* one day */
#define CVG_SCENARIO_MAX_SETUP_MS    600000u     /* ten minutes */
#define CVG_SCENARIO_MAX_ENTRY_LEN   256u        /* one workload string */
#define CVG_SCENARIO_DEFAULT_SEED    1u

enum cvg_pattern {
    CVG_PATTERN_UNIFORM,        /* every page equally likely */
    CVG_PATTERN_HOTCOLD,        /* hot_pct of memory takes hot_share_pct of writes */
    CVG_PATTERN_SEQUENTIAL,     /* a cursor sweeping memory */
    CVG_PATTERN_ZIPF,           /* page popularity ~ 1/rank */
    CVG_PATTERN_READ,           /* reads only: never dirties */
    CVG_PATTERN_IDLE,           /* blocked */
};

/* One entry of `workload` or `phases`: what a group of vCPUs does. */
struct cvg_workload {
    uint32_t vcpu_first;
    uint32_t vcpu_last;         /* inclusive */
    enum cvg_pattern pattern;
    double rate_mib_s;          /* at full speed (unthrottled) */
    double hot_pct;             /* hotcold only */
    double hot_share_pct;       /* hotcold only */
    double at_s;                /* phases only: seconds after migration start */
};

struct cvg_scenario {
    char name[64];
    uint64_t memory_mib;
    uint32_t vcpus;
    double bandwidth_mib_s;
    uint32_t downtime_limit_ms;
    uint32_t max_time_s;
    uint64_t seed;
    struct cvg_workload *workload;
    unsigned nr_workload;
    struct cvg_workload *phases;      /* sorted by at_s */
    unsigned nr_phases;
    double apply_rate_mib_s;          /* 0: the destination keeps up */
    uint32_t receiver_setup_ms;
};

const char *cvg_pattern_name(enum cvg_pattern p);

/* Parses a file; every error names the file, the key and what is wrong. */
int cvg_scenario_load(const char *path, struct cvg_scenario *sc,
                      struct cvg_err *err);
/* Same from a buffer; source names it in messages. */
int cvg_scenario_parse(const char *text, size_t len, const char *source,
                       struct cvg_scenario *sc, struct cvg_err *err);
/* One workload string ("vcpus=0-1,pattern=uniform,rate=800"). */
int cvg_workload_parse(const char *s, int is_phase, uint32_t nr_vcpus,
                       struct cvg_workload *w, struct cvg_err *err);
void cvg_scenario_free(struct cvg_scenario *sc);

#endif
