/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writes the seed corpora of fuzz_xl_stream and fuzz_ipc with our own
 * writers, in the shapes libxl and the stock helper produce (see
 * shared/docs/ipc-transcripts/):
 *
 *   gen-corpus-xl DIR     -> DIR/xl_stream/NAME.bin, DIR/ipc/NAME.bin
 *
 * Run from the top of the tree as
 *   build-X/tests/fuzz/gen-corpus-xl tests/fuzz/corpus
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/io.h"
#include "wire/ipc.h"
#include "wire/xl_header.h"
#include "wire/xl_stream.h"

#define JSON "{\"c_info\":{\"type\":\"hvm\",\"name\":\"art-hvm\"},\"b_info\":" \
             "{\"max_vcpus\":2,\"max_memkb\":98304}}"

static const char *outdir;

static void die(const char *what, const struct cvg_err *err)
{
    fprintf(stderr, "gen-corpus-xl: %s: %s\n", what, err ? err->msg : strerror(errno));
    exit(1);
}

static void save(const char *sub, const char *name, const struct cvg_sink *s)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", outdir, sub);
    if (mkdir(path, 0755) && errno != EEXIST)
        die(path, NULL);
    snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
    f = fopen(path, "wb");
    if (!f || fwrite(s->buf, 1, s->len, f) != s->len || fclose(f))
        die(path, NULL);
}

#define TRY(call) do { if (call) die(#call, &err); } while (0)

static void xl_stream_seeds(void)
{
    static const char xs[] = "physmap/f0000000/start_addr\0f0000000\0"
                             "physmap/f0000000/size\0" "800000\0"
                             "physmap/f0000000/name\0vga.vram";
    static const uint8_t qemu[40] = "QEVM\0\0\0\3xen-save-devices-state";
    struct cvg_sink s;
    struct cvg_err err = { 0 };

    /* xl save of an HVM guest: config, libxc part (empty here), emulator, END */
    cvg_sink_init_mem(&s);
    TRY(cvg_xlh_write(&s, JSON, &err));
    TRY(cvg_xl_write_header(&s, 0, &err));
    TRY(cvg_xl_write_libxc_context(&s, &err));
    TRY(cvg_xl_write_emulator(&s, CVG_XL_REC_EMULATOR_XENSTORE_DATA,
                              CVG_XL_EMULATOR_QEMU_UPSTREAM, 0, xs, sizeof(xs), &err));
    TRY(cvg_xl_write_emulator(&s, CVG_XL_REC_EMULATOR_CONTEXT,
                              CVG_XL_EMULATOR_QEMU_UPSTREAM, 0, qemu, sizeof(qemu), &err));
    TRY(cvg_xl_write_end(&s, &err));
    save("xl_stream", "hvm-image.bin", &s);
    cvg_sink_free(&s);

    /* a PVH guest: no emulator records */
    cvg_sink_init_mem(&s);
    TRY(cvg_xlh_write(&s, JSON, &err));
    TRY(cvg_xl_write_header(&s, 0, &err));
    TRY(cvg_xl_write_libxc_context(&s, &err));
    TRY(cvg_xl_write_end(&s, &err));
    save("xl_stream", "pvh-image.bin", &s);
    cvg_sink_free(&s);

    /* no stored config; a stream converted from legacy */
    cvg_sink_init_mem(&s);
    TRY(cvg_xlh_write(&s, NULL, &err));
    TRY(cvg_xl_write_header(&s, CVG_XL_OPT_LEGACY, &err));
    TRY(cvg_xl_write_libxc_context(&s, &err));
    TRY(cvg_xl_write_emulator(&s, CVG_XL_REC_EMULATOR_CONTEXT,
                              CVG_XL_EMULATOR_UNKNOWN, 0, qemu, 13, &err));
    TRY(cvg_xl_write_end(&s, &err));
    save("xl_stream", "legacy-no-config.bin", &s);
    cvg_sink_free(&s);

    /* a Remus checkpoint */
    cvg_sink_init_mem(&s);
    TRY(cvg_xlh_write(&s, "{}", &err));
    TRY(cvg_xl_write_header(&s, 0, &err));
    TRY(cvg_xl_write_libxc_context(&s, &err));
    TRY(cvg_xl_write_emulator(&s, CVG_XL_REC_EMULATOR_XENSTORE_DATA,
                              CVG_XL_EMULATOR_QEMU_TRADITIONAL, 1, "k\0v", 4, &err));
    TRY(cvg_xl_write_checkpoint_end(&s, &err));
    TRY(cvg_xl_write_end(&s, &err));
    save("xl_stream", "checkpointed.bin", &s);
    cvg_sink_free(&s);

    /* the COLO back channel: bare CHECKPOINT_STATE records */
    cvg_sink_init_mem(&s);
    TRY(cvg_xl_write_checkpoint_state(&s, CVG_XL_CHECKPOINT_NEW, &err));
    TRY(cvg_xl_write_checkpoint_state(&s, CVG_XL_CHECKPOINT_SVM_SUSPENDED, &err));
    TRY(cvg_xl_write_checkpoint_state(&s, CVG_XL_CHECKPOINT_SVM_READY, &err));
    TRY(cvg_xl_write_checkpoint_state(&s, CVG_XL_CHECKPOINT_SVM_RESUMED, &err));
    save("xl_stream", "back-channel.bin", &s);
    cvg_sink_free(&s);
}

