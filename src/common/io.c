/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/io.h"

#define SINK_MEM_DEFAULT_MAX ((size_t)1 << 30)

int cvg_read_exact(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t r = read(fd, p, len);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (r == 0)
            return -EPIPE;
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

int cvg_write_exact(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len) {
        ssize_t r = write(fd, p, len);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

/* Consumes iov: on return the array has been advanced past what was written. */
int cvg_writev_exact(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t r = writev(fd, iov, n > IOV_MAX ? IOV_MAX : n);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        while (n > 0 && (size_t)r >= iov->iov_len) {
            r -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + r;
            iov->iov_len -= (size_t)r;
        }
    }
    return 0;
}

void cvg_src_init_fd(struct cvg_src *src, int fd)
{
    memset(src, 0, sizeof(*src));
    src->fd = fd;
}

void cvg_src_init_mem(struct cvg_src *src, const void *mem, size_t len)
{
    memset(src, 0, sizeof(*src));
    src->fd = -1;
    src->mem = mem;
    src->mem_len = len;
}

int cvg_src_unread(struct cvg_src *src, const void *buf, size_t len,
                   struct cvg_err *err)
{
    if (len > sizeof(src->back) - src->back_len || len > src->off)
        return cvg_fail(err, -EINVAL, "cannot put back %zu bytes", len);
    memmove(src->back + len, src->back, src->back_len);
    memcpy(src->back, buf, len);
    src->back_len += len;
    src->off -= len;
    return 0;
}

/* Delivers put-back bytes first; returns how many went into buf. */
static size_t take_back(struct cvg_src *src, void *buf, size_t len)
{
    size_t n = len < src->back_len ? len : src->back_len;

    if (!n)
        return 0;
    memcpy(buf, src->back, n);
    memmove(src->back, src->back + n, src->back_len - n);
    src->back_len -= n;
    src->off += n;
    return n;
}

int cvg_src_read(struct cvg_src *src, void *buf, size_t len,
                 const char *what, struct cvg_err *err)
{
    size_t got = take_back(src, buf, len);

    buf = (uint8_t *)buf + got;
    len -= got;
    got = 0;
    if (src->fd < 0) {
        size_t left = src->mem_len - (size_t)src->off;

        got = len < left ? len : left;
        if (got)
            memcpy(buf, src->mem + src->off, got);
        src->off += got;
        if (got < len)
            return cvg_fail(err, -EPIPE,
                            "truncated input: %s at offset %llu needs %zu bytes, only %zu left",
                            what, (unsigned long long)(src->off - got), len, got);
        return 0;
    }

    while (got < len) {
        ssize_t r = read(src->fd, (uint8_t *)buf + got, len - got);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            return cvg_fail(err, (int)r, "read error in %s at offset %llu: %s",
                            what, (unsigned long long)src->off, strerror(errno));
        }
        if (r == 0)
            return cvg_fail(err, -EPIPE,
                            "truncated input: %s at offset %llu needs %zu bytes, only %zu arrived",
                            what, (unsigned long long)(src->off - got), len, got);
        got += (size_t)r;
        src->off += (uint64_t)r;
    }
    return 0;
}

int cvg_src_skip(struct cvg_src *src, uint64_t len, const char *what,
                 struct cvg_err *err)
{
    uint8_t scratch[4096];

    while (len) {
        size_t chunk = len < sizeof(scratch) ? (size_t)len : sizeof(scratch);
        int rc = cvg_src_read(src, scratch, chunk, what, err);

        if (rc)
            return rc;
        len -= chunk;
    }
    return 0;
}

int cvg_src_at_eof(struct cvg_src *src, uint8_t *byte, struct cvg_err *err)
{
    if (take_back(src, byte, 1))
        return 0;
    if (src->fd < 0) {
        if (src->off >= src->mem_len)
            return 1;
        *byte = src->mem[src->off++];
        return 0;
    }
    for (;;) {
        ssize_t r = read(src->fd, byte, 1);

        if (r == 1) {
            src->off++;
            return 0;
        }
        if (r == 0)
            return 1;
        if (errno != EINTR)
            return cvg_fail(err, -errno, "read error at offset %llu: %s",
                            (unsigned long long)src->off, strerror(errno));
    }
}

void cvg_sink_init_fd(struct cvg_sink *sink, int fd)
{
    memset(sink, 0, sizeof(*sink));
    sink->fd = fd;
}

void cvg_sink_init_mem(struct cvg_sink *sink)
{
    memset(sink, 0, sizeof(*sink));
    sink->fd = -1;
}

void cvg_sink_free(struct cvg_sink *sink)
{
    free(sink->buf);
    sink->buf = NULL;
    sink->len = sink->cap = 0;
}

static int sink_reserve(struct cvg_sink *sink, size_t extra, struct cvg_err *err)
{
    size_t max = sink->max ? sink->max : SINK_MEM_DEFAULT_MAX;
    size_t need, cap;
    uint8_t *nb;

    if (extra > max - sink->len)
        return cvg_fail(err, -EFBIG, "memory sink would exceed %zu bytes", max);
    need = sink->len + extra;
    if (need <= sink->cap)
        return 0;
    cap = sink->cap ? sink->cap : 4096;
    while (cap < need)
        cap = cap > max / 2 ? max : cap * 2;
    nb = realloc(sink->buf, cap);
    if (!nb)
        return cvg_fail(err, -ENOMEM, "out of memory growing a %zu-byte buffer", cap);
    sink->buf = nb;
    sink->cap = cap;
    return 0;
}

int cvg_sink_writev(struct cvg_sink *sink, const struct iovec *iov, int n,
                    struct cvg_err *err)
{
    size_t total = 0;
    int i, rc;

    for (i = 0; i < n; i++)
        total += iov[i].iov_len;

    if (sink->fd < 0) {
        rc = sink_reserve(sink, total, err);
        if (rc)
            return rc;
        for (i = 0; i < n; i++) {
            if (iov[i].iov_len)
                memcpy(sink->buf + sink->len, iov[i].iov_base, iov[i].iov_len);
            sink->len += iov[i].iov_len;
        }
    } else {
        /* writev_exact advances the array it is given: work on a copy. */
        struct iovec local[64];
        struct iovec *copy = n <= 64 ? local : malloc(sizeof(*copy) * (size_t)n);

        if (!copy)
            return cvg_fail(err, -ENOMEM, "out of memory for %d iovecs", n);
        memcpy(copy, iov, sizeof(*copy) * (size_t)n);
        rc = cvg_writev_exact(sink->fd, copy, n);
        if (copy != local)
            free(copy);
        if (rc)
            return cvg_fail(err, rc, "write of %zu bytes at offset %llu failed: %s",
                            total, (unsigned long long)sink->off, strerror(-rc));
    }
    sink->off += total;
    return 0;
}

int cvg_sink_write(struct cvg_sink *sink, const void *buf, size_t len,
                   struct cvg_err *err)
{
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

    return cvg_sink_writev(sink, &iov, 1, err);
}
