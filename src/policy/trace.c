/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "policy/trace.h"

/* Appends to buf at *at; *at counts what would have been written. */
static void put(char *buf, size_t size, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t size, size_t *at, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(*at < size ? buf + *at : NULL, *at < size ? size - *at : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        *at += (size_t)n;
}

static uint32_t nr_of(uint32_t n)
{
    return n > CVG_POLICY_MAX_VCPUS ? CVG_POLICY_MAX_VCPUS : n;
}

int cvg_policy_trace_header(char *buf, size_t size, uint32_t nr_vcpus)
{
    size_t at = 0;

    if (size)
        buf[0] = '\0';
    put(buf, size, &at, "t_s,point,pass,peek_pages,pass_dirty_pages,dirty_pages,window_s,"
        "window_pages,bandwidth_mib_s,pass_sent,pass_total,clean_us,decision,refresh,"
        "next_sample_ms,probing,eta_ms");
    for (uint32_t v = 0; v < nr_of(nr_vcpus); v++)
        put(buf, size, &at, ",run_s%u,share%u", v, v);
    put(buf, size, &at, "\n");
    return (int)at;
}

static const char *point_name(enum cvg_point p)
{
    switch (p) {
    case CVG_POINT_PASS_END: return "pass-end";
    case CVG_POINT_SAMPLE: return "sample";
    case CVG_POINT_REFRESH: return "refresh";
    }
    return "unknown";
}

int cvg_policy_trace_line(char *buf, size_t size, const struct cvg_policy_state *pol,
                          const struct cvg_policy_input *in,
                          const struct cvg_policy_output *out)
{
    size_t at = 0;

    if (size)
        buf[0] = '\0';
    put(buf, size, &at, "%.3f,%s,%" PRIu32 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.3f,%.0f,"
        "%.2f,%" PRIu64 ",%" PRIu64 ",%" PRIu32 ",%s,%d,%" PRIu32 ",%d,%" PRId64,
        in->st.now_ms / 1000.0, point_name(in->point), in->st.pass, in->peek_pages,
        in->pass_dirty_pages, in->st.dirty_pages, pol->window_s, pol->window_pages,
        in->st.bandwidth_bps / 1048576.0, in->st.pass_pages_sent, in->st.pass_pages_total,
        in->clean_us, cvg_decision_name(out->decision), out->refresh ? 1 : 0,
        out->next_sample_ms, out->probing ? 1 : 0,
        out->eta_ms == UINT64_MAX ? (int64_t)-1 : (int64_t)out->eta_ms);
    for (uint32_t v = 0; v < nr_of(pol->p.nr_vcpus); v++)
        put(buf, size, &at, ",%.4f,%.4f", pol->run_s[v], out->share[v]);
    put(buf, size, &at, "\n");
    return (int)at;
}
