/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: a migration's status record as libxenconverge reads it from
 * the helper's socket (lib/miginfo.h): arbitrary bytes of JSON, at most
 * CVG_MIGINFO_MAX.  Whatever is accepted is within the bounds the API
 * promises (a short printable phase, a throttle of at most 100 %, an ETA of
 * -1 or more); whatever is refused says why.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/miginfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_miginfo: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xenconverge_migration_info mi;
    struct cvg_err err = { 0 };
    char *text = malloc(size ? size : 1);

    check(text != NULL, "out of memory");
    memcpy(text, data, size);
    /* The domain the fuzzer's seeds talk about. */
    if (!cvg_miginfo_parse(text, size, 5, &mi, &err)) {
        check(mi.domid == 5, "accepted another domain's record");
        check(mi.helper_pid > 0, "accepted a record without a helper");
        check(strlen(mi.phase) > 0 && strlen(mi.phase) < sizeof(mi.phase), "bad phase");
        for (const char *p = mi.phase; *p; p++)
            check((*p >= 'a' && *p <= 'z') || *p == '-' || *p == '_', "unprintable phase");
        check(mi.throttle_pct <= 100, "throttle above 100 %");
        check(mi.eta_ms >= -1, "ETA below -1");
        check(mi.dirty_rate_mib_s >= 0 && mi.bandwidth_mib_s >= 0, "negative rate");
    } else {
        check(err.msg[0] != '\0', "refused record without a reason");
    }
    free(text);
    return 0;
}
