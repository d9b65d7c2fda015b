/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl-converge stream-dump [--verbose] FILE|-
 *
 * Decodes a saved image (`xl save` output: xl header, libxl stream with the
 * libxc stream inside), a bare libxl stream or a bare libxc stream, lists
 * its records and sums them up.  Every byte passes through the same strict
 * readers the restore side uses, so a stream this accepts is one our
 * restore accepts; on malformed input it names the record and the offset
 * and exits 1.  Without --verbose, runs of PAGE_DATA records are folded
 * into one line.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmds.h"
#include "common/bytes.h"
#include "common/io.h"
#include "wire/cvg_records.h"
#include "wire/xc_stream.h"
#include "wire/xl_header.h"
#include "wire/xl_stream.h"

/* Distinct pfns are counted for guests up to 1 TiB (a 32 MiB bitmap). */
#define DUMP_DISTINCT_PFN_LIMIT (1ull << 28)

struct dump_type_count {
    uint64_t records, bytes;
};

struct dump {
    bool verbose;
    /* per libxc record type; optional ones land in a separate bucket */
    struct dump_type_count by_type[0x13];
    struct dump_type_count optional;
    /* the current fold of consecutive PAGE_DATA records */
    uint64_t run_records, run_pfns, run_data, run_first_off;
    /* totals */
    uint64_t pfns, data_pages, holes;
    uint64_t max_pfn_seen;
    unsigned long *seen;        /* distinct pfns */
    uint64_t seen_bits;
    uint64_t distinct;
    bool distinct_overflow;
};

static void flush_run(struct dump *d)
{
    if (!d->run_records)
        return;
    printf("  %#010" PRIx64 "  PAGE_DATA x %" PRIu64 ": %" PRIu64 " pfns, %" PRIu64
           " with data\n", d->run_first_off, d->run_records, d->run_pfns, d->run_data);
    d->run_records = d->run_pfns = d->run_data = 0;
}

static int note_pfn(struct dump *d, uint64_t pfn, struct cvg_err *err)
{
    const uint64_t bpw = 8 * sizeof(unsigned long);

    if (pfn > d->max_pfn_seen || d->pfns == 0)
        d->max_pfn_seen = pfn > d->max_pfn_seen ? pfn : d->max_pfn_seen;
    if (d->distinct_overflow)
        return 0;
    if (pfn >= DUMP_DISTINCT_PFN_LIMIT) {
        d->distinct_overflow = true;
        return 0;
    }
    if (pfn >= d->seen_bits) {
        uint64_t bits = d->seen_bits ? d->seen_bits : 1 << 16;
        unsigned long *n;

        while (bits <= pfn)
            bits *= 2;
        n = realloc(d->seen, bits / 8);
        if (!n)
            return cvg_fail(err, -ENOMEM, "out of memory counting pfns");
        memset((uint8_t *)n + d->seen_bits / 8, 0, (bits - d->seen_bits) / 8);
        d->seen = n;
        d->seen_bits = bits;
    }
    if (!(d->seen[pfn / bpw] & (1ul << (pfn % bpw)))) {
        d->seen[pfn / bpw] |= 1ul << (pfn % bpw);
        d->distinct++;
    }
    return 0;
}

static void print_cvg_record(const struct xcs_rec *rec, struct cvg_err *err)
{
    struct cvg_msg m;
    struct cvg_err derr = { 0 };

    if (cvg_decode(rec, &m, &derr)) {
        /* Optional: a stock receiver would skip it; say why we would too. */
        printf("                (not decodable: %s)\n", derr.msg);
        return;
    }
    (void)err;
    switch (m.type) {
    case CVG_REC_HELLO:
        printf("                proto %u, caps %#x, domid %u, %" PRIu64 " pfns\n",
               m.u.hello.proto, m.u.hello.caps, m.u.hello.domid, m.u.hello.nr_pfns);
        break;
    case CVG_REC_STATS:
        printf("                pass %u, %" PRIu64 " bytes sent, %" PRIu64
               " remaining, throttle %u%%, expected downtime %u ms\n",
               m.u.stats.pass, m.u.stats.bytes_sent, m.u.stats.remaining,
               m.u.stats.throttle_pct, m.u.stats.expected_downtime_ms);
        break;
    default:
        break;
    }
}

