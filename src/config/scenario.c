/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config/scenario.h"
#include "config/xlcfg.h"

static const char *const pattern_names[] = {
    [CVG_PATTERN_UNIFORM] = "uniform",
    [CVG_PATTERN_HOTCOLD] = "hotcold",
    [CVG_PATTERN_SEQUENTIAL] = "sequential",
    [CVG_PATTERN_ZIPF] = "zipf",
    [CVG_PATTERN_READ] = "read",
    [CVG_PATTERN_IDLE] = "idle",
};
#define NR_PATTERNS (sizeof(pattern_names) / sizeof(pattern_names[0]))

const char *cvg_pattern_name(enum cvg_pattern p)
{
    return (unsigned)p < NR_PATTERNS ? pattern_names[p] : "unknown";
}

/* ---- one workload string ----------------------------------------------- */

enum wl_key { WK_VCPUS, WK_PATTERN, WK_RATE, WK_HOT, WK_HOT_SHARE, WK_AT, WK_NR };
static const char *const wl_key_names[WK_NR] = {
    "vcpus", "pattern", "rate", "hot", "hot_share", "at",
};

static char *trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';
    return s;
}

static int parse_vcpus(const char *entry, const char *v, uint32_t nr_vcpus,
                       struct cvg_workload *w, struct cvg_err *err)
{
    char first[CVG_XLCFG_MAX_NUMLEN + 1];
    const char *dash = strchr(v, '-');
    uint64_t a, b;
    uint32_t limit = nr_vcpus ? nr_vcpus : CVG_SCENARIO_MAX_VCPUS;
    size_t n = dash ? (size_t)(dash - v) : strlen(v);

    if (n > CVG_XLCFG_MAX_NUMLEN)
        goto syntax;
    memcpy(first, v, n);
    first[n] = '\0';
    if (cvg_parse_u64(first, &a))
        goto syntax;
    b = a;
    if (dash && cvg_parse_u64(dash + 1, &b))
        goto syntax;
    if (b < a)
        return cvg_fail(err, -EINVAL, "\"%.60s\": vcpus=%s: range runs backwards",
                        entry, v);
    if (b >= limit)
        return cvg_fail(err, -ERANGE, "\"%.60s\": vcpus=%s: the domain has %u "
                        "vCPUs (0-%u)", entry, v, limit, limit - 1);
    w->vcpu_first = (uint32_t)a;
    w->vcpu_last = (uint32_t)b;
    return 0;
syntax:
    return cvg_fail(err, -EINVAL, "\"%.60s\": vcpus=%.40s: expected N or N-M",
                    entry, v);
}

static int parse_pct(const char *entry, const char *key, const char *v,
                     double *out, struct cvg_err *err)
{
    if (cvg_parse_decimal(v, out) || *out <= 0 || *out > 100)
        return cvg_fail(err, -ERANGE, "\"%.60s\": %s=%.40s: expected a percentage "
                        "in (0,100]", entry, key, v);
    return 0;
}

static int parse_item(const char *entry, enum wl_key k, const char *v,
                      uint32_t nr_vcpus, struct cvg_workload *w,
                      struct cvg_err *err)
{
    unsigned i;

