/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libxl <-> save-helper IPC, both halves: golden frames written by hand
 * from libxl_save_msgs_gen.pl and the recorded transcripts, every message
 * round-tripped between a helper and a fake libxl over real pipes, the
 * recorded save and restore sequences replayed, truncation at every offset,
 * and each malformed frame or sequence refused with what and where.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenguest.h>
#include <xentoollog.h>

#include "common/bytes.h"
#include "common/io.h"
#include "helper/progress.h"
#include "wire/ipc.h"

/* Our constants are Xen's. */
_Static_assert((int)CVG_XTL_DEBUG == (int)XTL_DEBUG, "xentoollog level");
_Static_assert((int)CVG_XTL_DETAIL == (int)XTL_DETAIL, "xentoollog level");
_Static_assert((int)CVG_XTL_INFO == (int)XTL_INFO, "xentoollog level");
_Static_assert((int)CVG_XTL_ERROR == (int)XTL_ERROR, "xentoollog level");
_Static_assert((int)CVG_XTL_CRITICAL == (int)XTL_CRITICAL, "xentoollog level");
_Static_assert((int)CVG_XTL_NUM_LEVELS == (int)XTL_NUM_LEVELS, "xentoollog levels");
_Static_assert(CVG_XGR_SDD_MISSING_CPUID == XGR_SDD_MISSING_CPUID, "xenguest");
_Static_assert(CVG_XGR_SDD_MISSING_MSR == XGR_SDD_MISSING_MSR, "xenguest");

/* ---- golden frames, by hand: u16 body length, u16 msgnum, arguments ---- */

/* log(XTL_DEBUG, -1, "libxl-save-helper", "starting save") */
static const uint8_t g_log[52] = {
    0x32, 0x00,                             /* body: 50 bytes */
    0x01, 0x00,                             /* 1 log */
    0x01, 0x00, 0x00, 0x00,                 /* level XTL_DEBUG */
    0xff, 0xff, 0xff, 0xff,                 /* errnoval -1 */
    0x12, 0x00, 0x00, 0x00,                 /* STRING of 18 */
    'l', 'i', 'b', 'x', 'l', '-', 's', 'a', 'v', 'e', '-', 'h', 'e', 'l', 'p', 'e', 'r', 0,
    0x0e, 0x00, 0x00, 0x00,                 /* STRING of 14 */
    's', 't', 'a', 'r', 't', 'i', 'n', 'g', ' ', 's', 'a', 'v', 'e', 0,
};
/* switch_qemu_logdirty(domid=4, enable=1) */
static const uint8_t g_logdirty[12] = {
    0x0a, 0x00, 0x07, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
};
/* complete(retval=0, errnoval=0) */
static const uint8_t g_complete[12] = {
    0x0a, 0x00, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
};
/* restore_results(store_gfn=0xfeffc, console_gfn=0xfefff) */
static const uint8_t g_results[20] = {
    0x12, 0x00, 0x09, 0x00,
    0xfc, 0xef, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xef, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* suspend(), and libxl's replies: 1 (suspended), 0, -1 */
static const uint8_t g_suspend[4] = { 0x02, 0x00, 0x03, 0x00 };
static const uint8_t g_reply_1[4] = { 1, 0, 0, 0 };
static const uint8_t g_reply_0[4] = { 0, 0, 0, 0 };

#define ALL_SAVE_CBS    (CVG_IPC_CB(3) | CVG_IPC_CB(4) | CVG_IPC_CB(5) | CVG_IPC_CB(6) | \
                         CVG_IPC_CB(7))
#define ALL_RESTORE_CBS (CVG_IPC_CB(3) | CVG_IPC_CB(4) | CVG_IPC_CB(5) | CVG_IPC_CB(6) | \
                         CVG_IPC_CB(8) | CVG_IPC_CB(9))

struct buf {
    uint8_t b[1024];
    size_t len;
};

static void add(struct buf *s, const void *p, size_t n)
{
    ck_assert_uint_le(s->len + n, sizeof(s->b));
    if (n)
        memcpy(s->b + s->len, p, n);
    s->len += n;
}

static struct cvg_ipc_libxl *new_libxl(enum cvg_ipc_role role, unsigned cbflags,
                                       struct cvg_src *in, struct cvg_sink *out)
{
    struct cvg_ipc_libxl *l = malloc(sizeof(*l));
    struct cvg_err err = { 0 };

    ck_assert_ptr_nonnull(l);
    ck_assert_int_eq(cvg_ipc_libxl_init(l, role, cbflags, in, out, &err), 0);
    return l;
}

START_TEST(test_cbflags)
{
    char buf[128];
    struct cvg_err err = { 0 };

    ck_assert_uint_eq(CVG_IPC_CBFLAGS_PLAIN_SAVE, 136);
    ck_assert_uint_eq(CVG_IPC_CBFLAGS_PLAIN_RESTORE, 768);
    cvg_ipc_cbflags_str(136, buf, sizeof(buf));
    ck_assert_str_eq(buf, "suspend|switch_qemu_logdirty");
    cvg_ipc_cbflags_str(768, buf, sizeof(buf));
    ck_assert_str_eq(buf, "static_data_done|restore_results");
    cvg_ipc_cbflags_str(0, buf, sizeof(buf));
    ck_assert_str_eq(buf, "none");
    cvg_ipc_cbflags_str(CVG_IPC_CB(3) | (1u << 12), buf, sizeof(buf));
    ck_assert_str_eq(buf, "suspend|0x1000");
    ck_assert(cvg_ipc_cbflags_has(136, CVG_IPC_SUSPEND));
    ck_assert(!cvg_ipc_cbflags_has(136, CVG_IPC_POSTCOPY));

    ck_assert_int_eq(cvg_ipc_cbflags_check(CVG_IPC_SAVE, 136, &err), 0);
    ck_assert_int_eq(cvg_ipc_cbflags_check(CVG_IPC_RESTORE, 768, &err), 0);
    ck_assert_int_eq(cvg_ipc_cbflags_check(CVG_IPC_SAVE, ALL_SAVE_CBS, &err), 0);
    ck_assert_int_eq(cvg_ipc_cbflags_check(CVG_IPC_RESTORE, ALL_RESTORE_CBS, &err), 0);
    ck_assert_int_eq(cvg_ipc_cbflags_check(CVG_IPC_SAVE, 768, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "save helper does not have: "
                                          "static_data_done|restore_results"));
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_ipc_cbflags_check(CVG_IPC_RESTORE, 136, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, ": switch_qemu_logdirty"));
    cvg_err_clear(&err);
    /* log is not a callback: no bit for it */
    ck_assert_int_eq(cvg_ipc_cbflags_check(CVG_IPC_SAVE, 136 | 2, &err), -EINVAL);
}
END_TEST

