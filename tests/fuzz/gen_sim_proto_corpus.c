/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writes the seed corpus of fuzz_sim_proto:
 *
 *   tests/fuzz/gen_sim_proto_corpus DIR
 *
 * creates DIR/sim_proto/ with one well-formed request of every op (the
 * frames hv/sim.c sends), a few replies (dominfo, list, info, truth) and
 * some near misses (bad magic, oversize length, unknown op).  The committed
 * seeds in tests/fuzz/corpus/ come from `gen_sim_proto_corpus tests/fuzz/corpus`.
 * Deterministic: the same build writes the same bytes.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/proto.h"

static const char *outdir;

static void save(const char *name, const void *buf, size_t len)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/sim_proto/%s", outdir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
        fprintf(stderr, "gen_sim_proto_corpus: %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* Requests must be ones the daemon accepts: a refused seed teaches only refusal. */
static void request(const char *name, const struct cvg_sim_req *req)
{
    struct cvg_sink s;
    struct cvg_sim_hdr h;
    struct cvg_sim_req back;
    struct cvg_err err = { 0 };

    cvg_sink_init_mem(&s);
    if (cvg_sim_req_encode(&s, req, 1, &err) ||
        cvg_sim_hdr_decode(s.buf, false, &h, &err) ||
        cvg_sim_req_decode(&h, s.buf + CVG_SIM_HDR_SIZE, &back, &err)) {
        fprintf(stderr, "gen_sim_proto_corpus: seed %s refused: %s\n", name, err.msg);
        exit(1);
    }
    save(name, s.buf, s.len);
    cvg_sink_free(&s);
}

static void reply(const char *name, uint16_t op, const struct cvg_sink *body)
{
    struct cvg_sim_hdr h = { .magic = CVG_SIM_MAGIC, .version = CVG_SIM_VERSION, .op = op,
                             .domid = 1, .len = (uint32_t)body->len, .seq = 1 };
    uint8_t *buf = malloc(CVG_SIM_HDR_SIZE + body->len);

    cvg_sim_hdr_encode(buf, &h);
    memcpy(buf + CVG_SIM_HDR_SIZE, body->buf, body->len);
    save(name, buf, CVG_SIM_HDR_SIZE + body->len);
    free(buf);
}

static void raw_header(const char *name, uint32_t magic, uint16_t version, uint16_t op,
                       uint32_t len)
{
    struct cvg_sim_hdr h = { .magic = magic, .version = version, .op = op, .len = len };
    uint8_t b[CVG_SIM_HDR_SIZE];

    cvg_sim_hdr_encode(b, &h);
    save(name, b, sizeof(b));
}

int main(int argc, char **argv)
{
    static const char scenario[] =
        "name = \"busy\"\nmemory = 256\nvcpus = 2\nbandwidth = 100\n"
        "downtime_limit = 300\nmax_time = 60\n"
        "workload = [ \"vcpus=0-1,pattern=uniform,rate=40\" ]\n";
    struct cvg_sim_req r;
    struct cvg_err err = { 0 };
    struct cvg_sink body;
    uint8_t pfns[8 * 4], ctx[48];
    char path[4096];

    if (argc != 2) {
        fprintf(stderr, "usage: gen_sim_proto_corpus DIR\n");
        return 2;
    }
    outdir = argv[1];
    snprintf(path, sizeof(path), "%s/sim_proto", outdir);
    if (mkdir(path, 0755) && errno != EEXIST) {
        fprintf(stderr, "gen_sim_proto_corpus: %s: %s\n", path, strerror(errno));
        return 1;
    }

    /* Every op without a payload. */
    static const struct { uint16_t op; const char *name; } bare[] = {
        { CVG_SIM_OP_HELLO, "req-hello" }, { CVG_SIM_OP_LIST, "req-list" },
        { CVG_SIM_OP_INFO, "req-info" }, { CVG_SIM_OP_DIGEST, "req-digest" },
        { CVG_SIM_OP_TRUTH, "req-truth" }, { CVG_SIM_OP_DOMINFO, "req-dominfo" },
        { CVG_SIM_OP_DESTROY, "req-destroy" }, { CVG_SIM_OP_PAUSE, "req-pause" },
        { CVG_SIM_OP_LOGDIRTY_ENABLE, "req-logdirty-enable" },
        { CVG_SIM_OP_SUSPEND, "req-suspend" }, { CVG_SIM_OP_CAP_GET, "req-cap-get" },
        { CVG_SIM_OP_HVM_CONTEXT_GET, "req-hvm-context-get" },
        { CVG_SIM_OP_TSC_GET, "req-tsc-get" },
    };
    for (size_t i = 0; i < sizeof(bare) / sizeof(bare[0]); i++) {
        memset(&r, 0, sizeof(r));
        r.op = bare[i].op;
        r.domid = 1;
        request(bare[i].name, &r);
    }

    memset(&r, 0, sizeof(r));
    r.op = CVG_SIM_OP_CREATE_SCENARIO;
    r.u.scenario.source = "busy.cfg";
    r.u.scenario.source_len = 8;
    r.u.scenario.text = scenario;
    r.u.scenario.text_len = sizeof(scenario) - 1;
    request("req-create-scenario", &r);

    memset(&r, 0, sizeof(r));
    r.op = CVG_SIM_OP_CREATE_EMPTY;
    r.u.empty.pages = 65536;
    r.u.empty.vcpus = 2;
    r.u.empty.flags = CVG_SIM_EMPTY_PAUSED;
    strcpy(r.u.empty.name, "restore");
    request("req-create-empty", &r);

    memset(&r, 0, sizeof(r));
    r.op = CVG_SIM_OP_VCPUINFO;
    r.domid = 1;
    r.u.vcpu = 1;
    request("req-vcpuinfo", &r);

    memset(&r, 0, sizeof(r));
    r.op = CVG_SIM_OP_MAP;
    r.domid = 1;
    r.u.prot = CVG_SIM_PROT_READ;
    request("req-map", &r);

    for (int i = 0; i < 4; i++)
        cvg_put_le64(pfns + 8 * i, (uint64_t)i * 1000 + 7);
    memset(&r, 0, sizeof(r));
    r.op = CVG_SIM_OP_POPULATE;
    r.domid = 2;
    r.u.pfns.le = pfns;
    r.u.pfns.n = 4;
    request("req-populate", &r);
    r.op = CVG_SIM_OP_PFN_TYPES;
    request("req-pfn-types", &r);

    memset(&r, 0, sizeof(r));
    r.op = CVG_SIM_OP_LOGDIRTY_OP;
    r.domid = 1;
    r.u.logdirty.op = 11;
    r.u.logdirty.pages = 65536;
    request("req-logdirty-clean", &r);
    r.u.logdirty.op = 12;
    r.u.logdirty.pages = 0;
    r.u.logdirty.mode = 1;
    request("req-logdirty-peek-stats", &r);

    memset(&r, 0, sizeof(r));
    r.op = CVG_SIM_OP_CAP_SET;
    r.domid = 1;
    r.u.cap = 50;
    request("req-cap-set", &r);

    memset(&r, 0, sizeof(r));
    r.op = CVG_SIM_OP_BUDGET_SET;
    r.domid = 1;
    r.u.budget.vcpu = 1;
    r.u.budget.period_us = 10000;
    r.u.budget.budget_us = 2500;
    request("req-budget-set", &r);

    memset(&r, 0, sizeof(r));
    r.op = CVG_SIM_OP_AFFINITY_SET;
    r.domid = 1;
    r.u.affinity.vcpu = 0;
    r.u.affinity.nwords = 2;
    r.u.affinity.map[0] = 1ull << 5;
    request("req-affinity-set", &r);

    for (size_t i = 0; i < sizeof(ctx); i++)
        ctx[i] = (uint8_t)(i * 7);
    memset(&r, 0, sizeof(r));
    r.op = CVG_SIM_OP_HVM_CONTEXT_SET;
    r.domid = 2;
    r.u.blob.buf = ctx;
    r.u.blob.len = sizeof(ctx);
    request("req-hvm-context-set", &r);

    memset(&r, 0, sizeof(r));
    r.op = CVG_SIM_OP_HVM_PARAM_SET;
    r.domid = 2;
    r.u.param.index = 1;
    r.u.param.value = 65535;
    request("req-hvm-param-set", &r);

    memset(&r, 0, sizeof(r));
    r.op = CVG_SIM_OP_TSC_SET;
    r.domid = 2;
    r.u.tsc.khz = 2000000;
    r.u.tsc.nsec = 123456789;
    request("req-tsc-set", &r);

    /* Replies the client decodes. */
    {
        struct cvg_sim_dominfo di = { .domid = 1, .hvm = true, .max_vcpu_id = 1,
                                      .nr_online_vcpus = 2, .p2m_size = 65536,
                                      .nr_pages = 65536, .cpu_time_ns = 1000000 };
        uint8_t b[CVG_SIM_DOMINFO_SIZE];

        cvg_sim_dominfo_encode(b, &di);
        cvg_sink_init_mem(&body);
        cvg_sink_write(&body, b, sizeof(b), &err);
        reply("rep-dominfo", CVG_SIM_OP_DOMINFO, &body);
        cvg_sink_free(&body);
    }
    {
        struct cvg_sim_list_entry e[2] = { { .domid = 1, .nr_vcpus = 2, .p2m_size = 65536,
                                             .name = "busy" },
                                           { .domid = 2, .nr_vcpus = 2, .paused = true,
                                             .p2m_size = 65536, .name = "restore" } };

        cvg_sink_init_mem(&body);
        cvg_sim_list_encode(&body, e, 2, &err);
        reply("rep-list", CVG_SIM_OP_LIST, &body);
        cvg_sink_free(&body);
    }
    {
        struct cvg_sim_vcpu_state v[2] = {
            { .id = 0, .rate_mib_s = 40, .period_us = 10000, .budget_us = 10000,
              .affinity = ~0ull, .share_ppm = 1000000, .running = true, .work = 1000,
              .writes = 1000, .cpu_time_ns = 5000000 },
            { .id = 1, .pattern = 5, .period_us = 10000, .budget_us = 10000,
              .affinity = ~0ull, .blocked = true },
        };
        struct cvg_sim_info in = { .domid = 1, .name = "busy", .hvm = true, .p2m_size = 65536,
                                   .nr_pages = 65536, .seed = 1, .nr_vcpus = 2, .vcpus = v };

        cvg_sink_init_mem(&body);
        cvg_sim_info_encode(&body, &in, &err);
        reply("rep-info", CVG_SIM_OP_INFO, &body);
        cvg_sink_free(&body);
    }
    {
        struct cvg_sim_truth_vcpu tv[2] = { { 900, 1000, 1000, 5000000 }, { 0, 0, 0, 0 } };
        struct cvg_sim_truth t = { .now_ns = 2000000000, .clean_ns = 1000000000,
                                   .dirty_count = 900, .logdirty = true, .nr_vcpus = 2,
                                   .vcpus = tv };

        cvg_sink_init_mem(&body);
        cvg_sim_truth_encode(&body, &t, &err);
        reply("rep-truth", CVG_SIM_OP_TRUTH, &body);
        cvg_sink_free(&body);
    }

    /* Near misses the daemon must refuse. */
    raw_header("bad-magic", 0x4d495344, CVG_SIM_VERSION, CVG_SIM_OP_HELLO, 0);
    raw_header("bad-version", CVG_SIM_MAGIC, 2, CVG_SIM_OP_HELLO, 0);
    raw_header("oversize", CVG_SIM_MAGIC, CVG_SIM_VERSION, CVG_SIM_OP_HVM_CONTEXT_SET,
               CVG_SIM_MAX_REQ_PAYLOAD + 1);
    raw_header("unknown-op", CVG_SIM_MAGIC, CVG_SIM_VERSION, 999, 0);
    return 0;
}
