/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim/frame.h"

int cvg_sim_sendv(int sock, const struct iovec *iov_in, int n, int pass_fd)
{
    struct iovec iov[8];
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    int i = 0;

    if (n > (int)(sizeof(iov) / sizeof(iov[0])))
        return -E2BIG;
    memcpy(iov, iov_in, sizeof(*iov) * (size_t)n);
    /* Zero-length leading entries would carry no byte for the fd to ride on. */
    while (i < n && iov[i].iov_len == 0)
        i++;
    while (i < n) {
        struct msghdr msg = { .msg_iov = iov + i, .msg_iovlen = (size_t)(n - i) };
        ssize_t r;

        if (pass_fd >= 0) {
            struct cmsghdr *c;

            memset(&ctl, 0, sizeof(ctl));
            msg.msg_control = ctl.buf;
            msg.msg_controllen = sizeof(ctl.buf);
            c = CMSG_FIRSTHDR(&msg);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
        }
        r = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        pass_fd = -1;           /* sent with the first byte */
        while (i < n && (size_t)r >= iov[i].iov_len) {
            r -= (ssize_t)iov[i].iov_len;
            i++;
        }
        if (i < n) {
            iov[i].iov_base = (uint8_t *)iov[i].iov_base + r;
            iov[i].iov_len -= (size_t)r;
        }
    }
    return 0;
}

static void take_fds(struct msghdr *msg, int *got_fd)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        size_t nfd;

        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t k = 0; k < nfd; k++) {
            int fd;

            memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
            if (got_fd && *got_fd < 0)
                *got_fd = fd;
            else
                close(fd);
        }
    }
}

/* *got counts the bytes received even on failure. */
static int recv_some(int sock, void *buf, size_t len, int *got_fd, size_t *got)
{
    *got = 0;
    while (*got < len) {
        union {
            struct cmsghdr align;
            char buf[CMSG_SPACE(4 * sizeof(int))];
        } ctl;
        struct iovec iov = { .iov_base = (uint8_t *)buf + *got, .iov_len = len - *got };
        struct msghdr msg = {
            .msg_iov = &iov, .msg_iovlen = 1,
            .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
        };
        ssize_t r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        take_fds(&msg, got_fd);
        if (r == 0)
            return -EPIPE;
        *got += (size_t)r;
    }
    return 0;
}

int cvg_sim_recv_exact(int sock, void *buf, size_t len, int *got_fd)
{
    size_t got;

    return recv_some(sock, buf, len, got_fd, &got);
}

int cvg_sim_recv_frame(int sock, bool is_reply, struct cvg_sim_hdr *h,
                       uint8_t **payload, int *got_fd, struct cvg_err *err)
{
    uint8_t hdr[CVG_SIM_HDR_SIZE];
    uint8_t *p = NULL;
    size_t got;
    int rc;

    *payload = NULL;
    rc = recv_some(sock, hdr, sizeof(hdr), got_fd, &got);
    if (rc == -EPIPE && got == 0)
        return rc;
    if (rc)
        return cvg_fail(err, rc, "sim %s header: %s after %zu of %u bytes",
                        is_reply ? "reply" : "request",
                        rc == -EPIPE ? "connection closed" : strerror(-rc), got,
                        CVG_SIM_HDR_SIZE);
    if ((rc = cvg_sim_hdr_decode(hdr, is_reply, h, err)))
        return rc;
    if (h->len) {
        /* len was bounded by cvg_sim_hdr_decode: at most 64 MiB. */
        if (!(p = malloc(h->len)))
            return cvg_fail(err, -ENOMEM, "sim frame: no memory for a %u-byte payload", h->len);
        rc = recv_some(sock, p, h->len, got_fd, &got);
        if (rc) {
            free(p);
            return cvg_fail(err, rc, "sim %s (op %u): payload %s after %zu of %u bytes",
                            is_reply ? "reply" : "request", h->op,
                            rc == -EPIPE ? "truncated, connection closed" : strerror(-rc),
                            got, h->len);
        }
    }
    *payload = p;
    return 0;
}

int cvg_sim_send_reply(int sock, const struct cvg_sim_hdr *req, int status,
                       const void *payload, size_t len, int pass_fd)
{
    uint8_t hdr[CVG_SIM_HDR_SIZE];
    struct cvg_sim_hdr h = {
        .magic = CVG_SIM_MAGIC, .version = CVG_SIM_VERSION,
        .op = req ? req->op : 0, .domid = req ? req->domid : 0,
        .seq = req ? req->seq : 0, .status = status > 0 ? -EIO : status,
    };
    struct iovec iov[2];

    if (status < 0 && len > CVG_SIM_MAX_ERR_TEXT)
        len = CVG_SIM_MAX_ERR_TEXT;
    if (len > CVG_SIM_MAX_REPLY_PAYLOAD)
        return -EMSGSIZE;
    h.len = (uint32_t)len;
    cvg_sim_hdr_encode(hdr, &h);
    iov[0].iov_base = hdr;
    iov[0].iov_len = sizeof(hdr);
    iov[1].iov_base = (void *)payload;
    iov[1].iov_len = len;
    return cvg_sim_sendv(sock, iov, len ? 2 : 1, pass_fd);
}
