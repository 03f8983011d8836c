/* SPDX-License-Identifier: MIT */
/*
 * shell.h: code for a user's shell to eval.  Values are quoted so any byte
 * string (quotes, $, backticks, backslashes, newlines, UTF-8) reaches the
 * variable unchanged in sh (dash), bash, zsh and fish.
 */
#ifndef EZPZ_SHELL_H
#define EZPZ_SHELL_H

enum shell { SHELL_SH, SHELL_BASH, SHELL_ZSH, SHELL_FISH };

/* "bash", "zsh", "sh", "dash" (as sh), "fish", or a path to one ("/bin/zsh"). */
int shell_parse(const char *s, enum shell *out);
/* NULL for a value outside enum shell. */
const char *shell_name(enum shell sh);
/* A valid variable name: [A-Za-z_][A-Za-z0-9_]*. */
int shell_valid_name(const char *key);
/*
 * value as one quoted word; malloc'd.  A NULL value is quoted as ''.
 * All three return NULL (errno EINVAL) for an unknown shell.
 */
char *shell_quote(enum shell sh, const char *value);
/* "export KEY=value;\n" (fish: "set -gx KEY value;\n"); malloc'd. */
/* NULL (errno EINVAL) for a key shell_valid_name refuses: never emitted. */
char *shell_export(enum shell sh, const char *key, const char *value);
/* "unset -v KEY;\n" (fish: "set -e KEY;\n"; -v so bash never removes a function
 * of that name); malloc'd.  NULL as above. */
char *shell_unset(enum shell sh, const char *key);

#endif
