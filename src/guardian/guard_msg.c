/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "common/bytes.h"
#include "guardian/guard_msg.h"

static const char *const msg_names[] = {
    [CVG_GMSG_CAP] = "CAP",
    [CVG_GMSG_BUDGET] = "BUDGET",
    [CVG_GMSG_AFFINITY] = "AFFINITY",
    [CVG_GMSG_LOGDIRTY] = "LOGDIRTY",
    [CVG_GMSG_PAUSE] = "PAUSE",
    [CVG_GMSG_SUSPEND] = "SUSPEND",
    [CVG_GMSG_RELEASE] = "RELEASE",
    [CVG_GMSG_HANDED_OVER] = "HANDED_OVER",
    [CVG_GMSG_BYE] = "BYE",
    [CVG_GMSG_READY] = "READY",
    [CVG_GMSG_RESTORED] = "RESTORED",
};

static const char *const item_names[] = {
    [CVG_GUARD_CAP] = "cap",
    [CVG_GUARD_BUDGET] = "budget",
    [CVG_GUARD_AFFINITY] = "affinity",
    [CVG_GUARD_LOGDIRTY] = "log-dirty",
    [CVG_GUARD_PAUSE] = "pause",
    [CVG_GUARD_SUSPEND] = "suspend",
};

const char *cvg_guard_msg_name(unsigned type)
{
    if (type < sizeof(msg_names) / sizeof(msg_names[0]) && msg_names[type])
        return msg_names[type];
    return "unknown";
}

const char *cvg_guard_item_name(unsigned item)
{
    if (item < sizeof(item_names) / sizeof(item_names[0]) && item_names[item])
        return item_names[item];
    return "unknown";
}

size_t cvg_guard_msg_encode(const struct cvg_guard_msg *m, uint8_t buf[CVG_GUARD_FRAME_MAX])
{
    uint8_t *b = buf + CVG_GUARD_HDR_SIZE;
    size_t n = 0, tl;

    switch (m->type) {
    case CVG_GMSG_CAP:
    case CVG_GMSG_LOGDIRTY:
    case CVG_GMSG_SUSPEND:
        cvg_put_le32(b, m->a);
        n = 4;
        break;
    case CVG_GMSG_BUDGET:
        cvg_put_le32(b, m->vcpu);
        cvg_put_le32(b + 4, m->a);
        cvg_put_le32(b + 8, m->b);
        n = 12;
        break;
    case CVG_GMSG_AFFINITY:
        cvg_put_le32(b, m->vcpu);
        cvg_put_le32(b + 4, m->nwords);
        for (uint32_t i = 0; i < m->nwords && i < CVG_GUARD_MAP_WORDS; i++)
            cvg_put_le64(b + 8 + 8 * i, m->map[i]);
        n = 8 + 8 * (size_t)(m->nwords < CVG_GUARD_MAP_WORDS ? m->nwords : CVG_GUARD_MAP_WORDS);
        break;
    case CVG_GMSG_RELEASE:
        cvg_put_le32(b, m->a);
        cvg_put_le32(b + 4, m->vcpu);
        n = 8;
        break;
    case CVG_GMSG_RESTORED:
        cvg_put_le32(b, m->a);
        cvg_put_le32(b + 4, m->b);
        n = 8;
        break;
    case CVG_GMSG_READY:
        tl = strnlen(m->text, CVG_GUARD_TEXT_MAX);
        cvg_put_le32(b, m->a);
        memcpy(b + 4, m->text, tl);
        n = 4 + tl;
        break;
    case CVG_GMSG_PAUSE:
    case CVG_GMSG_HANDED_OVER:
    case CVG_GMSG_BYE:
        break;
    }
    cvg_put_le16(buf, (uint16_t)m->type);
    cvg_put_le16(buf + 2, (uint16_t)n);
    return CVG_GUARD_HDR_SIZE + n;
}

/* Exact body size of a type; -1 for unknown, -2 for AFFINITY/READY (variable). */
static int body_size(unsigned type)
{
    switch (type) {
    case CVG_GMSG_CAP: case CVG_GMSG_LOGDIRTY: case CVG_GMSG_SUSPEND:
        return 4;
    case CVG_GMSG_BUDGET:
        return 12;
    case CVG_GMSG_RELEASE: case CVG_GMSG_RESTORED:
        return 8;
    case CVG_GMSG_PAUSE: case CVG_GMSG_HANDED_OVER: case CVG_GMSG_BYE:
        return 0;
    case CVG_GMSG_AFFINITY: case CVG_GMSG_READY:
        return -2;
    default:
        return -1;
    }
}

