/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The converge-simd protocol codec: what goes out comes back, what is bad is refused. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "sim/proto.h"

/* Encodes req, then decodes the frame as the daemon would. */
static int roundtrip(const struct cvg_sim_req *in, struct cvg_sim_req *out,
                     struct cvg_sink *sink, struct cvg_err *err)
{
    struct cvg_sim_hdr h;
    int rc;

    cvg_sink_init_mem(sink);
    ck_assert_int_eq(cvg_sim_req_encode(sink, in, 77, err), 0);
    ck_assert_uint_ge(sink->len, CVG_SIM_HDR_SIZE);
    ck_assert_int_eq(cvg_sim_hdr_decode(sink->buf, false, &h, err), 0);
    ck_assert_uint_eq(h.seq, 77);
    ck_assert_uint_eq(h.op, in->op);
    ck_assert_uint_eq(h.domid, in->domid);
    ck_assert_uint_eq(h.len, sink->len - CVG_SIM_HDR_SIZE);
    rc = cvg_sim_req_decode(&h, sink->buf + CVG_SIM_HDR_SIZE, out, err);
    return rc;
}

START_TEST(test_header_checks_name_the_field)
{
    struct cvg_sim_hdr h = { .magic = CVG_SIM_MAGIC, .version = CVG_SIM_VERSION, .op = 3,
                             .domid = 9, .len = 16, .seq = 5 }, d;
    struct cvg_err err = { 0 };
    uint8_t b[CVG_SIM_HDR_SIZE];

    cvg_sim_hdr_encode(b, &h);
    ck_assert_int_eq(memcmp(b, "CSIM", 4), 0);
    ck_assert_int_eq(cvg_sim_hdr_decode(b, false, &d, &err), 0);
    ck_assert_uint_eq(d.op, 3);
    ck_assert_uint_eq(d.domid, 9);
    ck_assert_uint_eq(d.len, 16);

    b[0] = 'X';
    ck_assert_int_eq(cvg_sim_hdr_decode(b, false, &d, &err), -EPROTO);
    ck_assert_ptr_nonnull(strstr(err.msg, "magic"));

    h.version = 2;
    cvg_sim_hdr_encode(b, &h);
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_sim_hdr_decode(b, false, &d, &err), -EPROTONOSUPPORT);
    ck_assert_ptr_nonnull(strstr(err.msg, "version 2"));

    h.version = CVG_SIM_VERSION;
    h.len = CVG_SIM_MAX_REQ_PAYLOAD + 1;
    cvg_sim_hdr_encode(b, &h);
    cvg_err_clear(&err);
    ck_assert_int_eq(cvg_sim_hdr_decode(b, false, &d, &err), -EMSGSIZE);
    /* A reply may be larger (bitmaps), up to its own bound. */
    ck_assert_int_eq(cvg_sim_hdr_decode(b, true, &d, &err), 0);
    h.len = CVG_SIM_MAX_REPLY_PAYLOAD + 1;
    cvg_sim_hdr_encode(b, &h);
    ck_assert_int_eq(cvg_sim_hdr_decode(b, true, &d, &err), -EMSGSIZE);

    /* Requests carry no status; replies carry no positive one. */
    h.len = 0;
    h.status = -EINVAL;
    cvg_sim_hdr_encode(b, &h);
    ck_assert_int_eq(cvg_sim_hdr_decode(b, false, &d, &err), -EINVAL);
    ck_assert_int_eq(cvg_sim_hdr_decode(b, true, &d, &err), 0);
    ck_assert_int_eq(d.status, -EINVAL);
    h.status = 3;
    cvg_sim_hdr_encode(b, &h);
    ck_assert_int_eq(cvg_sim_hdr_decode(b, true, &d, &err), -EPROTO);
    /* An error text beyond its bound is refused. */
    h.status = -EIO;
    h.len = CVG_SIM_MAX_ERR_TEXT + 1;
    cvg_sim_hdr_encode(b, &h);
    ck_assert_int_eq(cvg_sim_hdr_decode(b, true, &d, &err), -EPROTO);
}
END_TEST

