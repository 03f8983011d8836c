/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for srun's MPI plugin choice: slurm.conf read as Slurm reads
 * it, --mpi=pmix only where the site default is none and the plugin is
 * installed, the user's and the site's choices kept.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fakeio.h"
#include "backend.h"
#include "srunmpi.h"
#include "util.h"

Test(srunmpi, conf_keys)
{
	const char *text = "# MpiDefault=pmi2\nClusterName=x\n  mpidefault = pmix_v4 # site\n"
	    "PluginDir=/opt/slurm/lib/slurm:/usr/lib64/slurm\nMpiDefaultX=no\nMpiDefault=pmix";
	char *v = slurm_conf_get(text, "MpiDefault");
	cr_expect_str_eq(v, "pmix");             /* the last one, case-insensitive */
	free(v);
	v = slurm_conf_get(text, "PluginDir");
	cr_expect_str_eq(v, "/opt/slurm/lib/slurm:/usr/lib64/slurm");
	free(v);
	cr_expect_null(slurm_conf_get("ClusterName=x\n", "MpiDefault"));
	v = slurm_conf_get("MpiDefault = pmix_v4 # site\n", "MpiDefault");
	cr_expect_str_eq(v, "pmix_v4");
	free(v);
}

struct site {
	char dir[64];
	char *conf, *plugins, *envconf;
};

static void
site_init(struct site *s, const char *conf_text, int pmix)
{
	FILE *f;
	strcpy(s->dir, "/tmp/ezpz-srunmpi.XXXXXX");
	cr_assert_not_null(mkdtemp(s->dir));
	s->plugins = xasprintf("%s/plugins", s->dir);
	mkdir(s->plugins, 0755);
	s->conf = xasprintf("%s/slurm.conf", s->dir);
	f = fopen(s->conf, "w");
	fprintf(f, conf_text, s->plugins);
	fclose(f);
	if (pmix) {
		char *p = xasprintf("%s/mpi_pmix.so", s->plugins);
		f = fopen(p, "w");
		fputs("\177ELF", f);
		fclose(f);
		free(p);
	}
	s->envconf = xasprintf("SLURM_CONF=%s", s->conf);
}

static void
site_free(struct site *s)
{
	char *p = xasprintf("%s/mpi_pmix.so", s->plugins);
	unlink(p);
	unlink(s->conf);
	rmdir(s->plugins);
	rmdir(s->dir);
	free(p);
	free(s->conf);
	free(s->plugins);
	free(s->envconf);
}

static void
decide_with(struct srun_mpi *m, char **env, const char *opt, const char *profile)
{
	struct fakeio io;
	fakeio_init(&io, NULL, NULL);
	srun_mpi_decide(m, env, "/usr/bin/srun", opt, profile, &io.io);
	fakeio_free(&io);
}

static void
decide(struct srun_mpi *m, char **env)
{
	decide_with(m, env, NULL, NULL);
}

Test(srunmpi, stock_slurm_gets_pmix)
{
	struct site s;
	struct srun_mpi m;
	char *env[] = { NULL, NULL, NULL };

	site_init(&s, "ClusterName=x\nPluginDir=%s\n", 1);        /* MpiDefault unset: none */
	env[0] = s.envconf;
	decide(&m, env);
	cr_expect_str_eq(m.site, "none");
	cr_expect_str_eq(m.flag ? m.flag : "(null)", "pmix");
	cr_expect(strstr(m.why, "MpiDefault=none"), "%s", m.why);
	srun_mpi_free(&m);
	/* the user's SLURM_MPI_TYPE, or EZPZ_SRUN_MPI, is kept */
	env[1] = "SLURM_MPI_TYPE=pmi2";
	decide(&m, env);
	cr_expect_null(m.flag);
	cr_expect(strstr(m.why, "SLURM_MPI_TYPE=pmi2"), "%s", m.why);
	srun_mpi_free(&m);
	env[1] = "EZPZ_SRUN_MPI=site";
	decide(&m, env);
	cr_expect_null(m.flag);
	srun_mpi_free(&m);
	env[1] = "EZPZ_SRUN_MPI=pmi2";
	decide(&m, env);
	cr_expect_str_eq(m.flag, "pmi2");
	srun_mpi_free(&m);
	site_free(&s);
}

