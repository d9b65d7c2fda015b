/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memwriter: the guest workload of the dom0 checks and the lab.
 *
 * Writes one byte into every 4 KiB page of a buffer, round and round, at a
 * set rate, and prints one line per interval:
 *
 *   MW seq=12 t_ms=12345 pages=2560 gap_ms=3 maxgap_ms=950 bad=0
 *
 *   seq        line number (a reader dedupes lines a console repeats)
 *   t_ms       CLOCK_BOOTTIME in ms: unlike CLOCK_MONOTONIC it goes on
 *              counting while a suspended guest is away, so a migration's
 *              switchover shows up as a gap
 *   pages      pages written since the previous line
 *   gap_ms     longest stretch in this interval between two consecutive
 *              chunks of writes: the time the guest was kept from running
 *   maxgap_ms  the longest since the start
 *   bad        pages found holding the wrong value so far (see below)
 *
 * Each write stores the round number (how often the cursor went round the
 * buffer) and first checks that the page still holds the previous round's:
 * a page a migration failed to carry over, or carried stale, reads back an
 * older round.  The first such pages are named on MW-BAD lines.
 *
 * The downtime of a migration as the guest sees it is the gap_ms of the
 * first line printed after the switchover.  Chunks are sized so that the
 * rate limiter's own sleeps stay near 1 ms and never look like downtime.
 *
 * As PID 1 (the /init of the initramfs `memwriter --initramfs` writes) the
 * settings come from the kernel command line, which hands unknown
 * name=value words to init as environment: mw_mib, mw_rate, mw_interval_ms.
 * PID 1 must never exit (the kernel panics): on error it says why and waits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dom0util.h"

#define PAGE 4096u
#define MAX_MIB 65536u              /* 64 GiB: more is surely a typo */
#define MAX_RATE_MIB_S 1048576u
#define MAX_CATCH_UP_NS 100000000ll /* after a stall, do not burst to catch up */

struct settings {
    uint64_t mib;           /* buffer size */
    uint64_t rate;          /* MiB/s of page writes, 0 = as fast as it can */
    uint64_t interval_ms;   /* one line per interval */
    uint64_t seconds;       /* 0 = forever */
};

static int64_t now_ns(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_BOOTTIME, &ts))
        clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Whole output line in one write(): a console must not interleave halves. */
static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line))
        n = sizeof(line) - 1;
    if (write(STDOUT_FILENO, line, (size_t)n) < 0)
        return;     /* nobody to tell */
}

static int parse_u64(const char *what, const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!s || !*s || *s == '-' || *s == '+')
        goto bad;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        goto bad;
    *out = v;
    return 0;
bad:
    fprintf(stderr, "memwriter: %s: '%s' is not a number in 0..%" PRIu64 "\n",
            what, s ? s : "", max);
    return -1;
}

