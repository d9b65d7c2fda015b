/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * play-libxl: plays libxl around one helper run on the simulator, as
 * `xl save` and `xl restore` do (no xl header: just the helper's part).
 *
 *   play-libxl save    HELPER DOMID FILE [--live]   stream of DOMID into FILE
 *   play-libxl restore HELPER PAGES FILE            a new, empty, paused domain
 *                                                   of PAGES pages (as libxl
 *                                                   creates it), then FILE into it
 *   play-libxl kill-save HELPER DOMID MS            SIGKILL the save after MS
 *   play-libxl term-save HELPER DOMID MS            SIGTERM it after MS (abort)
 *
 * Prints what libxl would conclude ("ok" or the failure) and the message
 * sequence; exit 0 only when libxl would report success.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <unistd.h>

#include "driver/driver.h"
#include "hv/hv.h"
#include "hv/sim_client.h"

struct ctx {
    struct cvg_hv *hv;
    uint32_t domid;
    int suspends;
};

/* The stream's reader for kill/term modes: takes everything, keeps nothing. */
static void *drain(void *arg)
{
    int fd = *(int *)arg;
    char buf[65536];

    while (read(fd, buf, sizeof(buf)) > 0)
        ;
    close(fd);
    return NULL;
}

static int on_suspend(void *opaque)
{
    struct ctx *c = opaque;
    struct cvg_err err = { 0 };

    c->suspends++;
    if (c->hv->ops->suspend(c->hv, c->domid, &err)) {
        fprintf(stderr, "play-libxl: suspend: %s\n", err.msg);
        return 0;
    }
    return 1;
}

static void on_log(void *opaque, const struct cvg_ipc_msg *m)
{
    (void)opaque;
    if (getenv("PLAY_LIBXL_VERBOSE") || m->u.log.level >= CVG_XTL_WARN)
        fprintf(stderr, "log[%u] %s: %s\n", m->u.log.level, m->u.log.context, m->u.log.text);
}

struct run {
    struct cvg_helper_proc *p;
    const struct cvg_driver_cbs *cbs;
    struct cvg_driver_result *res;
    struct cvg_err *err;
};

static void *run_driver(void *arg)
{
    struct run *r = arg;

    cvg_driver_run(r->p, r->cbs, r->res, r->err);
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned signal_after_ms = 0;
    bool kill_it = false;
    struct ctx c = { 0 };
    struct cvg_driver_cbs cbs = { .suspend = on_suspend, .log = on_log, .opaque = &c };
    struct cvg_helper_proc p;
    struct cvg_driver_result res;
    struct cvg_err err = { 0 };
    const char *mode, *helper;
    int fd = -1, rc;

    if (argc < 5) {
        fprintf(stderr, "usage: play-libxl save|restore|kill-save HELPER DOMID FILE|MS [--live]\n");
        return 2;
    }
    mode = argv[1];
    helper = argv[2];
    c.domid = (uint32_t)strtoul(argv[3], NULL, 10);
    if (cvg_hv_open(&c.hv, &err)) {
        fprintf(stderr, "play-libxl: %s\n", err.msg);
        return 1;
    }
    if (!strcmp(mode, "restore")) {
        rc = cvg_sim_create_empty(c.hv, strtoull(argv[3], NULL, 10), 1, true, "restored",
                                  &c.domid, &err);
        if (rc) {
            fprintf(stderr, "play-libxl: %s\n", err.msg);
            cvg_hv_close(c.hv);
            return 1;
        }
        printf("domid %u\n", c.domid);
        fd = open(argv[4], O_RDONLY | O_CLOEXEC);
        rc = fd < 0 ? -errno :
             cvg_driver_spawn_restore(helper, fd, -1, c.domid, 1, 0, 2, 0,
                                      CVG_IPC_CBFLAGS_PLAIN_RESTORE, 0, NULL, &p, &err);
    } else if (!strcmp(mode, "save") || !strcmp(mode, "kill-save") ||
               !strcmp(mode, "term-save")) {
        bool signal_mode = strcmp(mode, "save") != 0;
        unsigned live = (argc > 5 && !strcmp(argv[5], "--live")) || signal_mode;
        static int pp[2];
        pthread_t th;

        if (signal_mode) {
            /* A reader that takes the stream as fast as it comes keeps the
             * helper busy in its passes until the signal. */
            rc = pipe2(pp, O_CLOEXEC);
            fd = rc ? -1 : pp[1];
            if (!rc)
                pthread_create(&th, NULL, drain, &pp[0]);
        } else {
            fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        }
        rc = fd < 0 ? -errno :
             cvg_driver_spawn_save(helper, fd, -1, c.domid, live,
                                   CVG_IPC_CBFLAGS_PLAIN_SAVE, 0, NULL, &p, &err);
        if (!rc && signal_mode)
            signal_after_ms = (unsigned)strtoul(argv[4], NULL, 10);
        kill_it = !strcmp(mode, "kill-save");
    } else {
        fprintf(stderr, "play-libxl: unknown mode %s\n", mode);
        cvg_hv_close(c.hv);
        return 2;
    }
    if (rc) {
        fprintf(stderr, "play-libxl: %s\n", err.msg[0] ? err.msg : strerror(-rc));
        cvg_hv_close(c.hv);
        return 1;
    }
    if (fd >= 0)
        close(fd);
    if (signal_after_ms) {
        /* libxl keeps serving the IPC while it decides to abort. */
        struct run r = { &p, &cbs, &res, &err };
        pthread_t th;

        pthread_create(&th, NULL, run_driver, &r);
        usleep(signal_after_ms * 1000);
        if (kill_it)
            cvg_driver_kill(&p);
        else
            cvg_driver_stop(&p);
        pthread_join(th, NULL);
    } else {
        cvg_driver_run(&p, &cbs, &res, &err);
    }
    printf("%s: %s (%u messages, %d suspends)\n", mode, res.ok ? "ok" : res.why,
           res.nr_msgs, c.suspends);
    if (res.have_results)
        printf("restore_results store_gfn=%#llx console_gfn=%#llx\n",
               (unsigned long long)res.store_gfn, (unsigned long long)res.console_gfn);
    cvg_hv_close(c.hv);
    return res.ok ? 0 : 1;
}