START_TEST(test_golden_helper_encodes)
{
    struct cvg_sink out;
    struct cvg_src in;
    struct cvg_ipc_helper h;
    struct cvg_err err = { 0 };
    uint8_t replies[12];
    int reply = -7;

    memcpy(replies, g_reply_0, 4);      /* to logdirty */
    memcpy(replies + 4, g_reply_1, 4);  /* to suspend */
    memcpy(replies + 8, g_reply_0, 4);  /* to complete */
    cvg_sink_init_mem(&out);
    cvg_src_init_mem(&in, replies, sizeof(replies));
    ck_assert_int_eq(cvg_ipc_helper_init(&h, CVG_IPC_SAVE, 136, &out, &in, &err), 0);

    ck_assert_int_eq(cvg_ipc_log(&h, CVG_XTL_DEBUG, -1, "libxl-save-helper",
                                 "starting save", &err), 0);
    ck_assert_uint_eq(out.len, sizeof(g_log));
    ck_assert_mem_eq(out.buf, g_log, sizeof(g_log));
    out.len = 0;

    ck_assert_int_eq(cvg_ipc_switch_qemu_logdirty(&h, 4, 1, &reply, &err), 0);
    ck_assert_int_eq(reply, 0);
    ck_assert_uint_eq(out.len, sizeof(g_logdirty));
    ck_assert_mem_eq(out.buf, g_logdirty, sizeof(g_logdirty));
    out.len = 0;

    ck_assert_int_eq(cvg_ipc_suspend(&h, &reply, &err), 0);
    ck_assert_int_eq(reply, 1);
    ck_assert_mem_eq(out.buf, g_suspend, sizeof(g_suspend));
    out.len = 0;

    ck_assert_int_eq(cvg_ipc_complete(&h, 0, 0, &reply, &err), 0);
    ck_assert_int_eq(reply, 0);
    ck_assert_uint_eq(out.len, sizeof(g_complete));
    ck_assert_mem_eq(out.buf, g_complete, sizeof(g_complete));
    ck_assert_uint_eq(in.off, 12);
    cvg_sink_free(&out);

    /* restore_results, from a restore helper */
    cvg_sink_init_mem(&out);
    ck_assert_int_eq(cvg_ipc_helper_init(&h, CVG_IPC_RESTORE, 768, &out, &in, &err), 0);
    ck_assert_int_eq(cvg_ipc_restore_results(&h, 0xfeffc, 0xfefff, &err), 0);
    ck_assert_uint_eq(out.len, sizeof(g_results));
    ck_assert_mem_eq(out.buf, g_results, sizeof(g_results));
    cvg_sink_free(&out);
}
END_TEST

START_TEST(test_golden_libxl_decodes)
{
    struct buf s = { .len = 0 };
    struct cvg_src in;
    struct cvg_sink out;
    struct cvg_ipc_libxl *l;
    struct cvg_ipc_msg m;
    struct cvg_err err = { 0 };

    add(&s, g_log, sizeof(g_log));
    add(&s, g_logdirty, sizeof(g_logdirty));
    add(&s, g_suspend, sizeof(g_suspend));
    add(&s, g_complete, sizeof(g_complete));
    cvg_src_init_mem(&in, s.b, s.len);
    cvg_sink_init_mem(&out);
    l = new_libxl(CVG_IPC_SAVE, 136, &in, &out);

    ck_assert_int_eq(cvg_ipc_libxl_next(l, &m, &err), 0);
    ck_assert_uint_eq(m.num, CVG_IPC_LOG);
    ck_assert_uint_eq(m.u.log.level, XTL_DEBUG);
    ck_assert_uint_eq(m.u.log.errnoval, 0xffffffffu);
    ck_assert_str_eq(m.u.log.context, "libxl-save-helper");
    ck_assert_str_eq(m.u.log.text, "starting save");

    ck_assert_int_eq(cvg_ipc_libxl_next(l, &m, &err), 0);
    ck_assert_uint_eq(m.num, CVG_IPC_SWITCH_QEMU_LOGDIRTY);
    ck_assert_uint_eq(m.u.logdirty.domid, 4);
    ck_assert_uint_eq(m.u.logdirty.enable, 1);
    ck_assert_uint_eq(l->pending, CVG_IPC_SWITCH_QEMU_LOGDIRTY);
    ck_assert_int_eq(cvg_ipc_libxl_reply(l, 0, &err), 0);

    ck_assert_int_eq(cvg_ipc_libxl_next(l, &m, &err), 0);
    ck_assert_uint_eq(m.num, CVG_IPC_SUSPEND);
    ck_assert_int_eq(cvg_ipc_libxl_reply(l, 1, &err), 0);

    ck_assert_int_eq(cvg_ipc_libxl_next(l, &m, &err), 0);
    ck_assert_uint_eq(m.num, CVG_IPC_COMPLETE);
    ck_assert_int_eq(m.u.complete.retval, 0);
    ck_assert_int_eq(m.u.complete.errnoval, 0);
    ck_assert_int_eq(cvg_ipc_libxl_reply(l, 0, &err), 0);

    ck_assert_int_eq(cvg_ipc_libxl_next(l, &m, &err), 1);
    ck_assert_int_eq(cvg_ipc_libxl_exit_check(l, &err), 0);
    /* the replies libxl wrote, as raw ints */
    ck_assert_uint_eq(out.len, 12);
    ck_assert_mem_eq(out.buf, g_reply_0, 4);
    ck_assert_mem_eq(out.buf + 4, g_reply_1, 4);
    ck_assert_mem_eq(out.buf + 8, g_reply_0, 4);
    cvg_sink_free(&out);
    free(l);

    cvg_src_init_mem(&in, g_results, sizeof(g_results));
    cvg_sink_init_mem(&out);
    l = new_libxl(CVG_IPC_RESTORE, 768, &in, &out);
    ck_assert_int_eq(cvg_ipc_libxl_next(l, &m, &err), 0);
    ck_assert_uint_eq(m.num, CVG_IPC_RESTORE_RESULTS);
    ck_assert_uint_eq(m.u.results.store_gfn, 0xfeffc);
    ck_assert_uint_eq(m.u.results.console_gfn, 0xfefff);
    ck_assert(l->have_results);
    ck_assert_uint_eq(l->pending, 0);       /* restore_results has no reply */
    free(l);
    cvg_sink_free(&out);
}
END_TEST

