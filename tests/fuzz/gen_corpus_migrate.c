/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writes the seed corpora of fuzz_domconfig and fuzz_backchannel:
 *
 *   tests/fuzz/gen-corpus-migrate DIR
 *
 * creates DIR/domconfig/ (configs as our sender writes them, the shape of
 * libxl's own JSON, xl.cfg files as `xl migrate -C` sends them) and
 * DIR/backchannel/ (what a receiver of ours says on the back channel, in
 * order and out of it, followed by xl's ready message).  The committed
 * seeds in tests/fuzz/corpus/ come from `gen-corpus-migrate
 * tests/fuzz/corpus`.  Deterministic.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/bytes.h"
#include "wire/cvg_records.h"
#include "wire/xl_migrate.h"
#include "xlmig/domconfig.h"

static struct cvg_err err;

#define TRY(x)                                                                \
    do {                                                                      \
        if ((x) != 0) {                                                       \
            fprintf(stderr, "gen-corpus-migrate: %s: %s\n", #x, err.msg);     \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

static void save(const char *dir, const char *sub, const char *name,
                 const void *buf, size_t len)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    if (mkdir(path, 0755) && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
    f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
        perror(path);
        exit(1);
    }
}

static void config_json(const char *dir, const char *name,
                        const struct cvg_xlmig_domcfg *d)
{
    char *json;

    TRY(cvg_xlmig_domcfg_to_json(d, &json, &err));
    save(dir, "domconfig", name, json, strlen(json));
    free(json);
}

static void domconfig(const char *dir)
{
    static const char libxl[] =
        "{\n    \"c_info\": {\n        \"type\": \"hvm\",\n        \"name\": \"guest\",\n"
        "        \"uuid\": \"5d0d7b76-5b4f-4c2b-8d9f-1c1f6d0b3a11\"\n    },\n"
        "    \"b_info\": {\n        \"max_vcpus\": 2,\n        \"avail_vcpus\": [0, 1],\n"
        "        \"max_memkb\": 1048576,\n        \"target_memkb\": 1048576,\n"
        "        \"type.hvm\": { \"acpi\": \"True\", \"vga\": { \"kind\": \"std\" } }\n"
        "    },\n    \"disks\": [ { \"pdev_path\": \"/dev/vg/guest\" } ]\n}\n";
    static const char xlcfg[] =
        "name = \"guest\"\ntype = \"hvm\"\nmemory = 512\nmaxmem = 1024\nvcpus = 2\n"
        "maxvcpus = 4\ndisk = [ 'phy:/dev/vg/guest,xvda,w' ]\n";
    static const char builder[] = "name = \"old\"\nbuilder = \"hvm\"\nmemory = 64\n";
    const struct cvg_xlmig_domcfg hvm = { "web-1", CVG_XLMIG_HVM, 65536, 2, 0 };
    const struct cvg_xlmig_domcfg pvh = { "db.example", CVG_XLMIG_PVH, 1u << 20, 8, 7 };

    config_json(dir, "sender-hvm.json", &hvm);
    config_json(dir, "sender-pvh-domid.json", &pvh);
    save(dir, "domconfig", "libxl-shape.json", libxl, sizeof(libxl) - 1);
    save(dir, "domconfig", "xl-cfg.cfg", xlcfg, sizeof(xlcfg) - 1);
    save(dir, "domconfig", "xl-cfg-builder.cfg", builder, sizeof(builder) - 1);
}

static void hello_ack(struct cvg_sink *s, uint32_t caps)
{
    struct cvg_hello_ack a = { CVG_PROTO_VERSION, caps, 5 };

    TRY(cvg_write_hello_ack(s, &a, &err));
}

static void swack(struct cvg_sink *s)
{
    struct cvg_switchover_ack a = { true, 16384, 300ull << 20 };

    TRY(cvg_write_switchover_ack(s, &a, &err));
}

static void bye(struct cvg_sink *s, int32_t status)
{
    struct cvg_bye b = { status };

    TRY(cvg_write_bye(s, &b, &err));
}

static void done(const char *dir, const char *name, struct cvg_sink *s)
{
    save(dir, "backchannel", name, s->buf, s->len);
    cvg_sink_free(s);
    cvg_sink_init_mem(s);
}

static void backchannel(const char *dir)
{
    struct cvg_sink s;
    uint8_t raw[16] = { 0 };

    cvg_sink_init_mem(&s);
    /* The whole conversation, then xl's handshake (must stay unread). */
    hello_ack(&s, CVG_CAP_CAN_READ_ACKS | CVG_CAP_STATS | CVG_CAP_SWITCHOVER_ACK);
    swack(&s);
    bye(&s, 0);
    TRY(cvg_sink_write(&s, CVG_XLM_READY, sizeof(CVG_XLM_READY), &err));
    done(dir, "conversation-then-xl", &s);
    /* Agreed without acks; the destination fails. */
    hello_ack(&s, CVG_CAP_CAN_READ_ACKS);
    bye(&s, -5);
    done(dir, "no-ack-bye-error", &s);
    /* A newer peer's record between ours. */
    hello_ack(&s, CVG_CAP_CAN_READ_ACKS | CVG_CAP_SWITCHOVER_ACK | (1u << 8));
    cvg_put_le32(raw, CVG_REC_BASE + 0x40);
    cvg_put_le32(raw + 4, 6);
    cvg_put_le16(raw + 8, 2);
    TRY(cvg_sink_write(&s, raw, 16, &err));
    swack(&s);
    bye(&s, 0);
    done(dir, "newer-record", &s);
    /* Out of order: an ack before the agreement. */
    swack(&s);
    hello_ack(&s, CVG_CAP_SWITCHOVER_ACK);
    done(dir, "ack-before-hello-ack", &s);
    /* A stock receiver's first words: no record at all. */
    TRY(cvg_sink_write(&s, CVG_XLM_READY, sizeof(CVG_XLM_READY), &err));
    done(dir, "stock-ready", &s);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen-corpus-migrate DIR\n");
        return 2;
    }
    domconfig(argv[1]);
    backchannel(argv[1]);
    return 0;
}
