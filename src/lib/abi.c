/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ABI of libxenconverge.so.0, pinned: the public structures may not
 * change size or layout within the soname (xenconverge.h).  A change that
 * trips one of these needs a new soname, not an edit here.
 */
#include "config.h"

#include <stddef.h>

#include "xenconverge.h"

#define PIN(type, size) _Static_assert(sizeof(type) == (size), #type " is part of the ABI")
#define AT(type, member, off) \
    _Static_assert(offsetof(type, member) == (off), #type "." #member " is part of the ABI")

PIN(struct xenconverge_vcpu_rate, 32);
AT(struct xenconverge_vcpu_rate, rate_mib_s, 8);
AT(struct xenconverge_vcpu_rate, cpu, 24);

PIN(struct xenconverge_dirty_rate, 40);
AT(struct xenconverge_dirty_rate, rate_mib_s, 16);
AT(struct xenconverge_dirty_rate, vcpus, 32);

PIN(struct xenconverge_dirty_limit, 40);
AT(struct xenconverge_dirty_limit, current_mib_s, 16);
AT(struct xenconverge_dirty_limit, share, 32);

PIN(struct xenconverge_dirty_limits, 24);
AT(struct xenconverge_dirty_limits, limits, 16);

PIN(struct xenconverge_migration_info, 120);
AT(struct xenconverge_migration_info, phase, 8);
AT(struct xenconverge_migration_info, elapsed_ms, 40);
AT(struct xenconverge_migration_info, eta_ms, 96);
AT(struct xenconverge_migration_info, bandwidth_mib_s, 112);

/* A symbol of the library's own, so the object is not empty. */
unsigned int cvg_abi_version(void);
unsigned int cvg_abi_version(void)
{
    return 0;
}