Test(srunmpi, site_choice_kept)
{
	struct site s;
	struct srun_mpi m;
	char *env[] = { NULL, NULL };

	site_init(&s, "MpiDefault=pmix\nPluginDir=%s\n", 1);
	env[0] = s.envconf;
	decide(&m, env);
	cr_expect_null(m.flag);
	cr_expect_str_eq(m.why, "the site's MpiDefault=pmix");
	srun_mpi_free(&m);
	site_free(&s);
	site_init(&s, "MpiDefault=none\nPluginDir=%s\n", 0);      /* no plugin to choose */
	env[0] = s.envconf;
	decide(&m, env);
	cr_expect_null(m.flag);
	cr_expect(strstr(m.why, "no pmix plugin"), "%s", m.why);
	srun_mpi_free(&m);
	site_free(&s);
	env[0] = "SLURM_CONF=/no/such/slurm.conf";
	decide(&m, env);
	cr_expect_null(m.flag);
	cr_expect(strstr(m.why, "cannot be read"), "%s", m.why);
	srun_mpi_free(&m);
}

/* --srun-mpi beats EZPZ_SRUN_MPI beats SLURM_MPI_TYPE beats the profile's
 * srun_mpi beats ezpz's own choice; "site" keeps srun's default. */
Test(srunmpi, precedence)
{
	struct site s;
	struct srun_mpi m;
	char *env[] = { NULL, NULL, NULL, NULL };

	site_init(&s, "MpiDefault=none\nPluginDir=%s\n", 1);
	env[0] = s.envconf;
	decide_with(&m, env, NULL, "pmi2");
	cr_expect_str_eq(m.flag ? m.flag : "(null)", "pmi2");
	cr_expect_str_eq(m.why, "the machine profile's srun_mpi: pmi2");
	srun_mpi_free(&m);
	decide_with(&m, env, NULL, "site");
	cr_expect_null(m.flag, "the profile's 'site' keeps srun's own (no --mpi), not ezpz's pmix");
	srun_mpi_free(&m);
	env[1] = "SLURM_MPI_TYPE=cray_shasta";
	decide_with(&m, env, NULL, "pmi2");
	cr_expect_null(m.flag);
	cr_expect(strstr(m.why, "SLURM_MPI_TYPE=cray_shasta"), "%s", m.why);
	srun_mpi_free(&m);
	env[2] = "EZPZ_SRUN_MPI=pmix_v4";
	decide_with(&m, env, NULL, "pmi2");
	cr_expect_str_eq(m.flag ? m.flag : "(null)", "pmix_v4");
	srun_mpi_free(&m);
	decide_with(&m, env, "pmi2", "site");
	cr_expect_str_eq(m.flag ? m.flag : "(null)", "pmi2");
	cr_expect_str_eq(m.why, "--srun-mpi pmi2");
	srun_mpi_free(&m);
	decide_with(&m, env, "site", NULL);
	cr_expect_null(m.flag);
	srun_mpi_free(&m);
	site_free(&s);
}

Test(srunmpi, valid_types)
{
	cr_expect(srun_mpi_valid("pmix"));
	cr_expect(srun_mpi_valid("pmix_v4"));
	cr_expect(srun_mpi_valid("cray_shasta"));
	cr_expect(srun_mpi_valid("site"));
	cr_expect_not(srun_mpi_valid(""));
	cr_expect_not(srun_mpi_valid("pmix --pty"));
	cr_expect_not(srun_mpi_valid("PMIx"));
	cr_expect_not(srun_mpi_valid("a;b"));
}
