/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writes the seed corpora of fuzz_owner_proto and fuzz_miginfo:
 *
 *   tests/fuzz/gen-corpus-api DIR
 *
 * creates DIR/owner_proto/ (one request of every op as libxenconverge and
 * converge-helper send them, the replies converge-limitd sends, near
 * misses) and DIR/miginfo/ (status records as engine/status.c writes them,
 * and near misses).  The committed seeds come from
 * `gen-corpus-api tests/fuzz/corpus`.  Deterministic.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/bytes.h"
#include "lib/owner_proto.h"

static const char *outdir;

static void save(const char *sub, const char *name, const void *buf, size_t len)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", outdir, sub);
    if (mkdir(path, 0755) && errno != EEXIST) {
        fprintf(stderr, "gen-corpus-api: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
    f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
        fprintf(stderr, "gen-corpus-api: %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

static void request(const char *name, struct cvg_own_req q)
{
    uint8_t buf[CVG_OWN_REQ_HDR + CVG_OWN_REQ_BODY_MAX];
    struct cvg_err err = { 0 };
    int n = cvg_own_req_encode(&q, buf, sizeof(buf), &err);

    if (n < 0) {
        fprintf(stderr, "gen-corpus-api: %s: %s\n", name, err.msg);
        exit(1);
    }
    save("owner_proto", name, buf, (size_t)n);
}

static void reply(const char *name, const struct cvg_own_reply *r)
{
    static uint8_t buf[CVG_OWN_REPLY_HDR + CVG_OWN_REPLY_BODY_MAX];
    struct cvg_err err = { 0 };
    int n = cvg_own_reply_encode(r, buf, sizeof(buf), &err);

    if (n < 0) {
        fprintf(stderr, "gen-corpus-api: %s: %s\n", name, err.msg);
        exit(1);
    }
    save("owner_proto", name, buf, (size_t)n);
}

static void text(const char *name, const char *s)
{
    save("miginfo", name, s, strlen(s));
}

int main(int argc, char **argv)
{
    static struct cvg_own_reply r;
    uint8_t bad[CVG_OWN_REQ_HDR + 12];
    struct cvg_err err = { 0 };

    if (argc != 2) {
        fprintf(stderr, "usage: gen-corpus-api DIR\n");
        return 2;
    }
    outdir = argv[1];

    request("req-set", (struct cvg_own_req){ .op = CVG_OWN_SET, .vcpu = 0, .rate_mib_s = 100 });
    request("req-set-all", (struct cvg_own_req){ .op = CVG_OWN_SET, .vcpu = CVG_OWN_ALL,
                                                 .rate_mib_s = 1 });
    request("req-cancel", (struct cvg_own_req){ .op = CVG_OWN_CANCEL, .vcpu = 3 });
    request("req-list", (struct cvg_own_req){ .op = CVG_OWN_LIST });
    request("req-measure", (struct cvg_own_req){ .op = CVG_OWN_MEASURE, .period_ms = 1000,
                                                 .flags = CVG_OWN_MEASURE_NO_PROBE });
    request("req-handover", (struct cvg_own_req){ .op = CVG_OWN_HANDOVER, .pid = 4242 });
    cvg_own_req_encode(&(struct cvg_own_req){ .op = CVG_OWN_SET, .vcpu = 1, .rate_mib_s = 5 },
                       bad, sizeof(bad), &err);
    cvg_put_le32(bad + 8, 4096);
    save("owner_proto", "near-oversize", bad, sizeof(bad));
    cvg_put_le32(bad + 8, 12);
    cvg_put_le32(bad + CVG_OWN_REQ_HDR, 128);
    save("owner_proto", "near-vcpu-128", bad, sizeof(bad));

    memset(&r, 0, sizeof(r));
    r.op = CVG_OWN_SET;
    r.status = -16;
    strcpy(r.text, "a migration of domain 5 is running (pid 99): its own throttle governs");
    reply("rep-error", &r);
    memset(&r, 0, sizeof(r));
    r.op = CVG_OWN_HANDOVER;
    reply("rep-ok", &r);
    memset(&r, 0, sizeof(r));
    r.op = CVG_OWN_LIST;
    r.owner_pid = 4242;
    r.n = 2;
    r.v[0] = (struct cvg_own_vcpu){ .vcpu = 0, .limit_mib_s = 100, .state = CVG_OWN_ENFORCING,
                                    .flags = CVG_OWN_VCPU_LIMITED, .rate_mib_s = 99.5,
                                    .confidence = 1, .share = 0.26 };
    r.v[1] = (struct cvg_own_vcpu){ .vcpu = 3, .limit_mib_s = 10, .state = CVG_OWN_SUSPENDED,
                                    .flags = CVG_OWN_VCPU_LIMITED, .share = 1 };
    reply("rep-list", &r);
    memset(&r, 0, sizeof(r));
    r.op = CVG_OWN_MEASURE;
    r.period_ms = 1820;
    r.rate_mib_s = 258.2;
    r.confidence = 0.97;
    r.n = 4;
    for (uint32_t v = 0; v < 4; v++)
        r.v[v] = (struct cvg_own_vcpu){ .vcpu = v, .flags = v == 3 ? CVG_OWN_VCPU_IDLE :
                                        CVG_OWN_VCPU_PROBED, .rate_mib_s = v ? 0 : 258.2,
                                        .confidence = 0.9, .cpu = v == 3 ? 0 : 1 };
    reply("rep-measure", &r);

    text("status-setup", "{\"domid\": 5, \"pid\": 4711, \"phase\": \"setup\", "
                         "\"downtime_limit_ms\": 300}\n");
    text("status-precopy", "{\"domid\": 5, \"pid\": 4711, \"phase\": \"precopy\", "
                           "\"elapsed_ms\": 12300, \"pass\": 2, \"memory_bytes\": 4294967296, "
                           "\"bytes_sent\": 4740000000, \"pass_pages_sent\": 1000, "
                           "\"pass_pages_total\": 13000, \"remaining_bytes\": 54630400, "
                           "\"dirty_rate_bps\": 126353408, \"bandwidth_bps\": 419430400, "
                           "\"throttle_pct\": 20, \"expected_downtime_ms\": 130, "
                           "\"downtime_limit_ms\": 300, \"eta_ms\": 400}\n");
    text("status-not-converging", "{\"domid\": 5, \"pid\": 4711, \"phase\": \"precopy\", "
                                  "\"pass\": 7, \"eta_ms\": -1}");
    text("near-other-domain", "{\"domid\": 6, \"pid\": 4711, \"phase\": \"precopy\"}");
    text("near-negative", "{\"domid\": 5, \"pid\": 4711, \"phase\": \"precopy\", "
                          "\"bytes_sent\": -1}");
    text("near-phase", "{\"domid\": 5, \"pid\": 4711, \"phase\": \"pre\\u0000copy\"}");
    text("near-trailing", "{\"domid\": 5, \"pid\": 1, \"phase\": \"x\"} {}");
    return 0;
}
