/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fault-inject: migrations on the simulator with a fault in each, and the
 * promises of doc/reliability.md checked after every one (fcase.h).
 *
 *   fault-inject --helper PATH [--ci | --soak N] [--seed S] [--min N]
 *                [--part I/N] [--only KIND] [-v]
 *
 * --ci (the default) runs a fixed plan: the transport closed at every
 * record boundary of a reference migration (and inside the headers), and
 * closed only towards the destination at each of them; cuts at random
 * byte offsets inside PAGE_DATA records; bit flips in PAGE_DATA structure
 * and in record headers; SIGTERM and SIGKILL to each helper in the first
 * pass, a later pass and stop-and-copy; destinations that refuse (no such
 * domain, too small, libxl refusing, the helper exiting at once) or stall;
 * xl killed together with its helper; and garbage, flipped bits, a cut or
 * silence on the back channel.  --soak N runs N faults drawn
 * at random from all of these (seed printed, --seed replays).  --part I/N
 * runs every Nth case of the plan, from the Ith: CI splits the plan over
 * parallel tests.
 *
 * $XENCONVERGE_SIM must name a running converge-simd that nothing else
 * uses (the harness checks that no domain is left behind).  Prints one
 * line per failed case and a summary by kind; exits 0 only when every
 * case passed and at least --min faults were injected.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "fcase.h"
#include "hv/sim_client.h"

#define GUEST_MIB 8u
#define GUEST_VCPUS 2u

static const char scenario[] =
    "name = \"fault\"\n"
    "memory = 8\n"
    "vcpus = 2\n"
    "bandwidth = 32\n"
    "downtime_limit = 5\n"
    "max_time = 30\n"
    "workload = [ \"vcpus=0,pattern=hotcold,hot=10,hot_share=90,rate=64\",\n"
    "             \"vcpus=1,pattern=idle\" ]\n";

struct tally {
    unsigned injected, passed, failed, not_reached;
    uint64_t max_restore_ms;
};

struct plan {
    struct fault_spec *v;
    size_t n, cap;
};

static uint64_t rng_state;

static uint32_t rnd(void)
{
    /* xorshift64*: reproducible from --seed */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static void add(struct plan *p, struct fault_spec f)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 64;
        p->v = realloc(p->v, p->cap * sizeof(*p->v));
        if (!p->v) {
            fprintf(stderr, "fault-inject: out of memory\n");
            exit(2);
        }
    }
    p->v[p->n++] = f;
}

static void add_phased(struct plan *p, enum fault_kind k, enum fault_phase ph, unsigned times,
                       uint32_t first_pass_pd)
{
    for (unsigned i = 0; i < times; i++)
        add(p, (struct fault_spec){ .kind = k, .phase = ph,
                                    .index = first_pass_pd ? rnd() % first_pass_pd : 0,
                                    .offset = rnd() });
}

/* The CI plan, shaped by the reference run's stream. */
static void ci_plan(struct plan *p, uint32_t records, uint32_t page_data, uint32_t pass0_pd)
{
    static const enum fault_kind sig[] = { FK_SAVE_KILL, FK_SAVE_TERM };
    static const enum fault_kind rsig[] = { FK_RESTORE_KILL, FK_RESTORE_TERM };
    static const enum fault_kind dest[] = { FK_DEST_NO_DOMAIN, FK_DEST_TOO_SMALL,
                                            FK_DEST_SDD_REFUSED, FK_DEST_EXITS };

    for (int64_t k = -3; k < (int64_t)records; k++) {
        add(p, (struct fault_spec){ .kind = FK_CUT_RECORD, .index = k });
        add(p, (struct fault_spec){ .kind = FK_EOF_RECORD, .index = k });
    }
    for (unsigned i = 0; i < 60; i++)
        add(p, (struct fault_spec){ .kind = FK_CUT_BYTES, .index = i % page_data,
                                    .offset = rnd() });
    for (unsigned i = 0; i < 50; i++)
        add(p, (struct fault_spec){ .kind = FK_FLIP, .index = i % page_data, .rnd = rnd() });
    for (unsigned i = 0; i < 20; i++)
        add(p, (struct fault_spec){ .kind = FK_FLIP_HEADER, .index = i % records, .rnd = rnd() });
    for (unsigned s = 0; s < 2; s++) {
        add_phased(p, sig[s], PH_FIRST, 3, pass0_pd);
        add_phased(p, sig[s], PH_LATER, 3, 0);
        add_phased(p, sig[s], PH_STOP, 3, 0);
        add_phased(p, sig[s], PH_STOP_SENDING, 3, 0);
        add_phased(p, rsig[s], PH_FIRST, 3, pass0_pd);
        add_phased(p, rsig[s], PH_LATER, 3, 0);
        add_phased(p, rsig[s], PH_STOP, 2, 0);
        add_phased(p, rsig[s], PH_STOP_SENDING, 3, 0);
    }
    for (unsigned d = 0; d < 4; d++)
        for (unsigned i = 0; i < 3; i++)
            add(p, (struct fault_spec){ .kind = dest[d] });
    add_phased(p, FK_STALL, PH_FIRST, 2, pass0_pd);
    add_phased(p, FK_STALL, PH_LATER, 1, 0);
    add_phased(p, FK_STALL, PH_STOP_SENDING, 2, 0);
    add_phased(p, FK_LIBXL_DIES, PH_FIRST, 2, pass0_pd);
    add_phased(p, FK_LIBXL_DIES, PH_LATER, 1, 0);
    add_phased(p, FK_LIBXL_DIES, PH_STOP, 2, 0);
    add_phased(p, FK_LIBXL_DIES, PH_STOP_SENDING, 1, 0);
    /* The back channel carries a few dozen bytes: HELLO_ACK, SWITCHOVER_ACK, BYE. */
    for (unsigned i = 0; i < 8; i++) {
        add(p, (struct fault_spec){ .kind = FK_BC_GARBAGE, .offset = rnd() % 96, .rnd = rnd() });
        add(p, (struct fault_spec){ .kind = FK_BC_FLIP, .offset = rnd() % 96, .rnd = rnd() });
    }
    for (unsigned i = 0; i < 6; i++)
        add(p, (struct fault_spec){ .kind = FK_BC_CUT, .offset = rnd() % 96 });
    for (unsigned i = 0; i < 3; i++)
        add(p, (struct fault_spec){ .kind = FK_BC_STALL, .offset = i * 24 });
}

