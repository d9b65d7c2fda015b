/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Copying whole pages into memory nobody here will read again.
 *
 * A restore writes every page of the guest once and never looks at it: a
 * plain copy first pulls each destination line into the cache (a read of
 * memory that is about to be overwritten), then evicts the other
 * processes' lines of dom0 to make room for gigabytes of guest memory.
 * Streaming (non-temporal) stores write whole lines straight to memory,
 * with neither.
 */
#ifndef CVG_COMMON_PAGECOPY_H
#define CVG_COMMON_PAGECOPY_H

#include <stddef.h>

/*
 * Copies len bytes from src to dst: with streaming stores where the CPU has
 * them (x86-64) and both pointers are 16-byte aligned and len is whole
 * 64-byte lines, as pages are; with memcpy otherwise.  The streaming stores
 * are ordered before any later store once cvg_stream_fence() has run.
 */
void cvg_copy_stream(void *dst, const void *src, size_t len);
void cvg_stream_fence(void);

#endif
