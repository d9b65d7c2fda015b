/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/miginfo.h"
#include "lib/runpath.h"
#include "lib/usock.h"

/* An integer member in [min, max]; absent members keep *out (optional). */
static int get_int(json_object *j, const char *key, int64_t min, int64_t max, bool required,
                   int64_t *out, struct cvg_err *err)
{
    json_object *v;
    int64_t x;

    if (!json_object_object_get_ex(j, key, &v)) {
        if (required)
            return cvg_fail(err, -EPROTO, "migration status: no \"%s\"", key);
        return 0;
    }
    if (!json_object_is_type(v, json_type_int))
        return cvg_fail(err, -EPROTO, "migration status: \"%s\" is not an integer", key);
    errno = 0;
    x = json_object_get_int64(v);
    if (errno || x < min || x > max)
        return cvg_fail(err, -EPROTO, "migration status: \"%s\" = %lld is out of range", key,
                        (long long)x);
    *out = x;
    return 0;
}

int cvg_miginfo_parse(const char *text, size_t len, uint32_t domid,
                      struct xenconverge_migration_info *out, struct cvg_err *err)
{
    static const struct {
        const char *key;
        size_t off;
        bool wide;
    } u64s[] = {
        { "elapsed_ms", offsetof(struct xenconverge_migration_info, elapsed_ms), true },
        { "memory_bytes", offsetof(struct xenconverge_migration_info, memory_bytes), true },
        { "bytes_sent", offsetof(struct xenconverge_migration_info, bytes_sent), true },
        { "remaining_bytes", offsetof(struct xenconverge_migration_info, remaining_bytes), true },
        { "pass_pages_sent", offsetof(struct xenconverge_migration_info, pass_pages_sent), true },
        { "pass_pages_total", offsetof(struct xenconverge_migration_info, pass_pages_total),
          true },
        { "expected_downtime_ms",
          offsetof(struct xenconverge_migration_info, expected_downtime_ms), true },
        { "pass", offsetof(struct xenconverge_migration_info, pass), false },
        { "throttle_pct", offsetof(struct xenconverge_migration_info, throttle_pct), false },
        { "downtime_limit_ms", offsetof(struct xenconverge_migration_info, downtime_limit_ms),
          false },
    };
    struct json_tokener *tok;
    json_object *j = NULL, *ph;
    int64_t v = 0;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    out->eta_ms = -1;
    if (len > CVG_MIGINFO_MAX)
        return cvg_fail(err, -EPROTO, "migration status of %zu bytes, at most %u", len,
                        CVG_MIGINFO_MAX);
    tok = json_tokener_new_ex(8);
    if (!tok)
        return cvg_fail(err, -ENOMEM, "out of memory");
    j = json_tokener_parse_ex(tok, text, (int)len);
    if (!j || json_tokener_get_error(tok) != json_tokener_success) {
        rc = cvg_fail(err, -EPROTO, "migration status is not one JSON object: %s",
                      json_tokener_error_desc(json_tokener_get_error(tok)));
        goto out;
    }
    for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
        if (text[i] != ' ' && text[i] != '\n' && text[i] != '\t' && text[i] != '\r') {
            rc = cvg_fail(err, -EPROTO, "migration status: bytes after the object (offset %zu)",
                          i);
            goto out;
        }
    if (!json_object_is_type(j, json_type_object)) {
        rc = cvg_fail(err, -EPROTO, "migration status is not a JSON object");
        goto out;
    }
    if ((rc = get_int(j, "domid", 0, 0x7fff, true, &v, err)))
        goto out;
    if ((uint32_t)v != domid) {
        rc = cvg_fail(err, -EPROTO, "migration status of domain %lld, asked for %u",
                      (long long)v, domid);
        goto out;
    }
    out->domid = domid;
    if ((rc = get_int(j, "pid", 1, 0x3fffffff, true, &v, err)))
        goto out;
    out->helper_pid = (int32_t)v;
    if (!json_object_object_get_ex(j, "phase", &ph) || !json_object_is_type(ph, json_type_string) ||
        json_object_get_string_len(ph) < 1 ||
        (size_t)json_object_get_string_len(ph) >= sizeof(out->phase)) {
        rc = cvg_fail(err, -EPROTO, "migration status: \"phase\" is not a short string");
        goto out;
    }
    /* Every byte of it: JSON strings may hold \u0000, C strings end there. */
    for (int i = 0; i < json_object_get_string_len(ph); i++) {
        char c = json_object_get_string(ph)[i];

        if (!(c >= 'a' && c <= 'z') && c != '-' && c != '_') {
            rc = cvg_fail(err, -EPROTO, "migration status: \"phase\" holds byte %#x at %d",
                          (unsigned char)c, i);
            goto out;
        }
    }
    memcpy(out->phase, json_object_get_string(ph), (size_t)json_object_get_string_len(ph));
    out->phase[json_object_get_string_len(ph)] = '\0';
    for (size_t i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++) {
        v = 0;
        if ((rc = get_int(j, u64s[i].key, 0, u64s[i].wide ? INT64_MAX : UINT32_MAX, false, &v,
                          err)))
            goto out;
        if (u64s[i].wide)
            *(uint64_t *)((char *)out + u64s[i].off) = (uint64_t)v;
        else
            *(uint32_t *)((char *)out + u64s[i].off) = (uint32_t)v;
    }
    if (out->throttle_pct > 100) {
        rc = cvg_fail(err, -EPROTO, "migration status: throttle of %u %%", out->throttle_pct);
        goto out;
    }
    v = -1;
    if ((rc = get_int(j, "eta_ms", -1, INT64_MAX, false, &v, err)))
        goto out;
    out->eta_ms = v;
    v = 0;
    if ((rc = get_int(j, "dirty_rate_bps", 0, INT64_MAX, false, &v, err)))
        goto out;
    out->dirty_rate_mib_s = v / 1048576.0;
    v = 0;
    if ((rc = get_int(j, "bandwidth_bps", 0, INT64_MAX, false, &v, err)))
        goto out;
    out->bandwidth_mib_s = v / 1048576.0;
out:
    if (j)
        json_object_put(j);
    json_tokener_free(tok);
    return rc;
}