/* ---- a fake libxl on a thread, over real pipes -------------------------- */

struct seen {
    struct cvg_ipc_msg m;
    char s1[128], s2[128];
};

struct fake {
    int from_helper, to_helper;
    enum cvg_ipc_role role;
    unsigned cbflags;
    int (*answer)(unsigned num);
    struct seen seen[64];
    int nr, rc, exit_rc;
    char msg[CVG_ERR_MSG_MAX];
};

static void copy_str(char *dst, const char *src)
{
    snprintf(dst, 128, "%s", src ? src : "");
}

static void *fake_libxl(void *arg)
{
    struct fake *f = arg;
    struct cvg_src in;
    struct cvg_sink out;
    struct cvg_ipc_libxl *l = malloc(sizeof(*l));
    struct cvg_err err = { 0 };
    struct cvg_ipc_msg m;

    cvg_src_init_fd(&in, f->from_helper);
    cvg_sink_init_fd(&out, f->to_helper);
    f->rc = l ? cvg_ipc_libxl_init(l, f->role, f->cbflags, &in, &out, &err) : -ENOMEM;
    while (f->rc == 0) {
        f->rc = cvg_ipc_libxl_next(l, &m, &err);
        if (f->rc)
            break;
        if (f->nr < 64) {
            struct seen *s = &f->seen[f->nr++];

            s->m = m;
            if (m.num == CVG_IPC_LOG) {
                copy_str(s->s1, m.u.log.context);
                copy_str(s->s2, m.u.log.text);
            } else if (m.num == CVG_IPC_PROGRESS) {
                copy_str(s->s1, m.u.progress.context);
                copy_str(s->s2, m.u.progress.doing_what);
            }
        }
        if (cvg_ipc_msginfo(m.num)->reply)
            f->rc = cvg_ipc_libxl_reply(l, f->answer(m.num), &err);
    }
    f->exit_rc = l ? cvg_ipc_libxl_exit_check(l, &err) : -ENOMEM;
    snprintf(f->msg, sizeof(f->msg), "%s", err.msg);
    free(l);
    return NULL;
}

struct session {
    int up[2], down[2];         /* helper -> libxl, libxl -> helper */
    pthread_t thread;
    struct fake f;
    struct cvg_sink out;
    struct cvg_src in;
    struct cvg_ipc_helper h;
};

static void session_start(struct session *s, enum cvg_ipc_role role, unsigned cbflags,
                          int (*answer)(unsigned))
{
    struct cvg_err err = { 0 };

    memset(s, 0, sizeof(*s));
    ck_assert_int_eq(pipe(s->up), 0);
    ck_assert_int_eq(pipe(s->down), 0);
    s->f.from_helper = s->up[0];
    s->f.to_helper = s->down[1];
    s->f.role = role;
    s->f.cbflags = cbflags;
    s->f.answer = answer;
    ck_assert_int_eq(pthread_create(&s->thread, NULL, fake_libxl, &s->f), 0);
    cvg_sink_init_fd(&s->out, s->up[1]);
    cvg_src_init_fd(&s->in, s->down[0]);
    ck_assert_int_eq(cvg_ipc_helper_init(&s->h, role, cbflags, &s->out, &s->in, &err), 0);
}

/* The helper exits: libxl sees EOF on its stdout. */
static void session_end(struct session *s)
{
    close(s->up[1]);
    ck_assert_int_eq(pthread_join(s->thread, NULL), 0);
    close(s->up[0]);
    close(s->down[0]);
    close(s->down[1]);
}

/* Replies that identify the message they answer. */
static int answer_distinct(unsigned num)
{
    return num == CVG_IPC_COMPLETE ? 0 : -(int)(100 + num);
}

/* What libxl answers in the transcripts. */
static int answer_like_libxl(unsigned num)
{
    return num == CVG_IPC_SUSPEND ? 1 : 0;
}

