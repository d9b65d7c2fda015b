/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libxl <-> save/restore helper IPC (tools/libs/light/
 * libxl_save_msgs_gen.pl, libxl_save_helper.c, libxl_save_callout.c).
 *
 * helper -> libxl (the helper's stdout): frames of
 *     u16 body_len, body = u16 msgnum + arguments, body_len < 64 KiB
 * libxl -> helper (the helper's stdin): one raw int, only after the
 *     messages that want one.
 * Host byte order, no padding.  Argument encodings: int, unsigned,
 * uint32_t 4 bytes; uint16_t 2; unsigned long and xen_pfn_t 8;
 * STRING = u32 size (NUL included, >= 1) + bytes ending in the NUL.
 *
 *  #  name                  s/r  cb  reply  arguments
 *  1  log                   s r  -   -      u32 level, u32 errnoval, STRING context, STRING text
 *  2  progress              s r  -   -      STRING context, STRING doing_what, ulong done, ulong total
 *  3  suspend               s r  x   int    -
 *  4  postcopy              s r  x   int    -
 *  5  checkpoint            s r  x   int    -
 *  6  wait_checkpoint       s r  x   int    -
 *  7  switch_qemu_logdirty  s    x   int    u32 domid, unsigned enable
 *  8  static_data_done        r  x   int    unsigned missing
 *  9  restore_results         r  x   -      xen_pfn_t store_gfn, xen_pfn_t console_gfn
 * 10  complete              s r  -   int    int retval, int errnoval
 *
 * "cb" messages are callbacks libxl registers per run: argv's cbflags has
 * bit n set when libxl provides the callback of message n.  libxl calls a
 * NULL function pointer if a helper sends an unregistered one, so both
 * sides here refuse that.
 *
 * Two halves:
 *   ipc_helper.c  the helper's: encode and send messages, read replies;
 *   ipc_libxl.c   libxl's, for tests and for our own libxl-side driver:
 *                 read and strictly decode frames, send replies.
 * The encoding matches the stock helper only on little-endian LP64 hosts
 * (x86-64, arm64), which is where Xen's toolstack runs; the build refuses
 * any other.
 */
#ifndef CVG_WIRE_IPC_H
#define CVG_WIRE_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/io.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "the libxl helper IPC is host-endian; this codec is little-endian");
_Static_assert(sizeof(unsigned long) == 8,
               "the libxl helper IPC carries unsigned long as 8 bytes (LP64)");

enum cvg_ipc_msgnum {
    CVG_IPC_LOG                     = 1,
    CVG_IPC_PROGRESS                = 2,
    CVG_IPC_SUSPEND                 = 3,
    CVG_IPC_POSTCOPY                = 4,
    CVG_IPC_CHECKPOINT              = 5,
    CVG_IPC_WAIT_CHECKPOINT         = 6,
    CVG_IPC_SWITCH_QEMU_LOGDIRTY    = 7,
    CVG_IPC_STATIC_DATA_DONE        = 8,
    CVG_IPC_RESTORE_RESULTS         = 9,
    CVG_IPC_COMPLETE                = 10,
};
#define CVG_IPC_NR_MSGS 10u

enum cvg_ipc_role {
    CVG_IPC_SAVE = 1,       /* --save-domain */
    CVG_IPC_RESTORE = 2,    /* --restore-domain */
};

/* Frame bounds: the stock helper asserts body < 64 KiB. */
#define CVG_IPC_BODY_MAX        65535u
#define CVG_IPC_FRAME_MAX       (2u + CVG_IPC_BODY_MAX)

/* xentoollog levels (xentoollog.h), as carried by log. */
enum cvg_xtl_level {
    CVG_XTL_DEBUG = 1,
    CVG_XTL_VERBOSE,
    CVG_XTL_DETAIL,
    CVG_XTL_PROGRESS,
    CVG_XTL_INFO,
    CVG_XTL_NOTICE,
    CVG_XTL_WARN,
    CVG_XTL_ERROR,
    CVG_XTL_CRITICAL,
};
#define CVG_XTL_NUM_LEVELS 10u

/* static_data_done's missing bits (xenguest.h XGR_SDD_MISSING_*). */
#define CVG_XGR_SDD_MISSING_CPUID   (1u << 0)
#define CVG_XGR_SDD_MISSING_MSR     (1u << 1)
#define CVG_XGR_SDD_MISSING_KNOWN   (CVG_XGR_SDD_MISSING_CPUID | CVG_XGR_SDD_MISSING_MSR)

/* cbflags */
#define CVG_IPC_CB(n)                   (1u << (n))
#define CVG_IPC_CBFLAGS_PLAIN_SAVE      (CVG_IPC_CB(CVG_IPC_SUSPEND) | \
                                         CVG_IPC_CB(CVG_IPC_SWITCH_QEMU_LOGDIRTY))   /* 136 */
#define CVG_IPC_CBFLAGS_PLAIN_RESTORE   (CVG_IPC_CB(CVG_IPC_STATIC_DATA_DONE) | \
                                         CVG_IPC_CB(CVG_IPC_RESTORE_RESULTS))        /* 768 */

