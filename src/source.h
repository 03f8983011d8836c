/* SPDX-License-Identifier: MIT */
/*
 * source.h: where a fact came from, as data.  Code decides on the kind and
 * the name ("was the GPU count a SLURM_ variable?"); the text
 * ("env:SLURM_GPUS_ON_NODE") is made from them for messages and JSON only,
 * so rewording it cannot change what ezpz does.
 */
#ifndef EZPZ_SOURCE_H
#define EZPZ_SOURCE_H

#include "util.h"

enum src_kind {
	SRC_NONE,      /* not set (JSON null) */
	SRC_ENV,       /* a variable, by name:        env:SLURM_GPUS_ON_NODE */
	SRC_OPTION,    /* an option, by spelling:     option:--machine */
	SRC_PROFILE,   /* a machine profile, by name: profile:aurora */
	SRC_PROBE,     /* a program found on PATH:    probe:/usr/bin/mpiexec */
	SRC_HWLOC,     /* this host's hardware; the name is hwloc's GPU backend or "":
	                * hwloc:nvml, hwloc */
	SRC_DEFAULT,   /* nothing said otherwise; the name says why: default (...) */
	SRC_OTHER      /* anything else, the name is the whole text: qstat, this host */
};

struct fact_src {
	enum src_kind kind;
	char *name;
	char *detail;  /* more for people, or NULL: profile:aurora (hostname x1) */
	char *text;    /* src_format of the above: for display and JSON only */
};

/* Set kind and name (printf-style), dropping any detail. */
void src_set(struct fact_src *s, enum src_kind kind, const char *fmt, ...) PRINTF(3, 4);
/* Add a detail to a source already set. */
void src_set_detail(struct fact_src *s, const char *fmt, ...) PRINTF(2, 3);
void src_free(struct fact_src *s);
/* The display text (malloc'd); detail may be NULL. */
char *src_format(enum src_kind kind, const char *name, const char *detail);
/* Is s the variable name, or one whose name starts with prefix? */
int src_is_env(const struct fact_src *s, const char *prefix);

#endif
