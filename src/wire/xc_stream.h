/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libxc migration stream, version 3 (Xen 4.17), version 2 accepted on
 * read: a codec for the bytes libxl-save-helper writes between libxl's
 * LIBXC_CONTEXT record and the libxc END record.
 *
 * Layout (docs/specs/libxc-migration-stream.pandoc, xg_sr_stream_format.h):
 *
 *   image header   24 bytes, big-endian: u64 marker ~0, u32 id "XENF",
 *                  u32 version (3; 2 read), u16 options (bit 0 big-endian:
 *                  refused), u16 + u32 reserved
 *   domain header  16 bytes, little-endian: u32 type (1 x86 PV, 2 x86 HVM),
 *                  u16 page_shift (12), u16 reserved, u32 xen_major,
 *                  u32 xen_minor (0.x: converted legacy stream)
 *   records        u32 type, u32 length (of the body), body, zero padding
 *                  to a multiple of 8; the last record is END
 *
 * Records with bit 31 of the type set are optional: a receiver that does not
 * know one skips it.  Ours (cvg_records.h) live in 0xF0CE0000-0xF0CEFFFF.
 *
 * Validation is as strict as Xen's restore code (xg_sr_restore*.c) and,
 * where that code would misbehave or its own stream verifier
 * (tools/python/xen/migration/libxc.py) is stricter, stricter still:
 *  - reserved header fields, reserved option bits, reserved record fields,
 *    reserved pfn bits 52-59 and record padding must be zero;
 *  - every body has an exact or bounded size, checked against the record
 *    header before anything is allocated; REC_LENGTH_MAX (128 MiB) first;
 *  - order: headers, then records; X86_PV_INFO and the CPUID/MSR policies
 *    (static data) only before STATIC_DATA_END, each at most once; at most
 *    one STATIC_DATA_END; in v3 no memory or register record (PAGE_DATA,
 *    X86_PV_P2M_FRAMES, TSC, HVM/vCPU state, SHARED_INFO, VERIFY) before it;
 *    in v2 STATIC_DATA_END is inferred at the first PAGE_DATA or
 *    X86_PV_P2M_FRAMES (or at END), as the spec says; nothing after END;
 *  - PV: X86_PV_INFO before X86_PV_P2M_FRAMES before PAGE_DATA and the vCPU
 *    and SHARED_INFO records; PV-only records refused in an HVM stream and
 *    HVM_CONTEXT/HVM_PARAMS in a PV stream;
 *  - TOOLSTACK (deprecated), CHECKPOINT_DIRTY_PFN_LIST (back channel only)
 *    and unknown mandatory types are refused; CHECKPOINT only when the
 *    caller says the stream is checkpointed (Remus/COLO).
 * Every error names the record (name and hex type), its byte offset in the
 * stream and what was wrong.
 *
 * Errata tolerated as Xen does: HVM_PARAMS with count 0, and vCPU records
 * whose blob is empty (4.6-4.8 senders).
 */
#ifndef CVG_WIRE_XC_STREAM_H
#define CVG_WIRE_XC_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "common/err.h"
#include "common/io.h"

/* ---- Format constants (values are Xen's) ---------------------------- */

#define XCS_IHDR_SIZE       24
#define XCS_DHDR_SIZE       16
#define XCS_RHDR_SIZE       8
#define XCS_REC_ALIGN       8
#define XCS_REC_LENGTH_MAX  (128u << 20)        /* REC_LENGTH_MAX */
#define XCS_IHDR_MARKER     0xffffffffffffffffull
#define XCS_IHDR_ID         0x58454E46u         /* "XENF" */
#define XCS_VERSION         3u                  /* what we write */
#define XCS_VERSION_MIN     2u                  /* oldest we read */
#define XCS_IHDR_OPT_BIG_ENDIAN 0x0001u
#define XCS_PAGE_SHIFT      12
#define XCS_PAGE_SIZE       4096u
#define XCS_MAX_BATCH       1024u               /* MAX_BATCH_SIZE of libxc */

