/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/runpath.h"

int cvg_run_dir(char *buf, size_t len, const char *sim_socket, struct cvg_err *err)
{
    int n;

    if (sim_socket && *sim_socket)
        n = snprintf(buf, len, "%s.run", sim_socket);
    else
        n = snprintf(buf, len, "%s", CVG_RUN_DEFAULT_DIR);
    if (n < 0 || (size_t)n >= len)
        return cvg_fail(err, -ENAMETOOLONG, "run directory for %s is longer than %zu bytes",
                        sim_socket ? sim_socket : "xen", len - 1);
    return 0;
}

int cvg_run_path(char *buf, size_t len, const char *sim_socket, const char *what,
                 uint32_t domid, const char *ext, struct cvg_err *err)
{
    char dir[CVG_RUN_PATH_MAX];
    int n, rc = cvg_run_dir(dir, sizeof(dir), sim_socket, err);

    if (rc)
        return rc;
    n = snprintf(buf, len < CVG_RUN_PATH_MAX ? len : CVG_RUN_PATH_MAX, "%s/%s-%u%s", dir,
                 what, domid, ext);
    if (n < 0 || (size_t)n >= (len < CVG_RUN_PATH_MAX ? len : CVG_RUN_PATH_MAX))
        return cvg_fail(err, -ENAMETOOLONG, "%s/%s-%u%s does not fit a UNIX socket "
                        "address (%d bytes at most)", dir, what, domid, ext,
                        CVG_RUN_PATH_MAX - 1);
    return 0;
}

int cvg_run_mkdir(const char *sim_socket, struct cvg_err *err)
{
    char dir[CVG_RUN_PATH_MAX];
    int rc = cvg_run_dir(dir, sizeof(dir), sim_socket, err);

    if (rc)
        return rc;
    if (mkdir(dir, 0700) && errno != EEXIST)
        return cvg_fail(err, -errno, "cannot make %s: %s", dir, strerror(errno));
    return 0;
}
