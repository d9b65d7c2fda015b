/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One line of CSV per policy decision point, the same format in real time
 * (the helper, XENCONVERGE_POLICY_TRACE) and in virtual time (bench
 * --trace), so that two runs of a scenario can be compared step by step:
 * what the policy was told (time, point, counters, the window it measured,
 * run times) and what it decided (shares, next sample, refresh, probing).
 *
 * Columns: t_s, point (pass-end, sample, refresh), pass, peek_pages,
 * pass_dirty_pages, dirty_pages, window_s, window_pages, bandwidth_mib_s,
 * pass_sent, pass_total, clean_us, decision, refresh, next_sample_ms,
 * probing, eta_ms (-1 unknown), then run_s<v> and share<v> per vCPU.
 * Formatting only: the caller writes the line where it wants.
 */
#ifndef CVG_POLICY_TRACE_H
#define CVG_POLICY_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

/* The header line, with nr_vcpus pairs of per-vCPU columns.  Returns the
 * length snprintf would have written (>= size: truncated). */
int cvg_policy_trace_header(char *buf, size_t size, uint32_t nr_vcpus);

/* The line for the step that took in and gave out (after cvg_policy_step). */
int cvg_policy_trace_line(char *buf, size_t size, const struct cvg_policy_state *pol,
                          const struct cvg_policy_input *in,
                          const struct cvg_policy_output *out);

#endif