enum xcs_dom_type {
    XCS_DOM_X86_PV = 1,
    XCS_DOM_X86_HVM = 2,
};

enum xcs_rec_type {
    XCS_REC_END = 0x00,
    XCS_REC_PAGE_DATA = 0x01,
    XCS_REC_X86_PV_INFO = 0x02,
    XCS_REC_X86_PV_P2M_FRAMES = 0x03,
    XCS_REC_X86_PV_VCPU_BASIC = 0x04,
    XCS_REC_X86_PV_VCPU_EXTENDED = 0x05,
    XCS_REC_X86_PV_VCPU_XSAVE = 0x06,
    XCS_REC_SHARED_INFO = 0x07,
    XCS_REC_X86_TSC_INFO = 0x08,
    XCS_REC_HVM_CONTEXT = 0x09,
    XCS_REC_HVM_PARAMS = 0x0a,
    XCS_REC_TOOLSTACK = 0x0b,
    XCS_REC_X86_PV_VCPU_MSRS = 0x0c,
    XCS_REC_VERIFY = 0x0d,
    XCS_REC_CHECKPOINT = 0x0e,
    XCS_REC_CHECKPOINT_DIRTY_PFN_LIST = 0x0f,
    XCS_REC_STATIC_DATA_END = 0x10,
    XCS_REC_X86_CPUID_POLICY = 0x11,
    XCS_REC_X86_MSR_POLICY = 0x12,
};
#define XCS_REC_OPTIONAL    0x80000000u

/*
 * Page types, as XEN_DOMCTL_PFINFO_* (public/domctl.h): the type sits in
 * bits 28-31 of a u32, which is how getpageframeinfo3 (and hv->pfn_types)
 * return it.  On the wire it moves 32 bits up: pfn word bits 60-63, with
 * bits 52-59 reserved (zero) and bits 0-51 the pfn.
 */
#define XCS_PFINFO_SHIFT     28
#define XCS_PFINFO_NOTAB     (0x0u << 28)
#define XCS_PFINFO_L1TAB     (0x1u << 28)
#define XCS_PFINFO_L2TAB     (0x2u << 28)
#define XCS_PFINFO_L3TAB     (0x3u << 28)
#define XCS_PFINFO_L4TAB     (0x4u << 28)
#define XCS_PFINFO_LPINTAB   (0x8u << 28)       /* pinned, or-ed into L1-L4 */
#define XCS_PFINFO_BROKEN    (0xdu << 28)
#define XCS_PFINFO_XALLOC    (0xeu << 28)
#define XCS_PFINFO_XTAB      (0xfu << 28)
#define XCS_PFINFO_MASK      (0xfu << 28)

#define XCS_PFN_MASK         0x000fffffffffffffull      /* bits 0-51 */
#define XCS_PFN_RES_MASK     0x0ff0000000000000ull      /* bits 52-59 */
#define XCS_PFN_LIMIT        (XCS_PFN_MASK + 1)         /* 2^52 */

/* Known type (NOTAB, L1-L4, pinned L1-L4, BROKEN, XALLOC, XTAB)? */
bool xcs_page_type_valid(uint32_t type);
/* Does a pfn of this type carry 4096 bytes of data (NOTAB and L1-L4)? */
bool xcs_page_type_has_data(uint32_t type);
/* "NOTAB", "L1TAB", "L2TAB_PIN", ..., "XTAB"; "reserved" otherwise. */
const char *xcs_page_type_name(uint32_t type);

static inline uint64_t xcs_pfn_word(uint64_t pfn, uint32_t type)
{
    return ((uint64_t)type << 32) | (pfn & XCS_PFN_MASK);
}

/* ---- Body bounds (documented limits on what a peer may make us hold) -- */