START_TEST(test_round_trip_every_message_save)
{
    struct session s;
    struct cvg_err err = { 0 };
    int r = 0;

    session_start(&s, CVG_IPC_SAVE, ALL_SAVE_CBS, answer_distinct);
    ck_assert_int_eq(cvg_ipc_log(&s.h, CVG_XTL_WARN, 22, "ctx", "text %s", &err), 0);
    ck_assert_int_eq(cvg_ipc_progress(&s.h, "xc", "Frames", 5, 1u << 20, &err), 0);
    ck_assert_int_eq(cvg_ipc_suspend(&s.h, &r, &err), 0);
    ck_assert_int_eq(r, -103);
    ck_assert_int_eq(cvg_ipc_postcopy(&s.h, &r, &err), 0);
    ck_assert_int_eq(r, -104);
    ck_assert_int_eq(cvg_ipc_checkpoint(&s.h, &r, &err), 0);
    ck_assert_int_eq(r, -105);
    ck_assert_int_eq(cvg_ipc_wait_checkpoint(&s.h, &r, &err), 0);
    ck_assert_int_eq(r, -106);
    ck_assert_int_eq(cvg_ipc_switch_qemu_logdirty(&s.h, 0x7ff0, 0, &r, &err), 0);
    ck_assert_int_eq(r, -107);
    ck_assert_int_eq(cvg_ipc_complete(&s.h, -1, EIO, &r, &err), 0);
    ck_assert_int_eq(r, 0);
    session_end(&s);

    ck_assert_msg(s.f.rc == 1, "libxl side: %d %s", s.f.rc, s.f.msg);
    ck_assert_int_eq(s.f.exit_rc, 0);
    ck_assert_int_eq(s.f.nr, 8);
    ck_assert_uint_eq(s.f.seen[0].m.u.log.level, CVG_XTL_WARN);
    ck_assert_uint_eq(s.f.seen[0].m.u.log.errnoval, 22);
    ck_assert_str_eq(s.f.seen[0].s1, "ctx");
    ck_assert_str_eq(s.f.seen[0].s2, "text %s");
    ck_assert_str_eq(s.f.seen[1].s1, "xc");
    ck_assert_str_eq(s.f.seen[1].s2, "Frames");
    ck_assert_uint_eq(s.f.seen[1].m.u.progress.done, 5);
    ck_assert_uint_eq(s.f.seen[1].m.u.progress.total, 1u << 20);
    ck_assert_uint_eq(s.f.seen[2].m.num, CVG_IPC_SUSPEND);
    ck_assert_uint_eq(s.f.seen[3].m.num, CVG_IPC_POSTCOPY);
    ck_assert_uint_eq(s.f.seen[4].m.num, CVG_IPC_CHECKPOINT);
    ck_assert_uint_eq(s.f.seen[5].m.num, CVG_IPC_WAIT_CHECKPOINT);
    ck_assert_uint_eq(s.f.seen[6].m.u.logdirty.domid, 0x7ff0);
    ck_assert_uint_eq(s.f.seen[6].m.u.logdirty.enable, 0);
    ck_assert_int_eq(s.f.seen[7].m.u.complete.retval, -1);
    ck_assert_int_eq(s.f.seen[7].m.u.complete.errnoval, EIO);
}
END_TEST

START_TEST(test_round_trip_every_message_restore)
{
    struct session s;
    struct cvg_err err = { 0 };
    int r = 0;

    session_start(&s, CVG_IPC_RESTORE, ALL_RESTORE_CBS, answer_distinct);
    ck_assert_int_eq(cvg_ipc_log(&s.h, CVG_XTL_CRITICAL, -1, "", "", &err), 0);
    ck_assert_int_eq(cvg_ipc_progress(&s.h, NULL, NULL, ~0ull, 0, &err), 0);
    ck_assert_int_eq(cvg_ipc_suspend(&s.h, &r, &err), 0);
    ck_assert_int_eq(r, -103);
    ck_assert_int_eq(cvg_ipc_postcopy(&s.h, &r, &err), 0);
    ck_assert_int_eq(cvg_ipc_checkpoint(&s.h, &r, &err), 0);
    ck_assert_int_eq(cvg_ipc_wait_checkpoint(&s.h, &r, &err), 0);
    ck_assert_int_eq(r, -106);
    ck_assert_int_eq(cvg_ipc_static_data_done(&s.h, CVG_XGR_SDD_MISSING_CPUID |
                                              CVG_XGR_SDD_MISSING_MSR, &r, &err), 0);
    ck_assert_int_eq(r, -108);
    ck_assert_int_eq(cvg_ipc_restore_results(&s.h, 0xfffffffffffffull, 1, &err), 0);
    ck_assert_int_eq(cvg_ipc_complete(&s.h, 0, 0, &r, &err), 0);
    session_end(&s);

    ck_assert_msg(s.f.rc == 1, "libxl side: %d %s", s.f.rc, s.f.msg);
    ck_assert_int_eq(s.f.exit_rc, 0);
    ck_assert_int_eq(s.f.nr, 9);
    ck_assert_str_eq(s.f.seen[0].s1, "");
    ck_assert_uint_eq(s.f.seen[0].m.u.log.level, CVG_XTL_CRITICAL);
    ck_assert_str_eq(s.f.seen[1].s1, "");       /* NULL is sent as "" */
    ck_assert_str_eq(s.f.seen[1].s2, "");
    ck_assert_uint_eq(s.f.seen[1].m.u.progress.done, ~0ull);
    ck_assert_uint_eq(s.f.seen[6].m.u.sdd.missing, 3);
    ck_assert_uint_eq(s.f.seen[7].m.u.results.store_gfn, 0xfffffffffffffull);
    ck_assert_uint_eq(s.f.seen[7].m.u.results.console_gfn, 1);
    ck_assert_uint_eq(s.f.seen[8].m.num, CVG_IPC_COMPLETE);
}
END_TEST

/* The recorded `xl save` of a PVH guest (ipc-transcripts/pvh-save.txt), condensed. */
static void play_save(struct cvg_ipc_helper *h)
{
    struct cvg_err err = { 0 };
    int r = -9, i;

    ck_assert_int_eq(cvg_ipc_log(h, XTL_DEBUG, 0, "libxl-save-helper", "starting save", &err), 0);
    ck_assert_int_eq(cvg_ipc_log(h, XTL_DETAIL, -1, "xc", "fd 14, dom 5, flags 0, hvm 1", &err), 0);
    ck_assert_int_eq(cvg_ipc_log(h, XTL_INFO, -1, "xc", "Saving domain 5, type x86 HVM", &err), 0);
    ck_assert_int_eq(cvg_ipc_switch_qemu_logdirty(h, 5, 1, &r, &err), 0);
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(cvg_ipc_progress(h, "xc", "Start of stream", 0, 0, &err), 0);
    ck_assert_int_eq(cvg_ipc_suspend(h, &r, &err), 0);
    ck_assert_int_eq(r, 1);
    for (i = 0; i <= 4; i++)
        ck_assert_int_eq(cvg_ipc_progress(h, "xc", "Frames", i * 261120ull, 1044480, &err), 0);
    ck_assert_int_eq(cvg_ipc_switch_qemu_logdirty(h, 5, 0, &r, &err), 0);
    ck_assert_int_eq(cvg_ipc_log(h, XTL_DEBUG, 0, "libxl-save-helper", "complete r=0", &err), 0);
    ck_assert_int_eq(cvg_ipc_complete(h, 0, 0, &r, &err), 0);
    ck_assert_int_eq(r, 0);
    /* the stock helper logs on after complete, and libxl lets it */
    ck_assert_int_eq(cvg_ipc_log(h, XTL_DEBUG, -1, "xencall:buffer",
                                 "total allocations:2070 total releases:2070", &err), 0);
}

