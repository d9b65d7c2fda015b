/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxl migration stream, version 2 (docs/specs/libxl-migration-stream.pandoc,
 * tools/libs/light/libxl_sr_stream_format.h): the layer between the xl save
 * header and the libxc stream.
 *
 *   header   u64 ident "LibxlFmt", u32 version 2, u32 options  (big-endian)
 *   records  u32 type, u32 body_length, body, zero padding to 8  (host = LE)
 *
 * The libxc stream is not a record body: LIBXC_CONTEXT is empty and the
 * libxc stream follows it inline.  The reader therefore returns that record
 * having read nothing after its 8-byte header, and the caller hands the very
 * same struct cvg_src to the libxc reader, then comes back here for the
 * records libxl appends after the libxc END (emulator records, END).
 *
 * What this reader refuses, and why:
 *  - any type outside 0..5, optional (bit 31) or not: libxl's
 *    process_record() fails on them too ("Unrecognised record"), so a stream
 *    carrying one can never be restored by stock xl;
 *  - options bit 0 (big-endian payload, libxl refuses it) and the reserved
 *    options bits 2..31 (no writer sets them; treated as corruption);
 *  - empty records (END, LIBXC_CONTEXT, CHECKPOINT_END) with a body, a
 *    CHECKPOINT_STATE whose body is not exactly the u32 control id, an
 *    emulator record shorter than its 8-byte sub-header, an emulator id
 *    outside 0..2, xenstore data that do not form NUL-terminated, relative,
 *    non-empty key / NUL-terminated value pairs, non-zero padding;
 *  - bodies beyond CVG_XL_XENSTORE_DATA_MAX / CVG_XL_EMULATOR_CONTEXT_MAX.
 * Buffers grow with the bytes that actually arrive, so a lying length costs
 * no more memory than the data behind it.
 */
#ifndef CVG_WIRE_XL_STREAM_H
#define CVG_WIRE_XL_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/io.h"

#define CVG_XL_IDENT            0x4c6962786c466d74ULL   /* "LibxlFmt" */
#define CVG_XL_VERSION          2u
#define CVG_XL_HDR_SIZE         16u
#define CVG_XL_REC_HDR_SIZE     8u

#define CVG_XL_OPT_BIG_ENDIAN   (1u << 0)   /* refused, as libxl does */
#define CVG_XL_OPT_LEGACY       (1u << 1)   /* made by convert-legacy-stream */
#define CVG_XL_OPT_KNOWN        (CVG_XL_OPT_BIG_ENDIAN | CVG_XL_OPT_LEGACY)

enum cvg_xl_rec_type {
    CVG_XL_REC_END                      = 0,
    CVG_XL_REC_LIBXC_CONTEXT            = 1,
    CVG_XL_REC_EMULATOR_XENSTORE_DATA   = 2,
    CVG_XL_REC_EMULATOR_CONTEXT         = 3,
    CVG_XL_REC_CHECKPOINT_END           = 4,
    CVG_XL_REC_CHECKPOINT_STATE         = 5,
};
#define CVG_XL_REC_NR 6u

/* Emulator sub-header ids (libxl__sr_emulator_hdr.id). */
#define CVG_XL_EMULATOR_UNKNOWN             0u
#define CVG_XL_EMULATOR_QEMU_TRADITIONAL    1u
#define CVG_XL_EMULATOR_QEMU_UPSTREAM       2u
#define CVG_XL_EMULATOR_SUBHDR_SIZE         8u

/* CHECKPOINT_STATE control ids (COLO back channel). */
#define CVG_XL_CHECKPOINT_NEW               0u
#define CVG_XL_CHECKPOINT_SVM_SUSPENDED     1u
#define CVG_XL_CHECKPOINT_SVM_READY         2u
#define CVG_XL_CHECKPOINT_SVM_RESUMED       3u

/*
 * Body limits (body_length, sub-header included).  The emulator context
 * bound is libxc's REC_LENGTH_MAX: a qemu device-state blob is far smaller
 * in practice (no guest RAM in it).  Xenstore data are a handful of
 * physmap keys; 1 MiB is thousands of times what libxl writes.
 */
#define CVG_XL_EMULATOR_CONTEXT_MAX     (128u << 20)
#define CVG_XL_XENSTORE_DATA_MAX        (1u << 20)

struct cvg_xl_hdr {
    uint64_t ident;
    uint32_t version;
    uint32_t options;           /* CVG_XL_OPT_LEGACY may be set */
};

