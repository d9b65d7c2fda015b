/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config/tunables.h"
#include "config/xlcfg.h"

extern char **environ;

static const char *const on_timeout_names[] = { "abort", "switchover" };
static const char *const on_off_names[] = { "off", "on" };
static const char *const policy_names[] = {
    [CVG_POLICY_CONVERGE] = "converge",
    [CVG_POLICY_XEN_DEFAULT] = "xen-default",
    [CVG_POLICY_AUTO_CONVERGE] = "auto-converge",
    [CVG_POLICY_DIRTY_LIMIT] = "dirty-limit",
};
#define ENUM(a) .names = (a), .nr_names = sizeof(a) / sizeof((a)[0])

struct tun_def {
    const char *name;
    enum cvg_tun_type type;
    uint64_t def, min, max;             /* U64; ENUM: def is an index */
    const char *unit;
    const char *const *names;           /* ENUM */
    unsigned nr_names;
    const char *reason;
};

/* The one place where every knob, its default, bounds and reason live. */
static const struct tun_def defs[CVG_TUN__COUNT] = {
    [CVG_TUN_DOWNTIME_LIMIT_MS] = {
        "downtime_limit_ms", CVG_TUN_TYPE_U64, 300, 1, 2000000, "ms", .reason =
        "QEMU's default; stop-and-copy starts once what is left fits in it" },
    [CVG_TUN_SWITCHOVER_OVERHEAD_MS] = {
        "switchover_overhead_ms", CVG_TUN_TYPE_U64, 30, 0, 600000, "ms", .reason =
        "the switchover's cost beyond the memory left (guest suspend, CPU state, destination start), "
        "kept out of downtime_limit_ms; the helper logs its suspend time at every stop-and-copy" },
    [CVG_TUN_BANDWIDTH_MIB_S] = {
        "bandwidth_mib_s", CVG_TUN_TYPE_U64, 0, 0, 1048576, "MiB/s", .reason =
        "0 = unlimited (the link is measured); cap it to leave room for "
        "other traffic, like QEMU's max-bandwidth" },
    [CVG_TUN_MAX_TIME_S] = {
        "max_time_s", CVG_TUN_TYPE_U64, 0, 0, 604800, "s", .reason =
        "0 = no limit, as in QEMU; bounds how long a guest may stay "
        "throttled, then on_timeout decides" },
    [CVG_TUN_MAX_PASSES] = {
        "max_passes", CVG_TUN_TYPE_U64, 0, 0, 100000, NULL, .reason =
        "0 = no limit: the stop rule decides (xen-default keeps its own 5)" },
    [CVG_TUN_ON_TIMEOUT] = {
        "on_timeout", CVG_TUN_TYPE_ENUM, CVG_ON_TIMEOUT_ABORT, ENUM(on_timeout_names),
        .reason = "abort keeps the guest running where it is; switchover "
        "finishes at the cost of a longer downtime" },
    [CVG_TUN_POLICY] = {
        "policy", CVG_TUN_TYPE_ENUM, CVG_POLICY_CONVERGE, ENUM(policy_names),
        .reason = "converge: downtime-aware stop rule, throttle only the "
        "vCPUs that dirty and only as much as needed" },
    [CVG_TUN_THROTTLE] = {
        "throttle", CVG_TUN_TYPE_ENUM, 1, ENUM(on_off_names), .reason =
        "off: never slow the guest down; the stop rule alone decides, and a "
        "guest that out-writes the link ends by on_timeout" },
    [CVG_TUN_REFRESH_INTERVAL_MS] = {
        "refresh_interval_ms", CVG_TUN_TYPE_U64, 5000, 0, 3600000, "ms", .reason =
        "a pass outliving this refreshes the dirty bitmap mid-pass so the "
        "throttle can react (QEMU's periodic sync: 5 s); 0 = off" },
    [CVG_TUN_SAMPLE_INTERVAL_MS] = {
        "sample_interval_ms", CVG_TUN_TYPE_U64, 200, 10, 10000, "ms", .reason =
        "dirty-rate sampling period: each sample is a PEEK that pauses the "
        "guest briefly, so not much shorter" },
    [CVG_TUN_THROTTLE_TRIGGER_PCT] = {
        "throttle_trigger_pct", CVG_TUN_TYPE_U64, 50, 1, 100, "%", .reason =
        "throttle when a period dirties more than this share of what it "
        "sent (QEMU throttle-trigger-threshold)" },
    [CVG_TUN_THROTTLE_INITIAL_PCT] = {
        "throttle_initial_pct", CVG_TUN_TYPE_U64, 20, 1, 99, "%", .reason =
        "first throttle step (QEMU cpu-throttle-initial)" },
    [CVG_TUN_THROTTLE_INCREMENT_PCT] = {
        "throttle_increment_pct", CVG_TUN_TYPE_U64, 10, 1, 99, "%", .reason =
        "added per step while dirtying still outpaces sending "
        "(QEMU cpu-throttle-increment)" },
    [CVG_TUN_THROTTLE_MAX_PCT] = {
        "throttle_max_pct", CVG_TUN_TYPE_U64, 99, 1, 99, "%", .reason =
        "never take more than this of the guest's CPU (QEMU max-cpu-throttle)" },
    [CVG_TUN_DIRTY_LIMIT_MIB_S] = {
        "dirty_limit_mib_s", CVG_TUN_TYPE_U64, 1, 1, 1048576, "MiB/s", .reason =
        "dirty rate a limited vCPU is held to under dirty-limit "
        "(QEMU vcpu-dirty-limit)" },
    [CVG_TUN_DIRTY_LIMIT_PERIOD_MS] = {
        "dirty_limit_period_ms", CVG_TUN_TYPE_U64, 1000, 1, 1000, "ms", .reason =
        "how often per-vCPU limits are re-evaluated "
        "(QEMU x-vcpu-dirty-limit-period)" },
    [CVG_TUN_HELLO_TIMEOUT_MS] = {
        "hello_timeout_ms", CVG_TUN_TYPE_U64, 5000, 1, 600000, "ms", .reason =
        "no HELLO-ACK by then means a stock peer: migrate without the back "
        "channel" },
    [CVG_TUN_ACK_TIMEOUT_MS] = {
        "ack_timeout_ms", CVG_TUN_TYPE_U64, 60000, 1, 3600000, "ms", .reason =
        "longest wait for the destination's SWITCHOVER_ACK; covers its "
        "setup time" },
    [CVG_TUN_STOCK_HELPER] = {
        "stock_helper", CVG_TUN_TYPE_PATH, .reason =
        "the diverted stock libxl-save-helper, run for what we do not "
        "handle (PV, Remus, COLO)" },
};

