/* SPDX-License-Identifier: MIT */
/*
 * mlp.c: the float32 MLP autoencoder 'ezpz test' trains, its gradients,
 * Adam, the batch generator, the state hash and the checkpoint image.
 *
 * Every matrix product goes through one register-blocked kernel
 * (mlp_gemm_acc): an 8 x 16 tile of C accumulated over a 256-deep slice of k,
 * written as plain loops the compiler vectorises.  Each product is phrased as
 * "broadcast a, multiply a row of B" so that no float reduction has to be
 * reassociated (which the compiler may not do without -ffast-math); the one
 * product that would need dot products (dX = dY W^T) uses W transposed into
 * scratch instead.  On x86-64 with GCC the kernel is cloned for AVX2 and
 * AVX-512 and picked at load time; this changes rounding only in gradients,
 * which MPI averages before use, never in the Adam update, which must be
 * bit-identical on every rank.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mlp.h"
#include "util.h"

#define MR 8     /* rows of C per tile */
#define NR 16    /* columns of C per tile: one AVX-512 or two AVX2 vectors */
#define KC 256   /* depth of one pass: a 16 KiB panel of B stays in L1 */
#define TB 32    /* transpose block */

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(EZPZ_NO_CLONES)
#define KERNEL_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KERNEL_CLONES
#endif
#define ALWAYS_INLINE inline __attribute__((always_inline))

static const char state_magic[8] = { 'E', 'Z', 'P', 'Z', 'M', 'L', 'P', '1' };
enum { STATE_VERSION = 1 };

static uint64_t
splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1) with the 24 bits a float holds. */
static float
uniform01(uint64_t *s)
{
	return (float)(splitmix64(s) >> 40) * 0x1p-24f;
}

