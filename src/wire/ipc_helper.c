/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The helper's half of the libxl IPC: frames out, int replies in. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/bytes.h"
#include "wire/ipc.h"

/* Context kept when a log or progress message has to be cut to fit. */
#define CONTEXT_KEEP_MAX    1024u

static const char cut_marker[] = "...";
static const uint8_t nul_byte;

/*
 * A frame as a gather list: scalars are stored in scratch, strings are
 * referenced where they lie, so a 64 KiB log line is never copied.
 */
struct frame {
    uint8_t scratch[64];
    size_t used;
    struct iovec iov[16];
    int n;
    size_t body_len;            /* everything after the u16 length */
};

static void put_ref(struct frame *f, const void *p, size_t len, bool body)
{
    f->iov[f->n++] = (struct iovec){ (void *)p, len };
    if (body)
        f->body_len += len;
}

static uint8_t *scratch(struct frame *f, size_t len)
{
    uint8_t *p = f->scratch + f->used;

    f->used += len;
    return p;
}

static void put_u16(struct frame *f, uint16_t v)
{
    uint8_t *p = scratch(f, 2);

    cvg_put_le16(p, v);
    put_ref(f, p, 2, true);
}

static void put_u32(struct frame *f, uint32_t v)
{
    uint8_t *p = scratch(f, 4);

    cvg_put_le32(p, v);
    put_ref(f, p, 4, true);
}

static void put_u64(struct frame *f, uint64_t v)
{
    uint8_t *p = scratch(f, 8);

    cvg_put_le64(p, v);
    put_ref(f, p, 8, true);
}

/* STRING: u32 size (with NUL), keep bytes of s, the marker if cut, NUL. */
static void put_string(struct frame *f, const char *s, size_t keep, bool cut)
{
    size_t mark = cut ? sizeof(cut_marker) - 1 : 0;

    put_u32(f, (uint32_t)(keep + mark + 1));
    if (keep)
        put_ref(f, s, keep, true);
    if (mark)
        put_ref(f, cut_marker, mark, true);
    put_ref(f, &nul_byte, 1, true);
}

/*
 * Two strings sharing what the body has left (room, NULs and sizes
 * excluded): the first keeps up to CONTEXT_KEEP_MAX bytes when both do not
 * fit, the second takes the rest and is cut with the marker.
 */
static void fit_two(size_t room, size_t *len1, bool *cut1, size_t *len2, bool *cut2)
{
    size_t mark = sizeof(cut_marker) - 1;

    *cut1 = *cut2 = false;
    if (*len1 + *len2 <= room)
        return;
    if (*len1 > CONTEXT_KEEP_MAX) {
        *len1 = CONTEXT_KEEP_MAX - mark;
        *cut1 = true;
    }
    if (*len1 + (*cut1 ? mark : 0) + *len2 > room) {
        *len2 = room - *len1 - (*cut1 ? mark : 0) - mark;
        *cut2 = true;
    }
}