static void soak_plan(struct plan *p, unsigned n, uint32_t records, uint32_t page_data,
                      uint32_t pass0_pd)
{
    for (unsigned i = 0; i < n; i++) {
        enum fault_kind k = (enum fault_kind)(1 + rnd() % (FK__COUNT - 1));
        struct fault_spec f = { .kind = k, .rnd = rnd(), .offset = rnd() };

        switch (k) {
        case FK_CUT_RECORD: case FK_EOF_RECORD: case FK_FLIP_HEADER:
            f.index = (int64_t)(rnd() % (records + (k == FK_FLIP_HEADER ? 0 : 3))) -
                      (k == FK_FLIP_HEADER ? 0 : 3);
            break;
        case FK_CUT_BYTES: case FK_FLIP:
            f.index = rnd() % page_data;
            break;
        case FK_STALL:
            f.phase = (enum fault_phase[]){ PH_FIRST, PH_LATER, PH_STOP_SENDING }[rnd() % 3];
            f.index = rnd() % pass0_pd;
            break;
        case FK_BC_GARBAGE: case FK_BC_FLIP: case FK_BC_CUT: case FK_BC_STALL:
            f.offset = rnd() % 96;
            break;
        case FK_SAVE_KILL: case FK_SAVE_TERM: case FK_RESTORE_KILL: case FK_RESTORE_TERM:
        case FK_LIBXL_DIES:
            f.phase = (enum fault_phase)(rnd() % PH__COUNT);
            f.index = rnd() % pass0_pd;
            break;
        default:
            break;
        }
        add(p, f);
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: fault-inject --helper PATH [--ci | --soak N] [--seed S] [--min N] "
            "[--part I/N] [--only KIND] [-v]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *helper = NULL, *only = NULL;
    unsigned soak = 0, min_faults = 0, part = 1, parts = 1;
    bool verbose = false;
    uint64_t seed = 0x5eed;
    struct plan plan = { 0 };
    struct tally t[FK__COUNT] = { { 0 } }, all = { 0 };
    struct case_env env = { .scenario = scenario, .vcpus = GUEST_VCPUS,
                            .pages = GUEST_MIB * 256u };
    struct case_result ref;
    struct cvg_err err = { 0 };
    char statusdir[] = "/tmp/cvg-fault-XXXXXX";
    uint64_t t0;
    uint32_t pass0_pd;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--helper") && i + 1 < argc)
            helper = argv[++i];
        else if (!strcmp(argv[i], "--soak") && i + 1 < argc)
            soak = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--min") && i + 1 < argc)
            min_faults = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--part") && i + 1 < argc) {
            if (sscanf(argv[++i], "%u/%u", &part, &parts) != 2 || !parts || !part ||
                part > parts)
                return usage();
        } else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--ci"))
            soak = 0;
        else if (!strcmp(argv[i], "-v"))
            verbose = true;
        else
            return usage();
    }
    if (!helper)
        return usage();
    if (soak && seed == 0x5eed)
        seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    rng_state = seed ? seed : 1;
    env.helper = helper;
    env.verbose = verbose;
    /* Orphans (helpers whose libxl died, guardians) come to us: we reap
     * them and see that none lingers. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (!mkdtemp(statusdir)) {
        perror("fault-inject: mkdtemp");
        return 2;
    }
    /*
     * What libxl's caller passes to both helpers.  The guest writes its hot
     * set twice as fast as the link sends: it never fits 5 ms of downtime,
     * so every migration makes exactly five live passes and then switches
     * over (max_passes, on_timeout): a stream of the same shape each time,
     * whose record boundaries the plan can name.
     */
    setenv("XENCONVERGE_STATUS_DIR", statusdir, 1);
    setenv("XENCONVERGE_BANDWIDTH_MIB_S", "32", 1);
    setenv("XENCONVERGE_DOWNTIME_LIMIT_MS", "5", 1);
    setenv("XENCONVERGE_MAX_TIME_S", "30", 1);
    setenv("XENCONVERGE_MAX_PASSES", "5", 1);
    setenv("XENCONVERGE_ON_TIMEOUT", "switchover", 1);
    setenv("XENCONVERGE_POLICY", "converge", 1);
    /* Only the back-channel kinds have one: bounded waits for its acks. */
    setenv("XENCONVERGE_HELLO_TIMEOUT_MS", "1500", 1);
    setenv("XENCONVERGE_ACK_TIMEOUT_MS", "1500", 1);
    if (cvg_hv_open(&env.hv, &err) || !cvg_hv_is_sim(env.hv)) {
        fprintf(stderr, "fault-inject: $XENCONVERGE_SIM must name a running converge-simd%s%s\n",
                err.msg[0] ? ": " : "", err.msg);
        if (env.hv)
            cvg_hv_close(env.hv);
        rmdir(statusdir);
        return 2;
    }

    /* The reference: a clean migration, and the shape of its stream. */
    t0 = (uint64_t)time(NULL);
    fault_case_run(&env, &(struct fault_spec){ .kind = FK_NONE }, &ref);
    if (!ref.passed || ref.page_data < 2) {
        fprintf(stderr, "fault-inject: the reference migration failed: %s (%u records, %u "
                "PAGE_DATA)\n", ref.failure, ref.records, ref.page_data);
        cvg_hv_close(env.hv);
        rmdir(statusdir);
        return 1;
    }
    /* 2048 pages in batches of 1024: the first pass is the first PAGE_DATAs. */
    pass0_pd = (GUEST_MIB * 256u + 1023) / 1024;
    printf("fault-inject: reference migration %" PRIu64 " ms, %u records, %u PAGE_DATA; "
           "seed %#" PRIx64 "\n", ref.ms, ref.records, ref.page_data, seed);
    if (soak)
        soak_plan(&plan, soak, ref.records, ref.page_data, pass0_pd);
    else
        ci_plan(&plan, ref.records, ref.page_data, pass0_pd);

    for (size_t i = 0; i < plan.n; i++) {
        const struct fault_spec *f = &plan.v[i];
        struct case_result r;
        struct tally *k = &t[f->kind];

        if ((only && strcmp(only, fault_kind_name(f->kind))) || i % parts != part - 1)
            continue;
        fault_case_run(&env, f, &r);
        if (!r.injected && r.passed) {
            k->not_reached++;
            all.not_reached++;
            if (verbose)
                printf("  [%zu] %-60s not reached (%s)\n", i, r.desc, r.outcome);
            continue;
        }
        k->injected++;
        all.injected++;
        if (r.passed) {
            k->passed++;
            all.passed++;
        } else {
            k->failed++;
            all.failed++;
        }
        if (r.restore_ms > k->max_restore_ms)
            k->max_restore_ms = r.restore_ms;
        if (r.restore_ms > all.max_restore_ms)
            all.max_restore_ms = r.restore_ms;
        if (!r.passed)
            printf("FAIL [%zu] %s: %s\n", i, r.desc, r.failure);
        else if (verbose)
            printf("  [%zu] %-60s ok in %" PRIu64 " ms, source back in %" PRIu64 " ms: %s\n",
                   i, r.desc, r.ms, r.restore_ms, r.outcome);
        fflush(stdout);
    }

    printf("\n%-24s %8s %7s %7s %12s %18s\n", "fault", "injected", "passed", "failed",
           "not reached", "source back (max)");
    for (unsigned k = 1; k < FK__COUNT; k++)
        if (t[k].injected || t[k].not_reached)
            printf("%-24s %8u %7u %7u %12u %15" PRIu64 " ms\n", fault_kind_name(k),
                   t[k].injected, t[k].passed, t[k].failed, t[k].not_reached,
                   t[k].max_restore_ms);
    printf("%-24s %8u %7u %7u %12u %15" PRIu64 " ms\n", "total", all.injected, all.passed,
           all.failed, all.not_reached, all.max_restore_ms);
    printf("fault-inject: %u faults injected in %" PRIu64 " s, %u passed, %u failed "
           "(seed %#" PRIx64 ")\n", all.injected, (uint64_t)time(NULL) - t0, all.passed,
           all.failed, seed);
    cvg_hv_close(env.hv);
    rmdir(statusdir);
    free(plan.v);
    if (all.injected < min_faults) {
        printf("fault-inject: fewer than the %u faults required\n", min_faults);
        return 1;
    }
    return all.failed ? 1 : 0;
}