/* Frames only: replies come from a source of zeroes (suspend wants 1, but
 * the frames do not depend on what came back). */
static void ipc_session(const char *name, enum cvg_ipc_role role, unsigned cbflags,
                        void (*play)(struct cvg_ipc_helper *))
{
    static const uint8_t zeroes[256];
    struct cvg_sink s;
    struct cvg_src in;
    struct cvg_ipc_helper h;
    struct cvg_err err = { 0 };

    cvg_sink_init_mem(&s);
    cvg_src_init_mem(&in, zeroes, sizeof(zeroes));
    TRY(cvg_ipc_helper_init(&h, role, cbflags, &s, &in, &err));
    play(&h);
    save("ipc", name, &s);
    cvg_sink_free(&s);
}

static void play_save(struct cvg_ipc_helper *h)
{
    struct cvg_err err = { 0 };
    int r;

    TRY(cvg_ipc_log(h, CVG_XTL_DEBUG, 0, "libxl-save-helper", "starting save", &err));
    TRY(cvg_ipc_log(h, CVG_XTL_DETAIL, -1, "xc", "fd 15, dom 4, flags 1, hvm 1", &err));
    TRY(cvg_ipc_switch_qemu_logdirty(h, 4, 1, &r, &err));
    TRY(cvg_ipc_progress(h, "xc", "Start of stream", 0, 0, &err));
    TRY(cvg_ipc_progress(h, "xc", "Frames iteration 0", 1024, 1044480, &err));
    TRY(cvg_ipc_suspend(h, &r, &err));
    TRY(cvg_ipc_progress(h, "xc", "Domain now suspended", 0, 0, &err));
    TRY(cvg_ipc_switch_qemu_logdirty(h, 4, 0, &r, &err));
    TRY(cvg_ipc_log(h, CVG_XTL_DEBUG, 0, "libxl-save-helper", "complete r=0", &err));
    TRY(cvg_ipc_complete(h, 0, 0, &r, &err));
    TRY(cvg_ipc_log(h, CVG_XTL_DEBUG, -1, "xencall:buffer", "cache hits:0 misses:0", &err));
}

static void play_restore(struct cvg_ipc_helper *h)
{
    struct cvg_err err = { 0 };
    int r;

    TRY(cvg_ipc_log(h, CVG_XTL_DEBUG, 0, "libxl-save-helper", "starting restore", &err));
    TRY(cvg_ipc_log(h, CVG_XTL_INFO, -1, "xc", "Found x86 HVM domain from Xen 4.17", &err));
    TRY(cvg_ipc_static_data_done(h, 0, &r, &err));
    TRY(cvg_ipc_restore_results(h, 0xfeffc, 0xfefff, &err));
    TRY(cvg_ipc_complete(h, 0, 0, &r, &err));
}

static void play_remus_save(struct cvg_ipc_helper *h)
{
    struct cvg_err err = { 0 };
    int r;

    TRY(cvg_ipc_suspend(h, &r, &err));
    TRY(cvg_ipc_postcopy(h, &r, &err));
    TRY(cvg_ipc_checkpoint(h, &r, &err));
    TRY(cvg_ipc_wait_checkpoint(h, &r, &err));
    TRY(cvg_ipc_log(h, CVG_XTL_ERROR, 5, "xc", "Failed to write page data", &err));
    TRY(cvg_ipc_complete(h, -1, 5, &r, &err));
}

static void play_colo_restore(struct cvg_ipc_helper *h)
{
    struct cvg_err err = { 0 };
    int r;

    TRY(cvg_ipc_static_data_done(h, CVG_XGR_SDD_MISSING_CPUID | CVG_XGR_SDD_MISSING_MSR,
                                 &r, &err));
    TRY(cvg_ipc_checkpoint(h, &r, &err));
    TRY(cvg_ipc_suspend(h, &r, &err));
    TRY(cvg_ipc_postcopy(h, &r, &err));
    TRY(cvg_ipc_wait_checkpoint(h, &r, &err));
    TRY(cvg_ipc_restore_results(h, 0, 0, &err));
    TRY(cvg_ipc_complete(h, 0, 0, &r, &err));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen-corpus-xl DIR\n");
        return 2;
    }
    outdir = argv[1];
    xl_stream_seeds();
    ipc_session("save-session.bin", CVG_IPC_SAVE, CVG_IPC_CBFLAGS_PLAIN_SAVE, play_save);
    ipc_session("restore-session.bin", CVG_IPC_RESTORE, CVG_IPC_CBFLAGS_PLAIN_RESTORE,
                play_restore);
    ipc_session("remus-save.bin", CVG_IPC_SAVE,
                CVG_IPC_CB(3) | CVG_IPC_CB(4) | CVG_IPC_CB(5) | CVG_IPC_CB(6) |
                CVG_IPC_CB(7), play_remus_save);
    ipc_session("colo-restore.bin", CVG_IPC_RESTORE,
                CVG_IPC_CB(3) | CVG_IPC_CB(4) | CVG_IPC_CB(5) | CVG_IPC_CB(6) |
                CVG_IPC_CB(8) | CVG_IPC_CB(9), play_colo_restore);
    return 0;
}
