/* SPDX-License-Identifier: MIT */
/* Unit tests for mlp.c: the model, its gradients, Adam, hash and image. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlp.h"

static float *
batch(size_t n, size_t width, uint64_t rank, uint64_t step)
{
	float *x = calloc(n * width, sizeof *x);
	mlp_batch(x, n, width, 7, rank, step);
	return x;
}

Test(mlp, parse_layers)
{
	static const struct { const char *s; int ok; size_t n; } cases[] = {
		{ "128,1024,512,256,128", 1, 5 }, { "4,4", 1, 2 }, { "3,1,3", 1, 3 },
		{ "128", 0, 0 }, { "", 0, 0 }, { "4,,4", 0, 0 }, { "4,8", 0, 0 },
		{ "4,0,4", 0, 0 }, { "4,x,4", 0, 0 }, { "4,8,4,", 0, 0 }, { "-4,4", 0, 0 },
		{ "4,65537,4", 0, 0 }, { "4,99999999999999999999,4", 0, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t sizes[MLP_MAX_LAYERS], n = 0;
		const char *why = NULL;
		int r = mlp_parse_layers(cases[i].s, sizes, &n, &why);
		cr_expect_eq(r == 0, cases[i].ok, "'%s'", cases[i].s);
		if (cases[i].ok)
			cr_expect_eq(n, cases[i].n, "'%s'", cases[i].s);
		else
			cr_expect_not_null(why, "'%s'", cases[i].s);
	}
	cr_expect_eq(mlp_count_params((size_t[]){ 128, 1024, 512, 256, 128 }, 5), 821120);
}

/* The kernel against the plain triple loop, ragged edges included. */
Test(mlp, gemm_matches_naive)
{
	static const size_t shapes[][3] = {
		{ 1, 1, 1 }, { 5, 7, 9 }, { 8, 16, 256 }, { 9, 17, 300 }, { 64, 100, 257 }, { 3, 33, 513 },
	};
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
		float *a = batch(m, k, 1, s), *b = batch(k, n, 2, s), *c = batch(m, n, 3, s);
		float *want = malloc(m * n * sizeof *want);
		memcpy(want, c, m * n * sizeof *want);
		for (size_t i = 0; i < m; i++)
			for (size_t kk = 0; kk < k; kk++)
				for (size_t j = 0; j < n; j++)
					want[i * n + j] += a[i * k + kk] * b[kk * n + j];
		mlp_gemm_acc(m, n, k, a, k, 1, b, n, c, n);
		for (size_t i = 0; i < m * n; i++)
			cr_assert_float_eq(c[i], want[i], 1e-5f * (1 + fabsf(want[i])),
			    "%zux%zux%zu at %zu: %g != %g", m, n, k, i, c[i], want[i]);
		/* A transposed (ars = 1, aks = m), as the weight gradient reads it. */
		memcpy(want, c, m * n * sizeof *want);
		for (size_t i = 0; i < m; i++)
			for (size_t kk = 0; kk < k; kk++)
				for (size_t j = 0; j < n; j++)
					want[i * n + j] += a[kk * m + i] * b[kk * n + j];
		mlp_gemm_acc(m, n, k, a, 1, m, b, n, c, n);
		for (size_t i = 0; i < m * n; i++)
			cr_assert_float_eq(c[i], want[i], 1e-5f * (1 + fabsf(want[i])), "transposed A");
		free(a);
		free(b);
		free(c);
		free(want);
	}
}

/* Which hidden units are active (ReLU > 0) after the last forward. */
static int
same_pattern(const struct mlp *m, const unsigned char *want, unsigned char *got, size_t nh)
{
	for (size_t i = 0; i < nh; i++)
		got[i] = m->act[i] > 0;
	return want == NULL || memcmp(want, got, nh) == 0;
}

/*
 * Backward against central differences of the float32 loss.  The loss sums
 * in double, so with h = 1e-3 the difference quotient is good to about 1e-5
 * absolute; the gradients are 1e-3 to 1e-1, so 1e-2 relative (plus 2e-4
 * absolute for the near-zero ones) is an honest bound, and far below what a
 * wrong term (a missing ReLU mask, a wrong scale, a transposed W) produces.
 * A difference quotient is only meaningful where the loss is smooth on
 * [p - h, p + h]: parameters whose nudge switches a ReLU on or off are
 * skipped (and counted: a handful at most).
 */