/* ---- table lookups ----------------------------------------------------- */

const char *cvg_tun_name(enum cvg_tun id)
{
    return (unsigned)id < CVG_TUN__COUNT ? defs[id].name : "?";
}

const char *cvg_tun_reason(enum cvg_tun id)
{
    return (unsigned)id < CVG_TUN__COUNT ? defs[id].reason : "?";
}

enum cvg_tun_type cvg_tun_type(enum cvg_tun id)
{
    return defs[id].type;
}

int cvg_tun_lookup(const char *name, enum cvg_tun *id)
{
    unsigned i;

    for (i = 0; i < CVG_TUN__COUNT; i++)
        if (!strcmp(defs[i].name, name)) {
            *id = (enum cvg_tun)i;
            return 0;
        }
    return -ENOENT;
}

const char *cvg_tun_source_name(enum cvg_tun_source src)
{
    switch (src) {
    case CVG_TUN_SRC_DEFAULT: return "default";
    case CVG_TUN_SRC_FILE: return "file";
    case CVG_TUN_SRC_ENV: return "environment";
    }
    return "?";
}

const char *cvg_policy_name(enum cvg_policy p)
{
    return (unsigned)p < sizeof(policy_names) / sizeof(policy_names[0])
           ? policy_names[p] : "?";
}