START_TEST(test_requests_roundtrip)
{
    struct cvg_err err = { 0 };
    struct cvg_sink sink;
    struct cvg_sim_req in, out;
    uint8_t pfns[24], blob[5] = { 1, 2, 3, 4, 5 };
    const char text[] = "name = \"x\"\n";

    memset(&in, 0, sizeof(in));
    in.op = CVG_SIM_OP_CREATE_SCENARIO;
    in.u.scenario.source = "/etc/x.cfg";
    in.u.scenario.source_len = 10;
    in.u.scenario.text = text;
    in.u.scenario.text_len = sizeof(text) - 1;
    ck_assert_int_eq(roundtrip(&in, &out, &sink, &err), 0);
    ck_assert_uint_eq(out.u.scenario.source_len, 10);
    ck_assert_int_eq(memcmp(out.u.scenario.source, "/etc/x.cfg", 10), 0);
    ck_assert_uint_eq(out.u.scenario.text_len, sizeof(text) - 1);
    ck_assert_int_eq(memcmp(out.u.scenario.text, text, sizeof(text) - 1), 0);
    cvg_sink_free(&sink);

    memset(&in, 0, sizeof(in));
    in.op = CVG_SIM_OP_CREATE_EMPTY;
    in.u.empty.pages = 262144;
    in.u.empty.vcpus = 8;
    in.u.empty.flags = CVG_SIM_EMPTY_PAUSED;
    strcpy(in.u.empty.name, "dest-1");
    ck_assert_int_eq(roundtrip(&in, &out, &sink, &err), 0);
    ck_assert_uint_eq(out.u.empty.pages, 262144);
    ck_assert_uint_eq(out.u.empty.vcpus, 8);
    ck_assert_uint_eq(out.u.empty.flags, CVG_SIM_EMPTY_PAUSED);
    ck_assert_str_eq(out.u.empty.name, "dest-1");
    cvg_sink_free(&sink);

    memset(&in, 0, sizeof(in));
    in.op = CVG_SIM_OP_POPULATE;
    in.domid = 4;
    cvg_put_le64(pfns, 7);
    cvg_put_le64(pfns + 8, 1ull << 40);
    cvg_put_le64(pfns + 16, 0);
    in.u.pfns.le = pfns;
    in.u.pfns.n = 3;
    ck_assert_int_eq(roundtrip(&in, &out, &sink, &err), 0);
    ck_assert_uint_eq(out.u.pfns.n, 3);
    ck_assert_uint_eq(cvg_sim_req_pfn(&out, 0), 7);
    ck_assert_uint_eq(cvg_sim_req_pfn(&out, 1), 1ull << 40);
    cvg_sink_free(&sink);

    memset(&in, 0, sizeof(in));
    in.op = CVG_SIM_OP_LOGDIRTY_OP;
    in.u.logdirty.op = 11;
    in.u.logdirty.mode = 1;
    in.u.logdirty.pages = 1ull << 24;
    ck_assert_int_eq(roundtrip(&in, &out, &sink, &err), 0);
    ck_assert_uint_eq(out.u.logdirty.op, 11);
    ck_assert_uint_eq(out.u.logdirty.mode, 1);
    ck_assert_uint_eq(out.u.logdirty.pages, 1ull << 24);
    cvg_sink_free(&sink);

    memset(&in, 0, sizeof(in));
    in.op = CVG_SIM_OP_AFFINITY_SET;
    in.u.affinity.vcpu = 3;
    in.u.affinity.nwords = 2;
    in.u.affinity.map[0] = 0x30;
    in.u.affinity.map[1] = 0x1;
    ck_assert_int_eq(roundtrip(&in, &out, &sink, &err), 0);
    ck_assert_uint_eq(out.u.affinity.vcpu, 3);
    ck_assert_uint_eq(out.u.affinity.nwords, 2);
    ck_assert_uint_eq(out.u.affinity.map[0], 0x30);
    ck_assert_uint_eq(out.u.affinity.map[1], 1);
    cvg_sink_free(&sink);

    memset(&in, 0, sizeof(in));
    in.op = CVG_SIM_OP_HVM_CONTEXT_SET;
    in.u.blob.buf = blob;
    in.u.blob.len = sizeof(blob);
    ck_assert_int_eq(roundtrip(&in, &out, &sink, &err), 0);
    ck_assert_uint_eq(out.u.blob.len, 5);
    ck_assert_int_eq(memcmp(out.u.blob.buf, blob, 5), 0);
    cvg_sink_free(&sink);

    memset(&in, 0, sizeof(in));
    in.op = CVG_SIM_OP_HVM_PARAM_SET;
    in.u.param.index = 33;
    in.u.param.value = 0x1122334455667788ull;
    ck_assert_int_eq(roundtrip(&in, &out, &sink, &err), 0);
    ck_assert_uint_eq(out.u.param.index, 33);
    ck_assert_uint_eq(out.u.param.value, 0x1122334455667788ull);
    cvg_sink_free(&sink);

    memset(&in, 0, sizeof(in));
    in.op = CVG_SIM_OP_TSC_SET;
    in.u.tsc.mode = 2;
    in.u.tsc.khz = 2400000;
    in.u.tsc.nsec = 123456789;
    in.u.tsc.incarnation = 4;
    ck_assert_int_eq(roundtrip(&in, &out, &sink, &err), 0);
    ck_assert_uint_eq(out.u.tsc.mode, 2);
    ck_assert_uint_eq(out.u.tsc.khz, 2400000);
    ck_assert_uint_eq(out.u.tsc.nsec, 123456789);
    ck_assert_uint_eq(out.u.tsc.incarnation, 4);
    cvg_sink_free(&sink);

    memset(&in, 0, sizeof(in));
    in.op = CVG_SIM_OP_BUDGET_SET;
    in.u.budget.vcpu = 1;
    in.u.budget.period_us = 10000;
    in.u.budget.budget_us = 2500;
    ck_assert_int_eq(roundtrip(&in, &out, &sink, &err), 0);
    ck_assert_uint_eq(out.u.budget.budget_us, 2500);
    cvg_sink_free(&sink);
}
END_TEST

