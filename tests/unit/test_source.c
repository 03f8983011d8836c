/* SPDX-License-Identifier: MIT */
/* Unit tests for source.c: a fact's origin as data, and its display text. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "source.h"
#include "util.h"

Test(source, format_each_kind)
{
	static const struct { enum src_kind k; const char *name, *detail, *want; } cases[] = {
		{ SRC_ENV, "SLURM_GPUS_ON_NODE", NULL, "env:SLURM_GPUS_ON_NODE" },
		{ SRC_OPTION, "--machine", NULL, "option:--machine" },
		{ SRC_PROFILE, "aurora", NULL, "profile:aurora" },
		{ SRC_PROFILE, "aurora", "hostname x1", "profile:aurora (hostname x1)" },
		{ SRC_PROBE, "/usr/bin/mpiexec", NULL, "probe:/usr/bin/mpiexec" },
		{ SRC_HWLOC, "", NULL, "hwloc" },
		{ SRC_HWLOC, "nvml", NULL, "hwloc:nvml" },
		{ SRC_DEFAULT, "no profile matches hostname h", NULL,
		  "default (no profile matches hostname h)" },
		{ SRC_OTHER, "qstat", NULL, "qstat" },
		{ SRC_OTHER, "pbs spool", NULL, "pbs spool" },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		char *t = src_format(cases[i].k, cases[i].name, cases[i].detail);
		cr_expect_str_eq(t, cases[i].want);
		free(t);
	}
	cr_expect_null(src_format(SRC_NONE, NULL, NULL));
}

Test(source, set_keeps_kind_and_name_apart_from_text)
{
	struct fact_src s = { SRC_NONE, NULL, NULL, NULL };

	src_set(&s, SRC_PROFILE, "%s", "aurora");
	src_set_detail(&s, "hostname %s", "x1");
	cr_expect_eq(s.kind, SRC_PROFILE);
	cr_expect_str_eq(s.name, "aurora");
	cr_expect_str_eq(s.text, "profile:aurora (hostname x1)");
	/* setting again drops the old detail */
	src_set(&s, SRC_ENV, "SLURM_%s", "GPUS_ON_NODE");
	cr_expect_null(s.detail);
	cr_expect_str_eq(s.text, "env:SLURM_GPUS_ON_NODE");
	cr_expect(src_is_env(&s, "SLURM_"));
	cr_expect(!src_is_env(&s, "PBS_"));
	src_free(&s);
	cr_expect_eq(s.kind, SRC_NONE);
	cr_expect_null(s.text);
}

Test(source, decisions_read_the_kind_not_the_text)
{
	/* text that looks like a SLURM variable, but is not one */
	struct fact_src s = { SRC_NONE, NULL, NULL, NULL };
	src_set(&s, SRC_OTHER, "env:SLURM_GPUS_ON_NODE");
	cr_expect_str_eq(s.text, "env:SLURM_GPUS_ON_NODE");
	cr_expect(!src_is_env(&s, "SLURM_"));
	src_free(&s);
}
