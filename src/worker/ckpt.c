/* SPDX-License-Identifier: MIT */
/*
 * ckpt.c: phase 3, checkpointing the way the talk says to.  Only rank 0
 * writes the model and optimiser state (to a temporary name, then renamed),
 * reads it back and broadcasts it; every rank then compares, with one
 * allgather of hashes, its own live state and what it received against what
 * rank 0 wrote, and loads the received state, as a resume would.  Any rank
 * whose parameters drifted from the others, or whose copy arrived different,
 * fails the check by name.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../strvec.h"
#include "worker.h"

#define CKPT_NAME "ezpz-test-checkpoint"
#define LIST_MAX 16   /* ranks named in one message */

/* What each rank contributes to the one comparison. */
struct ckpt_rec {
	uint64_t live;     /* mlp_checksum of its own state */
	uint64_t recv;     /* hash of the image it received, 0 if invalid */
	uint64_t written;  /* rank 0: hash of the state it wrote */
	uint64_t valid;    /* received image passed mlp_state_check */
};

/*
 * While rank 0 has the checkpoint on disk: the files a signal must not
 * leave behind (Ctrl-C, the job's end, ezpz kill: 'ezpz test' forwards
 * them).  unlink is async-signal-safe; then the signal does what it would
 * have done.
 */
static char doomed[2][PATH_MAX + 8];
static const int stops[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static struct sigaction before[NITEMS(stops)];   /* to put back: an MPI's own, or none */
static int installed[NITEMS(stops)];

static void
on_stop(int sig)
{
	for (size_t i = 0; i < 2; i++)
		if (doomed[i][0])
			unlink(doomed[i]);
	/* then what was there before does what it would have done: the signal
	 * stays pending until this handler returns */
	for (size_t i = 0; i < NITEMS(stops); i++)
		if (stops[i] == sig && installed[i])
			sigaction(sig, &before[i], NULL);
	raise(sig);
}

static void
cleanup_on_signal(const char *tmp, const char *path)
{
	struct sigaction sa;
	snprintf(doomed[0], sizeof doomed[0], "%s", tmp);
	snprintf(doomed[1], sizeof doomed[1], "%s", path ? path : "");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NITEMS(stops); i++) {
		/* one ignored (nohup) stays so */
		installed[i] = sigaction(stops[i], NULL, &before[i]) == 0 &&
		    before[i].sa_handler != SIG_IGN && sigaction(stops[i], &sa, NULL) == 0;
	}
}

static void
cleanup_done(void)
{
	for (size_t i = 0; i < NITEMS(stops); i++)
		if (installed[i])
			sigaction(stops[i], &before[i], NULL);
	memset(installed, 0, sizeof installed);
	doomed[0][0] = doomed[1][0] = '\0';
}

static int
read_all(int fd, unsigned char *p, size_t len)
{
	char extra;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;   /* short file */
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	if (read(fd, &extra, 1) != 0) {   /* and nothing after */
		errno = EIO;
		return -1;
	}
	return 0;
}