static void print_body_details(const struct xcs_rec *rec)
{
    struct cvg_err derr = { 0 };

    switch (rec->type) {
    case XCS_REC_X86_TSC_INFO: {
        struct xcs_tsc_info t;

        if (!xcs_decode_tsc_info(rec, &t, &derr))
            printf("                mode %u, %u kHz, nsec %" PRIu64 ", incarnation %u\n",
                   t.mode, t.khz, t.nsec, t.incarnation);
        break;
    }
    case XCS_REC_HVM_PARAMS: {
        struct xcs_hvm_params *p = malloc(sizeof(*p));

        if (p && !xcs_decode_hvm_params(rec, p, &derr))
            for (uint32_t i = 0; i < p->count; i++)
                printf("                param %" PRIu64 " = %#" PRIx64 "\n",
                       p->param[i].index, p->param[i].value);
        free(p);
        break;
    }
    case XCS_REC_X86_CPUID_POLICY:
    case XCS_REC_X86_MSR_POLICY: {
        struct xcs_policy pol;
        int rc = rec->type == XCS_REC_X86_CPUID_POLICY ?
            xcs_decode_cpuid_policy(rec, &pol, &derr) :
            xcs_decode_msr_policy(rec, &pol, &derr);

        if (!rc)
            printf("                %u %s\n", pol.count,
                   rec->type == XCS_REC_X86_CPUID_POLICY ? "leaves" : "MSRs");
        break;
    }
    default:
        break;
    }
}

static int on_libxc_record(struct xcs_reader *r, const struct xcs_rec *rec,
                           void *opaque, struct cvg_err *err)
{
    struct dump *d = opaque;
    struct dump_type_count *c;
    uint32_t i;
    int rc;

    (void)r;
    c = rec->type < 0x13 ? &d->by_type[rec->type] : &d->optional;
    c->records++;
    c->bytes += XCS_RHDR_SIZE + rec->length + cvg_pad8(rec->length);

    if (rec->type == XCS_REC_PAGE_DATA) {
        for (i = 0; i < rec->count; i++) {
            if (xcs_page_type_has_data(rec->types[i]))
                d->data_pages++;
            else if (rec->types[i] == XCS_PFINFO_XTAB)
                d->holes++;
            rc = note_pfn(d, rec->pfns[i], err);
            if (rc)
                return rc;
        }
        d->pfns += rec->count;
        if (d->verbose) {
            printf("  %#010" PRIx64 "  PAGE_DATA %10u bytes  %u pfns (%u with data), "
                   "pfn %#" PRIx64 "..%#" PRIx64 "\n", rec->offset, rec->length,
                   rec->count, rec->n_data, rec->pfns[0], rec->pfns[rec->count - 1]);
        } else {
            if (!d->run_records)
                d->run_first_off = rec->offset;
            d->run_records++;
            d->run_pfns += rec->count;
            d->run_data += rec->n_data;
        }
        return 0;   /* the reader drops the pages */
    }

    flush_run(d);
    if (rec->static_data_end_inferred)
        printf("              (STATIC_DATA_END inferred: v2 stream)\n");
    printf("  %#010" PRIx64 "  %-24s %10u bytes%s\n", rec->offset,
           xcs_rec_type_name(rec->type), rec->length,
           rec->skipped ? "  (optional, unknown: skipped)" : "");
    if (cvg_rec_in_range(rec->type))
        print_cvg_record(rec, err);
    else if (d->verbose)
        print_body_details(rec);
    return 0;
}

static int dump_libxc(struct cvg_src *src, struct dump *d, struct cvg_err *err)
{
    struct xcs_reader r;
    int rc;

    rc = xcs_reader_init(&r, src, NULL, err);
    if (rc)
        return rc;
    rc = xcs_read_headers(&r, err);
    if (rc)
        goto out;
    printf("libxc stream v%u: %s, page_shift %u, from Xen %u.%u\n", r.ihdr.version,
           xcs_dom_type_name(r.dhdr.type), r.dhdr.page_shift, r.dhdr.xen_major,
           r.dhdr.xen_minor);
    rc = xcs_read_stream(&r, on_libxc_record, d, err);
    flush_run(d);
out:
    xcs_reader_free(&r);
    return rc;
}

static int dump_libxl(struct cvg_src *src, struct dump *d, struct cvg_err *err)
{
    struct cvg_xl_reader rd;
    struct cvg_xl_rec rec;
    int rc = 0;

    cvg_xl_reader_init(&rd, src, false, CVG_XL_SKIP_EMULATOR_BLOB);
    for (;;) {
        memset(&rec, 0, sizeof(rec));
        rc = cvg_xl_reader_next(&rd, &rec, err);
        if (rc)
            break;
        if (rd.nr_records == 1)
            printf("libxl stream v%u, options %#x%s\n", rd.hdr.version, rd.hdr.options,
                   rd.hdr.options & CVG_XL_OPT_LEGACY ? " (converted from legacy)" : "");
        printf("%#010" PRIx64 "  libxl %-22s %8u bytes", rec.offset,
               cvg_xl_rec_type_name(rec.type), rec.length);
        if (rec.type == CVG_XL_REC_EMULATOR_XENSTORE_DATA)
            printf("  %s, %u keys", cvg_xl_emulator_name(rec.emulator_id), rec.nr_pairs);
        else if (rec.type == CVG_XL_REC_EMULATOR_CONTEXT)
            printf("  %s, index %u", cvg_xl_emulator_name(rec.emulator_id),
                   rec.emulator_index);
        printf("\n");
        if (rec.type == CVG_XL_REC_LIBXC_CONTEXT)
            rc = dump_libxc(src, d, err);
        if (rc || rec.type == CVG_XL_REC_END) {
            cvg_xl_rec_free(&rec);
            break;
        }
        cvg_xl_rec_free(&rec);
    }
    return rc;
}