int cvg_policy_parse(const char *s, enum cvg_policy *p)
{
    unsigned i;

    for (i = 0; i < sizeof(policy_names) / sizeof(policy_names[0]); i++)
        if (!strcmp(s, policy_names[i])) {
            *p = (enum cvg_policy)i;
            return 0;
        }
    return -EINVAL;
}

/* ---- setting values ---------------------------------------------------- */

void cvg_tunables_init(struct cvg_tunables *t)
{
    unsigned i;

    memset(t, 0, sizeof(*t));
    for (i = 0; i < CVG_TUN__COUNT; i++) {
        t->u[i] = defs[i].def;
        t->src[i] = CVG_TUN_SRC_DEFAULT;
    }
    snprintf(t->stock_helper, sizeof(t->stock_helper), "%s", CVG_STOCK_HELPER);
}

static int set_enum(struct cvg_tunables *t, enum cvg_tun id, const char *value,
                    const char *origin, struct cvg_err *err)
{
    const struct tun_def *d = &defs[id];
    char expected[128] = "";
    unsigned i;

    for (i = 0; i < d->nr_names; i++)
        if (!strcmp(value, d->names[i])) {
            t->u[id] = i;
            return 0;
        }
    for (i = 0; i < d->nr_names; i++) {
        strcat(expected, i ? (i + 1 == d->nr_names ? " or " : ", ") : "");
        strcat(expected, d->names[i]);
    }
    return cvg_fail(err, -EINVAL, "%s: %s: \"%.40s\" is not one of %s", origin,
                    d->name, value, expected);
}

static int set_path(struct cvg_tunables *t, enum cvg_tun id, const char *value,
                    const char *origin, struct cvg_err *err)
{
    size_t n = strnlen(value, CVG_TUNABLES_PATH_MAX);
    size_t i;

    if (n == 0 || value[0] != '/')
        return cvg_fail(err, -EINVAL, "%s: %s: \"%.40s\" must be an absolute "
                        "path", origin, defs[id].name, value);
    if (n >= CVG_TUNABLES_PATH_MAX)
        return cvg_fail(err, -ENAMETOOLONG, "%s: %s: longer than %u bytes",
                        origin, defs[id].name, CVG_TUNABLES_PATH_MAX - 1);
    for (i = 0; i < n; i++)
        if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
            return cvg_fail(err, -EINVAL, "%s: %s: control character at "
                            "offset %zu", origin, defs[id].name, i);
    memcpy(t->stock_helper, value, n + 1);
    return 0;
}

int cvg_tunables_set(struct cvg_tunables *t, enum cvg_tun id, const char *value,
                     enum cvg_tun_source src, const char *origin,
                     struct cvg_err *err)
{
    const struct tun_def *d;
    uint64_t v;
    int rc;

    if ((unsigned)id >= CVG_TUN__COUNT)
        return cvg_fail(err, -EINVAL, "%s: no tunable number %d", origin, (int)id);
    d = &defs[id];
    switch (d->type) {
    case CVG_TUN_TYPE_ENUM:
        rc = set_enum(t, id, value, origin, err);
        break;
    case CVG_TUN_TYPE_PATH:
        rc = set_path(t, id, value, origin, err);
        break;
    case CVG_TUN_TYPE_U64:
    default:
        rc = cvg_parse_u64(value, &v);
        if (rc == -EINVAL) {
            rc = cvg_fail(err, rc, "%s: %s: \"%.40s\" is not a decimal integer",
                          origin, d->name, value);
        } else if (rc || v < d->min || v > d->max) {
            rc = cvg_fail(err, -ERANGE, "%s: %s: must be in %llu..%llu%s%s, "
                          "got %.40s", origin, d->name,
                          (unsigned long long)d->min, (unsigned long long)d->max,
                          d->unit ? " " : "", d->unit ? d->unit : "", value);
        } else {
            t->u[id] = v;
        }
        break;
    }
    if (!rc)
        t->src[id] = src;
    return rc;
}

/* ---- sources ----------------------------------------------------------- */