/* Write img to a temporary name, flush it to disk, rename it into place. */
static char *
write_ckpt(const char *path, const unsigned char *img, size_t len)
{
	char *tmp = xasprintf("%s.tmp", path), *err = NULL;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		err = xasprintf("cannot create '%s': %s", tmp, strerror(errno));
	else if (write_all(fd, (const char *)img, len) < 0 || fsync(fd) < 0)
		err = xasprintf("cannot write '%s': %s", tmp, strerror(errno));
	if (fd >= 0 && close(fd) < 0 && err == NULL)
		err = xasprintf("cannot write '%s': %s", tmp, strerror(errno));
	if (err == NULL && rename(tmp, path) < 0)
		err = xasprintf("cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

static char *
read_ckpt(const char *path, unsigned char *img, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *err = NULL;

	if (fd < 0)
		return xasprintf("cannot open '%s': %s", path, strerror(errno));
	if (read_all(fd, img, len) < 0)
		err = xasprintf("cannot read back '%s': %s", path,
		    errno == EIO ? "not the size written" : strerror(errno));
	close(fd);
	return err;
}

/* Rank 0: pack, write, read back into img.  Returns an error or NULL. */
static char *
rank0_round_trip(const struct ctx *c, struct results *r, const struct mlp *m,
    unsigned char *img, size_t size)
{
	const char *dir = c->opt->ckpt_dir;
	char *err;
	double t;

	if (dir == NULL && (dir = env_nonempty(c->envp, "TMPDIR")) == NULL)
		dir = "/tmp";
	r->ckpt_path = xasprintf("%s/%s-%ld.bin", dir, CKPT_NAME, (long)getpid());
	r->ckpt_bytes = size;
	mlp_state_pack(m, img);
	r->ckpt_hash = mlp_checksum(m);
	t = MPI_Wtime();
	{
		char *tmp = xasprintf("%s.tmp", r->ckpt_path);
		cleanup_on_signal(tmp, c->opt->keep_ckpt ? NULL : r->ckpt_path);
		free(tmp);
	}
	if ((err = write_ckpt(r->ckpt_path, img, size)) != NULL) {
		cleanup_done();
		return err;
	}
	r->t_write = MPI_Wtime() - t;
	memset(img, 0, size);   /* what is broadcast is what came back */
	t = MPI_Wtime();
	err = read_ckpt(r->ckpt_path, img, size);
	r->t_read = MPI_Wtime() - t;
	r->ckpt_kept = c->opt->keep_ckpt;
	if (!c->opt->keep_ckpt && unlink(r->ckpt_path) < 0 && err == NULL)
		err = xasprintf("cannot remove '%s': %s", r->ckpt_path, strerror(errno));
	cleanup_done();
	return err;
}

static char *
rank_list(const int *v, size_t n)
{
	char buf[LIST_MAX * 12 + 8];
	size_t len = 0;
	for (size_t i = 0; i < n && i < LIST_MAX; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%d", i ? "," : "", v[i]);
	if (n > LIST_MAX)
		snprintf(buf + len, sizeof buf - len, ",... (%zu ranks)", n);
	return xstrdup(buf);
}

/* Rank 0: judge the gathered hashes and name the ranks that differ. */
static void
judge(const struct ctx *c, struct results *r, const struct ckpt_rec *all)
{
	uint64_t ref = all[0].written;
	int *drift = xcalloc((size_t)c->size, sizeof *drift);
	int *garbled = xcalloc((size_t)c->size, sizeof *garbled);
	size_t nd = 0, ng = 0;
	char *ld, *lg;

	for (int i = 0; i < c->size; i++) {
		if (!all[i].valid || all[i].recv != ref)
			garbled[ng++] = i;
		else if (all[i].live != ref)
			drift[nd++] = i;
	}
	r->ckpt_bad = xcalloc(nd + ng + 1, sizeof *r->ckpt_bad);
	memcpy(r->ckpt_bad, garbled, ng * sizeof *garbled);
	memcpy(r->ckpt_bad + ng, drift, nd * sizeof *drift);
	r->nckpt_bad = nd + ng;
	ld = rank_list(drift, nd);
	lg = rank_list(garbled, ng);
	if (nd + ng == 0)
		add_check(r, "checkpoint", 1, "checksum %016llx identical on all %d ranks",
		    (unsigned long long)ref, c->size);
	else if (ng == 0)
		add_check(r, "checkpoint", 0, "%s %s: parameters differ from the checkpoint rank 0 "
		    "wrote (replicas diverged)", nd > 1 ? "ranks" : "rank", ld);
	else
		add_check(r, "checkpoint", 0, "%s %s: received a checkpoint that differs from the "
		    "one rank 0 wrote%s%s%s", ng > 1 ? "ranks" : "rank", lg, nd ? "; rank(s) " : "",
		    nd ? ld : "", nd ? ": parameters differ (replicas diverged)" : "");
	free(ld);
	free(lg);
	free(drift);
	free(garbled);
}

static void
inject_divergence(const struct ctx *c, struct mlp *m)
{
	size_t i = m->nparams / 2;
	uint32_t bits;

	if (c->opt->inject != INJECT_DIVERGE || c->opt->inject_rank != c->rank)
		return;
	memcpy(&bits, &m->params[i], sizeof bits);
	bits ^= 1;
	memcpy(&m->params[i], &bits, sizeof bits);
	wmsg("%s: injected divergence: flipped one bit of parameter %zu", c->who, i);
}

static void
print_result(const struct ctx *c, const struct results *r, const char *err)
{
	const struct check *k = &r->checks[r->nchecks - 1];
	if (c->opt->brief)
		return;
	printf("\n-- checkpoint: %s (%.2f MB, %s)\n", r->ckpt_path, (double)r->ckpt_bytes / 1e6,
	    r->ckpt_kept ? "kept" : "removed");
	if (err == NULL)
		printf("write %.3f s, read %.3f s, broadcast %.3f s; %s%s\n", r->t_write, r->t_read,
		    r->t_bcast, k->ok ? "" : "FAILED: ", k->message);
	else
		printf("FAILED: %s\n", err);
	fflush(stdout);
}

void
ckpt_run(struct ctx *c, struct results *r, struct mlp *m)
{
	size_t size = mlp_state_size(m);
	unsigned char *img = xmalloc(size);
	struct ckpt_rec me = { 0, 0, 0, 0 }, *all = NULL;
	uint64_t len = 0;
	double t0 = MPI_Wtime(), t;
	MPI_Request req;
	const char *why;
	char *err = NULL;

	if (c->rank == 0 && (err = rank0_round_trip(c, r, m, img, size)) == NULL)
		len = size;
	me.written = r->ckpt_hash;
	t = MPI_Wtime();
	guard_bcast(c, &len, 1, MPI_UINT64_T, c->ckpt, "checkpoint size");
	if (len == size) {
		guard_bcast(c, img, (int)size, MPI_BYTE, c->ckpt, "checkpoint");
		r->t_bcast = MPI_Wtime() - t;
		inject_divergence(c, m);
		me.live = mlp_checksum(m);
		me.valid = mlp_state_check(m, img, size, &me.recv, &why) == 0;
		all = xcalloc((size_t)c->size, sizeof *all);
		MPI_Iallgather(&me, 4, MPI_UINT64_T, all, 4, MPI_UINT64_T, c->ckpt, &req);
		guard_wait(c, &req, "allgather", "checkpoint checksums");
		if (me.valid)
			mlp_state_unpack(m, img, size, &why);   /* resume from it */
		if (c->rank == 0)
			judge(c, r, all);
	} else if (c->rank == 0) {
		add_check(r, "checkpoint", 0, "%s", err);
	}
	r->t_ckpt = MPI_Wtime() - t0;
	if (c->rank == 0)
		print_result(c, r, err);
	free(err);
	free(all);
	free(img);
}
