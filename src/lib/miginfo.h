/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The statistics of a migration running on this host, read from its
 * helper's status socket (engine/status.h): at most CVG_MIGINFO_MAX bytes
 * of JSON, every field checked for type and range.
 */
#ifndef CVG_LIB_MIGINFO_H
#define CVG_LIB_MIGINFO_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "xenconverge.h"

#define CVG_MIGINFO_MAX 4096u
#define CVG_MIGINFO_TIMEOUT_MS 1000u

/* -ESRCH: no migration of domid runs here. */
int cvg_miginfo_read(const char *sim_socket, uint32_t domid,
                     struct xenconverge_migration_info *out, struct cvg_err *err);

/* The JSON text of one status record (exposed for tests and the fuzzer). */
int cvg_miginfo_parse(const char *text, size_t len, uint32_t domid,
                      struct xenconverge_migration_info *out, struct cvg_err *err);

#endif