struct cvg_ipc_msginfo {
    const char *name;           /* as in libxl_save_msgs_gen.pl */
    bool save, restore;         /* may a save / restore helper send it */
    bool callback;              /* needs its cbflags bit */
    bool reply;                 /* the helper then reads an int */
};

/* NULL for a number outside 1..10. */
const struct cvg_ipc_msginfo *cvg_ipc_msginfo(unsigned num);
const char *cvg_ipc_msg_name(unsigned num);         /* "unknown" outside 1..10 */
const char *cvg_ipc_role_name(enum cvg_ipc_role role);  /* "save", "restore" */
bool cvg_ipc_role_allows(enum cvg_ipc_role role, unsigned num);

bool cvg_ipc_cbflags_has(unsigned cbflags, unsigned num);
/* Refuses bits that are no callback of this role (bad argv, or a newer libxl). */
int cvg_ipc_cbflags_check(enum cvg_ipc_role role, unsigned cbflags,
                          struct cvg_err *err);
/*
 * Names the bits: "suspend|switch_qemu_logdirty", "none", unknown bits as
 * "0x...".  snprintf-like (returns the length wanted); buf must not be NULL.
 */
int cvg_ipc_cbflags_str(unsigned cbflags, char *buf, size_t size);

/*
 * One message.  Strings are borrowed: when encoding, from the caller (NULL
 * is sent as ""); when decoding, from the frame buffer they arrived in.
 */
struct cvg_ipc_msg {
    unsigned num;               /* enum cvg_ipc_msgnum */
    union {
        struct {
            uint32_t level;     /* enum cvg_xtl_level */
            uint32_t errnoval;  /* (uint32_t)-1: none */
            const char *context;
            const char *text;
        } log;
        struct {
            const char *context;
            const char *doing_what;
            uint64_t done, total;
        } progress;
        struct {
            uint32_t domid;
            uint32_t enable;
        } logdirty;
        struct {
            uint32_t missing;
        } sdd;
        struct {
            uint64_t store_gfn, console_gfn;
        } results;
        struct {
            int32_t retval, errnoval;
        } complete;
    } u;
};

/* ---- helper side (ipc_helper.c) ---------------------------------------- */

/*
 * Writes msg as one frame with one gather write, no check of role or
 * cbflags (tests use it to forge sequences).  Strings that would take the
 * body past CVG_IPC_BODY_MAX are cut, never refused: log text (and progress
 * doing_what) first, keeping at most 1 KiB of context, and a cut string
 * ends in "..." before its NUL.
 */
int cvg_ipc_write_msg(struct cvg_sink *out, const struct cvg_ipc_msg *msg,
                      struct cvg_err *err);
/* Reads one int reply; what names the message waiting for it. */
int cvg_ipc_read_reply(struct cvg_src *in, const char *what, int *reply,
                       struct cvg_err *err);

/*
 * A helper's end of the channel.  It refuses what libxl could not take:
 * a message of the other role, an unregistered callback, complete from a
 * restore helper before restore_results, anything but log after complete.
 * A restore helper sends restore_results even when the restore failed
 * (zero gfns), as the stock one does, so that libxl reports complete's
 * retval/errnoval instead of "exited without providing results".
 * Not thread-safe: one caller at a time (frames must not interleave).
 */
struct cvg_ipc_helper {
    struct cvg_sink *out;       /* the helper's stdout */
    struct cvg_src *in;         /* the helper's stdin */
    enum cvg_ipc_role role;
    unsigned cbflags;
    bool sent_results, completed;
};

