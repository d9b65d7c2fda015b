/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/bytes.h"
#include "proxy.h"
#include "wire/xc_stream.h"

#define PX_POLL_MS 20
#define PX_MAX_COUNT 8192u      /* a PAGE_DATA we can hold whole (ours: 1024) */

enum px_state { ST_IHDR, ST_DHDR, ST_RHDR, ST_PDHDR, ST_PFNS, ST_BODY };

struct px {
    struct proxy *p;
    enum px_state st;
    uint8_t *unit;              /* the structural bytes of the current unit */
    size_t unit_len, unit_need;
    uint64_t unit_start;        /* stream offset of unit[0] */
    uint64_t body_left;         /* ST_BODY */
    uint32_t type, length, count;
    uint64_t in_off;            /* bytes parsed */
    uint64_t out_off;           /* bytes passed on (forwarded or dropped) */
    bool have_target;
    uint64_t target;
    bool dropping;              /* PX_EOF_DEST happened */
    bool gone;                  /* the transport is down */
};

static bool stopping(struct px *x)
{
    return __atomic_load_n(&x->p->stop, __ATOMIC_ACQUIRE);
}

static void close_in(struct px *x)
{
    if (x->p->in >= 0) {
        shutdown(x->p->in, SHUT_RDWR);
        close(x->p->in);
        x->p->in = -1;
    }
}

static void close_out(struct px *x)
{
    if (x->p->out >= 0) {
        shutdown(x->p->out, SHUT_RDWR);
        close(x->p->out);
        x->p->out = -1;
    }
}

