/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "helper/args.h"
#include "wire/ipc.h"

static int num(const char *s, const char *what, long long min, long long max,
               long long *out, struct cvg_err *err)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return cvg_fail(err, -EINVAL, "bad %s '%s' (want %lld..%lld)", what, s, min, max);
    *out = v;
    return 0;
}

int cvg_helper_parse_args(int argc, char *const argv[], struct cvg_helper_args *a,
                          struct cvg_err *err)
{
    static const char *const save_names[] = {
        "io_fd", "recv_fd", "domid", "xcflags", "cbflags", "stream_type" };
    static const char *const restore_names[] = {
        "io_fd", "send_back_fd", "domid", "store_evtchn", "store_domid",
        "console_evtchn", "console_domid", "cbflags", "stream_type" };
    long long v[9];
    int n, i, rc;

    memset(a, 0, sizeof(*a));
    if (argc < 2)
        return cvg_fail(err, -EINVAL, "usage: --save-domain io_fd recv_fd domid xcflags "
                        "cbflags stream_type | --restore-domain io_fd send_back_fd domid "
                        "store_evtchn store_domid console_evtchn console_domid cbflags "
                        "stream_type");
    if (!strcmp(argv[1], "--save-domain"))
        a->save = true;
    else if (strcmp(argv[1], "--restore-domain"))
        return cvg_fail(err, -EINVAL, "unknown mode '%s' (want --save-domain or "
                        "--restore-domain)", argv[1]);
    n = a->save ? 6 : 9;
    if (argc != n + 2)
        return cvg_fail(err, -EINVAL, "%s takes %d arguments, got %d", argv[1], n, argc - 2);
    for (i = 0; i < n; i++) {
        const char *name = a->save ? save_names[i] : restore_names[i];
        long long min = 0, max = UINT32_MAX;

        if (!strcmp(name, "io_fd"))
            max = INT_MAX;
        else if (!strcmp(name, "recv_fd") || !strcmp(name, "send_back_fd"))
            min = -1, max = INT_MAX;
        else if (!strcmp(name, "domid"))
            max = 0x7FEF;       /* DOMID_FIRST_RESERVED - 1 */
        else if (!strcmp(name, "stream_type"))
            max = 2;
        rc = num(argv[i + 2], name, min, max, &v[i], err);
        if (rc)
            return rc;
    }
    a->io_fd = (int)v[0];
    a->back_fd = (int)v[1];
    a->domid = (uint32_t)v[2];
    if (a->save) {
        a->xcflags = (unsigned)v[3];
        a->cbflags = (unsigned)v[4];
        a->stream_type = (unsigned)v[5];
    } else {
        a->store_evtchn = (uint32_t)v[3];
        a->store_domid = (uint32_t)v[4];
        a->console_evtchn = (uint32_t)v[5];
        a->console_domid = (uint32_t)v[6];
        a->cbflags = (unsigned)v[7];
        a->stream_type = (unsigned)v[8];
    }
    return 0;
}

const char *cvg_helper_delegate_reason(const struct cvg_helper_args *a)
{
    unsigned plain = a->save ? CVG_IPC_CBFLAGS_PLAIN_SAVE : CVG_IPC_CBFLAGS_PLAIN_RESTORE;

    if (a->stream_type != 0)
        return a->stream_type == 1 ? "Remus stream" : "COLO stream";
    if (a->save && (a->xcflags & ~(CVG_XCFLAGS_LIVE | CVG_XCFLAGS_DEBUG)))
        return "unknown xcflags";
    if (a->save && (a->xcflags & CVG_XCFLAGS_DEBUG))
        return "debug (VERIFY) pass";
    if (a->cbflags & ~plain)
        return "callbacks beyond a plain save/restore";
    return NULL;
}
