/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/api_cli.h"
#include "cli/sim_migrate.h"
#include "hv/hv.h"
#include "hv/sim_client.h"

int cvg_cli_api_open(struct cvg_cli_api *a, bool verbose)
{
    char limitd[4096];
    int rc;

    a->h = NULL;
    a->logger = xtl_createlogger_stdiostream(stderr, verbose ? XTL_DETAIL : XTL_WARN, 0);
    if (!a->logger) {
        fprintf(stderr, "xl-converge: cannot create a logger\n");
        return 1;
    }
    /* Uninstalled (a build tree): the owner daemon sits beside us. */
    if (!getenv("LIBXENCONVERGE_LIMITD") &&
        !cvg_find_program("converge-limitd", CVG_PKGLIBEXECDIR, limitd, sizeof(limitd)))
        setenv("LIBXENCONVERGE_LIMITD", limitd, 1);
    rc = xenconverge_open(&a->h, (xentoollog_logger *)a->logger, NULL, 0);
    if (rc) {
        xtl_logger_destroy((xentoollog_logger *)a->logger);
        a->logger = NULL;
        return 1;
    }
    return 0;
}

void cvg_cli_api_close(struct cvg_cli_api *a)
{
    xenconverge_close(a->h);
    a->h = NULL;
    xtl_logger_destroy((xentoollog_logger *)a->logger);
    a->logger = NULL;
}

int cvg_cli_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
    char *end;
    unsigned long v;

    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int cvg_cli_domid(const char *cmd, const char *arg, uint32_t *domid)
{
    struct cvg_sim_list_entry *e = NULL;
    struct cvg_err err = { 0 };
    struct cvg_hv *hv = NULL;
    uint32_t n = 0, found = 0;
    int rc = 1;

    if (!cvg_cli_u32(arg, 0, 0x7fef, domid))
        return 0;
    /* A name: the simulator can list its domains; on Xen, ask xl. */
    if (!getenv("XENCONVERGE_SIM") || !*getenv("XENCONVERGE_SIM")) {
        fprintf(stderr, "%s: '%s' is not a domain id (xl domid %s gives it)\n", cmd, arg, arg);
        return 1;
    }
    if (cvg_hv_open(&hv, &err) || cvg_sim_list(hv, &e, &n, &err)) {
        fprintf(stderr, "%s: %s\n", cmd, err.msg);
        goto out;
    }
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(e[i].name, arg)) {
            *domid = e[i].domid;
            found++;
        }
    if (found == 1)
        rc = 0;
    else if (!found)
        fprintf(stderr, "%s: no domain is called '%s'\n", cmd, arg);
    else
        fprintf(stderr, "%s: %u domains are called '%s': give a domain id\n", cmd, found, arg);
out:
    free(e);
    if (hv)
        cvg_hv_close(hv);
    return rc;
}
