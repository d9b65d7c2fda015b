/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The xl save header (tools/xl/xl.h: struct save_file_header), which opens
 * every `xl save` image and every `xl migrate` stream, before the libxl
 * stream:
 *
 *   char magic[32]           "Xen saved domain, xl format\n \0 \r"
 *   u32  byteorder           0x01020304 in the writer's byte order
 *   u32  mandatory_flags     bit0 JSON config, bit1 libxl stream v2
 *   u32  optional_flags
 *   u32  optional_data_len
 *   optional data            u32 config_len, config bytes (JSON written by
 *                            xl with its NUL), then anything a newer xl adds
 *
 * All u32s are in the writer's byte order; only little-endian writers are
 * understood here (x86, arm), and a big-endian image is refused by name.
 */
#ifndef CVG_WIRE_XL_HEADER_H
#define CVG_WIRE_XL_HEADER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "common/io.h"

#define CVG_XLH_MAGIC           "Xen saved domain, xl format\n \0 \r"
#define CVG_XLH_MAGIC_SIZE      32u
#define CVG_XLH_SIZE            48u          /* fixed part */
#define CVG_XLH_BYTEORDER       0x01020304u

#define CVG_XLH_MANDATORY_JSON      (1u << 0)
#define CVG_XLH_MANDATORY_STREAMV2  (1u << 1)
#define CVG_XLH_MANDATORY_KNOWN     (CVG_XLH_MANDATORY_JSON | CVG_XLH_MANDATORY_STREAMV2)

/*
 * Bound on optional_data_len.  A libxl domain config in JSON is a few KiB
 * (tens with hundreds of devices); 4 MiB leaves room for any real one.
 */
#define CVG_XLH_OPTDATA_MAX     (4u << 20)

struct cvg_xlh {
    uint32_t mandatory_flags;
    uint32_t optional_flags;    /* none defined; reported, not checked (as xl) */
    uint32_t optional_data_len;
    /*
     * The config, NUL-terminated, malloc'd (cvg_xlh_free), or NULL when the
     * image carries none.  With CVG_XLH_MANDATORY_JSON it is exactly the
     * JSON text xl wrote (config_len includes its NUL); without it, an
     * old-style xl.cfg text to which the reader appended the NUL.
     */
    char *config;
    uint32_t config_len;        /* as on the wire */
    bool config_is_json;
    bool stream_v2;             /* the libxl v2 stream follows */
};

/*
 * Reads the header and the whole optional data, checks them, and leaves
 * the source at the first byte of the libxl stream.  Refused: bad magic, a
 * foreign byte order, unknown mandatory flags, optional data over the
 * bound or too short for its config_len, a JSON config that is not exactly
 * NUL-terminated text.  An image without STREAMV2 (a legacy v1 stream) is
 * returned with stream_v2 false: the caller decides.
 */
int cvg_xlh_read(struct cvg_src *src, struct cvg_xlh *h, struct cvg_err *err);
void cvg_xlh_free(struct cvg_xlh *h);

/*
 * Writes what xl's save_domain_core_writeconfig() writes: STREAMV2, plus
 * JSON when json is non-NULL (json is sent with its NUL); optional data is
 * the u32 config_len (0 without a config) and the config.
 */
int cvg_xlh_write(struct cvg_sink *sink, const char *json, struct cvg_err *err);

#endif