static int build(struct frame *f, const struct cvg_ipc_msg *msg, struct cvg_err *err)
{
    /* Fixed bytes of log/progress: msgnum, two u32 scalars or two u64, two sizes, two NULs. */
    const size_t log_fixed = 2 + 4 + 4 + 4 + 4 + 2;
    const size_t progress_fixed = 2 + 4 + 4 + 8 + 8 + 2;
    const char *s1, *s2;
    size_t l1, l2;
    bool c1, c2;

    memset(f, 0, sizeof(*f));
    put_ref(f, scratch(f, 2), 2, false);        /* u16 length, set below */
    put_u16(f, (uint16_t)msg->num);

    switch (msg->num) {
    case CVG_IPC_LOG:
        s1 = msg->u.log.context ? msg->u.log.context : "";
        s2 = msg->u.log.text ? msg->u.log.text : "";
        l1 = strlen(s1);
        l2 = strlen(s2);
        fit_two(CVG_IPC_BODY_MAX - log_fixed, &l1, &c1, &l2, &c2);
        put_u32(f, msg->u.log.level);
        put_u32(f, msg->u.log.errnoval);
        put_string(f, s1, l1, c1);
        put_string(f, s2, l2, c2);
        break;
    case CVG_IPC_PROGRESS:
        s1 = msg->u.progress.context ? msg->u.progress.context : "";
        s2 = msg->u.progress.doing_what ? msg->u.progress.doing_what : "";
        l1 = strlen(s1);
        l2 = strlen(s2);
        fit_two(CVG_IPC_BODY_MAX - progress_fixed, &l1, &c1, &l2, &c2);
        put_string(f, s1, l1, c1);
        put_string(f, s2, l2, c2);
        put_u64(f, msg->u.progress.done);
        put_u64(f, msg->u.progress.total);
        break;
    case CVG_IPC_SUSPEND:
    case CVG_IPC_POSTCOPY:
    case CVG_IPC_CHECKPOINT:
    case CVG_IPC_WAIT_CHECKPOINT:
        break;
    case CVG_IPC_SWITCH_QEMU_LOGDIRTY:
        put_u32(f, msg->u.logdirty.domid);
        put_u32(f, msg->u.logdirty.enable);
        break;
    case CVG_IPC_STATIC_DATA_DONE:
        put_u32(f, msg->u.sdd.missing);
        break;
    case CVG_IPC_RESTORE_RESULTS:
        put_u64(f, msg->u.results.store_gfn);
        put_u64(f, msg->u.results.console_gfn);
        break;
    case CVG_IPC_COMPLETE:
        put_u32(f, (uint32_t)msg->u.complete.retval);
        put_u32(f, (uint32_t)msg->u.complete.errnoval);
        break;
    default:
        return cvg_fail(err, -EINVAL, "helper IPC: no message number %u", msg->num);
    }
    /* fit_two() keeps this from happening; a u16 must never wrap silently. */
    if (f->body_len > CVG_IPC_BODY_MAX)
        return cvg_fail(err, -E2BIG, "helper IPC: %s body of %zu bytes over the %u limit",
                        cvg_ipc_msg_name(msg->num), f->body_len, CVG_IPC_BODY_MAX);
    cvg_put_le16(f->scratch, (uint16_t)f->body_len);
    return 0;
}

int cvg_ipc_write_msg(struct cvg_sink *out, const struct cvg_ipc_msg *msg,
                      struct cvg_err *err)
{
    struct frame f;
    int rc;

    rc = build(&f, msg, err);
    if (rc)
        return rc;
    rc = cvg_sink_writev(out, f.iov, f.n, err);
    if (rc)
        cvg_err_prefix(err, "sending %s to libxl", cvg_ipc_msg_name(msg->num));
    return rc;
}

int cvg_ipc_read_reply(struct cvg_src *in, const char *what, int *reply,
                       struct cvg_err *err)
{
    uint8_t b[4];
    char label[64];
    int rc;

    snprintf(label, sizeof(label), "libxl's reply to %s", what);
    rc = cvg_src_read(in, b, sizeof(b), label, err);
    if (rc)
        return rc;
    *reply = (int)(int32_t)cvg_get_le32(b);
    return 0;
}

int cvg_ipc_helper_init(struct cvg_ipc_helper *h, enum cvg_ipc_role role,
                        unsigned cbflags, struct cvg_sink *out,
                        struct cvg_src *in, struct cvg_err *err)
{
    int rc = cvg_ipc_cbflags_check(role, cbflags, err);

    if (rc)
        return rc;
    memset(h, 0, sizeof(*h));
    h->out = out;
    h->in = in;
    h->role = role;
    h->cbflags = cbflags;
    return 0;
}

/* What libxl could not take from this helper now. */
static int check_send(const struct cvg_ipc_helper *h, unsigned num,
                      struct cvg_err *err)
{
    const struct cvg_ipc_msginfo *mi = cvg_ipc_msginfo(num);
    const char *name = cvg_ipc_msg_name(num);

    if (!mi)
        return cvg_fail(err, -EINVAL, "helper IPC: no message number %u", num);
    if (!cvg_ipc_role_allows(h->role, num))
        return cvg_fail(err, -EPROTO, "a %s helper cannot send %s",
                        cvg_ipc_role_name(h->role), name);
    if (mi->callback && !cvg_ipc_cbflags_has(h->cbflags, num))
        return cvg_fail(err, -ENOTSUP,
                        "libxl did not register the %s callback (cbflags 0x%x)",
                        name, h->cbflags);
    /* After complete libxl stops reading; the stock helper still logs. */
    if (h->completed && num != CVG_IPC_LOG)
        return cvg_fail(err, -EPROTO, "%s sent after complete", name);
    if (num == CVG_IPC_COMPLETE && h->role == CVG_IPC_RESTORE && !h->sent_results)
        return cvg_fail(err, -EPROTO,
                        "a restore helper must send restore_results before complete "
                        "(after a failed restore too, with zero gfns, as the stock "
                        "helper does: else libxl reports only \"exited without "
                        "providing results\")");
    return 0;
}

