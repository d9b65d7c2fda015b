/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tunables of the migration helper: every knob in one table (tunables.c)
 * with its type, default, bounds and a one-line reason, and one accessor
 * each -- the shape of QEMU's migration/options.c.
 *
 * Sources, in increasing precedence:
 *   1. built-in defaults;
 *   2. a config file in xl.cfg syntax: $XENCONVERGE_CONFIG if set (it must
 *      then exist), else CVG_TUNABLES_DEFAULT_FILE (may be absent);
 *        downtime_limit_ms = 500
 *        policy = "auto-converge"
 *   3. environment variables XENCONVERGE_<NAME IN UPPER CASE>
 *      (XENCONVERGE_DOWNTIME_LIMIT_MS=500): libxl passes the environment
 *      through to the save helper, so this reaches it under stock xl.
 * Every bad value is refused naming the file or variable, the key and why;
 * unknown keys in the file and unknown XENCONVERGE_* variables are refused
 * too (a typo must not silently fall back to a default), except the
 * variables in CVG_TUNABLES_ENV_OTHER, which belong to other components.
 *
 * No global state: callers own a struct cvg_tunables and pass it down.
 */
#ifndef CVG_CONFIG_TUNABLES_H
#define CVG_CONFIG_TUNABLES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"

#define CVG_TUNABLES_DEFAULT_FILE "/etc/xen/converge.cfg"
#define CVG_TUNABLES_ENV_FILE     "XENCONVERGE_CONFIG"
#define CVG_TUNABLES_ENV_PREFIX   "XENCONVERGE_"
/* XENCONVERGE_* variables that are not tunables (names after the prefix). */
#define CVG_TUNABLES_ENV_OTHER    { "CONFIG", "SIM", "SIM_REPORT", "STATUS_DIR", "POLICY_TRACE" }
#define CVG_TUNABLES_PATH_MAX     4096u

enum cvg_tun {
    CVG_TUN_DOWNTIME_LIMIT_MS,
    CVG_TUN_SWITCHOVER_OVERHEAD_MS,
    CVG_TUN_BANDWIDTH_MIB_S,
    CVG_TUN_MAX_TIME_S,
    CVG_TUN_MAX_PASSES,
    CVG_TUN_ON_TIMEOUT,
    CVG_TUN_POLICY,
    CVG_TUN_THROTTLE,
    CVG_TUN_REFRESH_INTERVAL_MS,
    CVG_TUN_SAMPLE_INTERVAL_MS,
    CVG_TUN_THROTTLE_TRIGGER_PCT,
    CVG_TUN_THROTTLE_INITIAL_PCT,
    CVG_TUN_THROTTLE_INCREMENT_PCT,
    CVG_TUN_THROTTLE_MAX_PCT,
    CVG_TUN_DIRTY_LIMIT_MIB_S,
    CVG_TUN_DIRTY_LIMIT_PERIOD_MS,
    CVG_TUN_HELLO_TIMEOUT_MS,
    CVG_TUN_ACK_TIMEOUT_MS,
    CVG_TUN_STOCK_HELPER,
    CVG_TUN__COUNT
};

enum cvg_tun_type { CVG_TUN_TYPE_U64, CVG_TUN_TYPE_ENUM, CVG_TUN_TYPE_PATH };

/* Where the effective value came from. */
enum cvg_tun_source { CVG_TUN_SRC_DEFAULT, CVG_TUN_SRC_FILE, CVG_TUN_SRC_ENV };

enum cvg_on_timeout {
    CVG_ON_TIMEOUT_ABORT,       /* guest keeps running on the source */
    CVG_ON_TIMEOUT_SWITCHOVER,  /* stop-and-copy, whatever the downtime */
};

enum cvg_policy {
    CVG_POLICY_CONVERGE,        /* ours: downtime-aware stop + targeted throttle */
    CVG_POLICY_XEN_DEFAULT,     /* stock 4.17: 5 passes or < 50 dirty pages */
    CVG_POLICY_AUTO_CONVERGE,   /* QEMU auto-converge: domain-wide throttle */
    CVG_POLICY_DIRTY_LIMIT,     /* QEMU dirty-limit: per-vCPU throttle */
};