/* ... and of the restore (pvh-restore.txt). */
static void play_restore(struct cvg_ipc_helper *h)
{
    struct cvg_err err = { 0 };
    int r = -9;

    ck_assert_int_eq(cvg_ipc_log(h, XTL_DEBUG, 0, "libxl-save-helper", "starting restore", &err), 0);
    ck_assert_int_eq(cvg_ipc_log(h, XTL_INFO, -1, "xc", "Restoring domain", &err), 0);
    ck_assert_int_eq(cvg_ipc_static_data_done(h, 0, &r, &err), 0);
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(cvg_ipc_log(h, XTL_INFO, -1, "xc", "Restore successful", &err), 0);
    ck_assert_int_eq(cvg_ipc_restore_results(h, 0xfeffc, 0xfefff, &err), 0);
    ck_assert_int_eq(cvg_ipc_log(h, XTL_DEBUG, 0, "libxl-save-helper", "complete r=0", &err), 0);
    ck_assert_int_eq(cvg_ipc_complete(h, 0, 0, &r, &err), 0);
    ck_assert_int_eq(cvg_ipc_log(h, XTL_DEBUG, -1, "xencall:buffer", "cache hits:0", &err), 0);
}

START_TEST(test_transcripts_over_pipes)
{
    struct session s;

    session_start(&s, CVG_IPC_SAVE, CVG_IPC_CBFLAGS_PLAIN_SAVE, answer_like_libxl);
    play_save(&s.h);
    session_end(&s);
    ck_assert_msg(s.f.rc == 1, "%d %s", s.f.rc, s.f.msg);
    ck_assert_int_eq(s.f.exit_rc, 0);
    ck_assert_int_eq(s.f.nr, 15);
    ck_assert_str_eq(s.f.seen[0].s2, "starting save");
    ck_assert_uint_eq(s.f.seen[0].m.u.log.errnoval, 0);
    ck_assert_str_eq(s.f.seen[14].s1, "xencall:buffer");

    session_start(&s, CVG_IPC_RESTORE, CVG_IPC_CBFLAGS_PLAIN_RESTORE, answer_like_libxl);
    play_restore(&s.h);
    session_end(&s);
    ck_assert_msg(s.f.rc == 1, "%d %s", s.f.rc, s.f.msg);
    ck_assert_int_eq(s.f.exit_rc, 0);
    ck_assert_int_eq(s.f.nr, 8);
}
END_TEST

/* The bytes of a whole session, made by the helper half with canned replies. */
static void record(enum cvg_ipc_role role, struct cvg_sink *out)
{
    static uint8_t replies[64];
    struct cvg_src in;
    struct cvg_ipc_helper h;
    struct cvg_err err = { 0 };

    memset(replies, 0, sizeof(replies));
    cvg_put_le32(replies + 4, 1);       /* save: suspend is the 2nd reply */
    cvg_src_init_mem(&in, replies, sizeof(replies));
    cvg_sink_init_mem(out);
    if (role == CVG_IPC_SAVE) {
        ck_assert_int_eq(cvg_ipc_helper_init(&h, role, 136, out, &in, &err), 0);
        play_save(&h);
    } else {
        ck_assert_int_eq(cvg_ipc_helper_init(&h, role, 768, out, &in, &err), 0);
        play_restore(&h);
    }
}

/*
 * Cut the session anywhere: inside a frame it is a truncated frame, named
 * with its offset; between frames it is a helper that exited early, which
 * libxl reports unless complete had been seen.
 */
static void truncate_everywhere(enum cvg_ipc_role role, unsigned cbflags)
{
    struct cvg_sink whole;
    size_t cut;

    record(role, &whole);
    for (cut = 0; cut <= whole.len; cut++) {
        struct cvg_src in;
        struct cvg_sink out;
        struct cvg_ipc_libxl *l;
        struct cvg_ipc_msg m;
        struct cvg_err err = { 0 };
        uint64_t frame_start = 0;
        int rc;

        cvg_src_init_mem(&in, whole.buf, cut);
        cvg_sink_init_mem(&out);
        l = new_libxl(role, cbflags, &in, &out);
        for (;;) {
            frame_start = in.off;
            rc = cvg_ipc_libxl_next(l, &m, &err);
            if (rc)
                break;
            if (cvg_ipc_msginfo(m.num)->reply)
                ck_assert_int_eq(cvg_ipc_libxl_reply(l, 0, &err), 0);
        }
        if (rc == 1) {
            ck_assert_uint_eq(frame_start, cut);
            if (l->completed) {
                ck_assert_int_eq(cvg_ipc_libxl_exit_check(l, &err), 0);
            } else {
                ck_assert_int_eq(cvg_ipc_libxl_exit_check(l, &err), -EPROTO);
                ck_assert_ptr_nonnull(strstr(err.msg, "exited without"));
            }
        } else {
            char where[64];

            ck_assert_msg(rc == -EPIPE, "cut %zu: rc %d: %s", cut, rc, err.msg);
            snprintf(where, sizeof(where), "helper frame at offset %llu",
                     (unsigned long long)frame_start);
            ck_assert_msg(strstr(err.msg, "truncated") &&
                          (strstr(err.msg, where) || strstr(err.msg, "frame length")),
                          "cut %zu: %s", cut, err.msg);
        }
        free(l);
        cvg_sink_free(&out);
    }
    cvg_sink_free(&whole);
}

START_TEST(test_truncation_at_every_offset)
{
    truncate_everywhere(CVG_IPC_SAVE, 136);
    truncate_everywhere(CVG_IPC_RESTORE, 768);
}
END_TEST

/* ---- malformed frames, on the libxl side --------------------------------- */