static void print_summary(const struct dump *d, uint64_t total)
{
    printf("summary: %" PRIu64 " bytes\n", total);
    for (unsigned t = 0; t < 0x13; t++)
        if (d->by_type[t].records)
            printf("  %-24s %8" PRIu64 " records %14" PRIu64 " bytes\n",
                   xcs_rec_type_name(t), d->by_type[t].records, d->by_type[t].bytes);
    if (d->optional.records)
        printf("  %-24s %8" PRIu64 " records %14" PRIu64 " bytes\n", "(optional)",
               d->optional.records, d->optional.bytes);
    printf("  pages: %" PRIu64 " pfns sent, %" PRIu64 " with data (%" PRIu64
           " MiB), %" PRIu64 " holes (XTAB)\n", d->pfns, d->data_pages,
           d->data_pages * XCS_PAGE_SIZE >> 20, d->holes);
    if (d->pfns && !d->distinct_overflow)
        printf("  distinct pfns: %" PRIu64 ", highest %#" PRIx64 ", resent %" PRIu64 "\n",
               d->distinct, d->max_pfn_seen, d->pfns - d->distinct);
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: xl-converge stream-dump [--verbose] FILE|-\n");
}

int cvg_cmd_stream_dump(int argc, char **argv)
{
    static const struct option opts[] = {
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct dump d = { 0 };
    struct cvg_err err = { 0 };
    struct cvg_src src;
    struct cvg_xlh xlh = { 0 };
    uint8_t magic[8], extra;
    const char *path;
    int fd = -1, opt, rc;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
        switch (opt) {
        case 'v':
            d.verbose = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    path = argv[optind];
    if (!strcmp(path, "-")) {
        fd = STDIN_FILENO;
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            fprintf(stderr, "stream-dump: %s: %s\n", path, strerror(errno));
            return 1;
        }
    }
    cvg_src_init_fd(&src, fd);

    /* Sniff the format by its first 8 bytes, then give them back. */
    rc = cvg_src_read(&src, magic, sizeof(magic), "format magic", &err);
    if (!rc)
        rc = cvg_src_unread(&src, magic, sizeof(magic), &err);
    if (rc)
        goto out;
    if (!memcmp(magic, CVG_XLH_MAGIC, sizeof(magic))) {
        rc = cvg_xlh_read(&src, &xlh, &err);
        if (rc)
            goto out;
        printf("xl save header: mandatory %s%s, config %u bytes%s\n",
               xlh.stream_v2 ? "STREAMv2" : "v1",
               xlh.config_is_json ? "|JSON" : "", xlh.config_len,
               xlh.config_is_json ? " (JSON)" : "");
        if (d.verbose && xlh.config)
            printf("%s\n", xlh.config);
        if (!xlh.stream_v2) {
            rc = cvg_fail(&err, -EOPNOTSUPP,
                          "legacy (v1) stream after the xl header: convert it with "
                          "convert-legacy-stream first");
            goto out;
        }
        rc = dump_libxl(&src, &d, &err);
    } else if (cvg_get_be64(magic) == CVG_XL_IDENT) {
        rc = dump_libxl(&src, &d, &err);
    } else if (cvg_get_be64(magic) == XCS_IHDR_MARKER) {
        rc = dump_libxc(&src, &d, &err);
    } else {
        rc = cvg_fail(&err, -EINVAL,
                      "not an xl image, libxl stream or libxc stream "
                      "(first bytes %02x %02x %02x %02x)", magic[0], magic[1],
                      magic[2], magic[3]);
    }
    if (rc)
        goto out;
    /* A stream ends at its END; bytes after it are somebody else's, but in a
     * file of its own they mean the image is not what it claims. */
    if (fd != STDIN_FILENO && cvg_src_at_eof(&src, &extra, &err) == 0) {
        rc = cvg_fail(&err, -EINVAL, "trailing data after the final END at offset %" PRIu64,
                      src.off - 1);
        goto out;
    }
    print_summary(&d, src.off);
out:
    if (rc)
        fprintf(stderr, "stream-dump: %s: %s\n", path, err.msg);
    cvg_xlh_free(&xlh);
    free(d.seen);
    if (fd > STDIN_FILENO)
        close(fd);
    return rc ? 1 : 0;
}