int cvg_ipc_helper_send(struct cvg_ipc_helper *h, const struct cvg_ipc_msg *msg,
                        int *reply, struct cvg_err *err)
{
    const struct cvg_ipc_msginfo *mi;
    int rc, dummy;

    rc = check_send(h, msg->num, err);
    if (rc)
        return rc;
    mi = cvg_ipc_msginfo(msg->num);
    rc = cvg_ipc_write_msg(h->out, msg, err);
    if (rc)
        return rc;
    if (msg->num == CVG_IPC_RESTORE_RESULTS)
        h->sent_results = true;
    if (msg->num == CVG_IPC_COMPLETE)
        h->completed = true;
    if (!mi->reply)
        return 0;
    return cvg_ipc_read_reply(h->in, mi->name, reply ? reply : &dummy, err);
}

int cvg_ipc_log(struct cvg_ipc_helper *h, uint32_t level, int errnoval,
                const char *context, const char *text, struct cvg_err *err)
{
    struct cvg_ipc_msg m = { .num = CVG_IPC_LOG };

    m.u.log.level = level;
    m.u.log.errnoval = (uint32_t)errnoval;
    m.u.log.context = context;
    m.u.log.text = text;
    return cvg_ipc_helper_send(h, &m, NULL, err);
}

int cvg_ipc_progress(struct cvg_ipc_helper *h, const char *context,
                     const char *doing_what, uint64_t done, uint64_t total,
                     struct cvg_err *err)
{
    struct cvg_ipc_msg m = { .num = CVG_IPC_PROGRESS };

    m.u.progress.context = context;
    m.u.progress.doing_what = doing_what;
    m.u.progress.done = done;
    m.u.progress.total = total;
    return cvg_ipc_helper_send(h, &m, NULL, err);
}

static int send_bare(struct cvg_ipc_helper *h, unsigned num, int *reply,
                     struct cvg_err *err)
{
    struct cvg_ipc_msg m = { .num = num };

    return cvg_ipc_helper_send(h, &m, reply, err);
}

int cvg_ipc_suspend(struct cvg_ipc_helper *h, int *reply, struct cvg_err *err)
{
    return send_bare(h, CVG_IPC_SUSPEND, reply, err);
}

int cvg_ipc_postcopy(struct cvg_ipc_helper *h, int *reply, struct cvg_err *err)
{
    return send_bare(h, CVG_IPC_POSTCOPY, reply, err);
}

int cvg_ipc_checkpoint(struct cvg_ipc_helper *h, int *reply, struct cvg_err *err)
{
    return send_bare(h, CVG_IPC_CHECKPOINT, reply, err);
}

int cvg_ipc_wait_checkpoint(struct cvg_ipc_helper *h, int *reply,
                            struct cvg_err *err)
{
    return send_bare(h, CVG_IPC_WAIT_CHECKPOINT, reply, err);
}

int cvg_ipc_switch_qemu_logdirty(struct cvg_ipc_helper *h, uint32_t domid,
                                 unsigned enable, int *reply, struct cvg_err *err)
{
    struct cvg_ipc_msg m = { .num = CVG_IPC_SWITCH_QEMU_LOGDIRTY };

    m.u.logdirty.domid = domid;
    m.u.logdirty.enable = enable;
    return cvg_ipc_helper_send(h, &m, reply, err);
}

int cvg_ipc_static_data_done(struct cvg_ipc_helper *h, unsigned missing,
                             int *reply, struct cvg_err *err)
{
    struct cvg_ipc_msg m = { .num = CVG_IPC_STATIC_DATA_DONE };

    m.u.sdd.missing = missing;
    return cvg_ipc_helper_send(h, &m, reply, err);
}

int cvg_ipc_restore_results(struct cvg_ipc_helper *h, uint64_t store_gfn,
                            uint64_t console_gfn, struct cvg_err *err)
{
    struct cvg_ipc_msg m = { .num = CVG_IPC_RESTORE_RESULTS };

    m.u.results.store_gfn = store_gfn;
    m.u.results.console_gfn = console_gfn;
    return cvg_ipc_helper_send(h, &m, NULL, err);
}

int cvg_ipc_complete(struct cvg_ipc_helper *h, int retval, int errnoval,
                     int *reply, struct cvg_err *err)
{
    struct cvg_ipc_msg m = { .num = CVG_IPC_COMPLETE };

    m.u.complete.retval = retval;
    m.u.complete.errnoval = errnoval;
    return cvg_ipc_helper_send(h, &m, reply, err);
}
