/* SPDX-License-Identifier: MIT */
/* Unit tests for buf.c, write_all and the KEY=VALUE split in strvec.c. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "strvec.h"
#include "util.h"

Test(buf, empty_detach_is_empty_string)
{
	struct buf b = BUF_INIT;
	char *s = buf_detach(&b);
	cr_expect_str_eq(s, "");
	cr_expect_eq(buf_len(&b), 0);
	free(s);
}

Test(buf, append_pieces)
{
	struct buf b = BUF_INIT;
	char *s;
	buf_add(&b, "abcdef", 3);
	buf_addc(&b, '-');
	buf_adds(&b, "x");
	buf_addf(&b, "[%d:%s]", 42, "y");
	cr_expect_eq(buf_len(&b), 11);
	cr_expect_str_eq(b.s, "abc-x[42:y]");
	s = buf_detach(&b);
	cr_expect_null(b.s);
	cr_expect_eq(buf_len(&b), 0);
	cr_expect_str_eq(s, "abc-x[42:y]");
	free(s);
}

Test(buf, grows_past_many_doublings)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < 10000; i++)
		buf_addf(&b, "%04d,", i % 10000);
	cr_expect_eq(buf_len(&b), 50000);
	cr_expect_eq(strncmp(b.s + 5 * 9999, "9999,", 5), 0);
	cr_expect_eq(b.s[b.len], '\0');
	buf_free(&b);
	cr_expect_null(b.s);
}

Test(buf, addf_long_text)
{
	struct buf b = BUF_INIT;
	char big[3000];
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_adds(&b, "<");
	buf_addf(&b, "%s>", big);
	cr_expect_eq(buf_len(&b), sizeof big + 1);
	cr_expect_eq(b.s[0], '<');
	cr_expect_eq(b.s[b.len - 1], '>');
	buf_free(&b);
}

Test(util, write_all_writes_everything)
{
	int fd[2];
	char got[6] = { 0 };
	cr_assert_eq(pipe(fd), 0);
	cr_expect_eq(write_all(fd[1], "hello", 5), 0);
	close(fd[1]);
	cr_expect_eq(read(fd[0], got, 5), 5);
	cr_expect_str_eq(got, "hello");
	close(fd[0]);
	cr_expect_eq(write_all(-1, "x", 1), -1);
}

Test(strvec, env_split_and_put)
{
	static const struct { const char *in, *key, *val; } cases[] = {
		{ "A=1", "A", "1" }, { "A=", "A", "" }, { "A=b=c", "A", "b=c" },
		{ "=v", "", "v" }, { "noeq", NULL, NULL },
	};
	struct strvec env = STRVEC_INIT;
	for (size_t i = 0; i < NITEMS(cases); i++) {
		const char *v = NULL;
		char *k = env_split(cases[i].in, &v);
		if (cases[i].key == NULL) {
			cr_expect_null(k, "%s", cases[i].in);
			continue;
		}
		cr_expect_str_eq(k, cases[i].key);
		cr_expect_str_eq(v, cases[i].val);
		free(k);
	}
	envset_put(&env, "X=1");
	envset_put(&env, "Y=2");
	envset_put(&env, "X=3=4");
	envset_put(&env, "ignored");
	cr_expect_eq(env.n, 2);
	cr_expect_str_eq(env.v[0], "X=3=4");
	cr_expect_str_eq(env.v[1], "Y=2");
	strvec_clear(&env);
}
