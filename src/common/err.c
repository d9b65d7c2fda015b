/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"

int cvg_fail(struct cvg_err *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (!err || err->code)
        return code;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

void cvg_err_prefix(struct cvg_err *err, const char *fmt, ...)
{
    char prefix[CVG_ERR_MSG_MAX];
    char joined[2 * CVG_ERR_MSG_MAX + 2];
    va_list ap;

    if (!err || !err->code)
        return;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    snprintf(joined, sizeof(joined), "%s: %s", prefix, err->msg);
    /* Truncation is the intent: keep the message's head and the prefix. */
    joined[sizeof(err->msg) - 1] = '\0';
    memcpy(err->msg, joined, sizeof(err->msg));
}

void cvg_err_clear(struct cvg_err *err)
{
    if (err) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}
