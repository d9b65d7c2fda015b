/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The end-of-checkpoint CPU state of an HVM/PVH guest: X86_TSC_INFO,
 * HVM_CONTEXT and HVM_PARAMS, gathered from the hypervisor on the source
 * and applied on the destination the way stock 4.17 does it.
 */
#ifndef CVG_ENGINE_HVM_STATE_H
#define CVG_ENGINE_HVM_STATE_H

#include <stdint.h>

#include "common/err.h"
#include "common/io.h"
#include "hv/hv.h"

/* HVM params a 4.17 save carries (xg_sr_save_x86_hvm.c), when non-zero. */
extern const uint32_t cvg_hvm_saved_params[];
extern const unsigned cvg_hvm_nr_saved_params;

#define CVG_HVM_PARAM_STORE_PFN      1
#define CVG_HVM_PARAM_STORE_EVTCHN   2
#define CVG_HVM_PARAM_PAE_ENABLED    4
#define CVG_HVM_PARAM_IOREQ_PFN      5
#define CVG_HVM_PARAM_BUFIOREQ_PFN   6
#define CVG_HVM_PARAM_CONSOLE_PFN    17
#define CVG_HVM_PARAM_CONSOLE_EVTCHN 18

/* Writes TSC_INFO, HVM_CONTEXT, HVM_PARAMS (in 4.17's order). */
int cvg_hvm_state_send(struct cvg_hv *hv, uint32_t domid, struct cvg_sink *sink,
                       struct cvg_err *err);

#endif
