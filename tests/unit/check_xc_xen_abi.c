/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libxc stream codec hard-codes Xen's numbers so that the wire layer
 * needs no Xen headers; this suite holds them against the installed Xen
 * 4.17 public headers (libxen-dev), so a mismatch cannot go unnoticed.
 */
#include "config.h"

#define __XEN_TOOLS__ 1

#include <check.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/hvm/params.h>
#include <xen/foreign/x86_32.h>
#include <xen/foreign/x86_64.h>

#include "wire/xc_stream.h"

START_TEST(test_page_types_are_xens)
{
    ck_assert_uint_eq(XCS_PFINFO_SHIFT, XEN_DOMCTL_PFINFO_LTAB_SHIFT);
    ck_assert_uint_eq(XCS_PFINFO_NOTAB, XEN_DOMCTL_PFINFO_NOTAB);
    ck_assert_uint_eq(XCS_PFINFO_L1TAB, XEN_DOMCTL_PFINFO_L1TAB);
    ck_assert_uint_eq(XCS_PFINFO_L2TAB, XEN_DOMCTL_PFINFO_L2TAB);
    ck_assert_uint_eq(XCS_PFINFO_L3TAB, XEN_DOMCTL_PFINFO_L3TAB);
    ck_assert_uint_eq(XCS_PFINFO_L4TAB, XEN_DOMCTL_PFINFO_L4TAB);
    ck_assert_uint_eq(XCS_PFINFO_LPINTAB, XEN_DOMCTL_PFINFO_LPINTAB);
    ck_assert_uint_eq(XCS_PFINFO_BROKEN, XEN_DOMCTL_PFINFO_BROKEN);
    ck_assert_uint_eq(XCS_PFINFO_XALLOC, XEN_DOMCTL_PFINFO_XALLOC);
    ck_assert_uint_eq(XCS_PFINFO_XTAB, XEN_DOMCTL_PFINFO_XTAB);
    ck_assert_uint_eq(XCS_PFINFO_MASK, XEN_DOMCTL_PFINFO_LTAB_MASK);
    /* Every L1-L4 type, pinned or not, is valid and carries a page. */
    for (uint32_t l = 1; l <= 4; l++) {
        uint32_t t = l << XEN_DOMCTL_PFINFO_LTAB_SHIFT;

        ck_assert(xcs_page_type_has_data(t));
        ck_assert(xcs_page_type_has_data(t | XEN_DOMCTL_PFINFO_LPINTAB));
    }
}
END_TEST

START_TEST(test_body_sizes_are_xens)
{
    ck_assert_uint_eq(XCS_VCPU_BASIC_64_SIZE, sizeof(struct vcpu_guest_context_x86_64));
    ck_assert_uint_eq(XCS_VCPU_BASIC_32_SIZE, sizeof(struct vcpu_guest_context_x86_32));
    ck_assert_uint_le(sizeof(struct xen_domctl_ext_vcpucontext), XCS_VCPU_EXTENDED_MAX);
    ck_assert_uint_eq(XCS_VCPU_MSR_SIZE, sizeof(xen_domctl_vcpu_msr_t));
    ck_assert_uint_eq(XCS_CPUID_LEAF_SIZE, sizeof(xen_cpuid_leaf_t));
    ck_assert_uint_eq(XCS_MSR_ENTRY_SIZE, sizeof(xen_msr_entry_t));
    ck_assert_uint_le(HVM_NR_PARAMS, XCS_HVM_PARAMS_MAX);
    ck_assert_uint_le(sizeof(struct shared_info_x86_64), XCS_SHARED_INFO_SIZE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xc_xen_abi");
    TCase *tc = tcase_create("abi");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_page_types_are_xens);
    tcase_add_test(tc, test_body_sizes_are_xens);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