/* Writes everything or notes the transport down (the peer went away). */
static bool write_all(struct px *x, const uint8_t *d, size_t n)
{
    while (n) {
        struct pollfd pfd = { .fd = x->p->out, .events = POLLOUT };
        ssize_t w;

        if (stopping(x))
            return false;
        if (poll(&pfd, 1, PX_POLL_MS) <= 0)
            continue;
        w = send(x->p->out, d, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (w <= 0)
            return false;
        d += w;
        n -= (size_t)w;
        x->out_off += (uint64_t)w;
        __atomic_store_n(&x->p->forwarded, x->out_off, __ATOMIC_RELEASE);
    }
    return true;
}

static void fire(struct px *x)
{
    struct proxy *p = x->p;

    p->fired_at = x->out_off;
    __atomic_store_n(&p->fired, true, __ATOMIC_RELEASE);
    switch (p->f.action) {
    case PX_CUT:
        close_in(x);
        close_out(x);
        x->gone = true;
        break;
    case PX_EOF_DEST:
        close_out(x);
        x->dropping = true;
        break;
    case PX_STALL:
        __atomic_store_n(&p->stalled, true, __ATOMIC_RELEASE);
        while (!stopping(x)) {
            struct timespec ts = { 0, PX_POLL_MS * 1000000L };

            nanosleep(&ts, NULL);
        }
        x->gone = true;
        break;
    case PX_CALLBACK:
        if (p->fire)
            p->fire(p->opaque);
        break;
    default:
        break;
    }
}

/* Raw mode: the flipped byte (in place of `next`) or the garbage. */
static void raw_damage(struct px *x, uint8_t next)
{
    struct proxy *p = x->p;
    uint8_t junk[64];
    uint32_t r = p->f.rnd;
    size_t n;

    p->fired_at = x->out_off;
    __atomic_store_n(&p->fired, true, __ATOMIC_RELEASE);
    if (p->f.action == PX_FLIP) {
        junk[0] = next ^ (uint8_t)(1u << (r % 8));
        n = 1;
        snprintf(p->what, sizeof(p->what), "bit %u of byte %" PRIu64, r % 8, x->out_off);
    } else {
        n = 1 + r % sizeof(junk);
        for (size_t i = 0; i < n; i++) {
            r = r * 1103515245u + 12345u;
            junk[i] = (uint8_t)(r >> 16);
        }
        snprintf(p->what, sizeof(p->what), "%zu bytes of garbage at byte %" PRIu64, n,
                 x->out_off);
    }
    if (!x->dropping && !write_all(x, junk, n))
        x->gone = true;
}

/* Passes n stream bytes on, acting on the fault where it falls. */
static void pass_on(struct px *x, const uint8_t *d, size_t n)
{
    while (n && !x->gone) {
        if (x->have_target && x->target < x->out_off + n) {
            size_t k = (size_t)(x->target - x->out_off);

            if (k && !x->dropping && !write_all(x, d, k)) {
                x->gone = true;
                return;
            }
            if (x->dropping)
                x->out_off += k;
            d += k;
            n -= k;
            x->have_target = false;
            if (x->p->raw && (x->p->f.action == PX_FLIP || x->p->f.action == PX_GARBAGE)) {
                raw_damage(x, n ? d[0] : 0);
                if (x->p->f.action == PX_FLIP && n) {
                    d++;
                    n--;
                }
                continue;
            }
            fire(x);
            continue;
        }
        if (x->dropping) {
            x->out_off += n;
            return;
        }
        if (!write_all(x, d, n))
            x->gone = true;
        return;
    }
}

static void set_target(struct px *x, uint64_t off)
{
    if (!__atomic_load_n(&x->p->fired, __ATOMIC_ACQUIRE) && !x->have_target &&
        (x->p->f.action != PX_FLIP || x->p->raw)) {
        x->have_target = true;
        x->target = off;
    }
}

/* The flip: a structural byte of the unit, never bit 31 of the type. */
static void flip(struct px *x, bool page_data)
{
    struct proxy *p = x->p;
    uint32_t r = p->f.rnd, nbytes, pos, bit;

    /* header 8, count+reserved 8, then 4 upper bytes per pfn word */
    nbytes = page_data ? 16 + 4 * x->count : 8;
    pos = r % nbytes;
    bit = (r / nbytes) % 8;
    if (pos >= 16)
        pos = 16 + 8 * ((pos - 16) / 4) + 4 + (pos - 16) % 4;
    if (pos == 3 && bit == 7)
        bit = 6;
    x->unit[pos] ^= (uint8_t)(1u << bit);
    p->fired_at = x->unit_start + pos;
    snprintf(p->what, sizeof(p->what), "bit %u of byte %u of %s (stream offset %" PRIu64 ")",
             bit, pos, page_data ? "a PAGE_DATA record" : "a record header", p->fired_at);
    __atomic_store_n(&p->fired, true, __ATOMIC_RELEASE);
}

/* A structural unit is complete: resolve the fault against it, pass it on. */
static void unit_done(struct px *x)
{
    struct proxy *p = x->p;
    const struct proxy_fault *f = &p->f;
    bool record = x->st == ST_RHDR || x->st == ST_PFNS;
    bool is_pd = x->st == ST_PFNS;

    if (record) {
        uint32_t idx = p->records++;

        if (f->where == PW_RECORD && (int64_t)idx == f->index) {
            if (f->action == PX_FLIP)
                flip(x, false);         /* the record header only */
            else
                set_target(x, x->unit_start);
        }
        if (f->where == PW_ARMED && __atomic_load_n(&p->armed, __ATOMIC_ACQUIRE))
            set_target(x, x->unit_start);
    }
    if (is_pd) {
        uint32_t j = p->page_data++;

        if (f->where == PW_PAGE_DATA && (int64_t)j == f->index) {
            uint64_t size = XCS_RHDR_SIZE + x->length + cvg_pad8(x->length);

            if (f->action == PX_FLIP)
                flip(x, true);
            else
                set_target(x, x->unit_start + f->offset % size);
        }
    }
    pass_on(x, x->unit, x->unit_len);
    if (record && x->type == XCS_REC_END && !x->gone && !x->dropping)
        __atomic_store_n(&p->end_forwarded, true, __ATOMIC_RELEASE);
}

static void start_unit(struct px *x, enum px_state st, size_t need)
{
    x->st = st;
    x->unit_start = x->in_off;
    x->unit_len = 0;
    x->unit_need = need;
}

/* Feeds n bytes from the source through the parser. */
static void feed(struct px *x, const uint8_t *d, size_t n)
{
    while (n && !x->gone) {
        size_t k;

        if (x->st == ST_BODY) {
            k = x->body_left < n ? (size_t)x->body_left : n;
            pass_on(x, d, k);
            x->in_off += k;
            x->body_left -= k;
            d += k;
            n -= k;
            if (!x->body_left)
                start_unit(x, ST_RHDR, XCS_RHDR_SIZE);
            continue;
        }
        k = x->unit_need - x->unit_len < n ? x->unit_need - x->unit_len : n;
        memcpy(x->unit + x->unit_len, d, k);
        x->unit_len += k;
        x->in_off += k;
        d += k;
        n -= k;
        if (x->unit_len < x->unit_need)
            continue;
        switch (x->st) {
        case ST_IHDR:
            /* Checks the offset faults inside the headers too. */
            if (x->p->f.where == PW_OFFSET)
                set_target(x, x->p->f.offset);
            pass_on(x, x->unit, x->unit_len);
            start_unit(x, ST_DHDR, XCS_DHDR_SIZE);
            break;
        case ST_DHDR:
            pass_on(x, x->unit, x->unit_len);
            start_unit(x, ST_RHDR, XCS_RHDR_SIZE);
            break;
        case ST_RHDR:
            x->type = cvg_get_le32(x->unit);
            x->length = cvg_get_le32(x->unit + 4);
            if (x->type == XCS_REC_PAGE_DATA && x->length >= 8) {
                x->st = ST_PDHDR;
                x->unit_need += 8;
                break;
            }
            unit_done(x);
            x->st = ST_BODY;
            x->body_left = x->length + cvg_pad8(x->length);
            if (!x->body_left)
                start_unit(x, ST_RHDR, XCS_RHDR_SIZE);
            break;
        case ST_PDHDR:
            x->count = cvg_get_le32(x->unit + 8);
            if (x->count <= PX_MAX_COUNT && 8 + 8ull * x->count <= x->length) {
                x->st = ST_PFNS;
                x->unit_need += 8 * (size_t)x->count;
                if (x->count)
                    break;
            }
            /* no pfns to hold */
            __attribute__((fallthrough));
        case ST_PFNS:
            x->st = ST_PFNS;
            unit_done(x);
            x->st = ST_BODY;
            x->body_left = x->length + cvg_pad8(x->length) - (x->unit_len - XCS_RHDR_SIZE);
            if (!x->body_left)
                start_unit(x, ST_RHDR, XCS_RHDR_SIZE);
            break;
        case ST_BODY:
            break;
        }
    }
}

static void *run(void *arg)
{
    struct proxy *p = arg;
    struct px x = { .p = p };
    uint8_t *buf = malloc(65536);

    x.unit = malloc(16 + 8 * (size_t)PX_MAX_COUNT);
    if (!buf || !x.unit)
        goto out;
    start_unit(&x, ST_IHDR, XCS_IHDR_SIZE);
    if (p->raw && p->f.where == PW_OFFSET && p->f.action != PX_NONE)
        set_target(&x, p->f.offset);
    while (!x.gone && !stopping(&x)) {
        struct pollfd pfd = { .fd = p->in, .events = POLLIN };
        ssize_t r;

        if (poll(&pfd, 1, PX_POLL_MS) <= 0)
            continue;
        r = recv(p->in, buf, 65536, MSG_DONTWAIT);
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (r <= 0) {
            /* The source closed: so does the connection's far end. */
            if (p->out >= 0)
                shutdown(p->out, SHUT_WR);
            break;
        }
        p->bytes_in += (uint64_t)r;
        if (p->raw) {
            x.in_off += (uint64_t)r;
            pass_on(&x, buf, (size_t)r);
        } else {
            feed(&x, buf, (size_t)r);
        }
    }
    /* A reset on one side reaches the other, as on a real connection. */
    if (x.gone) {
        close_in(&x);
        close_out(&x);
    }
    while (!stopping(&x)) {
        struct timespec ts = { 0, PX_POLL_MS * 1000000L };

        nanosleep(&ts, NULL);
    }
out:
    close_in(&x);
    close_out(&x);
    free(buf);
    free(x.unit);
    __atomic_store_n(&p->done, true, __ATOMIC_RELEASE);
    return NULL;
}

int proxy_start(struct proxy *p, int in, int out, const struct proxy_fault *f,
                void (*fire_fn)(void *), void *opaque)
{
    memset(p, 0, sizeof(*p));
    p->in = in;
    p->out = out;
    p->f = *f;
    p->fire = fire_fn;
    p->opaque = opaque;
    if (pthread_create(&p->thread, NULL, run, p))
        return -EAGAIN;
    p->started = true;
    return 0;
}

int proxy_start_raw(struct proxy *p, int in, int out, const struct proxy_fault *f)
{
    memset(p, 0, sizeof(*p));
    p->in = in;
    p->out = out;
    p->f = *f;
    p->raw = true;
    if (pthread_create(&p->thread, NULL, run, p))
        return -EAGAIN;
    p->started = true;
    return 0;
}

void proxy_arm(struct proxy *p)
{
    __atomic_store_n(&p->armed, true, __ATOMIC_RELEASE);
}

void proxy_stop(struct proxy *p)
{
    if (!p->started)
        return;
    __atomic_store_n(&p->stop, true, __ATOMIC_RELEASE);
    pthread_join(p->thread, NULL);
    p->started = false;
}