static void known_keys(struct cvg_xlcfg_key keys[CVG_TUN__COUNT])
{
    unsigned i;

    for (i = 0; i < CVG_TUN__COUNT; i++) {
        keys[i].name = defs[i].name;
        keys[i].is_list = false;
    }
}

int cvg_tunables_apply_text(struct cvg_tunables *t, const char *text,
                            size_t len, const char *source,
                            struct cvg_err *err)
{
    struct cvg_xlcfg_key keys[CVG_TUN__COUNT];
    struct cvg_xlcfg *cfg = NULL;
    struct cvg_tunables tmp;
    char origin[CVG_TUNABLES_PATH_MAX + 16];
    unsigned i;
    int rc;

    known_keys(keys);
    rc = cvg_xlcfg_parse(text, len, source, &cfg, err);
    if (!rc)
        rc = cvg_xlcfg_check_keys(cfg, keys, CVG_TUN__COUNT, err);
    /* All or nothing: a file with one bad value changes no tunable. */
    if (!rc)
        tmp = *t;
    for (i = 0; !rc && i < CVG_TUN__COUNT; i++) {
        const char *value;

        rc = cvg_xlcfg_get_string(cfg, defs[i].name, &value, err);
        if (rc == -ENOENT) {
            rc = 0;
            continue;
        }
        if (rc)
            break;
        snprintf(origin, sizeof(origin), "%s:%u", source,
                 cvg_xlcfg_line(cfg, defs[i].name));
        rc = cvg_tunables_set(&tmp, (enum cvg_tun)i, value, CVG_TUN_SRC_FILE,
                              origin, err);
    }
    if (!rc) {
        snprintf(tmp.file, sizeof(tmp.file), "%s", source);
        *t = tmp;
    }
    cvg_xlcfg_free(cfg);
    return rc;
}

int cvg_tunables_apply_file(struct cvg_tunables *t, const char *path,
                            int missing_ok, struct cvg_err *err)
{
    struct cvg_err local = { 0 };
    char *text;
    size_t len;
    int rc;

    rc = cvg_xlcfg_read_file(path, &text, &len, &local);
    if (rc == -ENOENT && missing_ok)
        return 0;
    if (rc)
        return cvg_fail(err, rc, "%s", local.msg);
    rc = cvg_tunables_apply_text(t, text, len, path, err);
    free(text);
    return rc;
}

static bool env_is_other(const char *name, size_t n)
{
    static const char *const other[] = CVG_TUNABLES_ENV_OTHER;
    unsigned i;

    for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        if (strlen(other[i]) == n && !memcmp(other[i], name, n))
            return true;
    return false;
}

int cvg_tunables_apply_env(struct cvg_tunables *t, char *const *envp,
                           struct cvg_err *err)
{
    const size_t plen = strlen(CVG_TUNABLES_ENV_PREFIX);
    struct cvg_xlcfg_key keys[CVG_TUN__COUNT];
    struct cvg_tunables tmp;
    char *const *e;
    int rc;