    switch (k) {
    case WK_VCPUS:
        return parse_vcpus(entry, v, nr_vcpus, w, err);
    case WK_PATTERN:
        for (i = 0; i < NR_PATTERNS; i++)
            if (!strcmp(v, pattern_names[i])) {
                w->pattern = (enum cvg_pattern)i;
                return 0;
            }
        return cvg_fail(err, -EINVAL, "\"%.60s\": unknown pattern `%.40s' "
                        "(expected uniform, hotcold, sequential, zipf, read "
                        "or idle)", entry, v);
    case WK_RATE:
        if (cvg_parse_decimal(v, &w->rate_mib_s) ||
            w->rate_mib_s > CVG_SCENARIO_MAX_RATE_MIB_S)
            return cvg_fail(err, -ERANGE, "\"%.60s\": rate=%.40s: expected MiB/s "
                            "in 0..%.0f", entry, v, CVG_SCENARIO_MAX_RATE_MIB_S);
        return 0;
    case WK_HOT:
        return parse_pct(entry, "hot", v, &w->hot_pct, err);
    case WK_HOT_SHARE:
        return parse_pct(entry, "hot_share", v, &w->hot_share_pct, err);
    case WK_AT:
        if (cvg_parse_decimal(v, &w->at_s) || w->at_s > CVG_SCENARIO_MAX_TIME_S)
            return cvg_fail(err, -ERANGE, "\"%.60s\": at=%.40s: expected seconds "
                            "in 0..%u", entry, v, CVG_SCENARIO_MAX_TIME_S);
        return 0;
    case WK_NR:
        break;
    }
    return -EINVAL;
}

int cvg_workload_parse(const char *s, int is_phase, uint32_t nr_vcpus,
                       struct cvg_workload *w, struct cvg_err *err)
{
    char buf[CVG_SCENARIO_MAX_ENTRY_LEN + 1];
    bool seen[WK_NR] = { false };
    size_t len = strnlen(s, CVG_SCENARIO_MAX_ENTRY_LEN + 1);
    char *item, *next;
    unsigned k;
    int rc;

    memset(w, 0, sizeof(*w));
    if (len > CVG_SCENARIO_MAX_ENTRY_LEN)
        return cvg_fail(err, -E2BIG, "\"%.60s...\": longer than %u characters",
                        s, CVG_SCENARIO_MAX_ENTRY_LEN);
    memcpy(buf, s, len + 1);
    for (item = buf; item; item = next) {
        char *eq, *key, *val;

        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        key = trim(item);
        if (!*key)
            return cvg_fail(err, -EINVAL, "\"%.60s\": empty item (stray comma?)", s);
        eq = strchr(key, '=');
        if (!eq)
            return cvg_fail(err, -EINVAL, "\"%.60s\": `%.40s' is not KEY=VALUE",
                            s, key);
        *eq = '\0';
        key = trim(key);
        val = trim(eq + 1);
        for (k = 0; k < WK_NR && strcmp(key, wl_key_names[k]); k++)
            ;
        if (k == WK_NR || (k == WK_AT && !is_phase)) {
            if (!strcmp(key, "at"))
                return cvg_fail(err, -EINVAL, "\"%.60s\": `at' belongs in phases, "
                                "not in workload", s);
            return cvg_fail(err, -EINVAL, "\"%.60s\": unknown key `%.40s' "
                            "(expected vcpus, pattern, rate, hot, hot_share%s)",
                            s, key, is_phase ? ", at" : "");
        }
        if (seen[k])
            return cvg_fail(err, -EINVAL, "\"%.60s\": `%s' given twice", s,
                            wl_key_names[k]);
        seen[k] = true;
        rc = parse_item(s, (enum wl_key)k, val, nr_vcpus, w, err);
        if (rc)
            return rc;
    }

    if (!seen[WK_VCPUS])
        return cvg_fail(err, -EINVAL, "\"%.60s\": missing vcpus=N or vcpus=N-M", s);
    if (!seen[WK_PATTERN])
        return cvg_fail(err, -EINVAL, "\"%.60s\": missing pattern=", s);
    if (w->pattern == CVG_PATTERN_IDLE) {
        if (w->rate_mib_s != 0)
            return cvg_fail(err, -EINVAL, "\"%.60s\": idle vCPUs do no work: "
                            "drop rate", s);
    } else if (!seen[WK_RATE]) {
        return cvg_fail(err, -EINVAL, "\"%.60s\": missing rate= (MiB/s)", s);
    }
    if (w->pattern == CVG_PATTERN_HOTCOLD) {
        if (!seen[WK_HOT] || !seen[WK_HOT_SHARE])
            return cvg_fail(err, -EINVAL, "\"%.60s\": hotcold needs hot=PERCENT "
                            "and hot_share=PERCENT", s);
    } else if (seen[WK_HOT] || seen[WK_HOT_SHARE]) {
        return cvg_fail(err, -EINVAL, "\"%.60s\": hot and hot_share apply to "
                        "pattern=hotcold only", s);
    }
    if (is_phase && !seen[WK_AT])
        return cvg_fail(err, -EINVAL, "\"%.60s\": a phase needs at=SECONDS", s);
    return 0;
}

