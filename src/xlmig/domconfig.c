/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/xlcfg.h"
#include "xlmig/domconfig.h"

const char *cvg_xlmig_domtype_name(enum cvg_xlmig_domtype t)
{
    switch (t) {
    case CVG_XLMIG_HVM: return "hvm";
    case CVG_XLMIG_PVH: return "pvh";
    case CVG_XLMIG_PV: return "pv";
    }
    return "unknown";
}

static int parse_type(const char *s, enum cvg_xlmig_domtype *t)
{
    if (!strcmp(s, "hvm"))
        *t = CVG_XLMIG_HVM;
    else if (!strcmp(s, "pvh"))
        *t = CVG_XLMIG_PVH;
    else if (!strcmp(s, "pv"))
        *t = CVG_XLMIG_PV;
    else
        return -EINVAL;
    return 0;
}

bool cvg_xlmig_name_ok(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > CVG_XLMIG_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9');

        if (!alnum && (i == 0 || !strchr("_.+-", c)))
            return false;
    }
    return true;
}

static int check(const struct cvg_xlmig_domcfg *d, const char *what, struct cvg_err *err)
{
    if (!d->memkb || d->memkb > CVG_XLMIG_MEMKB_MAX || d->memkb % 4)
        return cvg_fail(err, -EINVAL, "%s: memory %" PRIu64 " KiB: want a multiple of "
                        "4 KiB in 4..%llu", what, d->memkb, CVG_XLMIG_MEMKB_MAX);
    if (!d->vcpus || d->vcpus > CVG_XLMIG_VCPUS_MAX)
        return cvg_fail(err, -EINVAL, "%s: %u vCPUs: want 1..%u", what, d->vcpus,
                        CVG_XLMIG_VCPUS_MAX);
    return 0;
}

int cvg_xlmig_domcfg_to_json(const struct cvg_xlmig_domcfg *d, char **json,
                           struct cvg_err *err)
{
    json_object *root = json_object_new_object(), *c = json_object_new_object(),
                *b = json_object_new_object();
    const char *s;
    int rc = 0;

    *json = NULL;
    if (!root || !c || !b) {
        json_object_put(root);
        json_object_put(c);
        json_object_put(b);
        return cvg_fail(err, -ENOMEM, "out of memory");
    }
    json_object_object_add(c, "type", json_object_new_string(cvg_xlmig_domtype_name(d->type)));
    json_object_object_add(c, "name", json_object_new_string(d->name));
    if (d->domid)
        json_object_object_add(c, "domid", json_object_new_int64(d->domid));
    json_object_object_add(b, "max_vcpus", json_object_new_int64(d->vcpus));
    json_object_object_add(b, "max_memkb", json_object_new_int64((int64_t)d->memkb));
    json_object_object_add(b, "target_memkb", json_object_new_int64((int64_t)d->memkb));
    if (d->type != CVG_XLMIG_PV)
        json_object_object_add(b, d->type == CVG_XLMIG_HVM ? "type.hvm" : "type.pvh",
                               json_object_new_object());
    json_object_object_add(root, "c_info", c);
    json_object_object_add(root, "b_info", b);
    s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                       JSON_C_TO_STRING_SPACED);
    *json = s ? strdup(s) : NULL;
    if (!*json)
        rc = cvg_fail(err, -ENOMEM, "out of memory");
    json_object_put(root);
    return rc;
}

/* An integer member of obj in [min, max]; -ENOENT when absent. */
static int get_int(json_object *obj, const char *path, const char *key, int64_t min,
                   int64_t max, int64_t *out, struct cvg_err *err)
{
    json_object *v;

    if (!json_object_object_get_ex(obj, key, &v))
        return -ENOENT;
    if (!json_object_is_type(v, json_type_int))
        return cvg_fail(err, -EINVAL, "domain config: %s.%s is not an integer", path, key);
    errno = 0;
    *out = json_object_get_int64(v);
    if (errno || *out < min || *out > max)
        return cvg_fail(err, -ERANGE, "domain config: %s.%s out of range (%" PRId64
                        "..%" PRId64 ")", path, key, min, max);
    return 0;
}

int cvg_xlmig_domcfg_from_json(const char *text, size_t len, struct cvg_xlmig_domcfg *d,
                             struct cvg_err *err)
{
    json_tokener *tok = json_tokener_new_ex(CVG_XLMIG_JSON_DEPTH);
    json_object *root = NULL, *c, *b, *v;
    int64_t n;
    int rc;

