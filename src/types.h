/* SPDX-License-Identifier: MIT */
/*
 * types.h: the small enumerations shared by the job model, machine profiles
 * and launch backends, with their one spelling each (used in JSON, YAML,
 * option values and messages).
 */
#ifndef EZPZ_TYPES_H
#define EZPZ_TYPES_H

enum sched { SCHED_UNSET = -1, SCHED_LOCAL, SCHED_PBS, SCHED_SLURM, SCHED_FLUX, SCHED_LSF };
enum vendor { VENDOR_UNSET = -1, VENDOR_NONE, VENDOR_NVIDIA, VENDOR_AMD, VENDOR_INTEL };
enum launcher {
	LAUNCHER_UNSET = -1, LAUNCHER_NONE, LAUNCHER_PALS, LAUNCHER_MPICH,
	LAUNCHER_OPENMPI, LAUNCHER_SRUN
};

/* "local", "pbs", ... ; NULL for UNSET. */
const char *sched_name(enum sched s);
const char *vendor_name(enum vendor v);
const char *launcher_name(enum launcher l);   /* LAUNCHER_NONE: "none"; backend.c */
/* Parse a name; -1 (the UNSET value) when unknown. */
enum sched sched_parse(const char *s);
enum vendor vendor_parse(const char *s);
enum launcher launcher_parse(const char *s);

#endif
