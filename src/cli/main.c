/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xl-converge: one front for every tool of the project, shaped like xl. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cmds.h"

const struct cvg_cmd cvg_cmds[] = {
    { "help", cvg_cmd_help, "[COMMAND]", "Print this list, or one command's usage" },
    { "stream-dump", cvg_cmd_stream_dump, "[--verbose] FILE|-",
      "Decode a saved image or migration stream and list its records" },
    { "sim", cvg_cmd_sim, "create|list|info|destroy|pause|unpause [ARGS]",
      "Manage the domains of the simulated hypervisor (converge-simd)" },
    { "sim-migrate", cvg_cmd_sim_migrate, "SCENARIO [--policy P] [--json REPORT] [-v]",
      "Migrate a simulated guest through the real helpers and a real socket" },
    { "demo", cvg_cmd_demo, "",
      "Show a busy guest migrating under the stock rule and under ours" },
    { "config", cvg_cmd_config, "[-C FILE]",
      "Show the settings converge-helper would use here, and where they come from" },
    { "bench", cvg_cmd_bench, "SCENARIO [--policy P] [--json REPORT] [--timeline CSV]",
      "Run a scenario in virtual time: any guest size, deterministic for a seed" },
    { "migrate", cvg_cmd_migrate, "[-C config] [-s sshcommand] [-e] [-p] [-D] [--debug] "
      "[--converge] [--downtime MS] [--bandwidth MiB/s] [--max-time S] "
      "[--on-timeout abort|switchover] domain host",
      "Migrate a domain as xl migrate does; --converge adds the switchover-ack" },
    { "migrate-receive", cvg_cmd_migrate_receive, "[-e] [-d] [-p] [--scenario FILE] "
      "[--ignore-hello]",
      "The receiving end of migrate on the simulator (stdin/stdout)" },
    { "dirty-rate", cvg_cmd_dirty_rate, "DOMAIN [--period MS] [--json] [--no-probe]",
      "Measure a domain's dirty rate, per vCPU (QEMU's calc-dirty-rate)" },
    { "dirty-limit", cvg_cmd_dirty_limit, "DOMAIN --vcpu N|all --rate MIB_S | --cancel "
      "[--vcpu N|all] | --list [--json]",
      "Limit how fast a vCPU dirties memory, until cancelled (set-vcpu-dirty-limit)" },
    { "migrate-info", cvg_cmd_migrate_info, "DOMAIN [--json] [--watch] [--interval MS] "
      "[--count N]",
      "Show the live statistics of a domain's migration (QEMU's info migrate)" },
    { NULL, NULL, NULL, NULL },
};

static const struct cvg_cmd *find_cmd(const char *name)
{
    for (const struct cvg_cmd *c = cvg_cmds; c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

int cvg_cmd_help(int argc, char **argv)
{
    if (argc > 1) {
        const struct cvg_cmd *c = find_cmd(argv[1]);

        if (!c) {
            fprintf(stderr, "xl-converge: unknown command '%s'\n", argv[1]);
            return 2;
        }
        printf("Usage: xl-converge %s %s\n\n%s.\n", c->name, c->usage, c->summary);
        return 0;
    }
    printf("Usage: xl-converge <subcommand> [args]\n\n");
    for (const struct cvg_cmd *c = cvg_cmds; c->name; c++)
        printf(" %-16s %s\n", c->name, c->summary);
    return 0;
}

int main(int argc, char **argv)
{
    const struct cvg_cmd *c;

    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
        return cvg_cmd_help(1, argv) ? 2 : (argc < 2 ? 2 : 0);
    c = find_cmd(argv[1]);
    if (!c) {
        fprintf(stderr, "xl-converge: unknown command '%s' (try 'xl-converge help')\n",
                argv[1]);
        return 2;
    }
    return c->fn(argc - 1, argv + 1);
}