#define XCS_PV_INFO_SIZE        8
#define XCS_TSC_INFO_SIZE       24
#define XCS_SHARED_INFO_SIZE    XCS_PAGE_SIZE
#define XCS_VCPU_HDR_SIZE       8
#define XCS_CPUID_LEAF_SIZE     24      /* xen_cpuid_leaf_t */
#define XCS_MSR_ENTRY_SIZE      16      /* xen_msr_entry_t */
#define XCS_HVM_PARAM_SIZE      16
#define XCS_VCPU_MSR_SIZE       16      /* xen_domctl_vcpu_msr_t */
/* sizeof(vcpu_guest_context_x86_{64,32}_t) in Xen 4.17's public headers. */
#define XCS_VCPU_BASIC_64_SIZE  5168
#define XCS_VCPU_BASIC_32_SIZE  2800
/* xg_sr_restore_x86_pv.c: extended context blob at most 128 bytes, xsave
 * blob at least 16 (two u64 header words). */
#define XCS_VCPU_EXTENDED_MAX   128
#define XCS_VCPU_XSAVE_MIN      16
/* Xen 4.17 saves 16 HVM params of the 39 that exist (HVM_NR_PARAMS). */
#define XCS_HVM_PARAMS_MAX      256
/* 4.17 policies hold about a hundred leaves and a handful of MSRs. */
#define XCS_CPUID_LEAVES_MAX    4096
#define XCS_MSR_ENTRIES_MAX     4096
/* A vCPU's xsave area (< 12 KiB with AMX) or MSR list: 64 KiB is ample. */
#define XCS_VCPU_BLOB_MAX       (64u << 10)
/* HVM context: a few KiB per vCPU; 16 MiB covers 128 vCPUs many times. */
#define XCS_HVM_CONTEXT_MAX     (16u << 20)
/* Xen's MAX_VIRT_CPUS on x86: the default bound on vcpu_id. */
#define XCS_MAX_VCPUS_DEFAULT   8192u
/* The largest PAGE_DATA batch a reader may be configured to accept. */
#define XCS_MAX_BATCH_LIMIT     65536u

/* ---- Headers -------------------------------------------------------- */

struct xcs_ihdr {
    uint32_t version;           /* 2 or 3 */
    uint16_t options;           /* always 0 once read (little-endian) */
};

struct xcs_dhdr {
    uint32_t type;              /* enum xcs_dom_type */
    uint16_t page_shift;        /* 12 */
    uint32_t xen_major, xen_minor;
};

/* "END", "PAGE_DATA", ..., "X86_MSR_POLICY", "CVG_HELLO", ...;
 * "unknown" / "unknown optional" for types nobody defined. */
const char *xcs_rec_type_name(uint32_t type);
/* "x86 PV", "x86 HVM", "reserved". */
const char *xcs_dom_type_name(uint32_t type);

/* ---- One record as the reader hands it over --------------------------- */

struct xcs_rec {
    uint32_t type;
    uint32_t length;            /* body length, without padding */
    /*
     * Offset of the record header, counted by the cvg_src (from the image
     * header when the source was fresh; set src->off first to count from
     * somewhere else, e.g. the start of the libxl stream).
     */
    uint64_t offset;

    /*
     * Every record but PAGE_DATA: the body (length bytes) in a buffer the
     * reader owns, valid until the next xcs_read_record() or
     * xcs_reader_free().  NULL when length is 0 or the record was skipped.
     */
    const uint8_t *body;
    /* An optional record nobody here knows: its body was read and dropped. */
    bool skipped;
    /*
     * v2 streams have no STATIC_DATA_END; it is inferred where the spec
     * says.  When set, the caller must act as if STATIC_DATA_END had come
     * just before this record (apply the CPU policy, static_data_done).
     */
    bool static_data_end_inferred;

    /*
     * PAGE_DATA only: the pfn list, validated (count >= 1, each pfn below
     * the configured limit, known types, length exact).  pfns[] are bare
     * pfns (type bits stripped), types[] XEN_DOMCTL_PFINFO_* values.  The
     * n_data pages follow in the stream in pfn-list order, one per pfn whose
     * type has data: read each with xcs_read_page() (or cvg_src_read() of
     * XCS_PAGE_SIZE bytes) straight into its destination, or drop them with
     * xcs_skip_pages(), before asking for the next record.
     */
    uint32_t count, n_data;
    const uint64_t *pfns;
    const uint32_t *types;
};

