/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Framed I/O on the converge-simd socket, shared by the daemon and its
 * clients: whole frames out with sendmsg(MSG_NOSIGNAL) (a peer that died
 * must not kill us with SIGPIPE), exact reads in, and an optional file
 * descriptor passed with SCM_RIGHTS alongside a frame (the guest memory
 * memfd of a MAP reply, as xenforeignmemory hands out guest frames).
 */
#ifndef CVG_SIM_FRAME_H
#define CVG_SIM_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "common/err.h"
#include "sim/proto.h"

/* Sends every byte of iov[0..n); pass_fd >= 0 rides along the first byte. */
int cvg_sim_sendv(int sock, const struct iovec *iov, int n, int pass_fd);

/*
 * Reads exactly len bytes.  A descriptor passed with them lands in *got_fd
 * (which must be -1 on entry); with got_fd NULL, or when a second one
 * arrives, it is closed.  -EPIPE at end of stream.
 */
int cvg_sim_recv_exact(int sock, void *buf, size_t len, int *got_fd);

/*
 * Reads one frame: the header (checked by cvg_sim_hdr_decode) and its
 * payload, malloc()ed into *payload (NULL when len is 0).  Returns -EPIPE
 * when the peer closed before the first header byte too, with err left
 * empty, so that a server can tell a goodbye from a truncated frame.
 */
int cvg_sim_recv_frame(int sock, bool is_reply, struct cvg_sim_hdr *h,
                       uint8_t **payload, int *got_fd, struct cvg_err *err);

/* Sends a reply: status 0 with the payload, or status < 0 with err_text. */
int cvg_sim_send_reply(int sock, const struct cvg_sim_hdr *req, int status,
                       const void *payload, size_t len, int pass_fd);

#endif
