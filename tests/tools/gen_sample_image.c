/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gen-sample-image [--bare-libxc] [--pages N] OUT
 *
 * Writes a realistic `xl save` image of a small HVM guest, the way xl,
 * libxl and a save helper would lay it out: xl header with a JSON config,
 * libxl stream v2, the libxc stream v3 inside (CPUID/MSR policy, a first
 * full pass with holes, a second pass resending some pages, our HELLO and
 * STATS optional records, TSC/HVM context/params, END), then the emulator
 * records libxl appends and END.  --bare-libxc writes only the libxc part.
 * Used by the stream-dump tests and by README's first command.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/io.h"
#include "wire/cvg_records.h"
#include "wire/xc_stream.h"
#include "wire/xl_header.h"
#include "wire/xl_stream.h"

static const char sample_json[] =
    "{\n"
    "    \"c_info\": {\n"
    "        \"type\": \"hvm\",\n"
    "        \"name\": \"sample\",\n"
    "        \"uuid\": \"7a3e0c4d-62b4-4b7e-9d5e-3c1b2a6f9e01\"\n"
    "    },\n"
    "    \"b_info\": {\n"
    "        \"max_vcpus\": 2,\n"
    "        \"max_memkb\": 65536,\n"
    "        \"target_memkb\": 65536,\n"
    "        \"type.hvm\": { \"tsc_mode\": \"native\" }\n"
    "    }\n"
    "}\n";

/* A page whose bytes say which pfn and which pass wrote it. */
static void fill_page(uint8_t *page, uint64_t pfn, unsigned pass)
{
    for (unsigned i = 0; i < XCS_PAGE_SIZE; i += 8)
        cvg_put_le64(page + i, (pfn << 20) ^ ((uint64_t)pass << 56) ^ i);
}

static int send_batch(struct cvg_sink *sink, struct xcs_page_scratch *scratch,
                      const uint64_t *pfns, uint32_t n, uint64_t hole_start,
                      uint64_t hole_end, unsigned pass, struct cvg_err *err)
{
    static uint8_t pages[XCS_MAX_BATCH][XCS_PAGE_SIZE];
    const void *ptrs[XCS_MAX_BATCH];
    uint32_t types[XCS_MAX_BATCH];

    for (uint32_t i = 0; i < n; i++) {
        bool hole = pfns[i] >= hole_start && pfns[i] < hole_end;

        types[i] = hole ? XCS_PFINFO_XTAB : XCS_PFINFO_NOTAB;
        fill_page(pages[i], pfns[i], pass);
        ptrs[i] = pages[i];
    }
    return xcs_write_page_data(sink, scratch, n, pfns, types, ptrs, err);
}

static int write_libxc(struct cvg_sink *sink, uint64_t nr_pages, struct cvg_err *err)
{
    static const struct xcs_cpuid_leaf leaves[] = {
        { 0x0, ~0u, 0xd, 0x68747541, 0x444d4163, 0x69746e65 },
        { 0x1, ~0u, 0x00a00f11, 0x00020800, 0xfef83203, 0x178bfbff },
        { 0x7, 0x0, 0x0, 0x219c91a9, 0x0, 0x0 },
    };
    static const struct xcs_msr_entry msrs[] = {
        { 0xce, 0, 0 },
        { 0x10a, 0, 0 },
    };
    static const uint8_t hvm_context[] = {
        /* an HVM save header descriptor and an END descriptor, as opaque bytes */
        0x01, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00,
    };
    const struct xcs_hvm_param params[] = {
        { 1, nr_pages - 2 },        /* HVM_PARAM_STORE_PFN */
        { 17, nr_pages - 1 },       /* HVM_PARAM_CONSOLE_PFN */
    };
    const struct xcs_dhdr dhdr = { XCS_DOM_X86_HVM, 12, 4, 17 };
    const struct xcs_tsc_info tsc = { 2, 2000000, 123456789ull, 1 };
    const struct cvg_hello hello = { CVG_PROTO_VERSION, CVG_CAP_STATS, 7, nr_pages };
    struct xcs_page_scratch *scratch = malloc(sizeof(*scratch));
    uint64_t pfns[XCS_MAX_BATCH];
    uint64_t hole_start = nr_pages - nr_pages / 8, hole_end = nr_pages - 4;
    int rc = -ENOMEM;

    if (!scratch)
        return cvg_fail(err, rc, "out of memory");
    if ((rc = xcs_write_ihdr(sink, XCS_VERSION, err)) ||
        (rc = xcs_write_dhdr(sink, &dhdr, err)) ||
        (rc = xcs_write_cpuid_policy(sink, leaves, 3, err)) ||
        (rc = xcs_write_msr_policy(sink, msrs, 2, err)) ||
        (rc = xcs_write_empty(sink, XCS_REC_STATIC_DATA_END, err)) ||
        (rc = cvg_write_hello(sink, &hello, err)))
        goto out;

    /* Pass 0: every pfn, holes as XTAB. */
    for (uint64_t base = 0; base < nr_pages; base += XCS_MAX_BATCH) {
        uint32_t n = nr_pages - base < XCS_MAX_BATCH ? (uint32_t)(nr_pages - base)
                                                      : XCS_MAX_BATCH;

        for (uint32_t i = 0; i < n; i++)
            pfns[i] = base + i;
        rc = send_batch(sink, scratch, pfns, n, hole_start, hole_end, 0, err);
        if (rc)
            goto out;
    }
    {
        const struct cvg_stats st = { 0, nr_pages * XCS_PAGE_SIZE,
                                      nr_pages / 16 * XCS_PAGE_SIZE, 1 << 20, 0, 40 };

        rc = cvg_write_stats(sink, &st, err);
        if (rc)
            goto out;
    }
    /* Pass 1: every 16th page was dirtied again. */
    {
        uint32_t n = 0;

        for (uint64_t pfn = 0; pfn < hole_start; pfn += 16) {
            pfns[n++] = pfn;
            if (n == XCS_MAX_BATCH) {
                rc = send_batch(sink, scratch, pfns, n, 0, 0, 1, err);
                if (rc)
                    goto out;
                n = 0;
            }
        }
        if (n && (rc = send_batch(sink, scratch, pfns, n, 0, 0, 1, err)))
            goto out;
    }
    if ((rc = xcs_write_tsc_info(sink, &tsc, err)) ||
        (rc = xcs_write_record_buf(sink, XCS_REC_HVM_CONTEXT, hvm_context,
                                   sizeof(hvm_context), err)) ||
        (rc = xcs_write_hvm_params(sink, params, 2, err)) ||
        (rc = xcs_write_empty(sink, XCS_REC_END, err)))
        goto out;
out:
    free(scratch);
    return rc;
}