struct cvg_tunables {
    uint64_t u[CVG_TUN__COUNT];             /* U64 value or ENUM index */
    enum cvg_tun_source src[CVG_TUN__COUNT];
    char stock_helper[CVG_TUNABLES_PATH_MAX];
    char file[CVG_TUNABLES_PATH_MAX];       /* file that was read, "" if none */
};

/* Built-in defaults. */
void cvg_tunables_init(struct cvg_tunables *t);

/*
 * Defaults, then the config file, then the environment (envp NULL means
 * the process environment).  path NULL picks $XENCONVERGE_CONFIG or the
 * default file as described above; a path given explicitly must exist.
 * Each source applies all or nothing: on failure t holds the defaults and
 * the sources that were applied before the failing one, and err says what
 * was wrong (callers should stop: a migration must not run on settings the
 * administrator did not ask for).
 */
int cvg_tunables_load(struct cvg_tunables *t, const char *path,
                      char *const *envp, struct cvg_err *err);

/* The pieces of cvg_tunables_load, for tests and other front ends. */
int cvg_tunables_apply_text(struct cvg_tunables *t, const char *text,
                            size_t len, const char *source,
                            struct cvg_err *err);
int cvg_tunables_apply_file(struct cvg_tunables *t, const char *path,
                            int missing_ok, struct cvg_err *err);
int cvg_tunables_apply_env(struct cvg_tunables *t, char *const *envp,
                           struct cvg_err *err);
/* One value given as text, e.g. from a command-line option; origin names
 * it in messages ("--downtime-limit"). */
int cvg_tunables_set(struct cvg_tunables *t, enum cvg_tun id, const char *value,
                     enum cvg_tun_source src, const char *origin,
                     struct cvg_err *err);

/* Table lookups. */
const char *cvg_tun_name(enum cvg_tun id);
const char *cvg_tun_reason(enum cvg_tun id);
enum cvg_tun_type cvg_tun_type(enum cvg_tun id);
int cvg_tun_lookup(const char *name, enum cvg_tun *id);   /* -ENOENT */
const char *cvg_tun_source_name(enum cvg_tun_source src);
const char *cvg_policy_name(enum cvg_policy p);
int cvg_policy_parse(const char *s, enum cvg_policy *p);  /* -EINVAL */

/*
 * Writes "name = value  # source: reason" for every tunable to out (the
 * caller picks the stream: --debug output, docs).  Returns 0 or -errno.
 */
int cvg_tunables_dump(const struct cvg_tunables *t, FILE *out);

/* One accessor per tunable. */
uint32_t cvg_tun_downtime_limit_ms(const struct cvg_tunables *t);
uint32_t cvg_tun_bandwidth_mib_s(const struct cvg_tunables *t);     /* 0: unlimited */
uint32_t cvg_tun_max_time_s(const struct cvg_tunables *t);          /* 0: no limit */
uint32_t cvg_tun_max_passes(const struct cvg_tunables *t);          /* 0: no limit */
enum cvg_on_timeout cvg_tun_on_timeout(const struct cvg_tunables *t);
enum cvg_policy cvg_tun_policy(const struct cvg_tunables *t);
bool cvg_tun_throttle(const struct cvg_tunables *t);              /* false: never slow the guest */
uint32_t cvg_tun_refresh_interval_ms(const struct cvg_tunables *t); /* 0: off */
uint32_t cvg_tun_sample_interval_ms(const struct cvg_tunables *t);
uint32_t cvg_tun_switchover_overhead_ms(const struct cvg_tunables *t);
uint32_t cvg_tun_throttle_trigger_pct(const struct cvg_tunables *t);
uint32_t cvg_tun_throttle_initial_pct(const struct cvg_tunables *t);
uint32_t cvg_tun_throttle_increment_pct(const struct cvg_tunables *t);
uint32_t cvg_tun_throttle_max_pct(const struct cvg_tunables *t);
uint32_t cvg_tun_dirty_limit_mib_s(const struct cvg_tunables *t);
uint32_t cvg_tun_dirty_limit_period_ms(const struct cvg_tunables *t);
uint32_t cvg_tun_hello_timeout_ms(const struct cvg_tunables *t);
uint32_t cvg_tun_ack_timeout_ms(const struct cvg_tunables *t);
const char *cvg_tun_stock_helper(const struct cvg_tunables *t);

#endif