/* A request frame built by hand: header for op with payload p[0..len). */
static int decode_raw(uint16_t op, const uint8_t *p, uint32_t len, struct cvg_err *err)
{
    struct cvg_sim_hdr h = { .magic = CVG_SIM_MAGIC, .version = CVG_SIM_VERSION, .op = op,
                             .len = len };
    struct cvg_sim_req req;

    cvg_err_clear(err);
    return cvg_sim_req_decode(&h, p, &req, err);
}

START_TEST(test_bad_payloads_are_refused)
{
    struct cvg_err err = { 0 };
    uint8_t b[64] = { 0 };

    /* Unknown op, in and beyond the table. */
    ck_assert_int_eq(decode_raw(0, b, 0, &err), -EOPNOTSUPP);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_MAX_PLUS_ONE, b, 0, &err), -EOPNOTSUPP);
    ck_assert_int_eq(decode_raw(0xffff, b, 0, &err), -EOPNOTSUPP);
    ck_assert_ptr_nonnull(strstr(err.msg, "unknown op 65535"));
    /* Fixed sizes are exact. */
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_PAUSE, b, 1, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "pause"));
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_VCPUINFO, b, 3, &err), -EINVAL);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_LOGDIRTY_OP, b, 15, &err), -EINVAL);
    /* Log-dirty op and mode. */
    cvg_put_le32(b, 13);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_LOGDIRTY_OP, b, 16, &err), -EINVAL);
    cvg_put_le32(b, 12);
    cvg_put_le32(b + 4, 2);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_LOGDIRTY_OP, b, 16, &err), -EINVAL);
    cvg_put_le32(b + 4, 0);
    cvg_put_le64(b + 8, CVG_SIM_MAX_PAGES + 1);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_LOGDIRTY_OP, b, 16, &err), -EINVAL);
    /* Map protection. */
    memset(b, 0, sizeof(b));
    cvg_put_le32(b, 2);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_MAP, b, 4, &err), -EINVAL);
    /* pfn lists: count must match the length and stay bounded. */
    cvg_put_le32(b, 2);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_POPULATE, b, 8 + 8, &err), -EINVAL);
    cvg_put_le32(b, CVG_SIM_MAX_PFNS + 1);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_PFN_TYPES, b, 8, &err), -EINVAL);
    cvg_put_le32(b, 0);
    cvg_put_le32(b + 4, 1);     /* reserved */
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_PFN_TYPES, b, 8, &err), -EINVAL);
    cvg_put_le32(b + 4, 0);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_PFN_TYPES, b, 8, &err), 0);
    /* Affinity words. */
    cvg_put_le32(b + 4, 0);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_AFFINITY_SET, b, 8, &err), -EINVAL);
    cvg_put_le32(b + 4, CVG_SIM_MAX_CPUMAP_WORDS + 1);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_AFFINITY_SET, b, 8, &err), -EINVAL);
    cvg_put_le32(b + 4, 2);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_AFFINITY_SET, b, 16, &err), -EINVAL);
    /* HVM param index. */
    cvg_put_le32(b, CVG_SIM_MAX_HVM_PARAMS);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_HVM_PARAM_GET, b, 4, &err), -EINVAL);
    /* Empty domains: sizes, vCPUs, flags, name rule. */
    memset(b, 0, sizeof(b));
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_CREATE_EMPTY, b, 16, &err), -EINVAL);
    cvg_put_le64(b, 256);
    cvg_put_le32(b + 8, 1);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_CREATE_EMPTY, b, 16, &err), 0);
    cvg_put_le32(b + 8, CVG_SIM_MAX_VCPUS + 1);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_CREATE_EMPTY, b, 16, &err), -EINVAL);
    cvg_put_le32(b + 8, 1);
    cvg_put_le32(b + 12, 2);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_CREATE_EMPTY, b, 16, &err), -EINVAL);
    cvg_put_le32(b + 12, 0);
    memcpy(b + 16, "a/b", 3);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_CREATE_EMPTY, b, 19, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "name"));
    memcpy(b + 16, "S\0\0", 3);            /* a NUL inside the name (found by fuzzing) */
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_CREATE_EMPTY, b, 19, &err), -EINVAL);
    /* Scenario: source bounded, no NUL, text non-empty. */
    memset(b, 0, sizeof(b));
    cvg_put_le16(b, 10);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_CREATE_SCENARIO, b, 8, &err), -EINVAL);
    cvg_put_le16(b, 2);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_CREATE_SCENARIO, b, 8, &err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "NUL"));
    memcpy(b + 4, "ab", 2);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_CREATE_SCENARIO, b, 6, &err), -EINVAL);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_CREATE_SCENARIO, b, 7, &err), 0);
    cvg_put_le16(b + 2, 1);
    ck_assert_int_eq(decode_raw(CVG_SIM_OP_CREATE_SCENARIO, b, 7, &err), -EINVAL);
}
END_TEST