static int run(const struct settings *s)
{
    uint64_t pages = s->mib * (1024 * 1024 / PAGE);
    uint64_t pages_per_s = s->rate * (1024 * 1024 / PAGE);
    uint64_t chunk, cursor = 0, written = 0, seq = 0, interval_pages = 0, bad = 0;
    unsigned char round = 1;
    int64_t start, last, next_line, end_at, sched_base, gap = 0, maxgap = 0;
    uint64_t sched_pages = 0;
    unsigned char *buf;

    buf = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (buf == MAP_FAILED) {
        emit("MW-ERROR cannot map %" PRIu64 " MiB: %s\n", s->mib, strerror(errno));
        return -1;
    }
    /* About a millisecond of writes per chunk at the set rate. */
    chunk = pages_per_s ? pages_per_s / 1000 : 64;
    if (chunk == 0)
        chunk = 1;
    if (chunk > pages)
        chunk = pages;

    start = last = sched_base = now_ns();
    next_line = start + (int64_t)s->interval_ms * 1000000ll;
    end_at = s->seconds ? start + (int64_t)s->seconds * 1000000000ll : INT64_MAX;
    emit("MW-READY mib=%" PRIu64 " rate_mib_s=%" PRIu64 " interval_ms=%" PRIu64
         " t_ms=%" PRId64 "\n", s->mib, s->rate, s->interval_ms, start / 1000000);
    for (;;) {
        int64_t t;

        for (uint64_t i = 0; i < chunk; i++) {
            unsigned char *b = &buf[cursor * PAGE];

            if (*b != (unsigned char)(round - 1) && bad++ < 8)
                emit("MW-BAD page=%" PRIu64 " holds round %u, expected %u\n",
                     cursor, *b, (unsigned char)(round - 1));
            *b = round;
            if (++cursor == pages) {
                cursor = 0;
                round++;
            }
        }
        written += chunk;
        interval_pages += chunk;
        sched_pages += chunk;

        t = now_ns();
        if (t - last > gap)
            gap = t - last;
        last = t;
        if (t >= next_line) {
            if (gap > maxgap)
                maxgap = gap;
            emit("MW seq=%" PRIu64 " t_ms=%" PRId64 " pages=%" PRIu64 " gap_ms=%" PRId64
                 " maxgap_ms=%" PRId64 " bad=%" PRIu64 "\n", ++seq, t / 1000000,
                 interval_pages, gap / 1000000, maxgap / 1000000, bad);
            interval_pages = 0;
            gap = 0;
            next_line = t + (int64_t)s->interval_ms * 1000000ll;
            last = now_ns();        /* the console write is not the guest stalling */
        }
        if (t >= end_at)
            break;
        if (pages_per_s) {
            int64_t due = sched_base + (int64_t)(sched_pages * 1000000000ull / pages_per_s);

            t = now_ns();
            if (t - due > MAX_CATCH_UP_NS) {
                sched_base = t;     /* fell behind (stalled): resume the rate, no burst */
                sched_pages = 0;
            } else if (due > t) {
                dom0_sleep_ns(due - t);
            }
        }
    }
    munmap(buf, pages * PAGE);
    return 0;
}

/* ---- --initramfs: a newc cpio whose /init is this very program --------- */

static int cpio_pad(int fd, uint64_t off)
{
    static const char zero[4];

    return off % 4 ? dom0_write_all(fd, zero, 4 - off % 4) : 0;
}

/* One newc header and name; *off counts the bytes written so far. */
static int cpio_header(int fd, uint64_t *off, const char *name, unsigned mode,
                       uint64_t size, unsigned rmaj, unsigned rmin, unsigned ino)
{
    char h[128];
    size_t namesize = strlen(name) + 1;

    /* Every field is 8 hex digits; the values are all below 2^32. */
    snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
             ino, mode, 0u, 0u, 1u, 0u, (unsigned)size, 0u, 0u, rmaj, rmin,
             (unsigned)namesize, 0u);
    if (dom0_write_all(fd, h, 110) || dom0_write_all(fd, name, namesize))
        return -1;
    *off += 110 + namesize;
    if (cpio_pad(fd, *off))
        return -1;
    *off += (4 - *off % 4) % 4;
    return 0;
}

