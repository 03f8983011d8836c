/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for shell.c: the exact text emitted for each shell, so that a
 * change of format is a deliberate one.  That the text means the right thing
 * to the real shells is tests/sh/t-shell-roundtrip.sh's job.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"
#include "util.h"

/* One value, and how sh, bash (= zsh) and fish quote it. */
static const struct {
	const char *v, *sh, *bash, *fish;
} quotes[] = {
	{ "", "''", "''", "''" },
	{ "plain", "plain", "plain", "plain" },
	{ "1234.pbs01", "1234.pbs01", "1234.pbs01", "1234.pbs01" },
	{ "/usr/bin:/bin", "/usr/bin:/bin", "/usr/bin:/bin", "/usr/bin:/bin" },
	{ "-x", "-x", "-x", "-x" },
	{ "a,b+c@d", "a,b+c@d", "a,b+c@d", "a,b+c@d" },
	{ "a b", "'a b'", "'a b'", "'a b'" },
	{ "'", "\\'", "\\'", "'\\''" },
	{ "''", "\\'\\'", "\\'\\'", "'\\'\\''" },
	{ "it's", "'it'\\''s'", "'it'\\''s'", "'it\\'s'" },
	{ "a'", "'a'\\'", "'a'\\'", "'a\\''" },
	{ "'a", "\\''a'", "\\''a'", "'\\'a'" },
	{ "\"", "'\"'", "'\"'", "'\"'" },
	{ "$HOME", "'$HOME'", "'$HOME'", "'$HOME'" },
	{ "$(id)`id`", "'$(id)`id`'", "'$(id)`id`'", "'$(id)`id`'" },
	{ "a\\b", "'a\\b'", "'a\\b'", "'a\\\\b'" },
	{ "\\'", "'\\'\\'", "'\\'\\'", "'\\\\\\''" },
	{ "!!", "'!!'", "'!!'", "'!!'" },
	{ "#", "'#'", "'#'", "'#'" },
	{ "~", "'~'", "'~'", "'~'" },
	{ "*?[a]", "'*?[a]'", "'*?[a]'", "'*?[a]'" },
	{ "{a,b}", "'{a,b}'", "'{a,b}'", "'{a,b}'" },
	{ "a=b", "a=b", "a=b", "a=b" },
	{ "--np=24", "--np=24", "--np=24", "--np=24" },
	{ "=ls", "'=ls'", "'=ls'", "'=ls'" },
	{ "a==ls", "'a==ls'", "'a==ls'", "'a==ls'" },
	{ "/x:=y", "'/x:=y'", "'/x:=y'", "'/x:=y'" },
	{ "%self", "'%self'", "'%self'", "'%self'" },
	{ "a\nb", "'a\nb'", "$'a\\nb'", "'a'\\n'b'" },
	{ "\n", "'\n'", "$'\\n'", "\\n" },
	{ "x\n\n", "'x\n\n'", "$'x\\n\\n'", "'x'\\n\\n" },
	{ "a\tb\r", "'a\tb\r'", "$'a\\tb\\r'", "'a'\\t'b'\\r" },
	{ "it's\n", "'it'\\''s\n'", "$'it\\'s\\n'", "'it\\'s'\\n" },
	{ "a\\b\n", "'a\\b\n'", "$'a\\\\b\\n'", "'a\\\\b'\\n" },
	{ "\x01\x1b\x7f", "'\x01\x1b\x7f'", "$'\\x01\\x1b\\x7f'", "\\x01\\x1b\\x7f" },
	{ "\xc3\xa9", "'\xc3\xa9'", "$'\\xc3\\xa9'", "\\xc3\\xa9" },
	{ "a\xff'b", "'a\xff'\\''b'", "$'a\\xff\\'b'", "'a'\\xff'\\'b'" },
	{ "!\xc3\xa9!", "'!\xc3\xa9!'", "$'!\\xc3\\xa9!'", "'!'\\xc3\\xa9'!'" },
};

Test(shell, quote)
{
	for (size_t i = 0; i < NITEMS(quotes); i++) {
		const char *want[] = {
			[SHELL_SH] = quotes[i].sh, [SHELL_BASH] = quotes[i].bash,
			[SHELL_ZSH] = quotes[i].bash, [SHELL_FISH] = quotes[i].fish,
		};
		for (enum shell sh = SHELL_SH; sh <= SHELL_FISH; sh++) {
			char *q = shell_quote(sh, quotes[i].v);
			cr_expect_str_eq(q, want[sh], "%s: case %zu: got [%s] want [%s]",
			    shell_name(sh), i, q, want[sh]);
			free(q);
		}
	}
}

Test(shell, quote_null_is_empty)
{
	char *q = shell_quote(SHELL_BASH, NULL);
	cr_expect_str_eq(q, "''");
	free(q);
}

/* Output is always one line of printable ASCII, except for sh. */
Test(shell, quote_ascii_one_line)
{
	char all[256];
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	for (enum shell sh = SHELL_BASH; sh <= SHELL_FISH; sh++) {
		char *q = shell_quote(sh, all);
		for (const char *p = q; *p; p++)
			cr_expect(*p >= 0x20 && *p <= 0x7e, "%s: byte 0x%02x",
			    shell_name(sh), (unsigned char)*p);
		free(q);
	}
}