START_TEST(test_replies_roundtrip_and_are_checked)
{
    struct cvg_sim_dominfo di = { .domid = 3, .hvm = true, .shutdown = true,
                                  .shutdown_reason = 4, .max_vcpu_id = 7,
                                  .nr_online_vcpus = 8, .p2m_size = 1000, .nr_pages = 900,
                                  .cpu_time_ns = 5 }, di2;
    struct cvg_sim_vcpu_state vs[2] = {
        { .id = 0, .pattern = 0, .rate_mib_s = 800.5, .period_us = 10000, .budget_us = 2500,
          .affinity = 0xf, .share_ppm = 250000, .running = true, .work = 10, .writes = 10,
          .cpu_time_ns = 99 },
        { .id = 1, .pattern = 5, .blocked = true },
    };
    struct cvg_sim_info in = { .domid = 3, .hvm = true, .logdirty = true, .cap = 150,
                               .p2m_size = 1000, .nr_pages = 1000, .seed = 42,
                               .nr_vcpus = 2, .vcpus = vs }, out;
    struct cvg_sim_list_entry le[2] = { { .domid = 1, .nr_vcpus = 2, .paused = true,
                                          .p2m_size = 256, .name = "alpha" },
                                        { .domid = 7, .nr_vcpus = 1, .logdirty = true,
                                          .p2m_size = 512, .name = "b.2" } }, *lo;
    struct cvg_sim_truth_vcpu tv[1] = { { .dirtied = 5, .writes = 9, .work = 9,
                                          .cpu_time_ns = 3 } };
    struct cvg_sim_truth t = { .now_ns = 10, .clean_ns = 4, .dirty_count = 5,
                               .logdirty = true, .nr_vcpus = 1, .vcpus = tv }, t2;
    struct cvg_err err = { 0 };
    struct cvg_sink sink;
    uint8_t b[CVG_SIM_DOMINFO_SIZE];
    uint32_t n;

    strcpy(in.name, "web-1");
    cvg_sim_dominfo_encode(b, &di);
    ck_assert_int_eq(cvg_sim_dominfo_decode(b, sizeof(b), &di2, &err), 0);
    ck_assert(di2.shutdown && !di2.paused && di2.hvm);
    ck_assert_uint_eq(di2.shutdown_reason, 4);
    ck_assert_uint_eq(di2.nr_pages, 900);
    ck_assert_int_eq(cvg_sim_dominfo_decode(b, sizeof(b) - 1, &di2, &err), -EPROTO);
    /* More populated pages than the p2m holds is nonsense. */
    cvg_put_le64(b + 32, 1001);
    ck_assert_int_eq(cvg_sim_dominfo_decode(b, sizeof(b), &di2, &err), -EPROTO);

    cvg_sink_init_mem(&sink);
    ck_assert_int_eq(cvg_sim_info_encode(&sink, &in, &err), 0);
    ck_assert_uint_eq(sink.len, CVG_SIM_INFO_FIXED_SIZE + 2 * CVG_SIM_VCPU_STATE_SIZE);
    ck_assert_int_eq(cvg_sim_info_decode(sink.buf, sink.len, &out, &err), 0);
    ck_assert_str_eq(out.name, "web-1");
    ck_assert(out.logdirty && !out.paused);
    ck_assert_uint_eq(out.cap, 150);
    ck_assert_uint_eq(out.nr_vcpus, 2);
    ck_assert(out.vcpus[0].rate_mib_s == 800.5);
    ck_assert_uint_eq(out.vcpus[0].budget_us, 2500);
    ck_assert_uint_eq(out.vcpus[0].affinity, 0xf);
    ck_assert(out.vcpus[1].blocked && !out.vcpus[1].running);
    cvg_sim_info_release(&out);
    /* A vCPU count the length does not carry. */
    cvg_put_le32(sink.buf + 4, 3);
    ck_assert_int_eq(cvg_sim_info_decode(sink.buf, sink.len, &out, &err), -EPROTO);
    cvg_put_le32(sink.buf + 4, 200);
    ck_assert_int_eq(cvg_sim_info_decode(sink.buf, sink.len, &out, &err), -EPROTO);
    cvg_put_le32(sink.buf + 4, 2);
    /* An unterminated name. */
    memset(sink.buf + 56, 'a', 64);
    ck_assert_int_eq(cvg_sim_info_decode(sink.buf, sink.len, &out, &err), -EPROTO);
    cvg_sink_free(&sink);

    cvg_sink_init_mem(&sink);
    ck_assert_int_eq(cvg_sim_list_encode(&sink, le, 2, &err), 0);
    ck_assert_int_eq(cvg_sim_list_decode(sink.buf, sink.len, &lo, &n, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(lo[1].name, "b.2");
    ck_assert(lo[0].paused && lo[1].logdirty);
    free(lo);
    ck_assert_int_eq(cvg_sim_list_decode(sink.buf, sink.len - 1, &lo, &n, &err), -EPROTO);
    ck_assert_ptr_null(lo);
    cvg_sink_free(&sink);

    cvg_sink_init_mem(&sink);
    ck_assert_int_eq(cvg_sim_truth_encode(&sink, &t, &err), 0);
    ck_assert_int_eq(cvg_sim_truth_decode(sink.buf, sink.len, &t2, &err), 0);
    ck_assert_uint_eq(t2.nr_vcpus, 1);
    ck_assert_uint_eq(t2.vcpus[0].dirtied, 5);
    ck_assert_uint_eq(t2.clean_ns, 4);
    cvg_sim_truth_release(&t2);
    ck_assert_int_eq(cvg_sim_truth_decode(sink.buf, 31, &t2, &err), -EPROTO);
    cvg_sink_free(&sink);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sim_proto");
    TCase *tc = tcase_create("codec");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_header_checks_name_the_field);
    tcase_add_test(tc, test_requests_roundtrip);
    tcase_add_test(tc, test_bad_payloads_are_refused);
    tcase_add_test(tc, test_replies_roundtrip_and_are_checked);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
