/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * loopback-raw BYTES: the ceiling a migration stream can reach on this
 * machine — a plain sender and receiver pair on a loopback TCP connection,
 * 4 MiB writes and reads (a PAGE_DATA batch), no other work.  Prints the
 * bytes per second the receiver saw and the CPU time the pair used (user
 * and system, both threads), to set beside a migration's CPU per byte.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (4u << 20)

static uint64_t total;

static void *sender(void *arg)
{
    int fd = *(int *)arg;
    char *buf = malloc(CHUNK);
    uint64_t left = total;

    memset(buf, 0xa5, CHUNK);
    while (left) {
        size_t n = left < CHUNK ? left : CHUNK;
        ssize_t w = write(fd, buf, n);

        if (w <= 0)
            break;
        left -= (uint64_t)w;
    }
    close(fd);
    free(buf);
    return NULL;
}

int main(int argc, char **argv)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t alen = sizeof(a);
    struct timespec t0, t1;
    struct rusage ru0, ru1;
    int l, c, s;
    char *buf = malloc(CHUNK);
    uint64_t got = 0;
    pthread_t th;
    double secs, cpu;

    total = argc > 1 ? strtoull(argv[1], NULL, 0) : (2ull << 30);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l = socket(AF_INET, SOCK_STREAM, 0);
    c = socket(AF_INET, SOCK_STREAM, 0);
    if (!buf || l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
        getsockname(l, (struct sockaddr *)&a, &alen) ||
        connect(c, (struct sockaddr *)&a, sizeof(a)) || (s = accept(l, NULL, NULL)) < 0) {
        perror("loopback-raw");
        return 1;
    }
    getrusage(RUSAGE_SELF, &ru0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_create(&th, NULL, sender, &c);
    for (;;) {
        ssize_t r = read(s, buf, CHUNK);

        if (r <= 0)
            break;
        got += (uint64_t)r;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_join(th, NULL);
    getrusage(RUSAGE_SELF, &ru1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec -
                   ru0.ru_stime.tv_sec) +
          (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec -
                   ru0.ru_stime.tv_usec) / 1e6;
    printf("%llu bytes in %.3f s: %.0f bytes/s, cpu %.3f s\n", (unsigned long long)got,
           secs, (double)got / secs, cpu);
    free(buf);
    return got == total ? 0 : 1;
}