/* ---- Reader --------------------------------------------------------- */

struct xcs_reader_cfg {
    uint64_t max_pfn;           /* pfns must be < max_pfn; 0: 2^52 */
    uint32_t max_batch;         /* PAGE_DATA count limit; 0: 1024 */
    uint32_t max_vcpus;         /* vcpu_id < max_vcpus; 0: 8192 */
    uint32_t expect_dom_type;   /* 0: any; else the domain header must match */
    bool checkpointed;          /* Remus/COLO: CHECKPOINT records allowed */
};

enum xcs_reader_state {
    XCS_RS_IHDR,                /* nothing read yet */
    XCS_RS_RECORDS,             /* headers read, between records */
    XCS_RS_PAGES,               /* PAGE_DATA pfn list read, pages pending */
    XCS_RS_DONE,                /* END read: nothing more will be read */
    XCS_RS_FAILED,              /* an error was reported: stop */
};

struct xcs_reader {
    struct cvg_src *src;
    struct xcs_reader_cfg cfg;
    enum xcs_reader_state state;
    struct xcs_ihdr ihdr;
    struct xcs_dhdr dhdr;

    /* order state */
    bool seen_static_data_end;
    bool seen_cpuid, seen_msr, seen_verify;
    bool seen_pv_info, seen_p2m_frames;
    uint8_t pv_width;                   /* from X86_PV_INFO: 4 or 8 */
    uint64_t pv_p2m_end;                /* highest end_pfn + 1 so far */

    /* current PAGE_DATA */
    uint64_t rec_offset;
    uint32_t rec_type;
    uint32_t pd_count, pd_data;
    uint32_t pd_next, pd_cursor_page;           /* pfn index, its page no. */
    uint64_t pd_pages_off;                      /* offset of the first page */
    uint64_t *pfns;
    uint32_t *types;

    /* body of the current non-PAGE_DATA record */
    uint8_t *buf;
    size_t buf_cap;

    /* xcs_read_pages() lands pages here first (XCS_BOUNCE_PAGES, lazily) */
    uint8_t *bounce;
};

/* cfg may be NULL (defaults).  Allocates the pfn arrays (max_batch). */
int xcs_reader_init(struct xcs_reader *r, struct cvg_src *src,
                    const struct xcs_reader_cfg *cfg, struct cvg_err *err);
void xcs_reader_free(struct xcs_reader *r);

/* Reads and checks the image and domain headers (r->ihdr, r->dhdr). */
int xcs_read_headers(struct xcs_reader *r, struct cvg_err *err);

/*
 * Reads the next record header and, except for PAGE_DATA pages, its body,
 * validating length, content and position.  After END nothing more is read
 * from the source (libxl reads on from the same fd); a further call fails.
 */
int xcs_read_record(struct xcs_reader *r, struct xcs_rec *rec,
                    struct cvg_err *err);

/* PAGE_DATA: reads the next data page into dst (4096 bytes).  *pfn, if not
 * NULL, receives the pfn it belongs to. */
int xcs_read_page(struct xcs_reader *r, void *dst, uint64_t *pfn,
                  struct cvg_err *err);
/*
 * PAGE_DATA: reads the next n data pages, in stream order, into dsts[i]
 * (4096 bytes each, 16-byte aligned).  The bytes go through a small
 * buffer that stays in the cache and on into the guest with streaming
 * stores (common/pagecopy.h): on a cold destination that is a fifth faster
 * than reading straight into the frames (bench/throughput).
 */
int xcs_read_pages(struct xcs_reader *r, void *const *dsts, uint32_t n,
                   struct cvg_err *err);
/* PAGE_DATA: reads and drops the pages not yet read. */
int xcs_skip_pages(struct xcs_reader *r, struct cvg_err *err);

/*
 * Reads a whole stream: headers, then records through END, calling fn (if
 * not NULL) for each record; PAGE_DATA pages fn did not read are dropped.
 * fn returns 0 to go on or a negative errno to stop.  For stream-dump,
 * validation and fuzzing.
 */
