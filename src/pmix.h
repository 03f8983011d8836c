/* SPDX-License-Identifier: MIT */
/* pmix.h: rank facts from the launcher's PMIx server, when there is one. */
#ifndef EZPZ_PMIX_H
#define EZPZ_PMIX_H

#include "rank.h"

/*
 * Ask the PMIx server for this process's rank facts, then finalize.
 * Returns 0 on success, 1 when no server is reachable (the caller falls
 * back to variables), -1 with *err when the server gave inconsistent data.
 */
int pmix_rankinfo(struct rankinfo *ri, char *const *envp, char **err);

#endif