/* ---- the file ---------------------------------------------------------- */

static const struct cvg_xlcfg_key scenario_keys[] = {
    { "name", false },
    { "memory", false },
    { "vcpus", false },
    { "bandwidth", false },
    { "downtime_limit", false },
    { "max_time", false },
    { "workload", true },
    { "seed", false },
    { "phases", true },
    { "apply_rate", false },
    { "receiver_setup_ms", false },
};
#define NR_REQUIRED 7u          /* the first seven above */

static int check_required(const struct cvg_xlcfg *cfg, struct cvg_err *err)
{
    char missing[200] = "";
    unsigned i, n = 0;

    for (i = 0; i < NR_REQUIRED; i++) {
        if (cvg_xlcfg_has(cfg, scenario_keys[i].name))
            continue;
        if (n++)
            strcat(missing, ", ");
        strcat(missing, scenario_keys[i].name);
    }
    if (n)
        return cvg_fail(err, -EINVAL, "%s: missing required key%s: %s",
                        cvg_xlcfg_source(cfg), n > 1 ? "s" : "", missing);
    return 0;
}

static int get_name(const struct cvg_xlcfg *cfg, struct cvg_scenario *sc,
                    struct cvg_err *err)
{
    const char *v;
    size_t i, n;
    int rc = cvg_xlcfg_get_string(cfg, "name", &v, err);

    if (rc)
        return rc;
    n = strlen(v);
    if (n == 0 || n >= sizeof(sc->name))
        goto bad;
    for (i = 0; i < n; i++) {
        char c = v[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9');

        if (!alnum && (i == 0 || !strchr("_.+-", c)))
            goto bad;
    }
    memcpy(sc->name, v, n + 1);
    return 0;
bad:
    return cvg_fail(err, -EINVAL, "%s:%u: name: \"%.40s\" must be 1..%zu "
                    "characters of A-Z a-z 0-9 _ . + - starting with a letter "
                    "or digit", cvg_xlcfg_source(cfg), cvg_xlcfg_line(cfg, "name"),
                    v, sizeof(sc->name) - 1);
}

static int get_scalars(const struct cvg_xlcfg *cfg, struct cvg_scenario *sc,
                       struct cvg_err *err)
{
    uint64_t v;
    int rc;

    rc = cvg_xlcfg_get_u64(cfg, "memory", 1, CVG_SCENARIO_MAX_MEMORY_MIB, "MiB",
                           &sc->memory_mib, err);
    if (rc)
        return rc;
    rc = cvg_xlcfg_get_u64(cfg, "vcpus", 1, CVG_SCENARIO_MAX_VCPUS, NULL, &v, err);
    if (rc)
        return rc;
    sc->vcpus = (uint32_t)v;
    rc = cvg_xlcfg_get_decimal(cfg, "bandwidth", 0, CVG_SCENARIO_MAX_RATE_MIB_S,
                               true, "MiB/s", &sc->bandwidth_mib_s, err);
    if (rc)
        return rc;
    rc = cvg_xlcfg_get_u64(cfg, "downtime_limit", 1, CVG_SCENARIO_MAX_DOWNTIME_MS,
                           "ms", &v, err);
    if (rc)
        return rc;
    sc->downtime_limit_ms = (uint32_t)v;
    rc = cvg_xlcfg_get_u64(cfg, "max_time", 1, CVG_SCENARIO_MAX_TIME_S, "s",
                           &v, err);
    if (rc)
        return rc;
    sc->max_time_s = (uint32_t)v;