typedef int (*xcs_record_fn)(struct xcs_reader *r, const struct xcs_rec *rec,
                             void *opaque, struct cvg_err *err);
int xcs_read_stream(struct xcs_reader *r, xcs_record_fn fn, void *opaque,
                    struct cvg_err *err);

/* ---- Body decoders (also used by the reader to validate) ------------- */
/*
 * Each takes a record of its type (rec->body, rec->length; rec->type and
 * rec->offset name it in errors) and fills a typed view.  Arrays stay in
 * the body: read entry i with the matching _at() accessor.
 */

struct xcs_pv_info {
    uint8_t guest_width;        /* 4 or 8 */
    uint8_t pt_levels;          /* 3 or 4 (with width 4 and 8) */
};
int xcs_decode_pv_info(const struct xcs_rec *rec, struct xcs_pv_info *out,
                       struct cvg_err *err);

struct xcs_p2m_frames {
    uint32_t start_pfn, end_pfn;        /* inclusive pfn range */
    uint32_t nr_frames;                 /* end/fpp - start/fpp + 1 */
    const uint8_t *frames;              /* nr_frames u64 pfns */
};
/* guest_width (4 or 8, from X86_PV_INFO) sets the pfns per p2m frame. */
int xcs_decode_p2m_frames(const struct xcs_rec *rec, unsigned guest_width,
                          struct xcs_p2m_frames *out, struct cvg_err *err);
uint64_t xcs_p2m_frame_at(const struct xcs_p2m_frames *f, uint32_t i);

/* X86_PV_VCPU_{BASIC,EXTENDED,XSAVE,MSRS}. */
struct xcs_vcpu {
    uint32_t vcpu_id;
    const uint8_t *blob;        /* NULL when empty (errata: tolerated) */
    uint32_t blob_len;
};
/* guest_width 0 accepts either BASIC size; 4 or 8 demands its own. */
int xcs_decode_vcpu(const struct xcs_rec *rec, unsigned guest_width,
                    struct xcs_vcpu *out, struct cvg_err *err);

struct xcs_tsc_info {
    uint32_t mode, khz;
    uint64_t nsec;
    uint32_t incarnation;
};
int xcs_decode_tsc_info(const struct xcs_rec *rec, struct xcs_tsc_info *out,
                        struct cvg_err *err);

struct xcs_hvm_param {
    uint64_t index, value;
};
struct xcs_hvm_params {
    uint32_t count;             /* may be 0 (errata) */
    struct xcs_hvm_param param[XCS_HVM_PARAMS_MAX];
};
int xcs_decode_hvm_params(const struct xcs_rec *rec, struct xcs_hvm_params *out,
                          struct cvg_err *err);

struct xcs_cpuid_leaf {         /* xen_cpuid_leaf_t */
    uint32_t leaf, subleaf, a, b, c, d;
};
struct xcs_msr_entry {          /* xen_msr_entry_t; flags must be 0 */
    uint32_t idx, flags;
    uint64_t val;
};
struct xcs_policy {             /* X86_CPUID_POLICY or X86_MSR_POLICY */
    uint32_t count;             /* >= 1 */
    const uint8_t *entries;
};
int xcs_decode_cpuid_policy(const struct xcs_rec *rec, struct xcs_policy *out,
                            struct cvg_err *err);
int xcs_decode_msr_policy(const struct xcs_rec *rec, struct xcs_policy *out,
                          struct cvg_err *err);
void xcs_cpuid_leaf_at(const struct xcs_policy *p, uint32_t i,
                       struct xcs_cpuid_leaf *out);
void xcs_msr_entry_at(const struct xcs_policy *p, uint32_t i,
                      struct xcs_msr_entry *out);

/* CHECKPOINT_DIRTY_PFN_LIST (COLO back channel): u64 pfn[length / 8]. */
struct xcs_pfn_list {
    uint32_t count;
    const uint8_t *pfns;
};
int xcs_decode_dirty_pfn_list(const struct xcs_rec *rec, uint64_t max_pfn,
                              struct xcs_pfn_list *out, struct cvg_err *err);
