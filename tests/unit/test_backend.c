/* SPDX-License-Identifier: MIT */
/* Unit tests for backend.c: the table of launcher flavours and its lookups. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "launcher.h"
#include "strvec.h"
#include "util.h"

Test(backend, table_is_in_enum_order_and_complete)
{
	size_t n = 0;
	for (const struct backend *const *b = backends; *b; b++, n++) {
		cr_expect_eq((*b)->id, (enum launcher)(LAUNCHER_NONE + 1 + (int)n), "%s", (*b)->name);
		cr_expect_not_null((*b)->exe);
		cr_expect_not_null((*b)->env_flag);
		cr_expect_not_null((*b)->build);
		cr_expect_not_null((*b)->per_host);
	}
	cr_expect_eq(n, 4);
}

Test(backend, by_name)
{
	static const struct { const char *name; enum launcher id; } cases[] = {
		{ "pals", LAUNCHER_PALS }, { "mpich", LAUNCHER_MPICH },
		{ "openmpi", LAUNCHER_OPENMPI }, { "srun", LAUNCHER_SRUN },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		const struct backend *b = backend_by_name(cases[i].name);
		cr_assert_not_null(b, "%s", cases[i].name);
		cr_expect_eq(b->id, cases[i].id);
		cr_expect_eq(backend_for(cases[i].id), b);
		cr_expect_str_eq(launcher_name(cases[i].id), cases[i].name);
		cr_expect_eq(launcher_parse(cases[i].name), cases[i].id);
	}
	cr_expect_null(backend_by_name("none"));
	cr_expect_null(backend_by_name("PALS"));
	cr_expect_null(backend_by_name("jsrun"));
	cr_expect_null(backend_by_name(NULL));
	cr_expect_null(backend_for(LAUNCHER_NONE));
	cr_expect_null(backend_for(LAUNCHER_UNSET));
	cr_expect_str_eq(launcher_name(LAUNCHER_NONE), "none");
	cr_expect_null(launcher_name(LAUNCHER_UNSET));
	cr_expect_eq(launcher_parse("none"), LAUNCHER_NONE);
	cr_expect_eq(launcher_parse("jsrun"), LAUNCHER_UNSET);
}

Test(backend, by_version_text_and_path)
{
	static const struct { const char *path, *text; enum launcher want; } cases[] = {
		{ "/opt/cray/pals/1.4/bin/mpiexec", NULL, LAUNCHER_PALS },
		{ "/opt/cray/pals/1.4/bin/mpiexec", "HYDRA build details", LAUNCHER_PALS },
		{ "/usr/bin/mpirun", "mpirun (Open MPI) 4.1.2", LAUNCHER_OPENMPI },
		{ "/usr/bin/mpirun", "mpirun (OpenRTE) 2.1.1", LAUNCHER_OPENMPI },
		{ "/usr/bin/mpiexec", "HYDRA build details:\n    Version: 4.0", LAUNCHER_MPICH },
		{ "/usr/bin/mpiexec", "Intel(R) MPI Library for Linux", LAUNCHER_MPICH },
		{ "/usr/bin/mpiexec", "mpiexec version 1.2 (PALS)", LAUNCHER_PALS },
		/* several marks: Open MPI's first, then Hydra's, then PALS's */
		{ "/usr/bin/mpiexec", "Open MPI, built with MPICH headers", LAUNCHER_OPENMPI },
		{ "/usr/bin/mpiexec", "MPICH Hydra with pals support", LAUNCHER_MPICH },
		{ "/usr/bin/mpiexec", "something else", LAUNCHER_UNSET },
		{ "/usr/bin/mpiexec", NULL, LAUNCHER_UNSET },
		{ NULL, NULL, LAUNCHER_UNSET },
	};
	for (size_t i = 0; i < NITEMS(cases); i++)
		cr_expect_eq(launcher_classify(cases[i].path, cases[i].text), cases[i].want,
		    "%s / %s", cases[i].path ? cases[i].path : "-", cases[i].text ? cases[i].text : "-");
}

Test(backend, names_for_messages_and_completion)
{
	char *a = backend_names(", ", " or "), *b = backend_names("|", "|");
	cr_expect_str_eq(a, "pals, mpich, openmpi or srun");
	cr_expect_str_eq(b, "pals|mpich|openmpi|srun");
	free(a);
	free(b);
}

static char *
per_host(enum launcher l, const char *hostfile)
{
	static const char *const fwd[] = { "A", "B", NULL };
	struct strvec a = STRVEC_INIT;
	char *s;
	size_t n = 0;
	backend_for(l)->per_host(&a, 3, hostfile, fwd);
	for (size_t i = 0; i < a.n; i++)
		n += strlen(a.v[i]) + 1;
	s = xcalloc(n + 1, 1);
	for (size_t i = 0; i < a.n; i++) {
		strcat(s, i ? " " : "");
		strcat(s, a.v[i]);
	}
	strvec_clear(&a);
	return s;
}

Test(backend, one_task_per_host)
{
	static const struct { enum launcher l; const char *hf, *want; } cases[] = {
		{ LAUNCHER_PALS, "hf", "mpiexec --envall --np=3 --ppn=1 --hostfile=hf" },
		{ LAUNCHER_PALS, NULL, "mpiexec --envall --np=3 --ppn=1" },
		{ LAUNCHER_MPICH, "hf", "mpiexec -n 3 -ppn 1 -f hf -genvall" },
		{ LAUNCHER_OPENMPI, "hf",
		  "mpirun -np 3 --map-by ppr:1:node --bind-to none --hostfile hf -x A -x B" },
		{ LAUNCHER_SRUN, "hf",
		  "srun --overlap -N3 -n3 --ntasks-per-node=1 --kill-on-bad-exit=0" },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		char *got = per_host(cases[i].l, cases[i].hf);
		cr_expect_str_eq(got, cases[i].want);
		free(got);
	}
}
