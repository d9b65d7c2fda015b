/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl-converge config [-C FILE]: the settings converge-helper would run
 * with in this environment — every tunable, its value, where the value
 * came from (default, the config file, an XENCONVERGE_* variable) and why
 * it exists.  Exit 1, with the reason, when the helper would refuse them.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "cli/cmds.h"
#include "config/tunables.h"

int cvg_cmd_config(int argc, char **argv)
{
    struct cvg_tunables t;
    struct cvg_err err = { 0 };
    const char *file = NULL;
    int opt;

    optind = 1;
    while ((opt = getopt(argc, argv, "C:h")) != -1) {
        switch (opt) {
        case 'C':
            file = optarg;
            break;
        case 'h':
            printf("Usage: xl-converge config [-C FILE]\n");
            return 0;
        default:
            fprintf(stderr, "Usage: xl-converge config [-C FILE]\n");
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "Usage: xl-converge config [-C FILE]\n");
        return 2;
    }
    if (cvg_tunables_load(&t, file, NULL, &err)) {
        fprintf(stderr, "xl-converge config: %s\n", err.msg);
        return 1;
    }
    if (t.file[0])
        printf("# read %s\n", t.file);
    return cvg_tunables_dump(&t, stdout) ? 1 : 0;
}
