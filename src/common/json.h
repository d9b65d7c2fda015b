/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writing JSON reports: only string escaping needs care. */
#ifndef CVG_COMMON_JSON_H
#define CVG_COMMON_JSON_H

#include <stdio.h>

/* Writes s as a JSON string literal (quotes included); NULL as null. */
void cvg_json_string(FILE *f, const char *s);

#endif
