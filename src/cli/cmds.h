/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xl-converge subcommands.  Each takes the argv that follows its name
 * (argv[0] is the subcommand) and returns the process exit status.
 * Usage errors print a line naming the bad option and return 2, as xl does.
 */
#ifndef CVG_CLI_CMDS_H
#define CVG_CLI_CMDS_H

struct cvg_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage;          /* arguments, after the name */
    const char *summary;
};

extern const struct cvg_cmd cvg_cmds[];

int cvg_cmd_help(int argc, char **argv);
int cvg_cmd_stream_dump(int argc, char **argv);
int cvg_cmd_sim(int argc, char **argv);
int cvg_cmd_sim_migrate(int argc, char **argv);
int cvg_cmd_demo(int argc, char **argv);
int cvg_cmd_config(int argc, char **argv);
int cvg_cmd_bench(int argc, char **argv);
int cvg_cmd_migrate(int argc, char **argv);
int cvg_cmd_migrate_receive(int argc, char **argv);
int cvg_cmd_dirty_rate(int argc, char **argv);
int cvg_cmd_dirty_limit(int argc, char **argv);
int cvg_cmd_migrate_info(int argc, char **argv);

#endif
