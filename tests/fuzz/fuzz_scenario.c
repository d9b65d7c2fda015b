/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scenario and tunables files are xl.cfg text from an administrator or a
 * test author: untrusted bytes through libxlutil and our own checks.  Each
 * input goes to the scenario parser, the tunables parser and, as one
 * string, the workload mini-language; what the scenario parser accepts
 * must satisfy the promises of scenario.h, or the run aborts.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/scenario.h"
#include "config/tunables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/*
 * libxlutil 4.17 leaks the values it has built when a syntax error cuts a
 * statement short (its bison grammar has no %destructor): e.g. a list
 * followed by a stray byte.  That is its bug, bounded by the input size,
 * in processes that parse one file and exit.  Only its parser-internal
 * allocations are suppressed: a Config we forgot to destroy is still
 * reported (its direct leak is in xlu_cfg_init).
 */
const char *__lsan_default_suppressions(void)
{
    return "leak:xlu__cfg_string_mk\n"
           "leak:xlu__cfg_list_mk\n"
           "leak:xlu__cfgl_strdup\n"
           "leak:xlu__cfgl_dequote\n";
}

static void check_promises(const struct cvg_scenario *sc)
{
    unsigned owner[CVG_SCENARIO_MAX_VCPUS] = { 0 };
    unsigned i, v;

    if (!sc->name[0] || sc->vcpus < 1 || sc->vcpus > CVG_SCENARIO_MAX_VCPUS ||
        sc->memory_mib < 1 || sc->memory_mib > CVG_SCENARIO_MAX_MEMORY_MIB ||
        !(sc->bandwidth_mib_s > 0) || sc->nr_workload < 1 ||
        sc->nr_workload > CVG_SCENARIO_MAX_GROUPS ||
        sc->nr_phases > CVG_SCENARIO_MAX_PHASES)
        abort();
    for (i = 0; i < sc->nr_workload; i++)
        for (v = sc->workload[i].vcpu_first; v <= sc->workload[i].vcpu_last; v++) {
            if (v >= sc->vcpus)
                abort();
            owner[v]++;
        }
    for (v = 0; v < sc->vcpus; v++)
        if (owner[v] != 1)
            abort();
    for (i = 0; i < sc->nr_phases; i++)
        if (sc->phases[i].vcpu_last >= sc->vcpus ||
            sc->phases[i].at_s > sc->max_time_s ||
            (i && sc->phases[i].at_s < sc->phases[i - 1].at_s))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cvg_scenario sc;
    struct cvg_tunables t;
    struct cvg_workload w;
    struct cvg_err err = { 0 };
    char *s;

    if (cvg_scenario_parse((const char *)data, size, "fuzz.cfg", &sc, &err) == 0) {
        check_promises(&sc);
        cvg_scenario_free(&sc);
    } else if (!err.code || !err.msg[0]) {
        abort();                /* every refusal says why */
    }

    cvg_tunables_init(&t);
    cvg_err_clear(&err);
    (void)cvg_tunables_apply_text(&t, (const char *)data, size, "fuzz.cfg", &err);

    s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    cvg_err_clear(&err);
    (void)cvg_workload_parse(s, 1, 32, &w, &err);
    free(s);
    return 0;
}