    memset(d, 0, sizeof(*d));
    if (!tok)
        return cvg_fail(err, -ENOMEM, "out of memory");
    if (len > INT32_MAX) {
        rc = cvg_fail(err, -E2BIG, "domain config: %zu bytes", len);
        goto out;
    }
    root = json_tokener_parse_ex(tok, text, (int)len);
    if (!root || json_tokener_get_error(tok) != json_tokener_success) {
        rc = cvg_fail(err, -EINVAL, "domain config: not JSON (%s at byte %zu)",
                      json_tokener_error_desc(json_tokener_get_error(tok)),
                      json_tokener_get_parse_end(tok));
        goto out;
    }
    /* Only whitespace may follow the object. */
    for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
        if (!strchr(" \t\r\n", text[i])) {
            rc = cvg_fail(err, -EINVAL, "domain config: data after the JSON object at "
                          "byte %zu", i);
            goto out;
        }
    }
    if (!json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "c_info", &c) ||
        !json_object_is_type(c, json_type_object) ||
        !json_object_object_get_ex(root, "b_info", &b) ||
        !json_object_is_type(b, json_type_object)) {
        rc = cvg_fail(err, -EINVAL, "domain config: not a libxl domain config "
                      "(no c_info and b_info objects)");
        goto out;
    }
    if (!json_object_object_get_ex(c, "name", &v) || !json_object_is_type(v, json_type_string) ||
        !cvg_xlmig_name_ok(json_object_get_string(v))) {
        rc = cvg_fail(err, -EINVAL, "domain config: c_info.name missing or not 1..%u "
                      "characters of [A-Za-z0-9_.+-]", CVG_XLMIG_NAME_MAX);
        goto out;
    }
    snprintf(d->name, sizeof(d->name), "%s", json_object_get_string(v));
    d->type = CVG_XLMIG_PV;       /* libxl's default type is PV too */
    if (json_object_object_get_ex(c, "type", &v) &&
        (!json_object_is_type(v, json_type_string) ||
         parse_type(json_object_get_string(v), &d->type))) {
        rc = cvg_fail(err, -EINVAL, "domain config: c_info.type is not hvm, pvh or pv");
        goto out;
    }
    rc = get_int(c, "c_info", "domid", 0, 0x7FEF, &n, err);
    if (rc == -ENOENT)
        n = 0;
    else if (rc)
        goto out;
    d->domid = (uint32_t)n;
    rc = get_int(b, "b_info", "max_memkb", 1, (int64_t)CVG_XLMIG_MEMKB_MAX, &n, err);
    if (rc == -ENOENT)
        rc = cvg_fail(err, -EINVAL, "domain config: b_info.max_memkb missing");
    if (rc)
        goto out;
    d->memkb = (uint64_t)n;
    rc = get_int(b, "b_info", "max_vcpus", 1, CVG_XLMIG_VCPUS_MAX, &n, err);
    if (rc == -ENOENT)
        rc = cvg_fail(err, -EINVAL, "domain config: b_info.max_vcpus missing");
    if (rc)
        goto out;
    d->vcpus = (uint32_t)n;
    rc = check(d, "domain config", err);
out:
    json_object_put(root);
    json_tokener_free(tok);
    return rc;
}

int cvg_xlmig_domcfg_from_xlcfg(const char *text, size_t len, const char *source,
                              struct cvg_xlmig_domcfg *d, struct cvg_err *err)
{
    struct cvg_xlcfg *cfg = NULL;
    const char *s;
    uint64_t v;
    int rc;

    memset(d, 0, sizeof(*d));
    rc = cvg_xlcfg_parse(text, len, source, &cfg, err);
    if (rc)
        return rc;
    rc = cvg_xlcfg_get_string(cfg, "name", &s, err);
    if (rc == -ENOENT)
        rc = cvg_fail(err, -EINVAL, "%s: no name", source);
    if (rc)
        goto out;
    if (!cvg_xlmig_name_ok(s)) {
        rc = cvg_fail(err, -EINVAL, "%s: name '%.64s' is not 1..%u characters of "
                      "[A-Za-z0-9_.+-]", source, s, CVG_XLMIG_NAME_MAX);
        goto out;
    }
    snprintf(d->name, sizeof(d->name), "%s", s);
    /* xl: type = "hvm"|"pvh"|"pv", or the older builder = "hvm"; else PV. */
    d->type = CVG_XLMIG_PV;
    rc = cvg_xlcfg_get_string(cfg, "type", &s, err);
    if (rc == -ENOENT) {
        rc = cvg_xlcfg_get_string(cfg, "builder", &s, err);
        if (rc == -ENOENT) {
            s = "pv";
            rc = 0;
        }
    }
    if (!rc && parse_type(s, &d->type))
        rc = cvg_fail(err, -EINVAL, "%s: type '%.16s' is not hvm, pvh or pv", source, s);
    if (rc)
        goto out;
    /* maxmem (MiB) when given, else memory; maxvcpus, else vcpus; as xl. */
    rc = cvg_xlcfg_get_u64(cfg, "maxmem", 1, CVG_XLMIG_MEMKB_MAX >> 10, "MiB", &v, err);
    if (rc == -ENOENT)
        rc = cvg_xlcfg_get_u64(cfg, "memory", 1, CVG_XLMIG_MEMKB_MAX >> 10, "MiB", &v, err);
    if (rc == -ENOENT)
        rc = cvg_fail(err, -EINVAL, "%s: no memory", source);
    if (rc)
        goto out;
    d->memkb = v << 10;
    rc = cvg_xlcfg_get_u64(cfg, "maxvcpus", 1, CVG_XLMIG_VCPUS_MAX, NULL, &v, err);
    if (rc == -ENOENT)
        rc = cvg_xlcfg_get_u64(cfg, "vcpus", 1, CVG_XLMIG_VCPUS_MAX, NULL, &v, err);
    if (rc == -ENOENT) {
        v = 1;
        rc = 0;
    }
    if (rc)
        goto out;
    d->vcpus = (uint32_t)v;
    rc = check(d, source, err);
out:
    cvg_xlcfg_free(cfg);
    return rc;
}