    sc->seed = CVG_SCENARIO_DEFAULT_SEED;
    rc = cvg_xlcfg_get_u64(cfg, "seed", 0, UINT64_MAX, NULL, &sc->seed, err);
    if (rc && rc != -ENOENT)
        return rc;
    rc = cvg_xlcfg_get_decimal(cfg, "apply_rate", 0, CVG_SCENARIO_MAX_RATE_MIB_S,
                               false, "MiB/s", &sc->apply_rate_mib_s, err);
    if (rc && rc != -ENOENT)
        return rc;
    rc = cvg_xlcfg_get_u64(cfg, "receiver_setup_ms", 0, CVG_SCENARIO_MAX_SETUP_MS,
                           "ms", &v, err);
    if (rc && rc != -ENOENT)
        return rc;
    sc->receiver_setup_ms = rc ? 0 : (uint32_t)v;
    return 0;
}

/* Parses every entry of a list key into a fresh array. */
static int get_entries(const struct cvg_xlcfg *cfg, const char *key, int is_phase,
                       unsigned min, unsigned max, uint32_t nr_vcpus,
                       struct cvg_workload **out, unsigned *nr,
                       struct cvg_err *err)
{
    struct cvg_workload *w = NULL;
    unsigned n = 0, i;
    int rc = cvg_xlcfg_get_list(cfg, key, max, &n, err);

    if (rc == -ENOENT && min == 0)
        rc = 0;
    if (rc)
        return rc;
    if (n < min)
        return cvg_fail(err, -EINVAL, "%s:%u: %s: needs at least %u entr%s",
                        cvg_xlcfg_source(cfg), cvg_xlcfg_line(cfg, key), key,
                        min, min == 1 ? "y" : "ies");
    if (n) {
        w = calloc(n, sizeof(*w));
        if (!w)
            return cvg_fail(err, -ENOMEM, "%s: out of memory", key);
    }
    for (i = 0; i < n; i++) {
        rc = cvg_workload_parse(cvg_xlcfg_list_item(cfg, key, i), is_phase,
                                nr_vcpus, &w[i], err);
        if (rc) {
            cvg_err_prefix(err, "%s:%u: %s[%u]", cvg_xlcfg_source(cfg),
                           cvg_xlcfg_line(cfg, key), key, i);
            free(w);
            return rc;
        }
    }
    *out = w;
    *nr = n;
    return 0;
}

/* Every vCPU in exactly one group: the simulator and the bench rely on it. */
static int check_coverage(const struct cvg_xlcfg *cfg,
                          const struct cvg_scenario *sc, struct cvg_err *err)
{
    int owner[CVG_SCENARIO_MAX_VCPUS];
    unsigned g, v, uncovered = 0, first = 0;

    for (v = 0; v < CVG_SCENARIO_MAX_VCPUS; v++)
        owner[v] = -1;
    for (g = 0; g < sc->nr_workload; g++) {
        const struct cvg_workload *w = &sc->workload[g];

        for (v = w->vcpu_first; v <= w->vcpu_last; v++) {
            if (owner[v] >= 0)
                return cvg_fail(err, -EINVAL, "%s:%u: workload[%u] and "
                                "workload[%d] both contain vCPU %u",
                                cvg_xlcfg_source(cfg),
                                cvg_xlcfg_line(cfg, "workload"), g, owner[v], v);
            owner[v] = (int)g;
        }
    }
    for (v = 0; v < sc->vcpus; v++)
        if (owner[v] < 0 && uncovered++ == 0)
            first = v;
    if (uncovered)
        return cvg_fail(err, -EINVAL, "%s:%u: workload: vCPU %u%s in no group "
                        "(%u of %u uncovered; add \"vcpus=%u,pattern=idle\" if "
                        "it should idle)", cvg_xlcfg_source(cfg),
                        cvg_xlcfg_line(cfg, "workload"), first,
                        uncovered > 1 ? " and others are" : " is",
                        uncovered, sc->vcpus, first);
    return 0;
}

static int check_phases(const struct cvg_xlcfg *cfg,
                        const struct cvg_scenario *sc, struct cvg_err *err)
{
    unsigned i, j;

    for (i = 0; i < sc->nr_phases; i++) {
        const struct cvg_workload *p = &sc->phases[i];

        if (p->at_s > sc->max_time_s)
            return cvg_fail(err, -ERANGE, "%s:%u: phases[%u]: at=%g is beyond "
                            "max_time (%u s)", cvg_xlcfg_source(cfg),
                            cvg_xlcfg_line(cfg, "phases"), i, p->at_s,
                            sc->max_time_s);
        if (i && p->at_s < sc->phases[i - 1].at_s)
            return cvg_fail(err, -EINVAL, "%s:%u: phases[%u] (at=%g) comes after "
                            "phases[%u] (at=%g): list phases in time order",
                            cvg_xlcfg_source(cfg), cvg_xlcfg_line(cfg, "phases"),
                            i, p->at_s, i - 1, sc->phases[i - 1].at_s);
        for (j = 0; j < i; j++) {
            const struct cvg_workload *q = &sc->phases[j];

            if (q->at_s == p->at_s && q->vcpu_first <= p->vcpu_last &&
                p->vcpu_first <= q->vcpu_last)
                return cvg_fail(err, -EINVAL, "%s:%u: phases[%u] and phases[%u] "
                                "both change vCPU %u at %g s",
                                cvg_xlcfg_source(cfg),
                                cvg_xlcfg_line(cfg, "phases"), j, i,
                                p->vcpu_first > q->vcpu_first ? p->vcpu_first
                                                              : q->vcpu_first,
                                p->at_s);
        }
    }
    return 0;
}

int cvg_scenario_parse(const char *text, size_t len, const char *source,
                       struct cvg_scenario *sc, struct cvg_err *err)
{
    struct cvg_xlcfg *cfg = NULL;
    int rc;