/* One good log frame first, so that offsets are not all zero. */
static int decode_after_log(enum cvg_ipc_role role, unsigned cbflags,
                            const void *frame, size_t len, struct cvg_err *err)
{
    struct buf s = { .len = 0 };
    struct cvg_src in;
    struct cvg_sink out;
    struct cvg_ipc_libxl *l;
    struct cvg_ipc_msg m;
    int rc;

    add(&s, g_log, sizeof(g_log));
    add(&s, frame, len);
    cvg_err_clear(err);
    cvg_src_init_mem(&in, s.b, s.len);
    cvg_sink_init_mem(&out);
    l = new_libxl(role, cbflags, &in, &out);
    ck_assert_int_eq(cvg_ipc_libxl_next(l, &m, err), 0);
    rc = cvg_ipc_libxl_next(l, &m, err);
    free(l);
    cvg_sink_free(&out);
    return rc;
}

static void refused(enum cvg_ipc_role role, unsigned cbflags, const void *frame,
                    size_t len, const char *n1, const char *n2)
{
    struct cvg_err err;
    int rc = decode_after_log(role, cbflags, frame, len, &err);

    ck_assert_msg(rc == -EPROTO, "rc %d: %s", rc, err.msg);
    ck_assert_msg(strstr(err.msg, n1), "\"%s\" not in \"%s\"", n1, err.msg);
    if (n2)
        ck_assert_msg(strstr(err.msg, n2), "\"%s\" not in \"%s\"", n2, err.msg);
}

START_TEST(test_bad_frames)
{
    refused(CVG_IPC_SAVE, 136, "\0\0", 2, "offset 52: length 0", NULL);
    refused(CVG_IPC_SAVE, 136, "\1\0\1", 3, "length 1", NULL);
    refused(CVG_IPC_SAVE, 136, "\2\0\0\0", 4, "unknown message number 0", "offset 54");
    refused(CVG_IPC_SAVE, 136, "\2\0\x0b\0", 4, "unknown message number 11", NULL);
    refused(CVG_IPC_SAVE, 136, "\2\0\xff\xff", 4, "unknown message number 65535", NULL);
    /* arguments missing, or too many */
    refused(CVG_IPC_SAVE, 136, "\6\0\x0a\0\0\0\0\0", 8, "complete (10) at offset 54",
            "4 bytes short of errnoval");
    refused(CVG_IPC_SAVE, 136, "\x0c\0\x0a\0\0\0\0\0\0\0\0\0" "xy", 14,
            "2 trailing bytes after the arguments, at offset 64", NULL);
    refused(CVG_IPC_SAVE, 136, "\4\0\3\0\0\0", 6, "suspend (3)", "2 trailing bytes");
}
END_TEST

START_TEST(test_bad_strings)
{
    /* log: level 1, errnoval 0, then the context STRING at body byte 10 */
#define LOG_HEAD "\x01\0\x01\0\0\0\0\0\0\0"
    refused(CVG_IPC_SAVE, 136, "\x14\0" LOG_HEAD "\0\0\0\0" "\2\0\0\0" "t\0", 22,
            "STRING context has size 0", "offset 64 (byte 10 of the body)");
    refused(CVG_IPC_SAVE, 136, "\x14\0" LOG_HEAD "\2\0\0\0" "ab" "\2\0\0\0", 22,
            "STRING context of 2 bytes is not NUL-terminated", NULL);
    refused(CVG_IPC_SAVE, 136, "\x10\0" LOG_HEAD "\x40\0\0\0" "ab", 18,
            "STRING context claims 64 bytes, only 2 left", NULL);
    refused(CVG_IPC_SAVE, 136, "\x17\0" LOG_HEAD "\4\0\0\0" "a\0b\0" "\1\0\0\0" "\0", 25,
            "STRING context has a NUL at byte 1 of its 4", NULL);
    /* the second STRING missing altogether */
    refused(CVG_IPC_SAVE, 136, "\x10\0" LOG_HEAD "\1\0\0\0" "\0" "\0", 18,
            "short of formatted", NULL);
    /* progress: doing_what too long for what is left */
    refused(CVG_IPC_SAVE, 136, "\x0c\0" "\2\0" "\1\0\0\0" "\0" "\x20\0\0\0" "x", 14,
            "STRING doing_what claims 32 bytes", NULL);
#undef LOG_HEAD
}
END_TEST

START_TEST(test_bad_values)
{
    refused(CVG_IPC_SAVE, 136, "\x14\0\1\0" "\0\0\0\0" "\0\0\0\0" "\1\0\0\0\0" "\1\0\0\0\0",
            22, "level 0 is not a xentoollog level", NULL);
    refused(CVG_IPC_SAVE, 136, "\x14\0\1\0" "\x0a\0\0\0" "\0\0\0\0" "\1\0\0\0\0" "\1\0\0\0\0",
            22, "level 10", NULL);
    refused(CVG_IPC_SAVE, 136, "\x0a\0\7\0" "\4\0\0\0" "\2\0\0\0", 12,
            "enable is 2, not 0 or 1", "offset 60 (byte 6 of the body)");
    refused(CVG_IPC_RESTORE, 768, "\6\0\x08\0" "\4\0\0\0", 8,
            "missing has unknown bits 0x4", NULL);
}
END_TEST

START_TEST(test_wrong_role_or_callback)
{
    /* restore-only messages from a save helper */
    refused(CVG_IPC_SAVE, 136, g_results, sizeof(g_results),
            "restore_results (9) at offset 54: a save helper does not send it", NULL);
    refused(CVG_IPC_SAVE, ALL_SAVE_CBS, "\6\0\x08\0\0\0\0\0", 8,
            "static_data_done (8)", "save helper does not send it");
    /* and a save-only one from a restore helper */
    refused(CVG_IPC_RESTORE, ALL_RESTORE_CBS, g_logdirty, sizeof(g_logdirty),
            "switch_qemu_logdirty (7)", "restore helper does not send it");
    /* a callback libxl did not register: libxl would call NULL */
    refused(CVG_IPC_RESTORE, 768, g_suspend, sizeof(g_suspend),
            "suspend (3) at offset 52: libxl did not register", "cbflags 0x300");
    refused(CVG_IPC_SAVE, 136, "\2\0\4\0", 4, "postcopy (4)", "did not register");
}
END_TEST

