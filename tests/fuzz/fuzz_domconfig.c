/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The domain config in a migration's xl header comes from the sending
 * host: untrusted bytes.  Each input goes to the JSON reader and to the
 * xl.cfg reader; what the JSON reader accepts must keep its promises
 * (domconfig.h) and survive a round trip through our writer unchanged.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xlmig/domconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libxlutil's own parser leaks on some syntax errors (see fuzz_scenario.c). */
const char *__lsan_default_suppressions(void)
{
    return "leak:xlu__cfg_string_mk\n"
           "leak:xlu__cfg_list_mk\n"
           "leak:xlu__cfgl_strdup\n"
           "leak:xlu__cfgl_dequote\n";
}

static void check(const struct cvg_xlmig_domcfg *d)
{
    if (!cvg_xlmig_name_ok(d->name) || !d->memkb || d->memkb > CVG_XLMIG_MEMKB_MAX ||
        d->memkb % 4 || !d->vcpus || d->vcpus > CVG_XLMIG_VCPUS_MAX || d->domid > 0x7FEF)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cvg_xlmig_domcfg d, e;
    char *json = NULL;

    if (cvg_xlmig_domcfg_from_json((const char *)data, size, &d, NULL) == 0) {
        check(&d);
        if (cvg_xlmig_domcfg_to_json(&d, &json, NULL) ||
            cvg_xlmig_domcfg_from_json(json, strlen(json), &e, NULL) ||
            strcmp(d.name, e.name) || d.type != e.type || d.memkb != e.memkb ||
            d.vcpus != e.vcpus || d.domid != e.domid)
            abort();
        free(json);
    }
    if (cvg_xlmig_domcfg_from_xlcfg((const char *)data, size, "fuzz", &d, NULL) == 0)
        check(&d);
    return 0;
}