static int make_initramfs(const char *path)
{
    int self = -1, out = -1, rc = -1;
    uint64_t off = 0, copied = 0;
    struct stat st;
    char buf[65536];

    self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (self < 0 || fstat(self, &st)) {
        fprintf(stderr, "memwriter: cannot read /proc/self/exe: %s\n", strerror(errno));
        goto out;
    }
    if (st.st_size <= 0 || st.st_size > UINT32_MAX) {
        fprintf(stderr, "memwriter: /proc/self/exe has %lld bytes\n", (long long)st.st_size);
        goto out;
    }
    out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        fprintf(stderr, "memwriter: %s: %s\n", path, strerror(errno));
        goto out;
    }
    /* /dev/console: the kernel opens it for init; kernels whose built-in
     * initramfs lacks it would leave init without a console. */
    if (cpio_header(out, &off, "dev", S_IFDIR | 0755, 0, 0, 0, 1) ||
        cpio_header(out, &off, "dev/console", S_IFCHR | 0600, 0, 5, 1, 2) ||
        cpio_header(out, &off, "init", S_IFREG | 0755, (uint64_t)st.st_size, 0, 0, 3))
        goto werr;
    while (copied < (uint64_t)st.st_size) {
        ssize_t n = read(self, buf, sizeof(buf));

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "memwriter: /proc/self/exe ended after %" PRIu64 " of %lld "
                    "bytes\n", copied, (long long)st.st_size);
            goto out;
        }
        if ((uint64_t)n > (uint64_t)st.st_size - copied)
            n = (ssize_t)((uint64_t)st.st_size - copied);
        if (dom0_write_all(out, buf, (size_t)n))
            goto werr;
        copied += (uint64_t)n;
    }
    off += copied;
    if (cpio_pad(out, off))
        goto werr;
    off += (4 - off % 4) % 4;
    if (cpio_header(out, &off, "TRAILER!!!", 0, 0, 0, 0, 0))
        goto werr;
    if (close(out)) {
        out = -1;
        goto werr;
    }
    out = -1;
    rc = 0;
    goto out;
werr:
    fprintf(stderr, "memwriter: writing %s: %s\n", path, strerror(errno));
out:
    if (self >= 0)
        close(self);
    if (out >= 0)
        close(out);
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: memwriter [--mib N] [--rate MIB_S] [--interval-ms N] [--seconds N]\n"
        "       memwriter --initramfs FILE\n"
        "Writes one byte into each 4 KiB page of an N MiB buffer at MIB_S MiB/s\n"
        "(0: as fast as it can) and prints a line per interval with the longest\n"
        "time it was kept from running (gap_ms).  As /init of the initramfs that\n"
        "--initramfs writes, it reads mw_mib, mw_rate and mw_interval_ms from the\n"
        "kernel command line.\n");
}

int main(int argc, char **argv)
{
    struct settings s = { .mib = 64, .rate = 0, .interval_ms = 200, .seconds = 0 };
    bool init = getpid() == 1;
    int i;

    if (init) {
        /* The kernel's leftovers of the command line, as environment. */
        if ((getenv("mw_mib") && parse_u64("mw_mib", getenv("mw_mib"), MAX_MIB, &s.mib)) ||
            (getenv("mw_rate") &&
             parse_u64("mw_rate", getenv("mw_rate"), MAX_RATE_MIB_S, &s.rate)) ||
            (getenv("mw_interval_ms") &&
             parse_u64("mw_interval_ms", getenv("mw_interval_ms"), 60000, &s.interval_ms)))
            goto idle;
    }
    for (i = 1; i < argc && !init; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(a, "--initramfs") && v)
            return make_initramfs(v) ? 1 : 0;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!v) {
            usage(stderr);
            return 2;
        }
        if (!strcmp(a, "--mib")) {
            if (parse_u64("--mib", v, MAX_MIB, &s.mib))
                return 2;
        } else if (!strcmp(a, "--rate")) {
            if (parse_u64("--rate", v, MAX_RATE_MIB_S, &s.rate))
                return 2;
        } else if (!strcmp(a, "--interval-ms")) {
            if (parse_u64("--interval-ms", v, 60000, &s.interval_ms))
                return 2;
        } else if (!strcmp(a, "--seconds")) {
            if (parse_u64("--seconds", v, UINT32_MAX, &s.seconds))
                return 2;
        } else {
            usage(stderr);
            return 2;
        }
        i++;
    }
    if (s.mib == 0 || s.interval_ms == 0) {
        fprintf(stderr, "memwriter: the buffer and the interval must not be 0\n");
        if (!init)
            return 2;
        goto idle;
    }
    if (run(&s) == 0 && !init)
        return 0;
    if (!init)
        return 1;
idle:
    emit("MW-ERROR memwriter stopped; init idles\n");
    for (;;)
        pause();
}
