/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The domain configuration that travels in the xl header of a migration,
 * reduced to what the simulator needs to build the destination: name,
 * type, memory and vCPUs.
 *
 * JSON is libxl's libxl_domain_config layout (what xl sends since 4.5):
 *     { "c_info": { "type": "hvm", "name": "guest" [, "domid": N] },
 *       "b_info": { "max_vcpus": 2, "max_memkb": 65536,
 *                   "target_memkb": 65536, "type.hvm": {} } }
 * Other keys are ignored (a real libxl config has hundreds).  A config
 * without the JSON flag is xl.cfg text (what `xl migrate -C FILE` sends
 * from an xl.cfg file): name, type/builder, memory, maxmem, vcpus,
 * maxvcpus are read, everything else ignored; as in xl, no type means PV.
 *
 * Both readers take bytes from the migration peer: bounded nesting and
 * sizes, every value range-checked, errors name the key.
 */
#ifndef CVG_XLMIG_DOMCONFIG_H
#define CVG_XLMIG_DOMCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define CVG_XLMIG_NAME_MAX        63u
#define CVG_XLMIG_MEMKB_MAX       (1ull << 30)    /* 1 TiB */
#define CVG_XLMIG_VCPUS_MAX       128u            /* Xen 4.17's HVM limit */
#define CVG_XLMIG_JSON_DEPTH      32

enum cvg_xlmig_domtype { CVG_XLMIG_HVM, CVG_XLMIG_PVH, CVG_XLMIG_PV };

struct cvg_xlmig_domcfg {
    char name[CVG_XLMIG_NAME_MAX + 1];    /* [A-Za-z0-9_.+-], alnum first */
    enum cvg_xlmig_domtype type;
    uint64_t memkb;                     /* max_memkb */
    uint32_t vcpus;                     /* max_vcpus */
    uint32_t domid;                     /* 0 unless preserved (xl -D) */
};

const char *cvg_xlmig_domtype_name(enum cvg_xlmig_domtype t);  /* "hvm", ... */

/* Is this a name we accept (the rule above)? */
bool cvg_xlmig_name_ok(const char *name);

/* *json is malloc()ed, NUL-terminated. */
int cvg_xlmig_domcfg_to_json(const struct cvg_xlmig_domcfg *d, char **json,
                           struct cvg_err *err);
/* text need not be NUL-terminated; len excludes any NUL. */
int cvg_xlmig_domcfg_from_json(const char *text, size_t len, struct cvg_xlmig_domcfg *d,
                             struct cvg_err *err);
int cvg_xlmig_domcfg_from_xlcfg(const char *text, size_t len, const char *source,
                              struct cvg_xlmig_domcfg *d, struct cvg_err *err);

#endif
