/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * converge-helper's command line (helper/args.c): libxl builds it, but the
 * helper is a setuid-free program anyone on dom0 can run, and it then
 * acts on a domain by number.  The input is split at NUL bytes into argv
 * (at most 16 words).  What is accepted must be exactly libxl's shape:
 * 6 or 9 numbers after the mode, fds >= -1, flags within their bits.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper/args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)
#define MAX_ARGS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1), *argv[MAX_ARGS + 2];
    struct cvg_helper_args a;
    struct cvg_err err = { 0 };
    int argc = 1;
    size_t start = 0;

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    argv[0] = (char *)"converge-helper";
    for (size_t i = 0; i <= size && argc <= MAX_ARGS; i++)
        if (i == size || copy[i] == '\0') {
            argv[argc++] = copy + start;
            start = i + 1;
        }
    argv[argc] = NULL;
    if (cvg_helper_parse_args(argc, argv, &a, &err) == 0) {
        CHECK(argc == (a.save ? 8 : 11));
        CHECK(!strcmp(argv[1], a.save ? "--save-domain" : "--restore-domain"));
        CHECK(a.io_fd >= 0 && a.back_fd >= -1);
        (void)cvg_helper_delegate_reason(&a);
    } else {
        CHECK(err.msg[0] != '\0');
    }
    free(copy);
    return 0;
}
