/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for json.c: every document is valid UTF-8 whatever bytes its
 * values hold (0xff, truncated and overlong sequences, surrogates): each
 * invalid sequence becomes U+FFFD, valid text passes unchanged, and the
 * result parses with a strict parser (Python's json, decoding UTF-8).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "setupenv.h"
#include "strvec.h"
#include "util.h"

#define FFFD "\xef\xbf\xbd"

Test(json, utf8_clean)
{
	static const struct {
		const char *in, *want, *why;
	} cases[] = {
		{ "", "", "empty" },
		{ "plain ascii\t\n", "plain ascii\t\n", "control characters are JSON's to escape" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8d\x8b", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8d\x8b",
		  "valid 2, 3 and 4 byte sequences stay" },
		{ "\xef\xbf\xbd", FFFD, "U+FFFD itself stays" },
		{ "a\xff" "b", "a" FFFD "b", "0xff" },
		{ "\xff\xfe", FFFD FFFD, "one U+FFFD per invalid byte" },
		{ "\x80x", FFFD "x", "a lone continuation byte" },
		{ "x\xc3", "x" FFFD, "truncated at the end" },
		{ "\xe2\x82", FFFD, "a truncated 3-byte sequence is one U+FFFD" },
		{ "\xe2\x82x", FFFD "x", "and what broke it is read again" },
		{ "\xf0\x9f\x8d", FFFD, "a truncated 4-byte sequence" },
		{ "\xf0\x9f\x8d\xc3\xa9", FFFD "\xc3\xa9", "followed by a valid one" },
		{ "\xc0\xaf", FFFD FFFD, "overlong '/' (C0, C1 are never valid)" },
		{ "\xe0\x80\xaf", FFFD FFFD FFFD, "overlong 3-byte" },
		{ "\xed\xa0\x80", FFFD FFFD FFFD, "a surrogate" },
		{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD, "past U+10FFFF" },
		{ "\xf5\x80", FFFD FFFD, "F5 starts nothing" },
	};

	for (size_t i = 0; i < NITEMS(cases); i++) {
		char *got = json_utf8_clean(cases[i].in);
		cr_expect_str_eq(got, cases[i].want, "case %zu: %s", i, cases[i].why);
		free(got);
	}
}

/* Does a strict parser read doc: decoded as UTF-8 (errors fail), then JSON? */
static int
python_parses(const char *doc)
{
	char path[] = "/tmp/ezpz-json-test-XXXXXX", *cmd;
	int fd = mkstemp(path), status;
	FILE *fp;

	cr_assert(fd >= 0);
	cr_assert((fp = fdopen(fd, "w")) != NULL);
	fputs(doc, fp);
	fclose(fp);
	cmd = xasprintf("python3 -c 'import json, sys; "
	    "json.loads(open(sys.argv[1], \"rb\").read().decode(\"utf-8\"))' %s", path);
	status = system(cmd);
	free(cmd);
	unlink(path);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

Test(json, setup_env_with_invalid_bytes)
{
	struct envdiff d = ENVDIFF_INIT;
	struct step st = { STEP_MODULE_LOAD, "mod\xff/1.0", "--module", STEP_FAILED, 1,
		"failed: \xe2\x82", "Lmod: \xc3 cannot load \xf0\x9f\x8d\n" };
	struct setupenv_plan p = { &st, 1, 1, NULL };
	struct modsys ms = { MODSYS_LMOD, "/opt/lmod\xfe/init/bash", "LMOD_CMD is set" };
	struct setupenv_report rep = { 0, 0, "step 1 \xff", &d, &p, &ms, NULL,
		"/home/\xe9t\xe9/ezpz", NULL };
	char *doc;

	if (system("python3 -c '' 2>/dev/null") != 0)
		cr_skip_test("no python3 to parse the JSON");
	strvec_push(&d.set, "WORKDIR=/home/\xe9t\xe9/proj");    /* Latin-1 */
	strvec_push(&d.set, "CUT=caf\xc3");
	strvec_push(&d.set, "FINE=caf\xc3\xa9");
	strvec_push(&d.set, "K\xff=v");
	strvec_push(&d.unset, "OLD\xff");
	doc = json_setup_env(&rep);
	cr_expect(python_parses(doc), "not UTF-8 JSON:\n%s", doc);
	cr_expect(strstr(doc, "\"WORKDIR\":\t\"/home/" FFFD "t" FFFD "/proj\"") != NULL, "%s", doc);
	cr_expect(strstr(doc, "\"CUT\":\t\"caf" FFFD "\"") != NULL, "%s", doc);
	cr_expect(strstr(doc, "\"FINE\":\t\"caf\xc3\xa9\"") != NULL, "valid text unchanged: %s", doc);
	cr_expect(strstr(doc, "\"K" FFFD "\":\t\"v\"") != NULL, "keys too: %s", doc);
	cr_expect(strstr(doc, "\"output\":\t\"Lmod: " FFFD " cannot load " FFFD "\\n\"") != NULL,
	    "a step's output: %s", doc);
	free(doc);
	envdiff_free(&d);
}
