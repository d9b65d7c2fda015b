/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A whole migration on the simulator, as xl + libxl would run it on Xen:
 * source domain from a scenario, an empty destination domain, the save and
 * restore helpers spawned by the libxl-side driver on the two ends of a
 * TCP connection over loopback, then the switchover (destroy the source,
 * unpause the destination) or the failure path (resume the source, destroy
 * the destination).  Shared by `sim-migrate` and `demo`.
 */
#ifndef CVG_CLI_SIM_MIGRATE_H
#define CVG_CLI_SIM_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"
#include "config/scenario.h"
#include "config/tunables.h"

struct cvg_simmig_vcpu {
    uint32_t id;
    double work_retained;
};

struct cvg_simmig_report {
    char scenario[64];
    char policy[32];
    bool ok;                    /* the helpers and the switchover succeeded */
    bool converged;
    bool verified;              /* destination digest == source digest at switchover */
    bool aborted;               /* the policy gave up: guest left running at the source */
    bool source_running;        /* after a failure: source unpaused and alive */
    uint64_t total_time_ms;
    uint64_t downtime_ms;       /* source suspended until destination unpaused */
    uint32_t downtime_limit_ms;
    uint64_t bytes_sent;
    uint64_t memory_bytes;
    uint32_t iterations;
    uint32_t max_throttle_pct;
    char error[704];
    uint32_t nr_vcpus;
    struct cvg_simmig_vcpu vcpus[CVG_SCENARIO_MAX_VCPUS];
};

struct cvg_simmig_opts {
    const char *scenario_path;
    enum cvg_policy policy;
    const char *helper;         /* converge-helper to run */
    bool tty;                   /* live progress line */
    bool verbose;               /* helper log lines to stderr */
    FILE *progress;             /* where progress goes (stdout) */
};

int cvg_sim_migrate(const struct cvg_simmig_opts *o, struct cvg_simmig_report *rep,
                    struct cvg_err *err);
int cvg_simmig_report_write(const struct cvg_simmig_report *rep, const char *path,
                            struct cvg_err *err);

void cvg_simmig_print_summary(FILE *f, const struct cvg_simmig_report *r);

/* A program shipped next to xl-converge (build tree) or in its install dir. */
int cvg_find_program(const char *name, const char *installed_dir, char *out,
                     size_t size);

#endif
