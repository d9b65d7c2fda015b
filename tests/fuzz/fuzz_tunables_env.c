/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The helper's settings from the environment (config/tunables.c): libxl
 * passes its caller's environment through, so the variables are whatever
 * the caller had.  The input is split at newlines into environment
 * entries.  Accepted values must be within their documented bounds (the
 * dump must print them), refusals must say which variable.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/tunables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)
#define MAX_VARS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1), *envp[MAX_VARS + 1];
    struct cvg_tunables t;
    struct cvg_err err = { 0 };
    size_t n = 0, start = 0;
    FILE *null;

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (size_t i = 0; i <= size && n < MAX_VARS; i++)
        if (i == size || copy[i] == '\n' || copy[i] == '\0') {
            copy[i] = '\0';
            envp[n++] = copy + start;
            start = i + 1;
        }
    envp[n] = NULL;
    cvg_tunables_init(&t);
    if (cvg_tunables_apply_env(&t, envp, &err) == 0) {
        CHECK(cvg_tun_downtime_limit_ms(&t) >= 1);
        CHECK(cvg_tun_throttle_max_pct(&t) <= 99);
        CHECK(strlen(cvg_tun_stock_helper(&t)) < CVG_TUNABLES_PATH_MAX);
        null = fopen("/dev/null", "w");
        if (null) {
            CHECK(cvg_tunables_dump(&t, null) == 0);
            fclose(null);
        }
    } else {
        CHECK(strstr(err.msg, CVG_TUNABLES_ENV_PREFIX) != NULL);
    }
    free(copy);
    return 0;
}
