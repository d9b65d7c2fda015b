/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The message table both halves of the helper IPC share. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wire/ipc.h"

/* Flags as in libxl_save_msgs_gen.pl: s, r, x (callback), W/A (reply). */
static const struct cvg_ipc_msginfo msgs[CVG_IPC_NR_MSGS + 1] = {
    [CVG_IPC_LOG] = { "log", true, true, false, false },
    [CVG_IPC_PROGRESS] = { "progress", true, true, false, false },
    [CVG_IPC_SUSPEND] = { "suspend", true, true, true, true },
    [CVG_IPC_POSTCOPY] = { "postcopy", true, true, true, true },
    [CVG_IPC_CHECKPOINT] = { "checkpoint", true, true, true, true },
    [CVG_IPC_WAIT_CHECKPOINT] = { "wait_checkpoint", true, true, true, true },
    [CVG_IPC_SWITCH_QEMU_LOGDIRTY] = { "switch_qemu_logdirty", true, false, true, true },
    [CVG_IPC_STATIC_DATA_DONE] = { "static_data_done", false, true, true, true },
    [CVG_IPC_RESTORE_RESULTS] = { "restore_results", false, true, true, false },
    [CVG_IPC_COMPLETE] = { "complete", true, true, false, true },
};

const struct cvg_ipc_msginfo *cvg_ipc_msginfo(unsigned num)
{
    return num >= 1 && num <= CVG_IPC_NR_MSGS ? &msgs[num] : NULL;
}

const char *cvg_ipc_msg_name(unsigned num)
{
    const struct cvg_ipc_msginfo *mi = cvg_ipc_msginfo(num);

    return mi ? mi->name : "unknown";
}

const char *cvg_ipc_role_name(enum cvg_ipc_role role)
{
    switch (role) {
    case CVG_IPC_SAVE: return "save";
    case CVG_IPC_RESTORE: return "restore";
    default: return "invalid";
    }
}

bool cvg_ipc_role_allows(enum cvg_ipc_role role, unsigned num)
{
    const struct cvg_ipc_msginfo *mi = cvg_ipc_msginfo(num);

    if (!mi)
        return false;
    return role == CVG_IPC_SAVE ? mi->save : role == CVG_IPC_RESTORE && mi->restore;
}

bool cvg_ipc_cbflags_has(unsigned cbflags, unsigned num)
{
    return num < 32 && (cbflags & CVG_IPC_CB(num));
}

int cvg_ipc_cbflags_check(enum cvg_ipc_role role, unsigned cbflags,
                          struct cvg_err *err)
{
    unsigned num, allowed = 0;
    char buf[160];

    if (role != CVG_IPC_SAVE && role != CVG_IPC_RESTORE)
        return cvg_fail(err, -EINVAL, "helper IPC: invalid role %d", (int)role);
    for (num = 1; num <= CVG_IPC_NR_MSGS; num++)
        if (msgs[num].callback && cvg_ipc_role_allows(role, num))
            allowed |= CVG_IPC_CB(num);
    if (cbflags & ~allowed) {
        cvg_ipc_cbflags_str(cbflags & ~allowed, buf, sizeof(buf));
        return cvg_fail(err, -EINVAL,
                        "cbflags %u (0x%x) name callbacks a %s helper does not have: %s",
                        cbflags, cbflags, cvg_ipc_role_name(role), buf);
    }
    return 0;
}

int cvg_ipc_cbflags_str(unsigned cbflags, char *buf, size_t size)
{
    size_t used = 0;
    unsigned num, rest = cbflags;
    int n;

    if (size)
        buf[0] = '\0';
    if (!cbflags)
        return snprintf(buf, size, "none");
    for (num = 1; num <= CVG_IPC_NR_MSGS; num++) {
        if (!(cbflags & CVG_IPC_CB(num)))
            continue;
        rest &= ~CVG_IPC_CB(num);
        n = snprintf(buf + (used < size ? used : size), used < size ? size - used : 0,
                     "%s%s", used ? "|" : "", msgs[num].name);
        if (n < 0)
            return n;
        used += (size_t)n;
    }
    if (rest) {
        n = snprintf(buf + (used < size ? used : size), used < size ? size - used : 0,
                     "%s0x%x", used ? "|" : "", rest);
        if (n < 0)
            return n;
        used += (size_t)n;
    }
    return (int)used;
}