static int write_image(struct cvg_sink *sink, uint64_t nr_pages, struct cvg_err *err)
{
    static const char xs[] = "physmap/f0000000/start_addr\0f0000000\0"
                             "physmap/f0000000/size\0800000\0";
    static const uint8_t qemu_state[] = "QEVM\0\0\0\3 device state of a sample guest";
    int rc;

    if ((rc = cvg_xlh_write(sink, sample_json, err)) ||
        (rc = cvg_xl_write_header(sink, 0, err)) ||
        (rc = cvg_xl_write_libxc_context(sink, err)) ||
        (rc = write_libxc(sink, nr_pages, err)) ||
        (rc = cvg_xl_write_emulator(sink, CVG_XL_REC_EMULATOR_XENSTORE_DATA,
                                    CVG_XL_EMULATOR_QEMU_UPSTREAM, 0, xs,
                                    sizeof(xs) - 1, err)) ||
        (rc = cvg_xl_write_emulator(sink, CVG_XL_REC_EMULATOR_CONTEXT,
                                    CVG_XL_EMULATOR_QEMU_UPSTREAM, 0, qemu_state,
                                    sizeof(qemu_state), err)) ||
        (rc = cvg_xl_write_end(sink, err)))
        return rc;
    return 0;
}

int main(int argc, char **argv)
{
    struct cvg_sink sink;
    struct cvg_err err = { 0 };
    uint64_t nr_pages = 4096;
    bool bare = false;
    const char *out = NULL;
    int fd, rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--bare-libxc")) {
            bare = true;
        } else if (!strcmp(argv[i], "--pages") && i + 1 < argc) {
            char *end;

            nr_pages = strtoull(argv[++i], &end, 0);
            if (*end || nr_pages < 64 || nr_pages > (1u << 22)) {
                fprintf(stderr, "gen-sample-image: --pages takes 64..4194304\n");
                return 2;
            }
        } else if (!out && argv[i][0] != '-') {
            out = argv[i];
        } else {
            fprintf(stderr, "Usage: gen-sample-image [--bare-libxc] [--pages N] OUT\n");
            return 2;
        }
    }
    if (!out) {
        fprintf(stderr, "Usage: gen-sample-image [--bare-libxc] [--pages N] OUT\n");
        return 2;
    }
    fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "gen-sample-image: %s: %s\n", out, strerror(errno));
        return 1;
    }
    cvg_sink_init_fd(&sink, fd);
    rc = bare ? write_libxc(&sink, nr_pages, &err) : write_image(&sink, nr_pages, &err);
    if (close(fd) && !rc)
        rc = cvg_fail(&err, -errno, "close: %s", strerror(errno));
    if (rc) {
        fprintf(stderr, "gen-sample-image: %s: %s\n", out, err.msg);
        return 1;
    }
    return 0;
}
