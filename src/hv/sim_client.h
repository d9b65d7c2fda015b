/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What only the simulator offers, beside the hv port: creating and
 * destroying domains, listing them, and looking at what Xen would never
 * show (work done per vCPU, the memory digest, the per-vCPU dirtying
 * truth).  For xl-converge sim, sim-migrate, tests and the estimator's
 * judges.  Every call takes a handle from cvg_hv_open_sim() (or
 * cvg_hv_open() with $XENCONVERGE_SIM set) and fails with -EOPNOTSUPP on
 * any other back end.
 *
 * The structures are the protocol's (sim/proto.h):
 *   struct cvg_sim_list_entry  domid, name, nr_vcpus, paused, shutdown,
 *                              logdirty, p2m_size
 *   struct cvg_sim_info        the domain and, per vCPU, its pattern, rate,
 *                              budget, affinity, share, work, writes, time
 *   struct cvg_sim_truth       per vCPU: pages newly dirtied since the last
 *                              CLEAN, writes, work, cpu time; with the
 *                              daemon's CLOCK_MONOTONIC of the snapshot and
 *                              of the last CLEAN
 */
#ifndef CVG_HV_SIM_CLIENT_H
#define CVG_HV_SIM_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "hv/hv.h"
#include "sim/proto.h"

bool cvg_hv_is_sim(const struct cvg_hv *hv);

/* The daemon parses text (source names it in errors) and starts the domain. */
int cvg_sim_create_scenario(struct cvg_hv *hv, const char *text, size_t len,
                            const char *source, uint32_t *domid, struct cvg_err *err);
/* Reads path here (at most CVG_SIM_MAX_SCENARIO bytes) and sends its text. */
int cvg_sim_create_scenario_file(struct cvg_hv *hv, const char *path, uint32_t *domid,
                                 struct cvg_err *err);
/* A restore target: memory of `pages` 4 KiB pages, none populated, idle vCPUs. */
int cvg_sim_create_empty(struct cvg_hv *hv, uint64_t pages, uint32_t vcpus, bool paused,
                         const char *name, uint32_t *domid, struct cvg_err *err);
int cvg_sim_destroy(struct cvg_hv *hv, uint32_t domid, struct cvg_err *err);

/* *doms is malloc()ed (free() it); NULL when there are none. */
int cvg_sim_list(struct cvg_hv *hv, struct cvg_sim_list_entry **doms, uint32_t *n,
                 struct cvg_err *err);
/* Release with cvg_sim_info_release(). */
int cvg_sim_info(struct cvg_hv *hv, uint32_t domid, struct cvg_sim_info *info,
                 struct cvg_err *err);
/* SHA-256 of the whole guest memory in pfn order (pause first for a stable one). */
int cvg_sim_digest(struct cvg_hv *hv, uint32_t domid, uint8_t sha256[32],
                   struct cvg_err *err);
/* Release with cvg_sim_truth_release(). */
int cvg_sim_truth(struct cvg_hv *hv, uint32_t domid, struct cvg_sim_truth *truth,
                  struct cvg_err *err);

/* The daemon's pid, from the HELLO exchanged at open. */
uint32_t cvg_sim_daemon_pid(const struct cvg_hv *hv);

#endif
