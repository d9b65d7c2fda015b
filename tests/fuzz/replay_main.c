/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A main() for fuzz targets built without libFuzzer: feeds every file of
 * the target's seed corpus (and of tests/fuzz/regress/<target>/, the inputs
 * that once crashed) to LLVMFuzzerTestOneInput, so the corpus runs as a
 * regression test under the sanitizers in every `make check`.
 *
 * Arguments: files or directories; none means FUZZ_CORPUS_DIRS, the
 * colon-separated directories this target was compiled with.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (16u << 20)

static int run_file(const char *path, unsigned *count)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long len;
    int rc = -1;

    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
        goto out;
    if ((unsigned long)len > REPLAY_MAX_INPUT) {
        fprintf(stderr, "replay: %s: larger than %u bytes\n", path, REPLAY_MAX_INPUT);
        goto out;
    }
    buf = malloc(len ? (size_t)len : 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
        goto out;
    LLVMFuzzerTestOneInput(buf, (size_t)len);
    (*count)++;
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "replay: cannot read %s\n", path);
    free(buf);
    fclose(f);
    return rc;
}

static int run_path(const char *path, unsigned *count)
{
    struct stat st;
    struct dirent **names;
    int n, i, rc = 0;

    if (stat(path, &st)) {
        /* A target may have no regress/ inputs yet. */
        return errno == ENOENT ? 0 : -1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path, count);
    n = scandir(path, &names, NULL, alphasort);
    if (n < 0)
        return -1;
    for (i = 0; i < n; i++) {
        char child[4096];

        if (names[i]->d_name[0] != '.') {
            snprintf(child, sizeof(child), "%s/%s", path, names[i]->d_name);
            if (run_path(child, count))
                rc = -1;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    int i, rc = 0;

    if (argc > 1) {
        for (i = 1; i < argc; i++)
            rc |= run_path(argv[i], &count);
    } else {
        char dirs[] = FUZZ_CORPUS_DIRS;
        char *save = NULL;

        for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save))
            rc |= run_path(d, &count);
    }
    printf("replay: %u inputs ran without a sanitizer report\n", count);
    if (count == 0) {
        fprintf(stderr, "replay: no inputs found: the seed corpus is missing\n");
        return 1;
    }
    return rc ? 1 : 0;
}