int cvg_ipc_helper_init(struct cvg_ipc_helper *h, enum cvg_ipc_role role,
                        unsigned cbflags, struct cvg_sink *out,
                        struct cvg_src *in, struct cvg_err *err);
/* Sends msg; for messages with a reply, waits for it into *reply. */
int cvg_ipc_helper_send(struct cvg_ipc_helper *h, const struct cvg_ipc_msg *msg,
                        int *reply, struct cvg_err *err);

int cvg_ipc_log(struct cvg_ipc_helper *h, uint32_t level, int errnoval,
                const char *context, const char *text, struct cvg_err *err);
int cvg_ipc_progress(struct cvg_ipc_helper *h, const char *context,
                     const char *doing_what, uint64_t done, uint64_t total,
                     struct cvg_err *err);
int cvg_ipc_suspend(struct cvg_ipc_helper *h, int *reply, struct cvg_err *err);
int cvg_ipc_postcopy(struct cvg_ipc_helper *h, int *reply, struct cvg_err *err);
int cvg_ipc_checkpoint(struct cvg_ipc_helper *h, int *reply, struct cvg_err *err);
int cvg_ipc_wait_checkpoint(struct cvg_ipc_helper *h, int *reply,
                            struct cvg_err *err);
int cvg_ipc_switch_qemu_logdirty(struct cvg_ipc_helper *h, uint32_t domid,
                                 unsigned enable, int *reply, struct cvg_err *err);
int cvg_ipc_static_data_done(struct cvg_ipc_helper *h, unsigned missing,
                             int *reply, struct cvg_err *err);
int cvg_ipc_restore_results(struct cvg_ipc_helper *h, uint64_t store_gfn,
                            uint64_t console_gfn, struct cvg_err *err);
int cvg_ipc_complete(struct cvg_ipc_helper *h, int retval, int errnoval,
                     int *reply, struct cvg_err *err);

/* ---- libxl side (ipc_libxl.c) ------------------------------------------ */

/*
 * Decodes one body exactly as libxl's generated callout code does (message
 * numbering, per-role legality, argument sizes, STRING rules, no trailing
 * bytes) and, beyond it, refuses a STRING with an interior NUL, a log level
 * outside 1..9, enable outside 0/1 and unknown missing bits.  base is the
 * stream offset of body[0], quoted in messages.  Strings point into body.
 */
int cvg_ipc_decode(enum cvg_ipc_role role, const uint8_t *body, size_t len,
                   uint64_t base, struct cvg_ipc_msg *msg, struct cvg_err *err);

/* Writes one reply int. */
int cvg_ipc_write_reply(struct cvg_sink *out, int value, struct cvg_err *err);

/*
 * libxl's end of the channel: reads frames with no read-ahead, decodes
 * them, checks the callback was registered and the sequence is one libxl
 * accepts, and keeps the body the last message's strings point into.
 */
struct cvg_ipc_libxl {
    struct cvg_src *in;         /* the helper's stdout */
    struct cvg_sink *out;       /* the helper's stdin */
    enum cvg_ipc_role role;
    unsigned cbflags;
    unsigned pending;           /* message waiting for cvg_ipc_libxl_reply */
    bool have_results, completed;
    uint64_t store_gfn, console_gfn;
    int retval, errnoval;       /* from complete */
    uint32_t nr_msgs;
    uint8_t body[CVG_IPC_BODY_MAX];
};

int cvg_ipc_libxl_init(struct cvg_ipc_libxl *l, enum cvg_ipc_role role,
                       unsigned cbflags, struct cvg_src *in,
                       struct cvg_sink *out, struct cvg_err *err);
/*
 * 0: *msg holds the next message (reply with cvg_ipc_libxl_reply if its
 * info says so, before the next call); 1: the helper closed its stdout at a
 * frame boundary; < 0: error (truncated frame, bad body, bad sequence).
 */
int cvg_ipc_libxl_next(struct cvg_ipc_libxl *l, struct cvg_ipc_msg *msg,
                       struct cvg_err *err);
int cvg_ipc_libxl_reply(struct cvg_ipc_libxl *l, int value, struct cvg_err *err);
/*
 * What libxl's helper_exited() concludes once the helper is gone: fails
 * without complete ("exited without signaling completion") or, for a
 * restore, without restore_results ("exited without providing results").
 */
int cvg_ipc_libxl_exit_check(const struct cvg_ipc_libxl *l, struct cvg_err *err);

#endif
