/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the libxenconverge commands (dirty-rate, dirty-limit, migrate-info)
 * share: a handle whose errors go to stderr through a xentoollog logger, as
 * xl's do, and xl's DOMAIN argument.
 */
#ifndef CVG_CLI_API_CLI_H
#define CVG_CLI_API_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "xenconverge.h"

struct cvg_cli_api {
    xenconverge_handle *h;
    xentoollog_logger_stdiostream *logger;
};

/* 0, or prints why and returns non-zero.  Finds converge-limitd beside
 * xl-converge (a build tree) when $LIBXENCONVERGE_LIMITD is unset. */
int cvg_cli_api_open(struct cvg_cli_api *a, bool verbose);
void cvg_cli_api_close(struct cvg_cli_api *a);

/* DOMAIN: a domain id, or a domain's name on the simulator.  0, or prints
 * why (prefixed with cmd) and returns non-zero. */
int cvg_cli_domid(const char *cmd, const char *arg, uint32_t *domid);

/* Parses a decimal in [min, max]; -1 when it is not one. */
int cvg_cli_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

#endif