    memset(sc, 0, sizeof(*sc));
    rc = cvg_xlcfg_parse(text, len, source, &cfg, err);
    if (rc)
        goto out;
    rc = cvg_xlcfg_check_keys(cfg, scenario_keys,
                              sizeof(scenario_keys) / sizeof(scenario_keys[0]), err);
    if (!rc)
        rc = check_required(cfg, err);
    if (!rc)
        rc = get_name(cfg, sc, err);
    if (!rc)
        rc = get_scalars(cfg, sc, err);
    if (!rc)
        rc = get_entries(cfg, "workload", 0, 1, CVG_SCENARIO_MAX_GROUPS,
                         sc->vcpus, &sc->workload, &sc->nr_workload, err);
    if (!rc)
        rc = check_coverage(cfg, sc, err);
    if (!rc)
        rc = get_entries(cfg, "phases", 1, 0, CVG_SCENARIO_MAX_PHASES,
                         sc->vcpus, &sc->phases, &sc->nr_phases, err);
    if (!rc)
        rc = check_phases(cfg, sc, err);
out:
    /* Every refusal must say why, even one we did not foresee. */
    if (rc && err && !err->code)
        cvg_fail(err, rc, "%s: cannot read the scenario: %s", source,
                 strerror(-rc));
    if (rc)
        cvg_scenario_free(sc);
    cvg_xlcfg_free(cfg);
    return rc;
}

int cvg_scenario_load(const char *path, struct cvg_scenario *sc,
                      struct cvg_err *err)
{
    char *text;
    size_t len;
    int rc;

    memset(sc, 0, sizeof(*sc));
    rc = cvg_xlcfg_read_file(path, &text, &len, err);
    if (rc)
        return rc;
    rc = cvg_scenario_parse(text, len, path, sc, err);
    free(text);
    return rc;
}

void cvg_scenario_free(struct cvg_scenario *sc)
{
    if (!sc)
        return;
    free(sc->workload);
    free(sc->phases);
    memset(sc, 0, sizeof(*sc));
}
