/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Error reporting shared by every layer.
 *
 * A failing function returns a negative errno value and, when the caller
 * passed a struct cvg_err, a sentence saying what was wrong and where (record
 * type, byte offset, pfn).  The message is what reaches the administrator
 * through xentoollog or stderr, so it must stand on its own.
 */
#ifndef CVG_COMMON_ERR_H
#define CVG_COMMON_ERR_H

#include <stddef.h>

#define CVG_ERR_MSG_MAX 512

struct cvg_err {
    int code;                   /* negative errno of the first failure */
    char msg[CVG_ERR_MSG_MAX];
};

/*
 * Records the first failure only: the root cause matters more than the
 * cascade behind it.  Returns code (negative) so callers can write
 * `return cvg_fail(err, -EINVAL, "...")`.  err may be NULL.
 */
int cvg_fail(struct cvg_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes context to an already recorded message ("stream-dump: ..."). */
void cvg_err_prefix(struct cvg_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void cvg_err_clear(struct cvg_err *err);

#endif
