/* SPDX-License-Identifier: MIT */
/* Unit tests for modsys.c: which module system, and its init file. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "modsys.h"
#include "util.h"

/* ---- the module system ---- */

static const char *const *present;

static int
fake_exists(const char *path)
{
	for (size_t i = 0; present && present[i]; i++)
		if (streq(present[i], path))
			return 1;
	return 0;
}

Test(setupenv_modsys, variables_win)
{
	static const char *const files[] = { "/usr/share/lmod/lmod/init/bash", "/opt/lmod/init/bash",
		"/usr/share/modules/init/bash", "/etc/profile.d/lmod.sh", NULL };
	char *lmod_pkg[] = { "LMOD_CMD=/opt/lmod/libexec/lmod", "LMOD_PKG=/opt/lmod", NULL };
	char *lmod_cmd[] = { "LMOD_CMD=/opt/lmod/libexec/lmod", "MODULESHOME=/opt/lmod", NULL };
	char *lmod_ver[] = { "LMOD_VERSION=8.6", NULL };
	char *em[] = { "MODULESHOME=/usr/share/modules", NULL };
	char *em_cmd[] = { "MODULES_CMD=/usr/lib/x86_64-linux-gnu/modulecmd.tcl", NULL };
	struct modsys m;

	present = files;
	modsys_detect(lmod_pkg, fake_exists, &m);
	cr_expect_eq(m.kind, MODSYS_LMOD);
	cr_expect_str_eq(m.init, "/opt/lmod/init/bash");
	cr_expect_str_eq(m.why, "LMOD_CMD=/opt/lmod/libexec/lmod");
	modsys_free(&m);
	/* Lmod sets MODULESHOME too: LMOD_CMD decides, and names the init */
	modsys_detect(lmod_cmd, fake_exists, &m);
	cr_expect_eq(m.kind, MODSYS_LMOD);
	cr_expect_str_eq(m.init, "/opt/lmod/init/bash");
	modsys_free(&m);
	modsys_detect(lmod_ver, fake_exists, &m);
	cr_expect_eq(m.kind, MODSYS_LMOD);
	cr_expect_str_eq(m.init, "/usr/share/lmod/lmod/init/bash", "init file before profile.d");
	modsys_free(&m);
	modsys_detect(em, fake_exists, &m);
	cr_expect_eq(m.kind, MODSYS_ENVMOD);
	cr_expect_str_eq(m.init, "/usr/share/modules/init/bash");
	modsys_free(&m);
	modsys_detect(em_cmd, fake_exists, &m);
	cr_expect_eq(m.kind, MODSYS_ENVMOD);
	cr_expect_str_eq(m.init, "/usr/share/modules/init/bash");
	cr_expect(strstr(m.why, "MODULES_CMD") != NULL);
	modsys_free(&m);
}

Test(setupenv_modsys, standard_places)
{
	static const char *const debian_lmod[] = { "/etc/profile.d/lmod.sh",
		"/usr/share/lmod/lmod/init/bash", NULL };
	static const char *const stale_lmod[] = { "/etc/profile.d/lmod.sh",
		"/etc/profile.d/modules.sh", "/usr/share/modules/init/bash", NULL };
	static const char *const rhel_em[] = { "/usr/share/Modules/init/bash", NULL };
	char *none[] = { "PATH=/usr/bin", NULL };
	struct modsys m;

	present = debian_lmod;
	modsys_detect(none, fake_exists, &m);
	cr_expect_eq(m.kind, MODSYS_LMOD);
	cr_expect_str_eq(m.init, "/etc/profile.d/lmod.sh", "the site script sets MODULEPATH");
	cr_expect_str_eq(m.why, "found /etc/profile.d/lmod.sh; LMOD_CMD, MODULES_CMD and MODULESHOME "
	    "are unset");
	modsys_free(&m);
	/* lmod removed but not purged: its profile.d script is left behind */
	present = stale_lmod;
	modsys_detect(none, fake_exists, &m);
	cr_expect_eq(m.kind, MODSYS_ENVMOD);
	cr_expect_str_eq(m.init, "/etc/profile.d/modules.sh");
	modsys_free(&m);
	present = rhel_em;
	modsys_detect(none, fake_exists, &m);
	cr_expect_eq(m.kind, MODSYS_ENVMOD);
	cr_expect_str_eq(m.init, "/usr/share/Modules/init/bash");
	modsys_free(&m);
	present = NULL;
	modsys_detect(none, fake_exists, &m);
	cr_expect_eq(m.kind, MODSYS_NONE);
	cr_expect_null(m.init);
	modsys_free(&m);
}
