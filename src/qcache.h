/* SPDX-License-Identifier: MIT */
/*
 * qcache.h: a short-lived cache of what schedulers answered (qselect,
 * qstat, squeue), so that a shell on a job's node asks them once in a while
 * rather than on every ezpz command.  One file per question in a private
 * directory of the user's ($XDG_RUNTIME_DIR/ezpz, else
 * ${TMPDIR:-/tmp}/ezpz-UID: mode 0700, owned by the user), written
 * atomically; a directory or file that is not the user's own, or that does
 * not read back exactly, is ignored.
 */
#ifndef EZPZ_QCACHE_H
#define EZPZ_QCACHE_H

#include "job.h"

/* Largest answer kept (a qstat -f of many jobs). */
#define QCACHE_MAX_BYTES (16 << 20)

/* The cache directory, made if missing; malloc'd, or NULL when there is
 * none that is safe to use. */
char *qcache_dir(char *const *envp);
/*
 * The answer to key stored less than ttl_s seconds ago: returns 1 and
 * fills a (a->age_s its age), else 0.
 */
int qcache_load(const char *dir, const char *key, int ttl_s, struct query_answer *a);
/* Keep a's answer to key; failures to write are silent (it is a cache). */
void qcache_store(const char *dir, const char *key, const struct query_answer *a);

#endif