    known_keys(keys);
    tmp = *t;
    for (e = envp ? envp : environ; e && *e; e++) {
        char lower[CVG_XLCFG_MAX_KEYLEN + 1], origin[CVG_XLCFG_MAX_KEYLEN + 16];
        const char *name, *eq;
        enum cvg_tun id;
        size_t n, i;

        if (strncmp(*e, CVG_TUNABLES_ENV_PREFIX, plen))
            continue;
        name = *e + plen;
        eq = strchr(name, '=');
        if (!eq)
            continue;
        n = (size_t)(eq - name);
        if (env_is_other(name, n))
            continue;
        snprintf(origin, sizeof(origin), "%s%.*s", CVG_TUNABLES_ENV_PREFIX,
                 (int)(n > CVG_XLCFG_MAX_KEYLEN ? CVG_XLCFG_MAX_KEYLEN : n), name);
        /* Upper case only, so that the variable maps to exactly one key. */
        for (i = 0; i < n && n <= CVG_XLCFG_MAX_KEYLEN; i++) {
            char c = name[i];

            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
                break;
            lower[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        if (n == 0 || n > CVG_XLCFG_MAX_KEYLEN || i < n) {
            return cvg_fail(err, -EINVAL, "%s: unknown tunable (variables are "
                            "%s<NAME IN UPPER CASE>)", origin,
                            CVG_TUNABLES_ENV_PREFIX);
        }
        lower[n] = '\0';
        if (cvg_tun_lookup(lower, &id)) {
            const char *best = cvg_xlcfg_suggest(lower, keys, CVG_TUN__COUNT);

            return cvg_fail(err, -EINVAL, "%s: unknown tunable%s%s%s", origin,
                            best ? " (did you mean `" : "", best ? best : "",
                            best ? "'?)" : "");
        }
        rc = cvg_tunables_set(&tmp, id, eq + 1, CVG_TUN_SRC_ENV, origin, err);
        if (rc)
            return rc;
    }
    *t = tmp;
    return 0;
}

static const char *env_value(char *const *envp, const char *name)
{
    size_t n = strlen(name);
    char *const *e;

    for (e = envp ? envp : environ; e && *e; e++)
        if (!strncmp(*e, name, n) && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

/* Constraints between tunables, checked once every source is in. */
static int check_consistent(const struct cvg_tunables *t, struct cvg_err *err)
{
    if (t->u[CVG_TUN_THROTTLE_INITIAL_PCT] > t->u[CVG_TUN_THROTTLE_MAX_PCT])
        return cvg_fail(err, -EINVAL, "throttle_initial_pct (%llu, %s) exceeds "
                        "throttle_max_pct (%llu, %s)",
                        (unsigned long long)t->u[CVG_TUN_THROTTLE_INITIAL_PCT],
                        cvg_tun_source_name(t->src[CVG_TUN_THROTTLE_INITIAL_PCT]),
                        (unsigned long long)t->u[CVG_TUN_THROTTLE_MAX_PCT],
                        cvg_tun_source_name(t->src[CVG_TUN_THROTTLE_MAX_PCT]));
    return 0;
}

int cvg_tunables_load(struct cvg_tunables *t, const char *path,
                      char *const *envp, struct cvg_err *err)
{
    const char *env_file = env_value(envp, CVG_TUNABLES_ENV_FILE);
    int rc;

    cvg_tunables_init(t);
    if (path)
        rc = cvg_tunables_apply_file(t, path, 0, err);
    else if (env_file && *env_file)
        rc = cvg_tunables_apply_file(t, env_file, 0, err);
    else
        rc = cvg_tunables_apply_file(t, CVG_TUNABLES_DEFAULT_FILE, 1, err);
    if (!rc)
        rc = cvg_tunables_apply_env(t, envp, err);
    if (!rc)
        rc = check_consistent(t, err);
    return rc;
}

/* ---- output and accessors ---------------------------------------------- */

int cvg_tunables_dump(const struct cvg_tunables *t, FILE *out)
{
    unsigned i;

    for (i = 0; i < CVG_TUN__COUNT; i++) {
        const struct tun_def *d = &defs[i];
        char value[CVG_TUNABLES_PATH_MAX + 4];
        char src[CVG_TUNABLES_PATH_MAX + 32];

        switch (d->type) {
        case CVG_TUN_TYPE_ENUM:
            snprintf(value, sizeof(value), "\"%s\"", d->names[t->u[i]]);
            break;
        case CVG_TUN_TYPE_PATH:
            snprintf(value, sizeof(value), "\"%s\"", t->stock_helper);
            break;
        case CVG_TUN_TYPE_U64:
        default:
            snprintf(value, sizeof(value), "%llu", (unsigned long long)t->u[i]);
            break;
        }
        if (t->src[i] == CVG_TUN_SRC_FILE)
            snprintf(src, sizeof(src), "file %s", t->file);
        else if (t->src[i] == CVG_TUN_SRC_ENV)
            snprintf(src, sizeof(src), "env %s", CVG_TUNABLES_ENV_PREFIX);
        else
            snprintf(src, sizeof(src), "default");
        if (t->src[i] == CVG_TUN_SRC_ENV) {
            size_t n = strlen(src);
            const char *p;

            for (p = d->name; *p && n + 1 < sizeof(src); p++)
                src[n++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
            src[n] = '\0';
        }
        if (fprintf(out, "%-22s = %-14s # %s%s%s; %s\n", d->name, value, src,
                    d->unit ? ", " : "", d->unit ? d->unit : "", d->reason) < 0)
            return -EIO;
    }
    return fflush(out) ? -errno : 0;
}

uint32_t cvg_tun_downtime_limit_ms(const struct cvg_tunables *t)
{ return (uint32_t)t->u[CVG_TUN_DOWNTIME_LIMIT_MS]; }
uint32_t cvg_tun_bandwidth_mib_s(const struct cvg_tunables *t)
{ return (uint32_t)t->u[CVG_TUN_BANDWIDTH_MIB_S]; }
uint32_t cvg_tun_max_time_s(const struct cvg_tunables *t)
{ return (uint32_t)t->u[CVG_TUN_MAX_TIME_S]; }
uint32_t cvg_tun_max_passes(const struct cvg_tunables *t)
{ return (uint32_t)t->u[CVG_TUN_MAX_PASSES]; }
enum cvg_on_timeout cvg_tun_on_timeout(const struct cvg_tunables *t)
{ return (enum cvg_on_timeout)t->u[CVG_TUN_ON_TIMEOUT]; }
bool cvg_tun_throttle(const struct cvg_tunables *t)
{
    return t->u[CVG_TUN_THROTTLE] != 0;
}

enum cvg_policy cvg_tun_policy(const struct cvg_tunables *t)
{ return (enum cvg_policy)t->u[CVG_TUN_POLICY]; }
uint32_t cvg_tun_refresh_interval_ms(const struct cvg_tunables *t)
{ return (uint32_t)t->u[CVG_TUN_REFRESH_INTERVAL_MS]; }
uint32_t cvg_tun_switchover_overhead_ms(const struct cvg_tunables *t)
{ return (uint32_t)t->u[CVG_TUN_SWITCHOVER_OVERHEAD_MS]; }

uint32_t cvg_tun_sample_interval_ms(const struct cvg_tunables *t)
{ return (uint32_t)t->u[CVG_TUN_SAMPLE_INTERVAL_MS]; }
uint32_t cvg_tun_throttle_trigger_pct(const struct cvg_tunables *t)
{ return (uint32_t)t->u[CVG_TUN_THROTTLE_TRIGGER_PCT]; }
uint32_t cvg_tun_throttle_initial_pct(const struct cvg_tunables *t)
{ return (uint32_t)t->u[CVG_TUN_THROTTLE_INITIAL_PCT]; }
uint32_t cvg_tun_throttle_increment_pct(const struct cvg_tunables *t)
{ return (uint32_t)t->u[CVG_TUN_THROTTLE_INCREMENT_PCT]; }
uint32_t cvg_tun_throttle_max_pct(const struct cvg_tunables *t)
{ return (uint32_t)t->u[CVG_TUN_THROTTLE_MAX_PCT]; }
uint32_t cvg_tun_dirty_limit_mib_s(const struct cvg_tunables *t)
{ return (uint32_t)t->u[CVG_TUN_DIRTY_LIMIT_MIB_S]; }
uint32_t cvg_tun_dirty_limit_period_ms(const struct cvg_tunables *t)
{ return (uint32_t)t->u[CVG_TUN_DIRTY_LIMIT_PERIOD_MS]; }
uint32_t cvg_tun_hello_timeout_ms(const struct cvg_tunables *t)
{ return (uint32_t)t->u[CVG_TUN_HELLO_TIMEOUT_MS]; }
uint32_t cvg_tun_ack_timeout_ms(const struct cvg_tunables *t)
{ return (uint32_t)t->u[CVG_TUN_ACK_TIMEOUT_MS]; }
const char *cvg_tun_stock_helper(const struct cvg_tunables *t)
{ return t->stock_helper; }