struct cvg_xl_rec {
    uint32_t type;
    uint32_t length;            /* body_length as on the wire */
    uint64_t offset;            /* source offset of the record header */
    /* EMULATOR_XENSTORE_DATA, EMULATOR_CONTEXT */
    uint32_t emulator_id;
    uint32_t emulator_index;
    const uint8_t *data;        /* after the sub-header; NULL if skipped */
    uint32_t data_len;
    uint32_t nr_pairs;          /* EMULATOR_XENSTORE_DATA key/value pairs */
    /* CHECKPOINT_STATE */
    uint32_t control_id;
    uint8_t *body;              /* owned: cvg_xl_rec_free() */
};

/* Read flags. */
#define CVG_XL_SKIP_EMULATOR_BLOB   (1u << 0)   /* read past, do not keep */

const char *cvg_xl_rec_type_name(uint32_t type);    /* "END", ..., "unknown" */
const char *cvg_xl_emulator_name(uint32_t id);
const char *cvg_xl_checkpoint_name(uint32_t id);

/* Reads and checks the 16-byte stream header. */
int cvg_xl_read_header(struct cvg_src *src, struct cvg_xl_hdr *hdr,
                       struct cvg_err *err);

/*
 * Reads one record (header, body, padding) and checks its body for its
 * type.  Any of the six types is accepted; where a type may appear is the
 * business of struct cvg_xl_reader.  On success the caller owns rec->body.
 */
int cvg_xl_read_record(struct cvg_src *src, unsigned flags,
                       struct cvg_xl_rec *rec, struct cvg_err *err);
void cvg_xl_rec_free(struct cvg_xl_rec *rec);

/*
 * Checks a record body already in memory (the writer runs it too, so we
 * never emit what we would refuse).  offset is quoted in messages.
 */
int cvg_xl_check_body(uint32_t type, const uint8_t *body, uint32_t len,
                      uint64_t offset, struct cvg_xl_rec *rec,
                      struct cvg_err *err);

/*
 * Checks packed xenstore key/value pairs as libxl's
 * libxl__restore_emulator_xenstore_data() would, plus the xenstore key
 * alphabet; *nr_pairs gets their number.  base is the stream offset of data.
 */
int cvg_xl_check_xenstore_pairs(const uint8_t *data, uint32_t len,
                                uint64_t base, uint32_t *nr_pairs,
                                struct cvg_err *err);

/*
 * A whole stream in order, as libxl's reader walks it:
 *   header, then records; exactly one LIBXC_CONTEXT in a plain stream
 *   (after which the caller reads the libxc stream from the same source);
 *   END only after LIBXC_CONTEXT and nothing after END; CHECKPOINT_END only
 *   in a checkpointed (Remus/COLO) stream and only after LIBXC_CONTEXT;
 *   CHECKPOINT_STATE never (it travels on the COLO back channel: read it
 *   with cvg_xl_read_record()).
 */
struct cvg_xl_reader {
    struct cvg_src *src;
    unsigned flags;             /* CVG_XL_SKIP_EMULATOR_BLOB */
    bool checkpointed;
    struct cvg_xl_hdr hdr;
    bool have_hdr, ended;
    uint32_t nr_libxc;          /* LIBXC_CONTEXT records seen */
    uint32_t nr_records;
};

void cvg_xl_reader_init(struct cvg_xl_reader *rd, struct cvg_src *src,
                        bool checkpointed, unsigned flags);
/* Reads the header on the first call, then one record per call. */
int cvg_xl_reader_next(struct cvg_xl_reader *rd, struct cvg_xl_rec *rec,
                       struct cvg_err *err);

/* Writers: whole records in one gather write, padded with zeroes. */
int cvg_xl_write_header(struct cvg_sink *sink, uint32_t options,
                        struct cvg_err *err);
int cvg_xl_write_record(struct cvg_sink *sink, uint32_t type,
                        const void *body, uint32_t len, struct cvg_err *err);
int cvg_xl_write_end(struct cvg_sink *sink, struct cvg_err *err);
int cvg_xl_write_libxc_context(struct cvg_sink *sink, struct cvg_err *err);
int cvg_xl_write_checkpoint_end(struct cvg_sink *sink, struct cvg_err *err);
int cvg_xl_write_checkpoint_state(struct cvg_sink *sink, uint32_t control_id,
                                  struct cvg_err *err);
/* type: EMULATOR_XENSTORE_DATA or EMULATOR_CONTEXT. */
int cvg_xl_write_emulator(struct cvg_sink *sink, uint32_t type,
                          uint32_t emulator_id, uint32_t index,
                          const void *data, uint32_t len, struct cvg_err *err);

/*
 * Reads len bytes into a fresh buffer that grows with the data that arrive
 * (at most len; the caller has bounded len).  Shared with the xl header.
 */
int cvg_xl_read_alloc(struct cvg_src *src, size_t len, const char *what,
                      uint8_t **out, struct cvg_err *err);

#endif
