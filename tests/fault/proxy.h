/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The transport between the save and the restore helper, with a hand on
 * it: a thread copies the libxc stream from one socket to the other while
 * following its structure (image and domain headers, record headers,
 * PAGE_DATA headers and pfn lists; page contents and other bodies pass
 * through), and at a chosen point cuts the connection, closes only the
 * destination's side (the source's bytes then go nowhere), flips a bit,
 * stalls, or calls back (to signal a helper) and carries on.
 *
 * Points are record boundaries, byte offsets inside a PAGE_DATA record,
 * or "the next record boundary" once the case arms it (after a suspend,
 * at the start of a later pass).  Flips hit only bytes whose damage the
 * libxc format can see: record headers (not bit 31 of the type, the
 * "optional" bit, which turns a mandatory record into one every receiver
 * skips), PAGE_DATA's count and reserved word, and the upper half of each
 * pfn word (type nibble, reserved bits, pfn bits 32-51).  Page contents
 * and low pfn bits carry no redundancy in the format: the transport
 * (ssh's MAC, TCP's checksum) protects them, and the harness does not
 * pretend otherwise.
 *
 * Raw mode (proxy_start_raw) follows no structure: for the back channel,
 * whose records are a few dozen bytes.  Only PW_OFFSET applies there, and
 * PX_FLIP flips the byte at that offset.
 */
#ifndef CVG_TESTS_FAULT_PROXY_H
#define CVG_TESTS_FAULT_PROXY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum proxy_action {
    PX_NONE,
    PX_CUT,             /* close both sides */
    PX_EOF_DEST,        /* close the destination's side, drain the source */
    PX_FLIP,            /* flip one bit (see above) and carry on */
    PX_STALL,           /* stop reading and writing until proxy_stop() */
    PX_CALLBACK,        /* call fire() and carry on */
    PX_GARBAGE,         /* raw mode: insert 1-64 bytes of garbage and carry on */
};

enum proxy_where {
    PW_OFFSET,          /* absolute stream offset `offset` (0..40: headers) */
    PW_RECORD,          /* the start of record `index` (0: first after the headers) */
    PW_PAGE_DATA,       /* `offset` bytes into PAGE_DATA number `index` (modulo its size) */
    PW_ARMED,           /* the next record start after proxy_arm() */
};

struct proxy_fault {
    enum proxy_action action;
    enum proxy_where where;
    int64_t index;
    uint64_t offset;
    uint32_t rnd;       /* PX_FLIP: picks the byte and the bit */
};

struct proxy {
    int in, out;                        /* save helper's peer, restore helper's peer */
    struct proxy_fault f;
    void (*fire)(void *opaque);
    void *opaque;
    pthread_t thread;
    bool started;
    bool raw;

    /* Set by the thread. */
    uint64_t forwarded;         /* bytes the destination got */
    bool fired;                 /* the fault happened */
    bool stalled;
    bool end_forwarded;         /* END's header reached the destination whole */
    bool done;
    uint64_t fired_at;                  /* stream offset of the fault */
    char what[160];                     /* the fault, in words */
    uint32_t records, page_data;        /* seen so far */
    uint64_t bytes_in;

    /* Set by the case. */
    bool armed;
    bool stop;
};

/* Takes ownership of both descriptors. */
int proxy_start(struct proxy *p, int in, int out, const struct proxy_fault *f,
                void (*fire)(void *), void *opaque);
int proxy_start_raw(struct proxy *p, int in, int out, const struct proxy_fault *f);
/* Fire at the next record start (PW_ARMED). */
void proxy_arm(struct proxy *p);
/* Tear the transport down (both sides closed) and join the thread. */
void proxy_stop(struct proxy *p);

#endif
