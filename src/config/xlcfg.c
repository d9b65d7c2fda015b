/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxlutil.h>

#include "config/xlcfg.h"

struct xlcfg_setting {
    char name[CVG_XLCFG_MAX_KEYLEN + 1];
    bool too_long;              /* name was cut: it cannot be a known key */
    bool append;                /* `+=` rather than `=` */
    unsigned line;
};

struct cvg_xlcfg {
    XLU_Config *xlu;
    FILE *report;               /* libxlutil keeps it until xlu_cfg_destroy */
    char *report_buf;
    size_t report_len;
    char *source;
    struct xlcfg_setting *settings;
    unsigned nr_settings;
};

/* ---- strict numbers ---------------------------------------------------- */

static int all_digits(const char *s, size_t n)
{
    size_t i;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* An integer part: "010" is octal to xl's strtol(..., 0), so refuse it
 * rather than guess which reading the author meant. */
static int digits_ok(const char *s, size_t n)
{
    return all_digits(s, n) && !(n > 1 && s[0] == '0');
}

int cvg_parse_u64(const char *s, uint64_t *value)
{
    size_t n = strnlen(s, CVG_XLCFG_MAX_NUMLEN + 1);
    uint64_t v = 0;
    size_t i;

    if (n > CVG_XLCFG_MAX_NUMLEN || !digits_ok(s, n))
        return -EINVAL;
    for (i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');

        if (v > (UINT64_MAX - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    *value = v;
    return 0;
}

int cvg_parse_decimal(const char *s, double *value)
{
    size_t n = strnlen(s, CVG_XLCFG_MAX_NUMLEN + 1);
    const char *dot;
    size_t ni, nf, i;
    double v = 0, scale = 1;

    if (n > CVG_XLCFG_MAX_NUMLEN)
        return -EINVAL;
    dot = memchr(s, '.', n);
    ni = dot ? (size_t)(dot - s) : n;
    nf = dot ? n - ni - 1 : 0;
    if (!digits_ok(s, ni) || (dot && !all_digits(dot + 1, nf)))
        return -EINVAL;
    /* Digits by hand: strtod would follow LC_NUMERIC and accept inf/nan/hex. */
    for (i = 0; i < ni; i++)
        v = v * 10 + (s[i] - '0');
    for (i = 0; i < nf; i++) {
        scale /= 10;
        v += (dot[1 + i] - '0') * scale;
    }
    *value = v;
    return 0;
}

/* ---- reading and parsing ----------------------------------------------- */

int cvg_xlcfg_read_file(const char *path, char **text, size_t *len,
                        struct cvg_err *err)
{
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    int fd, rc;

    *text = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        rc = -errno;
        return cvg_fail(err, rc, "%s: cannot open: %s", path, strerror(-rc));
    }
    if (fstat(fd, &st) < 0) {
        rc = cvg_fail(err, -errno, "%s: cannot stat: %s", path, strerror(errno));
        goto out;
    }
    /* A FIFO or /dev/zero would never end. */
    if (!S_ISREG(st.st_mode)) {
        rc = cvg_fail(err, -EINVAL, "%s: not a regular file", path);
        goto out;
    }
    buf = malloc(CVG_XLCFG_MAX_BYTES + 1);
    if (!buf) {
        rc = cvg_fail(err, -ENOMEM, "%s: out of memory", path);
        goto out;
    }
    for (;;) {
        ssize_t r = read(fd, buf + got, CVG_XLCFG_MAX_BYTES + 1 - got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = cvg_fail(err, -errno, "%s: read error: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        got += (size_t)r;
        if (got > CVG_XLCFG_MAX_BYTES) {
            rc = cvg_fail(err, -EFBIG, "%s: larger than %u bytes", path,
                          CVG_XLCFG_MAX_BYTES);
            goto out;
        }
    }
    *text = buf;
    *len = got;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    close(fd);
    return rc;
}

static unsigned line_at(const char *text, size_t off)
{
    unsigned line = 1;
    size_t i;

    for (i = 0; i < off; i++)
        line += text[i] == '\n';
    return line;
}

/* Refuses what libxlutil must not see or would report obscurely. */
static int prevalidate(const char *text, size_t len, const char *source,
                       struct cvg_err *err)
{
    const char *p;

    if (len > CVG_XLCFG_MAX_BYTES)
        return cvg_fail(err, -EFBIG, "%s: larger than %u bytes", source,
                        CVG_XLCFG_MAX_BYTES);
    /* libxlutil aborts on a NUL inside a quoted string (assert in
     * xlu__cfgl_dequote, which measures the token with strlen). */
    p = memchr(text, '\0', len);
    if (p)
        return cvg_fail(err, -EINVAL, "%s:%u: NUL byte at offset %zu: not a text file",
                        source, line_at(text, (size_t)(p - text)),
                        (size_t)(p - text));
    p = memchr(text, '\r', len);
    if (p)
        return cvg_fail(err, -EINVAL, "%s:%u: carriage return: DOS line ends are "
                        "not xl.cfg syntax (convert with dos2unix)",
                        source, line_at(text, (size_t)(p - text)));
    return 0;
}

static int parse_error(struct cvg_xlcfg *cfg, int xrc, struct cvg_err *err)
{
    const char *msg = cfg->report_buf;
    size_t n;

    fflush(cfg->report);
    msg = cfg->report_buf;
    if (!msg || !*msg)
        return cvg_fail(err, -xrc, "%s: cannot parse: %s", cfg->source,
                        strerror(xrc));
    n = strcspn(msg, "\n");
    if (strstr(msg, "Python"))
        return cvg_fail(err, -EINVAL, "%.*s (xl.cfg numbers are unsigned "
                        "integers: quote a decimal, e.g. \"12.5\")", (int)n, msg);
    return cvg_fail(err, -EINVAL, "%.*s", (int)n, msg);
}

static bool is_ident_start(char c) { return c >= 'a' && c <= 'z'; }
/* libxlutil 4.17's IDENT is [a-z][._0-9a-z]*: dots included. */
static bool is_ident(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

/*
 * Finds the keys in text libxlutil has accepted, so the grammar is known
 * to hold: a statement is IDENT (= | +=) VALUE, statements end at a newline
 * or ';' outside brackets, and a value is never an identifier.  Only
 * quotes, comments and bracket depth need following.
 */
static int scan_keys(struct cvg_xlcfg *cfg, const char *t, size_t n,
                     struct cvg_err *err)
{
    unsigned line = 1, depth = 0;
    bool stmt_start = true;
    size_t i = 0;

    while (i < n) {
        char c = t[i];

        if (c == '#') {
            while (i < n && t[i] != '\n')
                i++;
        } else if (c == '\n') {
            line++;
            if (depth == 0)
                stmt_start = true;
            i++;
        } else if (c == ' ' || c == '\t') {
            i++;
        } else if (c == '"' || c == '\'') {
            for (i++; i < n && t[i] != c && t[i] != '\n'; i++)
                if (t[i] == '\\')
                    i++;
            i++;
            stmt_start = false;
        } else if (c == '[') {
            depth++;
            stmt_start = false;
            i++;
        } else if (c == ']') {
            if (depth)
                depth--;
            i++;
        } else if (c == ';' && depth == 0) {
            stmt_start = true;
            i++;
        } else if (stmt_start && depth == 0 && is_ident_start(c)) {
            struct xlcfg_setting *s;
            size_t start = i, klen;

            if (cfg->nr_settings == CVG_XLCFG_MAX_KEYS)
                return cvg_fail(err, -E2BIG, "%s:%u: more than %u settings",
                                cfg->source, line, CVG_XLCFG_MAX_KEYS);
            while (i < n && is_ident(t[i]))
                i++;
            klen = i - start;
            s = &cfg->settings[cfg->nr_settings++];
            s->too_long = klen > CVG_XLCFG_MAX_KEYLEN;
            if (s->too_long)
                klen = CVG_XLCFG_MAX_KEYLEN;
            memcpy(s->name, t + start, klen);
            s->name[klen] = '\0';
            s->line = line;
            while (i < n && (t[i] == ' ' || t[i] == '\t'))
                i++;
            s->append = i < n && t[i] == '+';
            stmt_start = false;
        } else {
            stmt_start = false;
            i++;
        }
    }
    return 0;
}

int cvg_xlcfg_parse(const char *text, size_t len, const char *source,
                    struct cvg_xlcfg **out, struct cvg_err *err)
{
    struct cvg_xlcfg *cfg = NULL;
    char *buf = NULL;
    size_t n = len;
    int rc, xrc;

    *out = NULL;
    rc = prevalidate(text, len, source, err);
    if (rc)
        goto out;
    /* A comment on the last line needs its newline in xl.cfg's grammar. */
    buf = malloc(len + 2);
    cfg = calloc(1, sizeof(*cfg));
    if (!buf || !cfg) {
        rc = cvg_fail(err, -ENOMEM, "%s: out of memory", source);
        goto out;
    }
    memcpy(buf, text, len);
    if (n == 0 || buf[n - 1] != '\n')
        buf[n++] = '\n';
    buf[n] = '\0';

    cfg->source = strdup(source);
    cfg->settings = calloc(CVG_XLCFG_MAX_KEYS, sizeof(*cfg->settings));
    cfg->report = open_memstream(&cfg->report_buf, &cfg->report_len);
    if (!cfg->source || !cfg->settings || !cfg->report) {
        rc = cvg_fail(err, -ENOMEM, "%s: out of memory", source);
        goto out;
    }
    cfg->xlu = xlu_cfg_init(cfg->report, source);
    if (!cfg->xlu) {
        rc = cvg_fail(err, -ENOMEM, "%s: out of memory", source);
        goto out;
    }
    xrc = xlu_cfg_readdata(cfg->xlu, buf, (int)n);
    if (xrc) {
        rc = parse_error(cfg, xrc, err);
        goto out;
    }
    rc = scan_keys(cfg, buf, n, err);
    if (rc)
        goto out;
    *out = cfg;
    cfg = NULL;
out:
    cvg_xlcfg_free(cfg);
    free(buf);
    return rc;
}

void cvg_xlcfg_free(struct cvg_xlcfg *cfg)
{
    if (!cfg)
        return;
    xlu_cfg_destroy(cfg->xlu);
    if (cfg->report)
        fclose(cfg->report);
    free(cfg->report_buf);
    free(cfg->source);
    free(cfg->settings);
    free(cfg);
}

/* ---- keys -------------------------------------------------------------- */

const char *cvg_xlcfg_source(const struct cvg_xlcfg *cfg)
{
    return cfg->source;
}

static const struct xlcfg_setting *last_setting(const struct cvg_xlcfg *cfg,
                                                const char *key)
{
    unsigned i;

    for (i = cfg->nr_settings; i-- > 0;)
        if (!cfg->settings[i].too_long && !strcmp(cfg->settings[i].name, key))
            return &cfg->settings[i];
    return NULL;
}

unsigned cvg_xlcfg_line(const struct cvg_xlcfg *cfg, const char *key)
{
    const struct xlcfg_setting *s = last_setting(cfg, key);

    return s ? s->line : 0;
}

bool cvg_xlcfg_has(const struct cvg_xlcfg *cfg, const char *key)
{
    return last_setting(cfg, key) != NULL;
}

static unsigned edit_distance(const char *a, const char *b)
{
    unsigned row[CVG_XLCFG_MAX_KEYLEN + 2];
    size_t la = strlen(a), lb = strlen(b), i, j;

    if (la > CVG_XLCFG_MAX_KEYLEN || lb > CVG_XLCFG_MAX_KEYLEN)
        return UINT_MAX;
    for (j = 0; j <= lb; j++)
        row[j] = (unsigned)j;
    for (i = 1; i <= la; i++) {
        unsigned diag = row[0];

        row[0] = (unsigned)i;
        for (j = 1; j <= lb; j++) {
            unsigned up = row[j];
            unsigned best = diag + (a[i - 1] != b[j - 1]);

            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *cvg_xlcfg_suggest(const char *name, const struct cvg_xlcfg_key *known,
                              size_t nr_known)
{
    const char *best = NULL;
    unsigned best_d = 3;
    size_t j;

    for (j = 0; j < nr_known; j++) {
        size_t nl = strlen(name), kl = strlen(known[j].name);
        unsigned d = edit_distance(name, known[j].name);

        /* A forgotten unit suffix ("downtime_limit" for "..._ms") counts
         * as near whatever its length. */
        if ((nl >= 4 && kl > nl && !strncmp(name, known[j].name, nl)) ||
            (kl >= 4 && nl > kl && !strncmp(name, known[j].name, kl)))
            d = d < 2 ? d : 2;
        if (d < best_d) {
            best_d = d;
            best = known[j].name;
        }
    }
    return best;
}

int cvg_xlcfg_check_keys(const struct cvg_xlcfg *cfg,
                         const struct cvg_xlcfg_key *known, size_t nr_known,
                         struct cvg_err *err)
{
    unsigned i, j;

    for (i = 0; i < cfg->nr_settings; i++) {
        const struct xlcfg_setting *s = &cfg->settings[i];
        const struct cvg_xlcfg_key *k = NULL;

        for (j = 0; j < nr_known && !s->too_long; j++)
            if (!strcmp(known[j].name, s->name))
                k = &known[j];
        if (!k) {
            const char *best = s->too_long ? NULL
                               : cvg_xlcfg_suggest(s->name, known, nr_known);

            return cvg_fail(err, -EINVAL, "%s:%u: unknown key `%s%s'%s%s%s",
                            cfg->source, s->line, s->name,
                            s->too_long ? "..." : "",
                            best ? " (did you mean `" : "", best ? best : "",
                            best ? "'?)" : "");
        }
        if (s->append && !k->is_list)
            return cvg_fail(err, -EINVAL, "%s:%u: %s: `+=' only extends lists; "
                            "use `='", cfg->source, s->line, s->name);
        for (j = 0; j < i && !s->append; j++)
            if (!strcmp(cfg->settings[j].name, s->name))
                return cvg_fail(err, -EINVAL, "%s:%u: %s: set twice (first on "
                                "line %u)", cfg->source, s->line, s->name,
                                cfg->settings[j].line);
    }
    return 0;
}

/* ---- values ------------------------------------------------------------ */

int cvg_xlcfg_get_string(const struct cvg_xlcfg *cfg, const char *key,
                         const char **value, struct cvg_err *err)
{
    int xrc = xlu_cfg_get_string(cfg->xlu, key, value, 1);

    if (xrc == ESRCH)
        return -ENOENT;
    if (xrc)
        return cvg_fail(err, -EINVAL, "%s:%u: %s: must be a single value, not "
                        "a list", cfg->source, cvg_xlcfg_line(cfg, key), key);
    return 0;
}

int cvg_xlcfg_get_u64(const struct cvg_xlcfg *cfg, const char *key,
                      uint64_t min, uint64_t max, const char *unit,
                      uint64_t *value, struct cvg_err *err)
{
    const char *s;
    uint64_t v;
    int rc = cvg_xlcfg_get_string(cfg, key, &s, err);

    if (rc)
        return rc;
    rc = cvg_parse_u64(s, &v);
    if (rc == -EINVAL)
        return cvg_fail(err, -EINVAL, "%s:%u: %s: \"%.40s\" is not a decimal "
                        "integer", cfg->source, cvg_xlcfg_line(cfg, key), key, s);
    if (rc || v < min || v > max)
        return cvg_fail(err, -ERANGE, "%s:%u: %s: must be in %llu..%llu%s%s, "
                        "got %.40s", cfg->source, cvg_xlcfg_line(cfg, key), key,
                        (unsigned long long)min, (unsigned long long)max,
                        unit ? " " : "", unit ? unit : "", s);
    *value = v;
    return 0;
}

int cvg_xlcfg_get_decimal(const struct cvg_xlcfg *cfg, const char *key,
                          double min, double max, bool min_exclusive,
                          const char *unit, double *value, struct cvg_err *err)
{
    const char *s;
    double v;
    int rc = cvg_xlcfg_get_string(cfg, key, &s, err);

    if (rc)
        return rc;
    if (cvg_parse_decimal(s, &v))
        return cvg_fail(err, -EINVAL, "%s:%u: %s: \"%.40s\" is not a decimal "
                        "number (digits, optionally .digits)", cfg->source,
                        cvg_xlcfg_line(cfg, key), key, s);
    if (v < min || (min_exclusive && v == min) || v > max)
        return cvg_fail(err, -ERANGE, "%s:%u: %s: must be %s %g and at most "
                        "%g%s%s, got %.40s", cfg->source,
                        cvg_xlcfg_line(cfg, key), key,
                        min_exclusive ? ">" : ">=", min, max,
                        unit ? " " : "", unit ? unit : "", s);
    *value = v;
    return 0;
}

int cvg_xlcfg_get_list(const struct cvg_xlcfg *cfg, const char *key,
                       unsigned max, unsigned *nr, struct cvg_err *err)
{
    XLU_ConfigList *list;
    int n, i, xrc;

    xrc = xlu_cfg_get_list(cfg->xlu, key, &list, &n, 1);
    if (xrc == ESRCH)
        return -ENOENT;
    if (xrc)
        return cvg_fail(err, -EINVAL, "%s:%u: %s: must be a list [ \"...\", ... ], "
                        "not a single value", cfg->source,
                        cvg_xlcfg_line(cfg, key), key);
    if (n < 0 || (unsigned)n > max)
        return cvg_fail(err, -E2BIG, "%s:%u: %s: %d entries, at most %u",
                        cfg->source, cvg_xlcfg_line(cfg, key), key, n, max);
    for (i = 0; i < n; i++)
        if (!xlu_cfg_get_listitem(list, i))
            return cvg_fail(err, -EINVAL, "%s:%u: %s: entry %d is a list; "
                            "entries must be strings", cfg->source,
                            cvg_xlcfg_line(cfg, key), key, i);
    *nr = (unsigned)n;
    return 0;
}

const char *cvg_xlcfg_list_item(const struct cvg_xlcfg *cfg, const char *key,
                                unsigned i)
{
    XLU_ConfigList *list;

    if (i > INT_MAX || xlu_cfg_get_list(cfg->xlu, key, &list, NULL, 1))
        return NULL;
    return xlu_cfg_get_listitem(list, (int)i);
}