Test(shell, quote_long)
{
	size_t n = 1 << 20;
	char *v = xmalloc(n + 1);
	memset(v, '\'', n);
	v[n] = '\0';
	char *q = shell_quote(SHELL_SH, v);
	cr_expect_eq(strlen(q), 2 * n);
	free(q);
	q = shell_quote(SHELL_FISH, v);
	cr_expect_eq(strlen(q), 2 * n + 2);
	free(q);
	free(v);
}

static const struct {
	enum shell sh;
	const char *key, *value, *exp, *unset;
} lines[] = {
	{ SHELL_SH, "K", "v", "export K=v;\n", "unset -v K;\n" },
	{ SHELL_BASH, "K_1", "a b", "export K_1='a b';\n", "unset -v K_1;\n" },
	{ SHELL_ZSH, "_K", "", "export _K='';\n", "unset -v _K;\n" },
	{ SHELL_FISH, "PATH", "/a:/b", "set -gx PATH /a:/b;\n", "set -e PATH;\n" },
	{ SHELL_FISH, "K", "-e", "set -gx K -e;\n", "set -e K;\n" },
	{ SHELL_FISH, "K", "x\ny", "set -gx K 'x'\\n'y';\n", "set -e K;\n" },
};

Test(shell, export_unset)
{
	for (size_t i = 0; i < NITEMS(lines); i++) {
		char *e = shell_export(lines[i].sh, lines[i].key, lines[i].value);
		char *u = shell_unset(lines[i].sh, lines[i].key);
		cr_expect_str_eq(e, lines[i].exp, "case %zu: [%s]", i, e);
		cr_expect_str_eq(u, lines[i].unset, "case %zu: [%s]", i, u);
		free(e);
		free(u);
	}
}

static const char *const bad_names[] = {
	"", "1A", "A-B", "A B", "A=B", "A;rm -rf ~", "$A", "A\n", "é", "A.B",
};

Test(shell, export_refuses_invalid_names)
{
	for (size_t i = 0; i < NITEMS(bad_names); i++) {
		for (enum shell sh = SHELL_SH; sh <= SHELL_FISH; sh++) {
			errno = 0;
			cr_expect_null(shell_export(sh, bad_names[i], "v"), "[%s]", bad_names[i]);
			cr_expect_eq(errno, EINVAL);
			cr_expect_null(shell_unset(sh, bad_names[i]), "[%s]", bad_names[i]);
		}
	}
	cr_expect_null(shell_export(SHELL_SH, NULL, "v"));
	cr_expect_null(shell_unset(SHELL_SH, NULL));
	cr_expect_null(shell_export((enum shell)42, "K", "v"));
	cr_expect_null(shell_quote((enum shell)42, "v"));
}

Test(shell, valid_name)
{
	static const char *const good[] = {
		"A", "_", "a", "_1", "PATH", "CUDA_VISIBLE_DEVICES", "x9_Y",
	};
	for (size_t i = 0; i < NITEMS(good); i++)
		cr_expect(shell_valid_name(good[i]), "[%s]", good[i]);
	for (size_t i = 0; i < NITEMS(bad_names); i++)
		cr_expect(!shell_valid_name(bad_names[i]), "[%s]", bad_names[i]);
	cr_expect(!shell_valid_name(NULL));
}

Test(shell, parse)
{
	static const struct {
		const char *s;
		int ok;
		enum shell sh;
	} cases[] = {
		{ "sh", 1, SHELL_SH }, { "dash", 1, SHELL_SH }, { "bash", 1, SHELL_BASH },
		{ "zsh", 1, SHELL_ZSH }, { "fish", 1, SHELL_FISH },
		{ "/bin/sh", 1, SHELL_SH }, { "/usr/bin/zsh", 1, SHELL_ZSH },
		{ "/usr/local/bin/fish", 1, SHELL_FISH }, { "bin/dash", 1, SHELL_SH },
		{ "csh", 0, 0 }, { "tcsh", 0, 0 }, { "ksh", 0, 0 }, { "pwsh", 0, 0 },
		{ "", 0, 0 }, { "/", 0, 0 }, { "/bin/", 0, 0 }, { "Bash", 0, 0 },
		{ "bash ", 0, 0 }, { "-bash", 0, 0 }, { "zsh/", 0, 0 }, { "bash5", 0, 0 },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		enum shell sh = (enum shell)99;
		int r = shell_parse(cases[i].s, &sh);
		cr_expect_eq(r == 0, cases[i].ok, "shell_parse('%s')", cases[i].s);
		if (cases[i].ok)
			cr_expect_eq(sh, cases[i].sh, "shell_parse('%s')", cases[i].s);
		else
			cr_expect_eq(sh, (enum shell)99, "'%s' wrote *out", cases[i].s);
	}
	cr_expect_eq(shell_parse(NULL, NULL), -1);
}

Test(shell, name)
{
	cr_expect_str_eq(shell_name(SHELL_SH), "sh");
	cr_expect_str_eq(shell_name(SHELL_BASH), "bash");
	cr_expect_str_eq(shell_name(SHELL_ZSH), "zsh");
	cr_expect_str_eq(shell_name(SHELL_FISH), "fish");
	cr_expect_null(shell_name((enum shell)42));
	/* shell_name and shell_parse are inverses */
	for (enum shell sh = SHELL_SH; sh <= SHELL_FISH; sh++) {
		enum shell back;
		cr_expect_eq(shell_parse(shell_name(sh), &back), 0);
		cr_expect_eq(back, sh);
	}
}