Test(mlp, gradient_check)
{
	size_t sizes[] = { 6, 9, 7, 6 }, n = 4, worst = 0, skipped = 0, nh = n * (9 + 7);
	unsigned char base[4 * 16], pat[4 * 16];
	struct mlp m;
	float *x = batch(n, 6, 0, 0), *g;
	double worst_rel = 0;

	mlp_init(&m, sizes, 4, n, 3);
	g = calloc(m.nparams, sizeof *g);
	mlp_forward(&m, x, n);
	same_pattern(&m, NULL, base, nh);
	mlp_backward(&m, x, n, g);
	for (size_t i = 0; i < m.nparams; i++) {
		const float h = 1e-3f;
		float p = m.params[i], lp, lm;
		double num, err;
		int smooth;
		m.params[i] = p + h;
		lp = mlp_forward(&m, x, n);
		smooth = same_pattern(&m, base, pat, nh);
		m.params[i] = p - h;
		lm = mlp_forward(&m, x, n);
		smooth &= same_pattern(&m, base, pat, nh);
		m.params[i] = p;
		if (!smooth) {
			skipped++;
			continue;
		}
		num = ((double)lp - (double)lm) / (2.0 * h);
		err = fabs(num - g[i]);
		cr_expect_leq(err, 1e-2 * fmax(fabs(num), fabs(g[i])) + 2e-4,
		    "parameter %zu: backward %g, finite difference %g", i, g[i], num);
		if (fabs(num) > 1e-3 && err / fabs(num) > worst_rel) {
			worst_rel = err / fabs(num);
			worst = i;
		}
	}
	cr_expect_leq(skipped, m.nparams / 20, "%zu of %zu parameters sit on a ReLU kink", skipped,
	    m.nparams);
	cr_log_info("gradient check: worst relative error %.2e (parameter %zu: %g), %zu of %zu "
	    "skipped at a ReLU kink", worst_rel, worst, g[worst], skipped, m.nparams);
	free(g);
	free(x);
	mlp_free(&m);
}

Test(mlp, loss_falls_with_adam)
{
	size_t sizes[] = { 16, 64, 32, 16 }, n = 32, steps = 300;
	struct adam adam = ADAM_DEFAULTS;
	double head = 0, tail = 0;
	struct mlp m;
	float *g;

	mlp_init(&m, sizes, 4, n, 1);
	g = calloc(m.nparams, sizeof *g);
	for (size_t s = 0; s < steps; s++) {
		float *x = batch(n, 16, 0, s), l = mlp_forward(&m, x, n);
		mlp_backward(&m, x, n, g);
		mlp_adam_step(&m, &adam, g);
		if (s < 30)
			head += l / 30;
		if (s >= steps - 30)
			tail += l / 30;
		free(x);
	}
	cr_log_info("loss %.4f -> %.4f", head, tail);
	cr_expect_lt(tail, 0.5 * head, "mean loss of the last 30 steps %g, first 30 %g", tail, head);
	free(g);
	mlp_free(&m);
}

static uint64_t
train_few(uint64_t seed, int steps)
{
	size_t sizes[] = { 8, 16, 8 }, n = 4;
	struct adam adam = ADAM_DEFAULTS;
	struct mlp m;
	float *g;
	uint64_t h;

	mlp_init(&m, sizes, 3, n, seed);
	g = calloc(m.nparams, sizeof *g);
	for (int s = 0; s < steps; s++) {
		float *x = batch(n, 8, 0, (uint64_t)s);
		mlp_forward(&m, x, n);
		mlp_backward(&m, x, n, g);
		mlp_adam_step(&m, &adam, g);
		free(x);
	}
	h = mlp_checksum(&m);
	free(g);
	mlp_free(&m);
	return h;
}

Test(mlp, deterministic)
{
	cr_expect_eq(train_few(1, 0), train_few(1, 0));
	cr_expect_eq(train_few(1, 5), train_few(1, 5));
	cr_expect_neq(train_few(1, 0), train_few(2, 0));
	cr_expect_neq(train_few(1, 5), train_few(1, 4));
}

Test(mlp, batches_differ_by_rank_and_step)
{
	float *a = batch(4, 8, 0, 0), *b = batch(4, 8, 1, 0), *c = batch(4, 8, 0, 1),
	    *d = batch(4, 8, 0, 0);
	cr_expect_neq(memcmp(a, b, 32 * sizeof *a), 0, "rank 0 and 1 drew the same batch");
	cr_expect_neq(memcmp(a, c, 32 * sizeof *a), 0, "step 0 and 1 drew the same batch");
	cr_expect_eq(memcmp(a, d, 32 * sizeof *a), 0, "not a function of (seed, rank, step)");
	for (int i = 0; i < 32; i++)
		cr_expect(a[i] >= 0 && a[i] < 1, "%g outside [0, 1)", a[i]);
	free(a);
	free(b);
	free(c);
	free(d);
}

