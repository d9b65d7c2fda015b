/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the static dom0/guest programs (memwriter, linkpipe) share.  They
 * link nothing of the project (a guest's /init has no library beside it),
 * so the little they need is here, header-only.
 */
#ifndef CVG_DOM0UTIL_H
#define CVG_DOM0UTIL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static inline void dom0_sleep_ns(int64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000ll), (long)(ns % 1000000000ll) };

    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

/* All of p to fd, through short writes and EINTR; -1 on any other end. */
static inline int dom0_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;

    while (n) {
        ssize_t w = write(fd, c, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

#endif
