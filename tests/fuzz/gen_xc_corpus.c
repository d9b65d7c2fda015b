/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writes the seed corpora of fuzz_xc_stream and fuzz_cvg_records:
 *
 *   tests/fuzz/gen_xc_corpus DIR
 *
 * creates DIR/xc_stream/ and DIR/cvg_records/ with a few meaningful inputs
 * each (typical HVM and PV streams, a v2 stream, a debug stream with
 * VERIFY; back-channel conversations, newer-version bodies).  The committed
 * seeds in tests/fuzz/corpus/ come from `gen_xc_corpus tests/fuzz/corpus`.
 * Deterministic: the same build writes the same bytes.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/bytes.h"
#include "wire/cvg_records.h"
#include "wire/xc_stream.h"

static struct cvg_err err;
static uint8_t pages[4][XCS_PAGE_SIZE];
static struct xcs_page_scratch scratch;

#define TRY(x)                                                                \
    do {                                                                      \
        if ((x) != 0) {                                                       \
            fprintf(stderr, "gen_xc_corpus: %s: %s\n", #x, err.msg);          \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

/* A stream seed the reader refuses would only teach the fuzzer refusals. */
static void must_accept(const char *name, const struct cvg_sink *s)
{
    struct xcs_reader_cfg cfg = { .max_pfn = 1u << 20, .max_vcpus = 64 };
    struct cvg_src src;
    struct xcs_reader r;

    cvg_src_init_mem(&src, s->buf, s->len);
    TRY(xcs_reader_init(&r, &src, &cfg, &err));
    if (xcs_read_stream(&r, NULL, NULL, &err) || src.off != s->len) {
        fprintf(stderr, "gen_xc_corpus: seed %s refused: %s\n", name, err.msg);
        exit(1);
    }
    xcs_reader_free(&r);
}

static void save(const char *dir, const char *sub, const char *name,
                 struct cvg_sink *s)
{
    char path[4096];
    FILE *f;

    if (!strcmp(sub, "xc_stream"))
        must_accept(name, s);

    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    if (mkdir(path, 0755) && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
    f = fopen(path, "wb");
    if (!f || fwrite(s->buf, 1, s->len, f) != s->len || fclose(f)) {
        perror(path);
        exit(1);
    }
    cvg_sink_free(s);
    cvg_sink_init_mem(s);
}

static void headers(struct cvg_sink *s, uint32_t version, uint32_t type)
{
    struct xcs_dhdr dh = { type, XCS_PAGE_SHIFT, 4, 17 };

    TRY(xcs_write_ihdr(s, version, &err));
    TRY(xcs_write_dhdr(s, &dh, &err));
}

static void hvm_pages(struct cvg_sink *s)
{
    uint64_t pfns[4] = { 0, 1, 0xfeff0, 0x200 };
    uint32_t types[4] = { XCS_PFINFO_NOTAB, XCS_PFINFO_XTAB, XCS_PFINFO_XALLOC,
                          XCS_PFINFO_NOTAB };
    const void *p[4] = { pages[0], NULL, NULL, pages[1] };

    TRY(xcs_write_page_data(s, &scratch, 4, pfns, types, p, &err));
}

static void xc_stream(const char *dir)
{
    struct cvg_sink s;
    struct xcs_cpuid_leaf leaves[2] = {
        { 0, ~0u, 0xd, 0x68747541, 0x444d4163, 0x69746e65 },
        { 7, 0, 0, 0x219c91a9, 0, 0 },
    };
    struct xcs_msr_entry msr = { 0xce, 0, 0 };
    struct xcs_tsc_info tsc = { 0, 2994000, 31337000000ull, 1 };
    struct xcs_hvm_param params[3] = { { 1, 0xfeffc }, { 2, 0xfeffd }, { 5, 1 } };
    struct cvg_hello hello = { CVG_PROTO_VERSION, CVG_CAP_KNOWN, 5, 0x100000 };
    struct cvg_stats st = { 3, 1ull << 30, 1ull << 24, 200ull << 20, 30, 180 };
    struct xcs_pv_info pv = { 8, 4 };
    uint64_t frames[1] = { 0x3f };
    uint64_t pv_pfns[3] = { 0x10, 0x11, 0x12 };
    uint32_t pv_types[3] = { XCS_PFINFO_L4TAB | XCS_PFINFO_LPINTAB, XCS_PFINFO_L1TAB,
                             XCS_PFINFO_BROKEN };
    const void *pv_p[3] = { pages[2], pages[3], NULL };
    static uint8_t basic64[XCS_VCPU_BASIC_64_SIZE], basic32[XCS_VCPU_BASIC_32_SIZE];
    uint8_t ext[64] = { 1 }, xsave[40] = { 7 }, vmsr[16] = { 0x10 };

    cvg_sink_init_mem(&s);

    headers(&s, 3, XCS_DOM_X86_HVM);
    TRY(xcs_write_empty(&s, XCS_REC_STATIC_DATA_END, &err));
    TRY(xcs_write_empty(&s, XCS_REC_END, &err));
    save(dir, "xc_stream", "hvm_minimal", &s);

    headers(&s, 3, XCS_DOM_X86_HVM);
    TRY(cvg_write_hello(&s, &hello, &err));
    TRY(xcs_write_cpuid_policy(&s, leaves, 2, &err));
    TRY(xcs_write_msr_policy(&s, &msr, 1, &err));
    TRY(xcs_write_empty(&s, XCS_REC_STATIC_DATA_END, &err));
    hvm_pages(&s);
    TRY(cvg_write_stats(&s, &st, &err));
    TRY(xcs_write_record_buf(&s, 0x80000abcu, "future", 6, &err));
    TRY(xcs_write_tsc_info(&s, &tsc, &err));
    TRY(xcs_write_record_buf(&s, XCS_REC_HVM_CONTEXT, basic32, 300, &err));
    TRY(xcs_write_hvm_params(&s, params, 3, &err));
    TRY(xcs_write_empty(&s, XCS_REC_END, &err));
    save(dir, "xc_stream", "hvm_typical", &s);

    /* xl migrate --debug: a VERIFY pass after the last copy */
    headers(&s, 3, XCS_DOM_X86_HVM);
    TRY(xcs_write_empty(&s, XCS_REC_STATIC_DATA_END, &err));
    hvm_pages(&s);
    TRY(xcs_write_empty(&s, XCS_REC_VERIFY, &err));
    hvm_pages(&s);
    TRY(xcs_write_hvm_params(&s, NULL, 0, &err));
    TRY(xcs_write_empty(&s, XCS_REC_END, &err));
    save(dir, "xc_stream", "hvm_verify", &s);

    /* version 2: no STATIC_DATA_END, no policies */
    headers(&s, 2, XCS_DOM_X86_HVM);
    hvm_pages(&s);
    TRY(xcs_write_tsc_info(&s, &tsc, &err));
    TRY(xcs_write_record_buf(&s, XCS_REC_HVM_CONTEXT, "ctx", 3, &err));
    TRY(xcs_write_empty(&s, XCS_REC_END, &err));
    save(dir, "xc_stream", "hvm_v2", &s);

    headers(&s, 3, XCS_DOM_X86_PV);
    TRY(xcs_write_pv_info(&s, &pv, &err));
    TRY(xcs_write_cpuid_policy(&s, leaves, 1, &err));
    TRY(xcs_write_empty(&s, XCS_REC_STATIC_DATA_END, &err));
    TRY(xcs_write_p2m_frames(&s, 0, 511, frames, 1, &err));
    TRY(xcs_write_page_data(&s, &scratch, 3, pv_pfns, pv_types, pv_p, &err));
    TRY(xcs_write_tsc_info(&s, &tsc, &err));
    TRY(xcs_write_record_buf(&s, XCS_REC_SHARED_INFO, pages[0], XCS_PAGE_SIZE, &err));
    TRY(xcs_write_vcpu(&s, XCS_REC_X86_PV_VCPU_BASIC, 0, basic64, sizeof(basic64), &err));
    TRY(xcs_write_vcpu(&s, XCS_REC_X86_PV_VCPU_EXTENDED, 0, ext, sizeof(ext), &err));
    TRY(xcs_write_vcpu(&s, XCS_REC_X86_PV_VCPU_XSAVE, 0, xsave, sizeof(xsave), &err));
    TRY(xcs_write_vcpu(&s, XCS_REC_X86_PV_VCPU_MSRS, 0, vmsr, sizeof(vmsr), &err));
    TRY(xcs_write_empty(&s, XCS_REC_END, &err));
    save(dir, "xc_stream", "pv64_typical", &s);

    pv.guest_width = 4;
    pv.pt_levels = 3;
    headers(&s, 3, XCS_DOM_X86_PV);
    TRY(xcs_write_pv_info(&s, &pv, &err));
    TRY(xcs_write_empty(&s, XCS_REC_STATIC_DATA_END, &err));
    TRY(xcs_write_p2m_frames(&s, 0, 1023, frames, 1, &err));
    TRY(xcs_write_page_data(&s, &scratch, 3, pv_pfns, pv_types, pv_p, &err));
    TRY(xcs_write_vcpu(&s, XCS_REC_X86_PV_VCPU_BASIC, 1, basic32, sizeof(basic32), &err));
    TRY(xcs_write_vcpu(&s, XCS_REC_X86_PV_VCPU_XSAVE, 1, NULL, 0, &err));
    TRY(xcs_write_empty(&s, XCS_REC_END, &err));
    save(dir, "xc_stream", "pv32_v3", &s);
}

static void cvg_records(const char *dir)
{
    struct cvg_sink s;
    struct cvg_hello_ack ack = { CVG_PROTO_VERSION, CVG_CAP_CAN_READ_ACKS | CVG_CAP_STATS, 9 };
    struct cvg_switchover_ack sw = { true, 262144, 900ull << 20 };
    struct cvg_bye bye = { 0 }, bye_err = { -5 };
    struct cvg_hello hello = { CVG_PROTO_VERSION, CVG_CAP_KNOWN, 5, 0x100000 };
    struct cvg_stats st = { 1, 1ull << 29, 1ull << 27, 50ull << 20, 0, 900 };
    uint8_t b[64];

    cvg_sink_init_mem(&s);
    TRY(cvg_write_hello_ack(&s, &ack, &err));
    sw.ready = false;
    TRY(cvg_write_switchover_ack(&s, &sw, &err));
    sw.ready = true;
    TRY(cvg_write_switchover_ack(&s, &sw, &err));
    TRY(cvg_write_bye(&s, &bye, &err));
    save(dir, "cvg_records", "back_channel", &s);

    TRY(xcs_write_record_buf(&s, 0x80000042u, "hi", 2, &err));
    TRY(xcs_write_record_buf(&s, CVG_REC_BASE + 0x77, "\2\0\0\0later", 9, &err));
    TRY(cvg_write_bye(&s, &bye_err, &err));
    save(dir, "cvg_records", "back_channel_unknown", &s);

    /* a newer peer: version 2 SWITCHOVER_ACK with 8 more bytes */
    memset(b, 0, sizeof(b));
    cvg_encode_switchover_ack(&sw, b);
    cvg_put_le16(b, 2);
    cvg_put_le64(b + 24, 12345);
    TRY(xcs_write_record_buf(&s, CVG_REC_SWITCHOVER_ACK, b, 32, &err));
    save(dir, "cvg_records", "swack_v2", &s);

    /* bare bodies, for the decoders */
    cvg_encode_hello(&hello, b);
    TRY(cvg_sink_write(&s, b, CVG_HELLO_SIZE, &err));
    save(dir, "cvg_records", "hello_body", &s);
    cvg_encode_stats(&st, b);
    TRY(cvg_sink_write(&s, b, CVG_STATS_SIZE, &err));
    save(dir, "cvg_records", "stats_body", &s);
    cvg_encode_bye(&bye_err, b);
    TRY(cvg_sink_write(&s, b, CVG_BYE_SIZE, &err));
    save(dir, "cvg_records", "bye_body", &s);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_xc_corpus DIR\n");
        return 2;
    }
    for (int p = 0; p < 4; p++)
        for (unsigned i = 0; i < XCS_PAGE_SIZE; i++)
            pages[p][i] = (uint8_t)(p * 61 + i * 13 + (i >> 9));
    xc_stream(argv[1]);
    cvg_records(argv[1]);
    return 0;
}
