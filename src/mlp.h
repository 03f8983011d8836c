/* SPDX-License-Identifier: MIT */
/*
 * mlp.h: the model behind 'ezpz test': a float32 MLP autoencoder
 * (Linear+ReLU between layers, linear output, MSE against the input), its
 * backward pass, Adam, a seeded batch generator, a byte hash and a flat
 * checkpoint image.  Pure: no MPI, no I/O, so every piece is unit-tested.
 *
 * Parameters live in one flat buffer, layer by layer: W (in x out, row
 * major), then b (out).  Gradients use the same layout in a buffer the caller
 * owns, so the caller can append what else it wants to reduce (the loss) and
 * average the lot with one MPI_Allreduce.
 */
#ifndef EZPZ_MLP_H
#define EZPZ_MLP_H

#include <stddef.h>
#include <stdint.h>

#define MLP_MAX_LAYERS 32      /* widths, input and output included */
#define MLP_MAX_WIDTH 65536
#define MLP_MAX_BATCH 65536

struct mlp {
	size_t nsizes;           /* widths: sizes[0] in, sizes[nsizes-1] out */
	size_t sizes[MLP_MAX_LAYERS];
	size_t nparams;
	float *params;           /* flat: W0, b0, W1, b1, ... */
	float *adam_m, *adam_v;  /* Adam moments, same layout */
	uint64_t adam_t;         /* Adam steps taken */
	size_t batch;            /* rows the activation buffers hold */
	float *act;              /* activations: input, then each layer's output */
	float *delta[2];         /* backward ping-pong, batch x widest layer */
	float *wt;               /* one transposed weight matrix */
};

struct adam {
	float lr, beta1, beta2, eps;
};

#define ADAM_DEFAULTS { 1e-3f, 0.9f, 0.999f, 1e-8f }

/*
 * Parse "128,1024,512,128" into sizes[]; 0, or -1 with *why set.  Needs at
 * least two widths, each in [1, MLP_MAX_WIDTH], and (an autoencoder) the
 * same width first and last.
 */
int mlp_parse_layers(const char *s, size_t *sizes, size_t *nsizes, const char **why);
size_t mlp_count_params(const size_t *sizes, size_t nsizes);

/*
 * Allocate and initialise as torch.nn.Linear does: W and b uniform in
 * +-1/sqrt(fan_in), from seed.  Adam state zero.  Sizes must be valid
 * (mlp_parse_layers) and batch in [1, MLP_MAX_BATCH].
 */
void mlp_init(struct mlp *m, const size_t *sizes, size_t nsizes, size_t batch, uint64_t seed);
void mlp_free(struct mlp *m);

/* Offsets into the flat buffers of layer l's W and b. */
size_t mlp_weight_offset(const struct mlp *m, size_t l);
size_t mlp_bias_offset(const struct mlp *m, size_t l);

/*
 * Forward n <= m->batch rows of x (n x sizes[0]); returns the MSE loss,
 * mean over n x width of (y - x)^2.  Keeps the activations for backward.
 */
float mlp_forward(struct mlp *m, const float *x, size_t n);
/* Gradient of that loss after mlp_forward(m, x, n): grad gets nparams floats. */
void mlp_backward(struct mlp *m, const float *x, size_t n, float *grad);
/* The model's output of the last forward (n x width). */
const float *mlp_output(const struct mlp *m);

/* One Adam step (PyTorch's formulation, no weight decay) with grad. */
void mlp_adam_step(struct mlp *m, const struct adam *opt, const float *grad);

/*
 * Row-major C[mr x nc] += A B with A(r, k) = a[r * ars + k * aks] and
 * B(k, c) = b[k * ldb + c]; exposed for the unit tests.
 */
void mlp_gemm_acc(size_t mr, size_t nc, size_t kk, const float *a, size_t ars, size_t aks,
    const float *b, size_t ldb, float *c, size_t ldc);

/*
 * A batch of n x width floats uniform in [0, 1), a pure function of
 * (seed, rank, step): each rank draws its own batch every step.
 */
void mlp_batch(float *x, size_t n, size_t width, uint64_t seed, uint64_t rank, uint64_t step);

/*
 * 64-bit hash of bytes (FNV-1a style over 64-bit words, each step
 * bijective, so changing any one word or byte always changes the hash).
 */
uint64_t hash64(const void *p, size_t len, uint64_t h);
#define HASH64_INIT 0xcbf29ce484222325ull
/* Hash of the whole training state: sizes, params, Adam moments and step. */
uint64_t mlp_checksum(const struct mlp *m);

/*
 * Checkpoint image (native byte order): a header (magic, version, widths,
 * Adam step, parameter count), params, Adam m and v, and a trailing hash of
 * all that, equal to mlp_checksum() of the state packed.  Pack into
 * mlp_state_size(m) bytes.  Check verifies magic, shape (m's) and hash, and
 * gives the hash; unpack checks, then loads.  Both return 0, or -1 with
 * *why set, leaving m untouched.
 */
size_t mlp_state_size(const struct mlp *m);
void mlp_state_pack(const struct mlp *m, void *buf);
int mlp_state_check(const struct mlp *m, const void *buf, size_t len, uint64_t *hash,
    const char **why);
int mlp_state_unpack(struct mlp *m, const void *buf, size_t len, const char **why);

#endif
