/* SPDX-License-Identifier: MIT */
/*
 * srunmpi.c: srun's MPI plugin (see srunmpi.h).  slurm.conf is read as
 * text; the plugin is looked for in PluginDir (else the directories
 * Debian, RHEL and a source install use, next to srun's own prefix).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srunmpi.h"
#include "strvec.h"
#include "util.h"

char *
slurm_conf_get(const char *text, const char *key)
{
	size_t klen = strlen(key);
	char *found = NULL;

	for (const char *line = text; line && *line; ) {
		const char *end = strchr(line, '\n'), *p = line, *v;
		size_t len = end ? (size_t)(end - line) : strlen(line);
		while (p < line + len && isspace((unsigned char)*p))
			p++;
		if ((size_t)(line + len - p) > klen && strncasecmp(p, key, klen) == 0) {
			v = p + klen;
			while (v < line + len && (*v == ' ' || *v == '\t'))
				v++;
			if (v < line + len && *v == '=') {
				size_t n;
				v++;
				while (v < line + len && (*v == ' ' || *v == '\t'))
					v++;
				n = strcspn(v, " \t#\n");
				if (v + n > line + len)
					n = (size_t)(line + len - v);
				free(found);
				found = xstrndup(v, n);
			}
		}
		line = end ? end + 1 : NULL;
	}
	return found;
}

/* Is mpi_NAME.so in one of dirs (':'-separated), or the defaults beside srun? */
static int
plugin_found(const char *dirs, const char *srun_path, const char *name, const struct job_io *io)
{
	struct strvec cand = STRVEC_INIT;
	int found = 0;

	if (dirs) {
		char *copy = xstrdup(dirs), *save = NULL;
		for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
			strvec_push(&cand, d);
		free(copy);
	} else {
		static const char *const rel[] = { "lib/x86_64-linux-gnu/slurm-wlm",
			"lib/aarch64-linux-gnu/slurm-wlm", "lib64/slurm", "lib/slurm" };
		const char *slash = srun_path ? strrchr(srun_path, '/') : NULL;
		char *prefix = slash ? xstrndup(srun_path, (size_t)(slash - srun_path)) : xstrdup("/usr/bin");
		char *up = strrchr(prefix, '/');
		if (up)
			*up = '\0';            /* /usr/bin -> /usr */
		for (size_t i = 0; i < NITEMS(rel); i++)
			strvec_pushf(&cand, "%s/%s", prefix, rel[i]);
		free(prefix);
	}
	for (size_t i = 0; i < cand.n && !found; i++) {
		char *f = xasprintf("%s/mpi_%s.so", cand.v[i], name), *text;
		size_t len;
		const char *why;
		/* the plugin is there and readable (srun will load it) */
		if ((text = io->read(io->ctx, f, READ_MAX_HOSTFILE, &len, &why)) != NULL)
			found = 1;
		free(text);
		free(f);
	}
	strvec_clear(&cand);
	return found;
}

/* A choice made by name: "site" keeps srun's own. */
static void
chosen(struct srun_mpi *m, const char *value, const char *why)
{
	if (strcasecmp(value, "site") != 0)
		m->flag = xstrdup(value);
	m->why = xstrdup(why);
}

void
srun_mpi_decide(struct srun_mpi *m, char *const *envp, const char *srun_path,
    const char *opt, const char *profile, const struct job_io *io)
{
	const char *user = env_nonempty(envp, "EZPZ_SRUN_MPI");
	const char *type = env_nonempty(envp, "SLURM_MPI_TYPE");
	const char *conf = env_nonempty(envp, "SLURM_CONF");
	char *text, *dirs, *w;
	const char *why;
	size_t len;

	memset(m, 0, sizeof *m);
	if (opt || user) {
		w = opt ? xasprintf("--srun-mpi %s", opt) : xasprintf("EZPZ_SRUN_MPI=%s", user);
		chosen(m, opt ? opt : user, w);
		free(w);
		return;
	}
	if (type) {
		m->why = xasprintf("SLURM_MPI_TYPE=%s (srun reads it)", type);
		return;
	}
	if (profile) {
		w = xasprintf("the machine profile's srun_mpi: %s", profile);
		chosen(m, profile, w);
		free(w);
		return;
	}
	m->conf = xstrdup(conf ? conf : "/etc/slurm/slurm.conf");
	if ((text = io->read(io->ctx, m->conf, READ_MAX_PROFILE, &len, &why)) == NULL) {
		m->why = xasprintf("%s cannot be read: srun's own MPI default kept", m->conf);
		return;
	}
	m->site = slurm_conf_get(text, "MpiDefault");
	if (m->site == NULL)
		m->site = xstrdup("none");      /* Slurm's default */
	dirs = slurm_conf_get(text, "PluginDir");
	free(text);
	if (strcasecmp(m->site, "none") != 0) {
		m->why = xasprintf("the site's MpiDefault=%s", m->site);
	} else if (plugin_found(dirs, srun_path, "pmix", io)) {
		m->flag = xstrdup("pmix");
		m->why = xasprintf("MpiDefault=none (in %s) starts Open MPI ranks as singletons; "
		    "the pmix plugin is installed", m->conf);
	} else {
		m->why = xasprintf("MpiDefault=none (in %s) and no pmix plugin: Open MPI ranks "
		    "would start as singletons", m->conf);
	}
	free(dirs);
}

void
srun_mpi_free(struct srun_mpi *m)
{
	free(m->conf);
	free(m->site);
	free(m->flag);
	free(m->why);
	memset(m, 0, sizeof *m);
}

int
slurm_in_step(char *const *envp)
{
	const char *id = env_get(envp, "SLURM_STEP_ID"), *why;
	long n;
	return id && parse_long(id, 0, 0xfffffff0L - 1, &n, &why) == 0;
}