/* Two Adam steps on a 1 -> 1 model, against numbers worked out by hand. */
Test(mlp, adam_hand_computed)
{
	size_t sizes[] = { 1, 1 };
	struct adam adam = ADAM_DEFAULTS;
	struct mlp m;
	float g1[] = { 0.1f, -0.2f }, g2[] = { 0.3f, 0.1f };

	mlp_init(&m, sizes, 2, 1, 0);
	m.params[0] = 0.5f;
	m.params[1] = -0.25f;
	/* t = 1: mhat = g, vhat = g^2, so each moves by lr * g / (|g| + eps). */
	mlp_adam_step(&m, &adam, g1);
	cr_expect_float_eq(m.params[0], 0.499000000f, 1e-7f);
	cr_expect_float_eq(m.params[1], -0.249000000f, 1e-7f);
	cr_expect_float_eq(m.adam_m[0], 0.01f, 1e-8f);
	cr_expect_float_eq(m.adam_v[1], 4e-5f, 1e-9f);   /* 1 - 0.999f is not 0.001 */
	/*
	 * t = 2, parameter 0: m = 0.9 * 0.01 + 0.1 * 0.3 = 0.039,
	 * v = 0.999 * 1e-5 + 0.001 * 0.09 = 9.999e-5; mhat = 0.039 / 0.19,
	 * vhat = 9.999e-5 / 0.001999; p = 0.499 - 1e-3 * mhat / sqrt(vhat)
	 * = 0.498082219.  Parameter 1 likewise: -0.248733663.
	 */
	mlp_adam_step(&m, &adam, g2);
	cr_expect_float_eq(m.params[0], 0.498082219f, 2e-7f, "%.9f", m.params[0]);
	cr_expect_float_eq(m.params[1], -0.248733663f, 2e-7f, "%.9f", m.params[1]);
	cr_expect_float_eq(m.adam_m[0], 0.039f, 1e-7f);
	cr_expect_eq(m.adam_t, 2);
	mlp_free(&m);
}

Test(mlp, checksum_sees_every_bit)
{
	size_t sizes[] = { 8, 16, 8 };
	struct mlp m;
	uint64_t h0;
	float *arrays[3];

	mlp_init(&m, sizes, 3, 2, 5);
	h0 = mlp_checksum(&m);
	arrays[0] = m.params;
	arrays[1] = m.adam_m;
	arrays[2] = m.adam_v;
	for (int a = 0; a < 3; a++)
		for (size_t i = 0; i < m.nparams; i += m.nparams / 7)
			for (int bit = 0; bit < 32; bit += 5) {
				uint32_t u;
				memcpy(&u, &arrays[a][i], 4);
				u ^= 1u << bit;
				memcpy(&arrays[a][i], &u, 4);
				cr_expect_neq(mlp_checksum(&m), h0, "array %d element %zu bit %d", a, i,
				    bit);
				u ^= 1u << bit;
				memcpy(&arrays[a][i], &u, 4);
			}
	cr_expect_eq(mlp_checksum(&m), h0);
	m.adam_t++;
	cr_expect_neq(mlp_checksum(&m), h0, "the Adam step is part of the state");
	/* An odd byte count hashes its tail too. */
	cr_expect_neq(hash64("abcdefghi", 9, HASH64_INIT), hash64("abcdefghj", 9, HASH64_INIT));
	mlp_free(&m);
}

Test(mlp, state_round_trip)
{
	size_t sizes[] = { 8, 16, 8 }, other[] = { 8, 12, 8 };
	struct mlp m, o;
	unsigned char *img;
	size_t len;
	uint64_t h0, h;
	const char *why = NULL;

	mlp_init(&m, sizes, 3, 2, 5);
	m.adam_t = 42;
	m.adam_m[3] = 0.5f;
	h0 = mlp_checksum(&m);
	len = mlp_state_size(&m);
	img = malloc(len);
	mlp_state_pack(&m, img);
	cr_assert_eq(mlp_state_check(&m, img, len, &h, &why), 0, "%s", why);
	cr_expect_eq(h, h0, "image hash is the model checksum");

	m.params[0] += 1;
	m.adam_t = 1;
	cr_assert_eq(mlp_state_unpack(&m, img, len, &why), 0, "%s", why);
	cr_expect_eq(mlp_checksum(&m), h0);
	cr_expect_eq(m.adam_t, 42);

	img[len / 2] ^= 0x10;
	cr_expect_eq(mlp_state_unpack(&m, img, len, &why), -1);
	cr_expect_str_eq(why, "checksum mismatch (corrupt checkpoint)");
	img[len / 2] ^= 0x10;
	cr_expect_eq(mlp_state_check(&m, img, len - 1, &h, &why), -1, "short image");
	img[0] = 'X';
	cr_expect_eq(mlp_state_check(&m, img, len, &h, &why), -1, "bad magic");
	img[0] = 'E';

	mlp_init(&o, other, 3, 2, 5);
	cr_expect_eq(mlp_state_unpack(&o, img, len, &why), -1, "another shape");
	cr_expect_eq(mlp_checksum(&m), h0, "failed unpacks leave the model alone");
	mlp_free(&o);
	free(img);
	mlp_free(&m);
}