uint64_t xcs_pfn_list_at(const struct xcs_pfn_list *l, uint32_t i);

/*
 * Fails with a message prefixed by the record's name, hex type and offset:
 * "PAGE_DATA (0x00000001) at offset 4136: ...".  For decoders of records
 * of any origin (ours, the restore engine's own checks).
 */
int xcs_rec_fail(const struct xcs_rec *rec, struct cvg_err *err, int code,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- Writer ---------------------------------------------------------- */
/*
 * Each call emits one whole header or record with a single gather write
 * into the sink, padding included; bodies are never copied.
 */

/* version: XCS_VERSION (3); 2 only to produce v2 streams for tests. */
int xcs_write_ihdr(struct cvg_sink *sink, uint32_t version, struct cvg_err *err);
int xcs_write_dhdr(struct cvg_sink *sink, const struct xcs_dhdr *dhdr,
                   struct cvg_err *err);

#define XCS_WRITE_IOV_MAX 16
/* Any record: header + body[0..n) + padding.  n <= XCS_WRITE_IOV_MAX. */
int xcs_write_record(struct cvg_sink *sink, uint32_t type,
                     const struct iovec *body, int n, struct cvg_err *err);
int xcs_write_record_buf(struct cvg_sink *sink, uint32_t type,
                         const void *body, size_t len, struct cvg_err *err);

/*
 * Scratch space for xcs_write_page_data: the encoded record header and pfn
 * list and the iovec array.  ~24 KiB; allocate once per stream.
 */
struct xcs_page_scratch {
    uint8_t head[XCS_RHDR_SIZE + 8 + 8 * XCS_MAX_BATCH];
    struct iovec iov[1 + XCS_MAX_BATCH];
};

/*
 * PAGE_DATA for count (1..1024) pfns: types[i] is XEN_DOMCTL_PFINFO_* for
 * pfns[i]; pages[i] points at its 4096 bytes (mapped guest memory) when the
 * type carries data and is ignored otherwise.  Header, pfn list and the
 * pages themselves go out as one gather write (adjacent pages merged into
 * one iovec; the sink splits at IOV_MAX); page contents are never copied.
 */
int xcs_write_page_data(struct cvg_sink *sink, struct xcs_page_scratch *scratch,
                        uint32_t count, const uint64_t *pfns,
                        const uint32_t *types, const void *const *pages,
                        struct cvg_err *err);

/* Typed bodies. */
int xcs_write_empty(struct cvg_sink *sink, uint32_t type, struct cvg_err *err);
int xcs_write_pv_info(struct cvg_sink *sink, const struct xcs_pv_info *info,
                      struct cvg_err *err);
int xcs_write_p2m_frames(struct cvg_sink *sink, uint32_t start_pfn,
                         uint32_t end_pfn, const uint64_t *frames,
                         uint32_t nr_frames, struct cvg_err *err);
int xcs_write_vcpu(struct cvg_sink *sink, uint32_t type, uint32_t vcpu_id,
                   const void *blob, size_t blob_len, struct cvg_err *err);
int xcs_write_tsc_info(struct cvg_sink *sink, const struct xcs_tsc_info *tsc,
                       struct cvg_err *err);
int xcs_write_hvm_params(struct cvg_sink *sink, const struct xcs_hvm_param *p,
                         uint32_t count, struct cvg_err *err);
int xcs_write_cpuid_policy(struct cvg_sink *sink,
                           const struct xcs_cpuid_leaf *leaves, uint32_t count,
                           struct cvg_err *err);
int xcs_write_msr_policy(struct cvg_sink *sink,
                         const struct xcs_msr_entry *msrs, uint32_t count,
                         struct cvg_err *err);
int xcs_write_dirty_pfn_list(struct cvg_sink *sink, const uint64_t *pfns,
                             uint32_t count, struct cvg_err *err);

#endif