int cvg_miginfo_read(const char *sim_socket, uint32_t domid,
                     struct xenconverge_migration_info *out, struct cvg_err *err)
{
    char path[CVG_RUN_PATH_MAX], buf[CVG_MIGINFO_MAX + 1];
    size_t have = 0;
    int fd, rc = cvg_run_path(path, sizeof(path), sim_socket, "migrate", domid, ".sock", err);

    if (rc)
        return rc;
    fd = cvg_usock_connect(path, err);
    if (fd == -ENOENT || fd == -ECONNREFUSED)
        return cvg_fail(err, -ESRCH, "no migration of domain %u is running here", domid);
    if (fd < 0)
        return fd;
    /* The helper writes one object and closes: read to the end, bounded. */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO,
               &(struct timeval){ CVG_MIGINFO_TIMEOUT_MS / 1000,
                                  CVG_MIGINFO_TIMEOUT_MS % 1000 * 1000 }, sizeof(struct timeval));
    for (;;) {
        ssize_t n = recv(fd, buf + have, sizeof(buf) - have, 0);

        if (n == 0)
            break;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = cvg_fail(err, -errno, "reading the migration status of domain %u: %s", domid,
                          errno == EAGAIN ? "no answer in time" : strerror(errno));
            goto out;
        }
        have += (size_t)n;
        if (have > CVG_MIGINFO_MAX) {
            rc = cvg_fail(err, -EPROTO, "migration status of domain %u is longer than %u "
                          "bytes", domid, CVG_MIGINFO_MAX);
            goto out;
        }
    }
    if (!have) {
        rc = cvg_fail(err, -ESRCH, "the migration of domain %u ended", domid);
        goto out;
    }
    rc = cvg_miginfo_parse(buf, have, domid, out, err);
out:
    close(fd);
    return rc;
}