int
mlp_parse_layers(const char *s, size_t *sizes, size_t *nsizes, const char **why)
{
	size_t n = 0;
	const char *p = s;

	for (;;) {
		const char *end = p;
		unsigned long v = 0;
		while (*end >= '0' && *end <= '9') {
			v = v * 10 + (unsigned long)(*end - '0');
			if (v > MLP_MAX_WIDTH)
				break;
			end++;
		}
		if (end == p || (*end != ',' && *end != '\0')) {
			*why = v > MLP_MAX_WIDTH ? "a width is above 65536" :
			    "not a comma-separated list of widths";
			return -1;
		}
		if (v == 0) {
			*why = "a width is 0";
			return -1;
		}
		if (n == MLP_MAX_LAYERS) {
			*why = "more than 32 widths";
			return -1;
		}
		sizes[n++] = v;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	if (n < 2) {
		*why = "needs at least two widths (input and output)";
		return -1;
	}
	if (sizes[0] != sizes[n - 1]) {
		*why = "first and last width differ (the model reconstructs its input)";
		return -1;
	}
	*nsizes = n;
	return 0;
}

size_t
mlp_count_params(const size_t *sizes, size_t nsizes)
{
	size_t n = 0;
	for (size_t l = 0; l + 1 < nsizes; l++)
		n += sizes[l] * sizes[l + 1] + sizes[l + 1];
	return n;
}

size_t
mlp_weight_offset(const struct mlp *m, size_t l)
{
	return mlp_count_params(m->sizes, l + 1);
}

size_t
mlp_bias_offset(const struct mlp *m, size_t l)
{
	return mlp_weight_offset(m, l) + m->sizes[l] * m->sizes[l + 1];
}

static size_t
act_offset(const struct mlp *m, size_t l)
{
	/* Activation l >= 1 (layer l-1's output); activation 0 is the caller's x. */
	size_t off = 0;
	for (size_t i = 1; i < l; i++)
		off += m->batch * m->sizes[i];
	return off;
}

void
mlp_init(struct mlp *m, const size_t *sizes, size_t nsizes, size_t batch, uint64_t seed)
{
	size_t widest = 0, wmax = 0, nact = 0;
	uint64_t s = seed;

	memset(m, 0, sizeof *m);
	m->nsizes = nsizes;
	memcpy(m->sizes, sizes, nsizes * sizeof *sizes);
	m->nparams = mlp_count_params(sizes, nsizes);
	m->batch = batch;
	for (size_t l = 0; l < nsizes; l++) {
		widest = sizes[l] > widest ? sizes[l] : widest;
		if (l > 0)
			nact += batch * sizes[l];
		if (l + 1 < nsizes && sizes[l] * sizes[l + 1] > wmax)
			wmax = sizes[l] * sizes[l + 1];
	}
	m->params = xcalloc(m->nparams, sizeof(float));
	m->adam_m = xcalloc(m->nparams, sizeof(float));
	m->adam_v = xcalloc(m->nparams, sizeof(float));
	m->act = xcalloc(nact, sizeof(float));
	m->delta[0] = xcalloc(batch * widest, sizeof(float));
	m->delta[1] = xcalloc(batch * widest, sizeof(float));
	m->wt = xcalloc(wmax, sizeof(float));

	for (size_t l = 0; l + 1 < nsizes; l++) {
		float bound = 1.0f / sqrtf((float)sizes[l]);
		float *w = m->params + mlp_weight_offset(m, l);
		size_t nw = sizes[l] * sizes[l + 1] + sizes[l + 1];   /* W then b */
		for (size_t i = 0; i < nw; i++)
			w[i] = (2.0f * uniform01(&s) - 1.0f) * bound;
	}
}

void
mlp_free(struct mlp *m)
{
	free(m->params);
	free(m->adam_m);
	free(m->adam_v);
	free(m->act);
	free(m->delta[0]);
	free(m->delta[1]);
	free(m->wt);
	memset(m, 0, sizeof *m);
}

/* C[MR x NR] += A B over kk: the accumulators stay in registers. */
static ALWAYS_INLINE void
kernel_full(size_t kk, const float *restrict a, size_t ars, size_t aks,
    const float *restrict b, size_t ldb, float *restrict c, size_t ldc)
{
	float acc[MR][NR];

	for (size_t r = 0; r < MR; r++)
		for (size_t j = 0; j < NR; j++)
			acc[r][j] = c[r * ldc + j];
	for (size_t k = 0; k < kk; k++) {
		const float *restrict bk = b + k * ldb;
		for (size_t r = 0; r < MR; r++) {
			float ar = a[r * ars + k * aks];
			for (size_t j = 0; j < NR; j++)
				acc[r][j] += ar * bk[j];
		}
	}
	for (size_t r = 0; r < MR; r++)
		for (size_t j = 0; j < NR; j++)
			c[r * ldc + j] = acc[r][j];
}

/* The ragged edges: any mr <= MR, nc <= NR. */
static ALWAYS_INLINE void
kernel_edge(size_t mr, size_t nc, size_t kk, const float *a, size_t ars, size_t aks,
    const float *b, size_t ldb, float *c, size_t ldc)
{
	for (size_t r = 0; r < mr; r++)
		for (size_t k = 0; k < kk; k++) {
			float ar = a[r * ars + k * aks];
			for (size_t j = 0; j < nc; j++)
				c[r * ldc + j] += ar * b[k * ldb + j];
		}
}

KERNEL_CLONES void
mlp_gemm_acc(size_t mr, size_t nc, size_t kk, const float *a, size_t ars, size_t aks,
    const float *b, size_t ldb, float *c, size_t ldc)
{
	for (size_t k0 = 0; k0 < kk; k0 += KC) {
		size_t kc = kk - k0 < KC ? kk - k0 : KC;
		for (size_t j = 0; j < nc; j += NR) {
			size_t n = nc - j < NR ? nc - j : NR;
			for (size_t i = 0; i < mr; i += MR) {
				size_t m = mr - i < MR ? mr - i : MR;
				const float *ap = a + i * ars + k0 * aks;
				const float *bp = b + k0 * ldb + j;
				float *cp = c + i * ldc + j;
				if (m == MR && n == NR)
					kernel_full(kc, ap, ars, aks, bp, ldb, cp, ldc);
				else
					kernel_edge(m, n, kc, ap, ars, aks, bp, ldb, cp, ldc);
			}
		}
	}
}

/* dst (cols x rows) = src (rows x cols) transposed, in cache-sized blocks. */
static void
transpose(float *restrict dst, const float *restrict src, size_t rows, size_t cols)
{
	for (size_t i0 = 0; i0 < rows; i0 += TB)
		for (size_t j0 = 0; j0 < cols; j0 += TB) {
			size_t i1 = i0 + TB < rows ? i0 + TB : rows;
			size_t j1 = j0 + TB < cols ? j0 + TB : cols;
			for (size_t i = i0; i < i1; i++)
				for (size_t j = j0; j < j1; j++)
					dst[j * rows + i] = src[i * cols + j];
		}
}

const float *
mlp_output(const struct mlp *m)
{
	return m->act + act_offset(m, m->nsizes - 1);
}

float
mlp_forward(struct mlp *m, const float *x, size_t n)
{
	const float *in = x;
	size_t nl = m->nsizes - 1, width = m->sizes[0];
	const float *y;
	double sum = 0;

	for (size_t l = 0; l < nl; l++) {
		size_t ni = m->sizes[l], no = m->sizes[l + 1];
		const float *w = m->params + mlp_weight_offset(m, l);
		const float *bias = m->params + mlp_bias_offset(m, l);
		float *out = m->act + act_offset(m, l + 1);

		for (size_t r = 0; r < n; r++)
			memcpy(out + r * no, bias, no * sizeof *out);
		mlp_gemm_acc(n, no, ni, in, ni, 1, w, no, out, no);
		if (l + 1 < nl)
			for (size_t i = 0; i < n * no; i++)
				out[i] = out[i] > 0.0f ? out[i] : 0.0f;
		in = out;
	}
	y = mlp_output(m);
	for (size_t i = 0; i < n * width; i++) {
		double d = (double)y[i] - (double)x[i];
		sum += d * d;
	}
	return (float)(sum / (double)(n * width));
}

void
mlp_backward(struct mlp *m, const float *x, size_t n, float *grad)
{
	size_t nl = m->nsizes - 1, width = m->sizes[0];
	const float *y = mlp_output(m);
	float scale = 2.0f / (float)(n * width);
	float *d = m->delta[0], *dnext = m->delta[1];

	for (size_t i = 0; i < n * width; i++)
		d[i] = scale * (y[i] - x[i]);
	for (size_t l = nl; l-- > 0;) {
		size_t ni = m->sizes[l], no = m->sizes[l + 1];
		const float *in = l == 0 ? x : m->act + act_offset(m, l);
		float *gw = grad + mlp_weight_offset(m, l);
		float *gb = grad + mlp_bias_offset(m, l);
		float *tmp;

		memset(gb, 0, no * sizeof *gb);
		for (size_t r = 0; r < n; r++)
			for (size_t j = 0; j < no; j++)
				gb[j] += d[r * no + j];
		memset(gw, 0, ni * no * sizeof *gw);
		mlp_gemm_acc(ni, no, n, in, 1, ni, d, no, gw, no);
		if (l == 0)
			break;
		transpose(m->wt, m->params + mlp_weight_offset(m, l), ni, no);
		memset(dnext, 0, n * ni * sizeof *dnext);
		mlp_gemm_acc(n, ni, no, d, no, 1, m->wt, ni, dnext, ni);
		for (size_t i = 0; i < n * ni; i++)   /* ReLU': in is its output */
			dnext[i] = in[i] > 0.0f ? dnext[i] : 0.0f;
		tmp = d;
		d = dnext;
		dnext = tmp;
	}
}

void
mlp_adam_step(struct mlp *m, const struct adam *opt, const float *grad)
{
	/* Not cloned or reassociated: every rank must compute the same bits. */
	float b1 = opt->beta1, b2 = opt->beta2;
	float *restrict p = m->params, *restrict mm = m->adam_m, *restrict vv = m->adam_v;
	float step, bc2sqrt;

	m->adam_t++;
	step = (float)((double)opt->lr / (1.0 - pow(b1, (double)m->adam_t)));
	bc2sqrt = (float)sqrt(1.0 - pow(b2, (double)m->adam_t));
	for (size_t i = 0; i < m->nparams; i++) {
		float g = grad[i];
		mm[i] = b1 * mm[i] + (1.0f - b1) * g;
		vv[i] = b2 * vv[i] + (1.0f - b2) * g * g;
		p[i] -= step * mm[i] / (sqrtf(vv[i]) / bc2sqrt + opt->eps);
	}
}

void
mlp_batch(float *x, size_t n, size_t width, uint64_t seed, uint64_t rank, uint64_t step)
{
	uint64_t s = seed;
	uint64_t k = splitmix64(&s) ^ rank;
	s = k;
	k = splitmix64(&s) ^ step;
	s = k;
	for (size_t i = 0; i < n * width; i++)
		x[i] = uniform01(&s);
}

uint64_t
hash64(const void *p, size_t len, uint64_t h)
{
	const unsigned char *s = p;
	const uint64_t prime = 0x100000001b3ull;

	/* (h ^ w) * odd and h ^= h >> 32 are both bijections of h. */
	for (; len >= 8; len -= 8, s += 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * prime;
		h ^= h >> 32;
	}
	for (; len > 0; len--, s++) {
		h = (h ^ *s) * prime;
		h ^= h >> 32;
	}
	return h;
}

/* Header: magic, version, nsizes, sizes, adam_t, nparams (all 8-byte words). */
static size_t
state_header(const struct mlp *m, unsigned char *buf)
{
	uint32_t ver = STATE_VERSION, ns = (uint32_t)m->nsizes;
	uint64_t v;
	size_t off = 0;

	memcpy(buf + off, state_magic, 8);
	off += 8;
	memcpy(buf + off, &ver, 4);
	memcpy(buf + off + 4, &ns, 4);
	off += 8;
	for (size_t i = 0; i < m->nsizes; i++, off += 8) {
		v = m->sizes[i];
		memcpy(buf + off, &v, 8);
	}
	memcpy(buf + off, &m->adam_t, 8);
	off += 8;
	v = m->nparams;
	memcpy(buf + off, &v, 8);
	return off + 8;
}

#define STATE_HEADER_MAX (8 + 8 + 8 * MLP_MAX_LAYERS + 8 + 8)

static uint64_t
state_hash(const unsigned char *hdr, size_t hlen, const void *p, const void *mm, const void *vv,
    size_t n)
{
	uint64_t h = hash64(hdr, hlen, HASH64_INIT);
	h = hash64(p, n * sizeof(float), h);
	h = hash64(mm, n * sizeof(float), h);
	return hash64(vv, n * sizeof(float), h);
}

uint64_t
mlp_checksum(const struct mlp *m)
{
	unsigned char hdr[STATE_HEADER_MAX];
	size_t hlen = state_header(m, hdr);
	return state_hash(hdr, hlen, m->params, m->adam_m, m->adam_v, m->nparams);
}

size_t
mlp_state_size(const struct mlp *m)
{
	unsigned char hdr[STATE_HEADER_MAX];
	return state_header(m, hdr) + 3 * m->nparams * sizeof(float) + 8;
}

void
mlp_state_pack(const struct mlp *m, void *buf)
{
	unsigned char *b = buf;
	size_t hlen = state_header(m, b), nb = m->nparams * sizeof(float);
	uint64_t h;

	memcpy(b + hlen, m->params, nb);
	memcpy(b + hlen + nb, m->adam_m, nb);
	memcpy(b + hlen + 2 * nb, m->adam_v, nb);
	h = state_hash(b, hlen, b + hlen, b + hlen + nb, b + hlen + 2 * nb, m->nparams);
	memcpy(b + hlen + 3 * nb, &h, 8);
}

int
mlp_state_check(const struct mlp *m, const void *buf, size_t len, uint64_t *hash,
    const char **why)
{
	const unsigned char *b = buf;
	unsigned char want[STATE_HEADER_MAX];
	size_t hlen, nb = m->nparams * sizeof(float);
	uint64_t h, stored;

	if (len < 16 || memcmp(b, state_magic, 8) != 0) {
		*why = "not an ezpz model checkpoint";
		return -1;
	}
	hlen = state_header(m, want);
	if (len != hlen + 3 * nb + 8) {
		*why = "size does not match this model";
		return -1;
	}
	/* All but adam_t (at hlen - 16) must match this model's shape. */
	if (memcmp(b, want, hlen - 16) != 0 || memcmp(b + hlen - 8, want + hlen - 8, 8) != 0) {
		*why = "layer sizes do not match this model";
		return -1;
	}
	h = state_hash(b, hlen, b + hlen, b + hlen + nb, b + hlen + 2 * nb, m->nparams);
	memcpy(&stored, b + hlen + 3 * nb, 8);
	if (h != stored) {
		*why = "checksum mismatch (corrupt checkpoint)";
		return -1;
	}
	*hash = h;
	return 0;
}

int
mlp_state_unpack(struct mlp *m, const void *buf, size_t len, const char **why)
{
	const unsigned char *b = buf;
	unsigned char hdr[STATE_HEADER_MAX];
	size_t hlen = state_header(m, hdr), nb = m->nparams * sizeof(float);
	uint64_t h;

	if (mlp_state_check(m, buf, len, &h, why) < 0)
		return -1;
	memcpy(&m->adam_t, b + hlen - 16, 8);
	memcpy(m->params, b + hlen, nb);
	memcpy(m->adam_m, b + hlen + nb, nb);
	memcpy(m->adam_v, b + hlen + 2 * nb, nb);
	return 0;
}