int cvg_guard_msg_decode(const uint8_t *buf, size_t len, uint64_t base,
                         struct cvg_guard_msg *m, size_t *used, struct cvg_err *err)
{
    unsigned type;
    size_t blen;
    const uint8_t *b;
    int want;

    if (len < CVG_GUARD_HDR_SIZE)
        return 1;
    type = cvg_get_le16(buf);
    blen = cvg_get_le16(buf + 2);
    want = body_size(type);
    if (want == -1)
        return cvg_fail(err, -EPROTO, "guardian channel: unknown message type %u at offset %"
                        PRIu64, type, base);
    if ((want >= 0 && blen != (size_t)want) ||
        (type == CVG_GMSG_AFFINITY && (blen < 16 || blen > 8 + 8 * CVG_GUARD_MAP_WORDS ||
                                       blen % 8)) ||
        (type == CVG_GMSG_READY && (blen < 4 || blen > 4 + CVG_GUARD_TEXT_MAX)))
        return cvg_fail(err, -EPROTO, "guardian channel: %s of %zu bytes at offset %" PRIu64,
                        cvg_guard_msg_name(type), blen, base);
    if (len < CVG_GUARD_HDR_SIZE + blen)
        return 1;
    b = buf + CVG_GUARD_HDR_SIZE;
    memset(m, 0, sizeof(*m));
    m->type = (enum cvg_guard_msg_type)type;
    switch (type) {
    case CVG_GMSG_CAP:
        m->a = cvg_get_le32(b);
        break;
    case CVG_GMSG_LOGDIRTY:
    case CVG_GMSG_SUSPEND:
        m->a = cvg_get_le32(b);
        if (m->a > 1)
            return cvg_fail(err, -EPROTO, "guardian channel: %s value %u at offset %" PRIu64
                            " (0 or 1)", cvg_guard_msg_name(type), m->a, base + 4);
        break;
    case CVG_GMSG_BUDGET:
        m->vcpu = cvg_get_le32(b);
        m->a = cvg_get_le32(b + 4);
        m->b = cvg_get_le32(b + 8);
        break;
    case CVG_GMSG_AFFINITY:
        m->vcpu = cvg_get_le32(b);
        m->nwords = cvg_get_le32(b + 4);
        if (m->nwords != (blen - 8) / 8)
            return cvg_fail(err, -EPROTO, "guardian channel: AFFINITY says %u words in %zu "
                            "bytes at offset %" PRIu64, m->nwords, blen, base + 8);
        for (uint32_t i = 0; i < m->nwords; i++)
            m->map[i] = cvg_get_le64(b + 8 + 8 * i);
        break;
    case CVG_GMSG_RELEASE:
        m->a = cvg_get_le32(b);
        m->vcpu = cvg_get_le32(b + 4);
        if (m->a < CVG_GUARD_CAP || m->a > CVG_GUARD_SUSPEND)
            return cvg_fail(err, -EPROTO, "guardian channel: RELEASE of unknown item %u at "
                            "offset %" PRIu64, m->a, base + 4);
        break;
    case CVG_GMSG_RESTORED:
        m->a = cvg_get_le32(b);
        m->b = cvg_get_le32(b + 4);
        break;
    case CVG_GMSG_READY:
        m->a = cvg_get_le32(b);
        for (size_t i = 4; i < blen; i++)
            m->text[i - 4] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '?';
        m->text[blen - 4] = '\0';
        break;
    default:
        break;
    }
    if (m->vcpu >= CVG_GUARD_MAX_VCPUS &&
        (type == CVG_GMSG_BUDGET || type == CVG_GMSG_AFFINITY || type == CVG_GMSG_RELEASE))
        return cvg_fail(err, -EPROTO, "guardian channel: %s of vcpu %u at offset %" PRIu64
                        " (at most %u vcpus)", cvg_guard_msg_name(type), m->vcpu, base,
                        CVG_GUARD_MAX_VCPUS);
    *used = CVG_GUARD_HDR_SIZE + blen;
    return 0;
}