START_TEST(test_sequence_on_libxl_side)
{
    struct buf s = { .len = 0 };
    struct cvg_src in;
    struct cvg_sink out;
    struct cvg_ipc_libxl *l;
    struct cvg_ipc_msg m;
    struct cvg_err err = { 0 };

    /* complete without restore_results, then progress after complete */
    add(&s, g_complete, sizeof(g_complete));
    add(&s, g_log, sizeof(g_log));
    add(&s, "\x1c\0\2\0" "\1\0\0\0\0" "\1\0\0\0\0" "\0\0\0\0\0\0\0\0" "\0\0\0\0\0\0\0\0",
        30);
    cvg_src_init_mem(&in, s.b, s.len);
    cvg_sink_init_mem(&out);
    l = new_libxl(CVG_IPC_RESTORE, 768, &in, &out);
    ck_assert_int_eq(cvg_ipc_libxl_reply(l, 0, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "no helper message is waiting"));
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_ipc_libxl_next(l, &m, &err), 0);
    ck_assert_uint_eq(m.num, CVG_IPC_COMPLETE);
    ck_assert_int_eq(cvg_ipc_libxl_next(l, &m, &err), -EBUSY);
    ck_assert_ptr_nonnull(strstr(err.msg, "complete is still waiting"));
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_ipc_libxl_reply(l, 0, &err), 0);
    ck_assert_int_eq(cvg_ipc_libxl_next(l, &m, &err), 0);      /* a late log: fine */
    ck_assert_int_eq(cvg_ipc_libxl_next(l, &m, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "progress (2) at offset 64: sent after complete"));
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_ipc_libxl_exit_check(l, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "restore helper exited without providing results"));
    free(l);
    cvg_sink_free(&out);

    /* a save helper that never completes */
    cvg_src_init_mem(&in, g_log, sizeof(g_log));
    cvg_sink_init_mem(&out);
    l = new_libxl(CVG_IPC_SAVE, 136, &in, &out);
    ck_assert_int_eq(cvg_ipc_libxl_next(l, &m, &err), 0);
    ck_assert_int_eq(cvg_ipc_libxl_next(l, &m, &err), 1);
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_ipc_libxl_exit_check(l, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "save helper exited without signaling completion"));
    free(l);
    cvg_sink_free(&out);
}
END_TEST

/* ---- what the helper half refuses to send -------------------------------- */

START_TEST(test_helper_refusals)
{
    struct cvg_sink out;
    struct cvg_src in;
    struct cvg_ipc_helper h;
    struct cvg_err err = { 0 };
    uint8_t replies[8] = { 0 };
    int r;

    cvg_sink_init_mem(&out);
    cvg_src_init_mem(&in, replies, sizeof(replies));
    ck_assert_int_eq(cvg_ipc_helper_init(&h, CVG_IPC_SAVE, 768, &out, &in, &err), -EINVAL);
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_ipc_helper_init(&h, CVG_IPC_SAVE, 136, &out, &in, &err), 0);
    ck_assert_int_eq(cvg_ipc_restore_results(&h, 1, 2, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "a save helper cannot send restore_results"));
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_ipc_static_data_done(&h, 0, &r, &err), -EPROTO);
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_ipc_postcopy(&h, &r, &err), -ENOTSUP);
    ck_assert_ptr_nonnull(strstr(err.msg, "did not register the postcopy callback"));
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_ipc_complete(&h, 0, 0, &r, &err), 0);
    ck_assert_int_eq(cvg_ipc_progress(&h, "xc", "x", 0, 0, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "progress sent after complete"));
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_ipc_complete(&h, 0, 0, &r, &err), -EPROTO);
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_ipc_log(&h, XTL_DEBUG, -1, "x", "late", &err), 0);
    /* nothing refused went out: complete, then the late log */
    ck_assert_uint_eq(out.len, sizeof(g_complete) + 2 + 2 + 4 + 4 + 4 + 2 + 4 + 5);
    ck_assert_mem_eq(out.buf, g_complete, sizeof(g_complete));
    cvg_sink_free(&out);

    cvg_sink_init_mem(&out);
    ck_assert_int_eq(cvg_ipc_helper_init(&h, CVG_IPC_RESTORE, 768, &out, &in, &err), 0);
    ck_assert_int_eq(cvg_ipc_complete(&h, 0, 0, &r, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "restore_results before complete"));
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_ipc_switch_qemu_logdirty(&h, 1, 1, &r, &err), -EPROTO);
    ck_assert_int_eq(cvg_ipc_suspend(&h, &r, &err), -ENOTSUP);
    ck_assert_uint_eq(out.len, 0);
    cvg_sink_free(&out);
}
END_TEST

START_TEST(test_reply_missing)
{
    struct cvg_sink out;
    struct cvg_src in;
    struct cvg_ipc_helper h;
    struct cvg_err err = { 0 };
    int r = 5;

    cvg_sink_init_mem(&out);
    cvg_src_init_mem(&in, "\1\0", 2);
    ck_assert_int_eq(cvg_ipc_helper_init(&h, CVG_IPC_SAVE, 136, &out, &in, &err), 0);
    ck_assert_int_eq(cvg_ipc_suspend(&h, &r, &err), -EPIPE);
    ck_assert_ptr_nonnull(strstr(err.msg, "libxl's reply to suspend"));
    ck_assert_int_eq(r, 5);
    cvg_sink_free(&out);
}
END_TEST

/* ---- long strings are cut to fit a frame, never refused ------------------ */

static void long_log(const char *ctx, const char *text, const char *want_ctx_prefix,
                     size_t want_ctx_len, size_t want_text_len)
{
    struct cvg_sink out;
    struct cvg_src in;
    struct cvg_ipc_helper h;
    struct cvg_ipc_libxl *l;
    struct cvg_ipc_msg m;
    struct cvg_sink replies;
    struct cvg_err err = { 0 };

    cvg_sink_init_mem(&out);
    cvg_src_init_mem(&in, NULL, 0);
    ck_assert_int_eq(cvg_ipc_helper_init(&h, CVG_IPC_SAVE, 136, &out, &in, &err), 0);
    ck_assert_int_eq(cvg_ipc_log(&h, XTL_ERROR, 5, ctx, text, &err), 0);
    ck_assert_uint_le(out.len, CVG_IPC_FRAME_MAX);
    ck_assert_uint_eq(cvg_get_le16(out.buf), out.len - 2);

    cvg_src_init_mem(&in, out.buf, out.len);
    cvg_sink_init_mem(&replies);
    l = new_libxl(CVG_IPC_SAVE, 136, &in, &replies);
    ck_assert_int_eq(cvg_ipc_libxl_next(l, &m, &err), 0);
    ck_assert_uint_eq(strlen(m.u.log.context), want_ctx_len);
    ck_assert_uint_eq(strlen(m.u.log.text), want_text_len);
    ck_assert(strncmp(m.u.log.context, want_ctx_prefix, strlen(want_ctx_prefix)) == 0);
    if (want_text_len < strlen(text)) {
        ck_assert(strncmp(m.u.log.text, text, want_text_len - 3) == 0);
        ck_assert_str_eq(m.u.log.text + want_text_len - 3, "...");
    } else {
        ck_assert_str_eq(m.u.log.text, text);
    }
    free(l);
    cvg_sink_free(&replies);
    cvg_sink_free(&out);
}

