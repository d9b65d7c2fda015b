/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxl's half of the helper IPC: what libxl_save_callout.c and the
 * generated _libxl_save_msgs_callout.c do with the helper's stdout, made
 * strict and bounded.  The input is untrusted: the frame length is a u16,
 * the body lives in the caller's struct, nothing else is allocated.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/bytes.h"
#include "wire/ipc.h"

/* Reads the arguments of one body, left to right, as the callout does. */
struct cursor {
    const uint8_t *body;
    size_t len, pos;
    uint64_t base;              /* stream offset of body[0] */
    unsigned num;
    struct cvg_err *err;
};

static int bad(struct cursor *c, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "helper message NAME (N) at offset X: DETAIL at offset Y (byte Z of the body)" */
static int bad(struct cursor *c, size_t at, const char *fmt, ...)
{
    char detail[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    return cvg_fail(c->err, -EPROTO,
                    "helper message %s (%u) at offset %llu: %s at offset %llu "
                    "(byte %zu of the body)",
                    cvg_ipc_msg_name(c->num), c->num, (unsigned long long)c->base,
                    detail, (unsigned long long)(c->base + at), at);
}

static int take(struct cursor *c, size_t n, const char *what, const uint8_t **p)
{
    if (c->len - c->pos < n)
        return bad(c, c->pos, "the body ends %zu bytes short of %s (%zu bytes)",
                   n - (c->len - c->pos), what, n);
    *p = c->body + c->pos;
    c->pos += n;
    return 0;
}

static int get_u32(struct cursor *c, const char *what, uint32_t *v)
{
    const uint8_t *p = NULL;
    int rc = take(c, 4, what, &p);

    if (!rc)
        *v = cvg_get_le32(p);
    return rc;
}

static int get_u64(struct cursor *c, const char *what, uint64_t *v)
{
    const uint8_t *p = NULL;
    int rc = take(c, 8, what, &p);

    if (!rc)
        *v = cvg_get_le64(p);
    return rc;
}

static int get_string(struct cursor *c, const char *what, const char **s)
{
    size_t at = c->pos, left;
    const uint8_t *data;
    uint32_t size;
    int rc;

    rc = get_u32(c, what, &size);
    if (rc)
        return rc;
    left = c->len - c->pos;
    if (size == 0)
        return bad(c, at, "STRING %s has size 0 (a STRING holds at least its NUL)",
                   what);
    if (size > left)
        return bad(c, at, "STRING %s claims %u bytes, only %zu left in the body",
                   what, size, left);
    data = c->body + c->pos;
    if (data[size - 1] != '\0')
        return bad(c, at, "STRING %s of %u bytes is not NUL-terminated", what, size);
    if (memchr(data, '\0', size - 1))
        return bad(c, at, "STRING %s has a NUL at byte %zu of its %u", what,
                   (size_t)((const uint8_t *)memchr(data, '\0', size) - data), size);
    *s = (const char *)data;
    c->pos += size;
    return 0;
}

static int decode_args(struct cursor *c, struct cvg_ipc_msg *m)
{
    int rc = 0;

    switch (m->num) {
    case CVG_IPC_LOG:
        rc = get_u32(c, "level", &m->u.log.level);
        if (!rc)
            rc = get_u32(c, "errnoval", &m->u.log.errnoval);
        if (!rc)
            rc = get_string(c, "context", &m->u.log.context);
        if (!rc)
            rc = get_string(c, "formatted", &m->u.log.text);
        if (!rc && (m->u.log.level == 0 || m->u.log.level >= CVG_XTL_NUM_LEVELS))
            rc = bad(c, 2, "level %u is not a xentoollog level (1..%u)",
                     m->u.log.level, CVG_XTL_NUM_LEVELS - 1);
        return rc;
    case CVG_IPC_PROGRESS:
        rc = get_string(c, "context", &m->u.progress.context);
        if (!rc)
            rc = get_string(c, "doing_what", &m->u.progress.doing_what);
        if (!rc)
            rc = get_u64(c, "done", &m->u.progress.done);
        if (!rc)
            rc = get_u64(c, "total", &m->u.progress.total);
        return rc;
    case CVG_IPC_SWITCH_QEMU_LOGDIRTY:
        rc = get_u32(c, "domid", &m->u.logdirty.domid);
        if (!rc)
            rc = get_u32(c, "enable", &m->u.logdirty.enable);
        if (!rc && m->u.logdirty.enable > 1)
            rc = bad(c, 6, "enable is %u, not 0 or 1", m->u.logdirty.enable);
        return rc;
    case CVG_IPC_STATIC_DATA_DONE:
        rc = get_u32(c, "missing", &m->u.sdd.missing);
        if (!rc && (m->u.sdd.missing & ~CVG_XGR_SDD_MISSING_KNOWN))
            rc = bad(c, 2, "missing has unknown bits 0x%x (known 0x%x)",
                     m->u.sdd.missing & ~CVG_XGR_SDD_MISSING_KNOWN,
                     CVG_XGR_SDD_MISSING_KNOWN);
        return rc;
    case CVG_IPC_RESTORE_RESULTS:
        rc = get_u64(c, "store_gfn", &m->u.results.store_gfn);
        if (!rc)
            rc = get_u64(c, "console_gfn", &m->u.results.console_gfn);
        return rc;
    case CVG_IPC_COMPLETE: {
        uint32_t r = 0, e = 0;

        rc = get_u32(c, "retval", &r);
        if (!rc)
            rc = get_u32(c, "errnoval", &e);
        m->u.complete.retval = (int32_t)r;
        m->u.complete.errnoval = (int32_t)e;
        return rc;
    }
    default:                    /* suspend, postcopy, checkpoint, wait_checkpoint */
        return 0;
    }
}

int cvg_ipc_decode(enum cvg_ipc_role role, const uint8_t *body, size_t len,
                   uint64_t base, struct cvg_ipc_msg *msg, struct cvg_err *err)
{
    struct cursor c = { .body = body, .len = len, .pos = 2, .base = base, .err = err };
    unsigned num;
    int rc;

    memset(msg, 0, sizeof(*msg));
    if (len < 2)
        return cvg_fail(err, -EPROTO,
                        "helper message at offset %llu: a %zu-byte body has no message "
                        "number", (unsigned long long)base, len);
    if (len > CVG_IPC_BODY_MAX)
        return cvg_fail(err, -EPROTO,
                        "helper message at offset %llu: %zu-byte body over the %u-byte "
                        "limit", (unsigned long long)base, len, CVG_IPC_BODY_MAX);
    num = cvg_get_le16(body);
    if (!cvg_ipc_msginfo(num))
        return cvg_fail(err, -EPROTO,
                        "helper message at offset %llu: unknown message number %u "
                        "(known: 1..%u)", (unsigned long long)base, num, CVG_IPC_NR_MSGS);
    if (!cvg_ipc_role_allows(role, num))
        return cvg_fail(err, -EPROTO,
                        "helper message %s (%u) at offset %llu: a %s helper does not send "
                        "it (libxl's %s callout refuses it)",
                        cvg_ipc_msg_name(num), num, (unsigned long long)base,
                        cvg_ipc_role_name(role), cvg_ipc_role_name(role));
    c.num = num;
    msg->num = num;
    rc = decode_args(&c, msg);
    if (rc)
        return rc;
    if (c.pos != len)
        return cvg_fail(err, -EPROTO,
                        "helper message %s (%u) at offset %llu: %zu trailing bytes after "
                        "the arguments, at offset %llu",
                        cvg_ipc_msg_name(num), num, (unsigned long long)base,
                        len - c.pos, (unsigned long long)(base + c.pos));
    return 0;
}

int cvg_ipc_write_reply(struct cvg_sink *out, int value, struct cvg_err *err)
{
    uint8_t b[4];

    cvg_put_le32(b, (uint32_t)value);
    return cvg_sink_write(out, b, sizeof(b), err);
}

int cvg_ipc_libxl_init(struct cvg_ipc_libxl *l, enum cvg_ipc_role role,
                       unsigned cbflags, struct cvg_src *in,
                       struct cvg_sink *out, struct cvg_err *err)
{
    int rc = cvg_ipc_cbflags_check(role, cbflags, err);

    if (rc)
        return rc;
    l->in = in;
    l->out = out;
    l->role = role;
    l->cbflags = cbflags;
    l->pending = 0;
    l->have_results = l->completed = false;
    l->store_gfn = l->console_gfn = 0;
    l->retval = l->errnoval = 0;
    l->nr_msgs = 0;
    return 0;
}

/* Sequence rules libxl applies, or would crash without. */
static int check_sequence(struct cvg_ipc_libxl *l, const struct cvg_ipc_msg *m,
                          uint64_t off, struct cvg_err *err)
{
    const struct cvg_ipc_msginfo *mi = cvg_ipc_msginfo(m->num);

    if (mi->callback && !cvg_ipc_cbflags_has(l->cbflags, m->num))
        return cvg_fail(err, -EPROTO,
                        "helper message %s (%u) at offset %llu: libxl did not register "
                        "this callback (cbflags 0x%x); libxl would call a NULL pointer",
                        mi->name, m->num, (unsigned long long)off, l->cbflags);
    /* libxl stops reading at complete; only the stock helper's late logs follow. */
    if (l->completed && m->num != CVG_IPC_LOG)
        return cvg_fail(err, -EPROTO,
                        "helper message %s (%u) at offset %llu: sent after complete, when "
                        "libxl no longer reads", mi->name, m->num, (unsigned long long)off);
    return 0;
}

int cvg_ipc_libxl_next(struct cvg_ipc_libxl *l, struct cvg_ipc_msg *msg,
                       struct cvg_err *err)
{
    uint64_t off = l->in->off;
    uint8_t b[2];
    uint16_t len;
    int rc;

    memset(msg, 0, sizeof(*msg));
    if (l->pending)
        return cvg_fail(err, -EBUSY,
                        "libxl side: %s is still waiting for its reply",
                        cvg_ipc_msg_name(l->pending));
    rc = cvg_src_at_eof(l->in, &b[0], err);
    if (rc)
        return rc;              /* 1: clean end between frames, or an error */
    rc = cvg_src_read(l->in, &b[1], 1, "helper frame length", err);
    if (rc)
        return rc;
    len = cvg_get_le16(b);
    if (len < 2)
        return cvg_fail(err, -EPROTO,
                        "helper frame at offset %llu: length %u cannot hold a message "
                        "number", (unsigned long long)off, len);
    rc = cvg_src_read(l->in, l->body, len, "helper message body", err);
    if (rc) {
        cvg_err_prefix(err, "helper frame at offset %llu (%u-byte body)",
                       (unsigned long long)off, len);
        return rc;
    }
    rc = cvg_ipc_decode(l->role, l->body, len, off + 2, msg, err);
    if (!rc)
        rc = check_sequence(l, msg, off, err);
    if (rc)
        return rc;

    if (msg->num == CVG_IPC_RESTORE_RESULTS) {
        l->have_results = true;
        l->store_gfn = msg->u.results.store_gfn;
        l->console_gfn = msg->u.results.console_gfn;
    } else if (msg->num == CVG_IPC_COMPLETE) {
        l->completed = true;
        l->retval = msg->u.complete.retval;
        l->errnoval = msg->u.complete.errnoval;
    }
    if (cvg_ipc_msginfo(msg->num)->reply)
        l->pending = msg->num;
    l->nr_msgs++;
    return 0;
}

int cvg_ipc_libxl_reply(struct cvg_ipc_libxl *l, int value, struct cvg_err *err)
{
    int rc;

    if (!l->pending)
        return cvg_fail(err, -EPROTO,
                        "libxl side: no helper message is waiting for a reply");
    rc = cvg_ipc_write_reply(l->out, value, err);
    if (rc) {
        cvg_err_prefix(err, "replying to %s", cvg_ipc_msg_name(l->pending));
        return rc;
    }
    l->pending = 0;
    return 0;
}

int cvg_ipc_libxl_exit_check(const struct cvg_ipc_libxl *l, struct cvg_err *err)
{
    /* The order of libxl's helper_exited(). */
    if (l->role == CVG_IPC_RESTORE && !l->have_results)
        return cvg_fail(err, -EPROTO,
                        "%s helper exited without providing results",
                        cvg_ipc_role_name(l->role));
    if (!l->completed)
        return cvg_fail(err, -EPROTO,
                        "%s helper exited without signaling completion",
                        cvg_ipc_role_name(l->role));
    return 0;
}
