/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl.cfg-syntax files through libxlutil, made safe and strict.
 *
 * libxlutil parses the syntax exactly as xl does, but it prints to a FILE*,
 * cannot list the keys it found, silently lets a later `key = ...` override
 * an earlier one, and abort()s on some inputs (a NUL byte inside a quoted
 * string trips an assert in xlu__cfgl_dequote).  This wrapper:
 *   - refuses inputs libxlutil must not see (NUL bytes, CR line ends, more
 *     than CVG_XLCFG_MAX_BYTES) before handing them over;
 *   - captures libxlutil's own diagnostics (open_memstream) and returns them
 *     in the cvg_err message instead of letting them reach stdout/stderr;
 *   - finds the keys with a small lexer run over text libxlutil has already
 *     accepted (so it only has to follow quotes, comments and lists), which
 *     gives line numbers, unknown-key and set-twice checks;
 *   - reads values strictly: decimal only (xl's strtol(..., 0) would take
 *     "010" as 8 and "0x10" as 16), bounded, and every error names
 *     SOURCE:LINE, the key and what was expected.
 */
#ifndef CVG_CONFIG_XLCFG_H
#define CVG_CONFIG_XLCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define CVG_XLCFG_MAX_BYTES  (1u << 20)  /* a config file, not a data set */
#define CVG_XLCFG_MAX_KEYS   256u        /* settings per file */
#define CVG_XLCFG_MAX_KEYLEN 63u         /* longer is never a known key */
#define CVG_XLCFG_MAX_NUMLEN 32u         /* digits of one number */

struct cvg_xlcfg;

/* One key a file may set; is_list keys may also be extended with `+=`. */
struct cvg_xlcfg_key {
    const char *name;
    bool is_list;
};

/*
 * Parses text (need not be NUL-terminated nor end with a newline).  source
 * names the text in every message ("/etc/xen/converge.cfg").  On failure
 * *cfg is NULL and err holds libxlutil's first diagnostic or ours.
 */
int cvg_xlcfg_parse(const char *text, size_t len, const char *source,
                    struct cvg_xlcfg **cfg, struct cvg_err *err);

/* Reads a whole file, at most CVG_XLCFG_MAX_BYTES.  -ENOENT when it does
 * not exist (err filled all the same: callers decide whether that matters). */
int cvg_xlcfg_read_file(const char *path, char **text, size_t *len,
                        struct cvg_err *err);

void cvg_xlcfg_free(struct cvg_xlcfg *cfg);

const char *cvg_xlcfg_source(const struct cvg_xlcfg *cfg);
/* Line of key's (last) setting, 0 when absent. */
unsigned cvg_xlcfg_line(const struct cvg_xlcfg *cfg, const char *key);
bool cvg_xlcfg_has(const struct cvg_xlcfg *cfg, const char *key);

/* Refuses unknown keys (with a "did you mean" for near misses), a key set
 * twice with `=`, and `+=` on a key that is not a list. */
int cvg_xlcfg_check_keys(const struct cvg_xlcfg *cfg,
                         const struct cvg_xlcfg_key *known, size_t nr_known,
                         struct cvg_err *err);

/* The known key nearest to name (edit distance <= 2, or one is a prefix
 * of the other: a unit suffix added or forgotten), or NULL. */
const char *cvg_xlcfg_suggest(const char *name, const struct cvg_xlcfg_key *known,
                              size_t nr_known);

/*
 * Value getters.  All return -ENOENT without touching err when the key is
 * absent, so optional keys are easy and required ones are checked first.
 */
int cvg_xlcfg_get_string(const struct cvg_xlcfg *cfg, const char *key,
                         const char **value, struct cvg_err *err);
/* Decimal integer in [min, max]; unit ("MiB") only decorates messages. */
int cvg_xlcfg_get_u64(const struct cvg_xlcfg *cfg, const char *key,
                      uint64_t min, uint64_t max, const char *unit,
                      uint64_t *value, struct cvg_err *err);
/* Decimal with optional fraction ("12.5" must be quoted in xl.cfg syntax). */
int cvg_xlcfg_get_decimal(const struct cvg_xlcfg *cfg, const char *key,
                          double min, double max, bool min_exclusive,
                          const char *unit, double *value, struct cvg_err *err);
/* A list of strings, at most max entries; items stay valid while cfg lives. */
int cvg_xlcfg_get_list(const struct cvg_xlcfg *cfg, const char *key,
                       unsigned max, unsigned *nr, struct cvg_err *err);
const char *cvg_xlcfg_list_item(const struct cvg_xlcfg *cfg, const char *key,
                                unsigned i);

/*
 * Strict number syntax shared with the mini-languages inside values
 * (workload strings, environment variables): no sign, no spaces, no hex,
 * no leading zero before another digit, at most CVG_XLCFG_MAX_NUMLEN chars.
 * Return 0, -EINVAL (syntax) or -ERANGE (does not fit).
 */
int cvg_parse_u64(const char *s, uint64_t *value);
int cvg_parse_decimal(const char *s, double *value);   /* DIGITS[.DIGITS] */

#endif