START_TEST(test_long_log_is_cut)
{
    size_t big = 100000;
    char *text = malloc(big + 1), *ctx = malloc(big + 1);

    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(ctx);
    memset(text, 't', big);
    text[big] = '\0';
    memset(ctx, 'c', big);
    ctx[big] = '\0';
    /* body = 2+4+4 + 4+3 + 4+(65510+3+1) = 65535 exactly */
    long_log("xc", text, "xc", 2, 65513);
    /* both huge: context keeps 1 KiB with its marker, text the rest */
    long_log(ctx, text, "ccc", 1024, 65535 - 20 - 1024 - 0);
    /* huge context, short text: only the context is cut */
    long_log(ctx, "hi", "ccc", 1024, 2);
    /* just fitting: not cut */
    text[65535 - 20 - 2] = '\0';
    long_log("xc", text, "xc", 2, 65535 - 20 - 2);
    free(text);
    free(ctx);
}
END_TEST

START_TEST(test_long_progress_is_cut)
{
    size_t big = 70000;
    char *what = malloc(big + 1);
    struct cvg_sink out;
    struct cvg_src in;
    struct cvg_sink replies;
    struct cvg_ipc_helper h;
    struct cvg_ipc_libxl *l;
    struct cvg_ipc_msg m;
    struct cvg_err err = { 0 };

    ck_assert_ptr_nonnull(what);
    memset(what, 'w', big);
    what[big] = '\0';
    cvg_sink_init_mem(&out);
    cvg_src_init_mem(&in, NULL, 0);
    ck_assert_int_eq(cvg_ipc_helper_init(&h, CVG_IPC_RESTORE, 768, &out, &in, &err), 0);
    ck_assert_int_eq(cvg_ipc_progress(&h, "xc", what, 7, 9, &err), 0);
    ck_assert_uint_eq(out.len, CVG_IPC_FRAME_MAX);
    cvg_src_init_mem(&in, out.buf, out.len);
    cvg_sink_init_mem(&replies);
    l = new_libxl(CVG_IPC_RESTORE, 768, &in, &replies);
    ck_assert_int_eq(cvg_ipc_libxl_next(l, &m, &err), 0);
    ck_assert_str_eq(m.u.progress.context, "xc");
    ck_assert_uint_eq(m.u.progress.done, 7);
    ck_assert_uint_eq(m.u.progress.total, 9);
    ck_assert_str_eq(m.u.progress.doing_what + strlen(m.u.progress.doing_what) - 3, "...");
    free(l);
    free(what);
    cvg_sink_free(&replies);
    cvg_sink_free(&out);
}
END_TEST

/*
 * The helper sends libxl the progress steps whose percentage xl has not
 * shown yet: an idle 2 GiB pass of 512 batches is 101 messages, not 512;
 * a new pass, its first and its last step always go.
 */
START_TEST(test_progress_gate)
{
    struct cvg_progress_gate g;
    const uint64_t total = 524288;
    unsigned sent = 0;

    cvg_progress_gate_init(&g);
    for (uint64_t done = 0; done <= total; done += 1024)
        sent += cvg_progress_gate_pass(&g, "Frames iteration 0", done, total);
    ck_assert_uint_eq(sent, 101);
    ck_assert(cvg_progress_gate_pass(&g, "Frames iteration 0", total, total));
    ck_assert(cvg_progress_gate_pass(&g, "Frames iteration 1", 0, 100));
    ck_assert(cvg_progress_gate_pass(&g, "Frames iteration 1", 30, 100));
    ck_assert(!cvg_progress_gate_pass(&g, "Frames iteration 1", 30, 100));
    ck_assert(!cvg_progress_gate_pass(&g, "Frames iteration 1", 305, 1000));
    /* A pass of three pages: every step changes the percentage. */
    sent = 0;
    for (uint64_t done = 0; done <= 3; done++)
        sent += cvg_progress_gate_pass(&g, "Frames iteration 2", done, 3);
    ck_assert_uint_eq(sent, 4);
    /* Totals near 2^64 do not overflow the percentage. */
    ck_assert(cvg_progress_gate_pass(&g, "huge", UINT64_MAX / 2, UINT64_MAX));
    ck_assert_int_eq(g.percent, 50);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ipc");
    TCase *tc = tcase_create("codec");
    TCase *tp = tcase_create("pipes");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_cbflags);
    tcase_add_test(tc, test_golden_helper_encodes);
    tcase_add_test(tc, test_golden_libxl_decodes);
    tcase_add_test(tc, test_truncation_at_every_offset);
    tcase_add_test(tc, test_bad_frames);
    tcase_add_test(tc, test_bad_strings);
    tcase_add_test(tc, test_bad_values);
    tcase_add_test(tc, test_wrong_role_or_callback);
    tcase_add_test(tc, test_sequence_on_libxl_side);
    tcase_add_test(tc, test_helper_refusals);
    tcase_add_test(tc, test_reply_missing);
    tcase_add_test(tc, test_long_log_is_cut);
    tcase_add_test(tc, test_long_progress_is_cut);
    tcase_add_test(tc, test_progress_gate);
    tcase_add_test(tp, test_round_trip_every_message_save);
    tcase_add_test(tp, test_round_trip_every_message_restore);
    tcase_add_test(tp, test_transcripts_over_pipes);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, tp);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
