/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: the dirty-limit owner's protocol (lib/owner_proto.h).
 *
 * The input is one frame, read both ways:
 *  - as a request, the way converge-limitd reads one from a local client:
 *    header (bounded body length) then the whole frame, copied to a buffer
 *    of exactly its size so any over-read is caught.  An accepted request
 *    must re-encode to exactly the bytes it came from;
 *  - as a reply, the way libxenconverge reads one from the owner.  An
 *    accepted reply re-encodes and decodes to the same values, and its text
 *    is printable and bounded.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/owner_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_owner_proto: %s\n", what);
        abort();
    }
}

static void as_request(const uint8_t *data, size_t size)
{
    uint8_t again[CVG_OWN_REQ_HDR + CVG_OWN_REQ_BODY_MAX];
    struct cvg_err err = { 0 };
    struct cvg_own_req q;
    uint16_t op;
    uint32_t len;
    uint8_t *copy;
    int n;

    if (size < CVG_OWN_REQ_HDR || cvg_own_req_header(data, &op, &len, &err))
        return;
    check(len <= CVG_OWN_REQ_BODY_MAX, "header let an oversize body through");
    if (size - CVG_OWN_REQ_HDR < len)
        return;
    copy = malloc(CVG_OWN_REQ_HDR + len);
    check(copy != NULL, "out of memory");
    memcpy(copy, data, CVG_OWN_REQ_HDR + len);
    if (!cvg_own_req_decode(copy, CVG_OWN_REQ_HDR + len, &q, &err)) {
        n = cvg_own_req_encode(&q, again, sizeof(again), &err);
        check(n == (int)(CVG_OWN_REQ_HDR + len), "accepted request re-encodes to another size");
        check(!memcmp(again, copy, (size_t)n), "accepted request re-encodes to other bytes");
    } else {
        check(err.msg[0] != '\0', "refused request without a reason");
    }
    free(copy);
}

static void as_reply(const uint8_t *data, size_t size)
{
    struct cvg_own_reply *r = malloc(sizeof(*r)), *back = malloc(sizeof(*back));
    uint8_t *again = malloc(CVG_OWN_REPLY_HDR + CVG_OWN_REPLY_BODY_MAX), *copy;
    struct cvg_err err = { 0 };
    int32_t status;
    uint16_t op;
    uint32_t len;
    int n;

    check(r && back && again, "out of memory");
    if (size < CVG_OWN_REPLY_HDR || cvg_own_reply_header(data, &op, &status, &len, &err) ||
        size - CVG_OWN_REPLY_HDR < len)
        goto out;
    check(len <= CVG_OWN_REPLY_BODY_MAX, "header let an oversize body through");
    copy = malloc(CVG_OWN_REPLY_HDR + len);
    check(copy != NULL, "out of memory");
    memcpy(copy, data, CVG_OWN_REPLY_HDR + len);
    if (!cvg_own_reply_decode(copy, CVG_OWN_REPLY_HDR + len, r, &err)) {
        check(r->n <= CVG_OWN_MAX_VCPUS, "reply with too many vCPUs");
        check(strlen(r->text) <= CVG_OWN_TEXT_MAX, "reply text too long");
        for (const char *t = r->text; *t; t++)
            check(*t >= 0x20 && *t < 0x7f, "unprintable reply text");
        n = cvg_own_reply_encode(r, again, CVG_OWN_REPLY_HDR + CVG_OWN_REPLY_BODY_MAX, &err);
        check(n > 0, "accepted reply does not re-encode");
        check(!cvg_own_reply_decode(again, (size_t)n, back, &err), "re-encoded reply refused");
        check(back->n == r->n && back->status == r->status && back->op == r->op,
              "reply changed in a round trip");
        for (uint32_t i = 0; i < r->n; i++)
            check(back->v[i].vcpu == r->v[i].vcpu && back->v[i].flags == r->v[i].flags,
                  "reply entry changed in a round trip");
    }
    free(copy);
out:
    free(again);
    free(back);
    free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    as_request(data, size);
    as_reply(data, size);
    return 0;
}
