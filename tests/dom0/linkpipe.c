/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linkpipe: a migration link of a set speed, for migrate-check.
 *
 *   linkpipe MIB_S COMMAND [ARG]...
 *
 * Runs COMMAND with its stdin fed from ours at no more than MIB_S MiB/s;
 * its stdout is ours.  As the host of `xl migrate -s "" DOM "linkpipe 8
 * xl migrate-receive"`, it puts the stream from the sender through a link
 * of 8 MiB/s and leaves the receiver's replies alone: the stock helper and
 * converge-helper then meet the same link, which a 10 Gbit/s host or an
 * emulator would otherwise make too fast (or too uneven) for a guest to
 * out-write.  The rate is held over 100 ms slices, so a stall does not
 * turn into a burst.  EOF on stdin closes COMMAND's stdin; COMMAND's end
 * ends us (a receiver that gave up); our exit status is COMMAND's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dom0util.h"

#define SLICE_NS 100000000ll        /* the rate is held per 100 ms */
#define CHUNK 65536u
#define MAX_MIB_S 1048576u

/* SIGCHLD, as a byte on a pipe the pump polls beside stdin. */
static int child_pipe[2] = { -1, -1 };

static void on_child(int sig)
{
    int e = errno;
    ssize_t w = write(child_pipe[1], "", 1);    /* full: a byte is there already */

    (void)sig;
    (void)w;
    errno = e;
}

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Copies stdin to fd at most bytes_per_slice per slice.  0 at EOF, -1 when
 * the reader went away (COMMAND ended, or closed its stdin) or stdin failed. */
static int pump(int fd, uint64_t bytes_per_slice)
{
    static char buf[CHUNK];
    int64_t slice_end = now_ns() + SLICE_NS;
    uint64_t in_slice = 0;

    for (;;) {
        size_t want = sizeof(buf);
        ssize_t r;

        if (in_slice >= bytes_per_slice) {
            int64_t t = now_ns();

            if (t < slice_end)
                dom0_sleep_ns(slice_end - t);
            /* a slice we could not use (a stalled writer) is not saved up */
            slice_end = (t > slice_end ? t : slice_end) + SLICE_NS;
            in_slice = 0;
        }
        if (want > bytes_per_slice - in_slice)
            want = (size_t)(bytes_per_slice - in_slice);
        {
            struct pollfd pf[2] = { { 0, POLLIN, 0 }, { child_pipe[0], POLLIN, 0 } };

            if (poll(pf, 2, -1) < 0) {
                if (errno == EINTR)
                    continue;
                return -1;
            }
            if (pf[1].revents)
                return -1;
        }
        r = read(0, buf, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        if (dom0_write_all(fd, buf, (size_t)r))
            return -1;
        in_slice += (uint64_t)r;
    }
}

int main(int argc, char **argv)
{
    char *end;
    unsigned long mib;
    int p[2], status;
    pid_t pid;

    if (argc < 3) {
        fprintf(stderr, "usage: linkpipe MIB_S COMMAND [ARG]...\n");
        return 2;
    }
    errno = 0;
    mib = strtoul(argv[1], &end, 10);
    if (errno || end == argv[1] || *end || mib == 0 || mib > MAX_MIB_S) {
        fprintf(stderr, "linkpipe: '%s' is not a rate in 1..%u MiB/s\n", argv[1], MAX_MIB_S);
        return 2;
    }
    if (pipe(p) || pipe(child_pipe)) {
        perror("linkpipe: pipe");
        return 1;
    }
    fcntl(child_pipe[0], F_SETFD, FD_CLOEXEC);
    fcntl(child_pipe[1], F_SETFD, FD_CLOEXEC);
    fcntl(child_pipe[1], F_SETFL, O_NONBLOCK);
    signal(SIGCHLD, on_child);
    pid = fork();
    if (pid < 0) {
        perror("linkpipe: fork");
        return 1;
    }
    if (pid == 0) {
        if (dup2(p[0], 0) < 0)
            _exit(127);
        close(p[0]);
        close(p[1]);
        execvp(argv[2], argv + 2);
        fprintf(stderr, "linkpipe: cannot run %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    close(p[0]);
    /* COMMAND's stdout is the only writer of ours: the sender must see its
     * EOF when COMMAND ends, not wait on a copy we hold. */
    close(1);
    /* the receiver may close early (a failed migration): not our crash */
    signal(SIGPIPE, SIG_IGN);
    pump(p[1], (uint64_t)mib * 1048576u / (1000000000ull / SLICE_NS));
    close(p[1]);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}
