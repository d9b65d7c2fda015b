/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: the converge-simd protocol codec.
 *
 * The input is one frame, read twice:
 *  - as a request, the way the daemon reads one from any local client:
 *    header (cvg_sim_hdr_decode), then exactly `len` payload bytes (copied
 *    to a buffer of that size, so any over-read is caught), then
 *    cvg_sim_req_decode.  A request the daemon accepts must re-encode to
 *    exactly the bytes it came from (no slack: reserved fields, sizes and
 *    counts are all checked);
 *  - as a reply, the way the client reads one: header, then every reply
 *    decoder (dominfo, vcpuinfo, list, info, truth) over the payload.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_sim_proto: %s\n", what);
        abort();
    }
}

static uint8_t *payload_copy(const struct cvg_sim_hdr *h, const uint8_t *data, size_t size)
{
    uint8_t *p;

    if (h->len > size - CVG_SIM_HDR_SIZE)
        return NULL;
    p = malloc(h->len ? h->len : 1);
    check(p != NULL, "out of memory");
    memcpy(p, data + CVG_SIM_HDR_SIZE, h->len);
    return p;
}

static void as_request(const uint8_t *data, size_t size)
{
    struct cvg_err err = { 0 };
    struct cvg_sim_hdr h;
    struct cvg_sim_req req;
    struct cvg_sink again;
    uint8_t *p;
    uint64_t sum = 0;

    if (cvg_sim_hdr_decode(data, false, &h, &err)) {
        check(err.code < 0 && err.msg[0], "header refused without a message");
        return;
    }
    if (!(p = payload_copy(&h, data, size)))
        return;
    if (cvg_sim_req_decode(&h, p, &req, &err)) {
        check(err.code < 0 && err.msg[0], "request refused without a message");
        free(p);
        return;
    }
    /* Touch everything the decoder handed out, as the daemon will. */
    switch (req.op) {
    case CVG_SIM_OP_PFN_TYPES:
    case CVG_SIM_OP_POPULATE:
        for (uint32_t i = 0; i < req.u.pfns.n; i++)
            sum += cvg_sim_req_pfn(&req, i);
        break;
    case CVG_SIM_OP_CREATE_SCENARIO:
        for (size_t i = 0; i < req.u.scenario.source_len; i++)
            sum += (uint8_t)req.u.scenario.source[i];
        for (size_t i = 0; i < req.u.scenario.text_len; i++)
            sum += (uint8_t)req.u.scenario.text[i];
        break;
    case CVG_SIM_OP_HVM_CONTEXT_SET:
        for (size_t i = 0; i < req.u.blob.len; i++)
            sum += req.u.blob.buf[i];
        break;
    case CVG_SIM_OP_CREATE_EMPTY:
        check(strlen(req.u.empty.name) <= CVG_SIM_MAX_NAME, "name not terminated");
        break;
    default:
        break;
    }
    (void)sum;

    cvg_sink_init_mem(&again);
    check(cvg_sim_req_encode(&again, &req, h.seq, &err) == 0, "accepted request does not encode");
    check(again.len == CVG_SIM_HDR_SIZE + h.len, "re-encoded length differs");
    check(memcmp(again.buf, data, again.len) == 0, "re-encoded bytes differ");
    cvg_sink_free(&again);
    free(p);
}

static void as_reply(const uint8_t *data, size_t size)
{
    struct cvg_err err = { 0 };
    struct cvg_sim_hdr h;
    struct cvg_sim_dominfo di;
    struct cvg_sim_vcpuinfo vi;
    struct cvg_sim_list_entry *le = NULL;
    struct cvg_sim_info info;
    struct cvg_sim_truth t;
    uint32_t n = 0;
    uint8_t *p;

    if (cvg_sim_hdr_decode(data, true, &h, &err))
        return;
    if (!(p = payload_copy(&h, data, size)))
        return;
    cvg_sim_dominfo_decode(p, h.len, &di, &err);
    cvg_sim_vcpuinfo_decode(p, h.len, &vi, &err);
    if (cvg_sim_list_decode(p, h.len, &le, &n, &err) == 0) {
        for (uint32_t i = 0; i < n; i++)
            check(strlen(le[i].name) <= CVG_SIM_MAX_NAME, "list name not terminated");
        free(le);
    }
    if (cvg_sim_info_decode(p, h.len, &info, &err) == 0) {
        check(info.nr_vcpus <= CVG_SIM_MAX_VCPUS, "info vcpus unbounded");
        for (uint32_t i = 0; i < info.nr_vcpus; i++)
            check(info.vcpus[i].share_ppm <= 1000000, "share out of range");
        cvg_sim_info_release(&info);
    }
    if (cvg_sim_truth_decode(p, h.len, &t, &err) == 0)
        cvg_sim_truth_release(&t);
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < CVG_SIM_HDR_SIZE)
        return 0;
    as_request(data, size);
    as_reply(data, size);
    return 0;
}
