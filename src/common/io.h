/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Byte sources and sinks for the wire codecs.
 *
 * Readers pull exactly the bytes they need from a struct cvg_src and never
 * more: the restore side shares its stream fd with libxl, which reads on
 * after the libxc END record, so nothing may be buffered ahead.  A source
 * counts the bytes it has delivered, which is the offset error messages
 * quote.  The same reader runs on an fd (helper, stream-dump) or on a memory
 * buffer (unit tests, fuzzers).
 *
 * Writers push whole records with one gather write into a struct cvg_sink:
 * an fd (writev straight from mapped guest memory) or a growable buffer.
 */
#ifndef CVG_COMMON_IO_H
#define CVG_COMMON_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "common/err.h"

struct cvg_src {
    int fd;                     /* -1: read from mem */
    const uint8_t *mem;
    size_t mem_len;
    uint64_t off;               /* bytes delivered so far */
    uint8_t back[16];           /* cvg_src_unread(): delivered first */
    size_t back_len;
};

void cvg_src_init_fd(struct cvg_src *src, int fd);
void cvg_src_init_mem(struct cvg_src *src, const void *mem, size_t len);

/*
 * Reads exactly len bytes.  End of input before len bytes fails with
 * -EPIPE ("truncated"), naming what was being read and the offset;
 * an I/O error fails with its errno.
 */
int cvg_src_read(struct cvg_src *src, void *buf, size_t len,
                 const char *what, struct cvg_err *err);

/*
 * Puts back up to 16 bytes just read, to be delivered again (in order) by
 * the next reads: lets a caller sniff a format's magic on a pipe.
 */
int cvg_src_unread(struct cvg_src *src, const void *buf, size_t len,
                   struct cvg_err *err);

/* Reads and discards len bytes (skipped optional records). */
int cvg_src_skip(struct cvg_src *src, uint64_t len, const char *what,
                 struct cvg_err *err);

/*
 * Returns 1 if the source is at a clean end of input (no byte left),
 * 0 if at least one byte follows (that byte is then consumed into *byte).
 * Used only where the format allows "end here" and the caller owns the
 * rest of the input (stream-dump, tests).
 */
int cvg_src_at_eof(struct cvg_src *src, uint8_t *byte, struct cvg_err *err);

struct cvg_sink {
    int fd;                     /* -1: append to buf */
    uint8_t *buf;
    size_t len, cap;
    size_t max;                 /* memory sink bound; 0 = 1 GiB */
    uint64_t off;               /* bytes accepted so far */
};

void cvg_sink_init_fd(struct cvg_sink *sink, int fd);
void cvg_sink_init_mem(struct cvg_sink *sink);
void cvg_sink_free(struct cvg_sink *sink);

/* Writes every byte of iov[0..n) (retrying short writes and EINTR). */
int cvg_sink_writev(struct cvg_sink *sink, const struct iovec *iov, int n,
                    struct cvg_err *err);
int cvg_sink_write(struct cvg_sink *sink, const void *buf, size_t len,
                   struct cvg_err *err);

/* Plain fd helpers used outside the codecs. */
int cvg_read_exact(int fd, void *buf, size_t len);   /* 0, -EPIPE at EOF, -errno */
int cvg_write_exact(int fd, const void *buf, size_t len);
int cvg_writev_exact(int fd, struct iovec *iov, int n);

#endif
