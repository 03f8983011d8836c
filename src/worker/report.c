/* SPDX-License-Identifier: MIT */
/*
 * report.c: rank 0's closing summary, and every result as JSON (--json).
 * The only file of the worker that includes cJSON.h; both views read the
 * one struct results the phases filled in.
 */
#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../buf.h"
#include "../chart.h"
#include "worker.h"

static const struct coll_row *
largest(const struct results *r, const char *name)
{
	const struct coll_row *best = NULL;
	for (size_t i = 0; i < r->ncoll; i++)
		if (streq(r->coll[i].name, name) && (!best || r->coll[i].bytes > best->bytes))
			best = &r->coll[i];
	return best;
}

/* The allreduce row of the highest bus bandwidth. */
static const struct coll_row *
peak(const struct results *r, const char *name)
{
	const struct coll_row *best = NULL;
	for (size_t i = 0; i < r->ncoll; i++)
		if (streq(r->coll[i].name, name) && (!best || r->coll[i].busbw > best->busbw))
			best = &r->coll[i];
	return best;
}

/* The largest size measured often enough to trust (STABLE_REPS). */
static const struct coll_row *
largest_stable(const struct results *r, const char *name)
{
	const struct coll_row *best = NULL;
	for (size_t i = 0; i < r->ncoll; i++)
		if (streq(r->coll[i].name, name) && r->coll[i].reps >= STABLE_REPS &&
		    (!best || r->coll[i].bytes > best->bytes))
			best = &r->coll[i];
	return best;
}

static void
print_legend(void)
{
	printf("\n-- legend\n"
	    "dt     one training step, wall time on rank 0 (seconds)\n"
	    "dtf    forward pass: the model's output and the loss on this rank's batch\n"
	    "dtb    backward pass and the Adam update (the talk's \"backward\")\n"
	    "dtc    communication: the gradient allreduce across all ranks\n"
	    "reps   timed repetitions at that size; time_us is their median, slowest rank\n"
	    "algbw  bytes / time, in GB/s (10^9 bytes per second)\n"
	    "busbw  algbw scaled to what each link carries, as nccl-tests: allreduce x 2(n-1)/n,\n"
	    "       allgather x (n-1)/n, broadcast x 1; comparable with the hardware's bandwidth\n");
}

/* Loss per step, then bus bandwidth by size for each collective. */
static void
print_charts(const struct ctx *c, const struct results *r)
{
	static const char *const names[] = { "allreduce", "broadcast", "allgather" };
	enum chart_style st = (enum chart_style)c->opt->charts;
	struct buf b = BUF_INIT;
	char *text;

	if (st == CHART_NONE)
		return;
	buf_addc(&b, '\n');
	if (r->loss)
		chart_line(&b, "loss per training step (rank 0)", r->loss, (size_t)c->opt->iters, 60, 8, st);
	for (size_t k = 0; k < NITEMS(names); k++) {
		size_t bytes[64], n = 0;
		double bw[64];
		char title[96];
		for (size_t i = 0; i < r->ncoll && n < NITEMS(bytes); i++)
			if (streq(r->coll[i].name, names[k])) {
				bytes[n] = r->coll[i].bytes;
				bw[n++] = r->coll[i].busbw;
			}
		if (n == 0)
			continue;
		snprintf(title, sizeof title, "\n%s bus bandwidth (GB/s) by message size", names[k]);
		chart_bars(&b, title, bytes, bw, n, 4, st);
	}
	text = buf_detach(&b);
	fputs(text, stdout);
	free(text);
}

/* The short view: the verdict, what a person wants to know, warnings. */
static void
print_short(const struct ctx *c, const struct results *r)
{
	const struct coll_row *pk = peak(r, "allreduce"), *big = largest_stable(r, "allreduce");
	char t1[32], t2[32], t3[32], t4[32], sz[32];

	if (r->pass)
		printf("PASS: every check passed (");
	else
		printf("FAIL: check failed (");
	for (size_t i = 0, n = 0; i < r->nchecks; i++)
		if (r->pass || !r->checks[i].ok)
			printf("%s%s", n++ ? ", " : "", r->checks[i].name);
	printf(")\n%-16s %d on %d host%s (%d to %d per host), %s\n", "ranks", c->size, r->nhosts,
	    r->nhosts == 1 ? "" : "s", r->min_per_host, r->max_per_host, r->mpi_library);
	printf("%-16s %s median of %ld steps (forward %s, backward %s, allreduce %s)\n",
	    "step time", fmt_seconds(r->step_med, t1, sizeof t1), c->opt->iters - c->opt->warmup,
	    fmt_seconds(r->dtf_med, t2, sizeof t2), fmt_seconds(r->dtb_med, t3, sizeof t3),
	    fmt_seconds(r->dtc_med, t4, sizeof t4));
	printf("%-16s %.4g first step, %.4g last\n", "loss", r->loss_first, r->loss_last);
	if (c->size == 1)   /* bus bandwidth counts (n-1)/n of the data: none */
		printf("%-16s none: 1 rank moves no data (run 2 or more)\n", "allreduce");
	else if (pk)
		printf("%-16s %.3g GB/s bus bandwidth at %s\n", "allreduce peak", pk->busbw,
		    fmt_bytes(pk->bytes, sz, sizeof sz));
	if (big && c->size > 1)
		printf("%-16s %.3g GB/s at %s (median of %ld)\n", "allreduce large", big->busbw,
		    fmt_bytes(big->bytes, sz, sizeof sz), big->reps);
	printf("%-16s %s after %s\n", "MPI ready", fmt_seconds(r->mpi_ready_s, t1, sizeof t1),
	    r->ready_from_launch ? "launch" : "process start");
	print_charts(c, r);
	if (r->nwarnings)
		printf("\n");
	for (size_t i = 0; i < r->nwarnings; i++)
		printf("warning: %s\n", r->warnings[i]);
}

void
report_summary(const struct ctx *c, const struct results *r)
{
	const struct coll_row *ar = largest(r, "allreduce");
	const char *from = r->ready_from_launch ? "launch" : "process start";

	if (c->opt->brief) {
		print_short(c, r);
		return;
	}
	print_legend();
	print_charts(c, r);
	printf("\n-- summary\n");
	printf("%-16s %d on %d host%s (%d to %d per host)\n", "ranks", c->size, r->nhosts,
	    r->nhosts == 1 ? "" : "s", r->min_per_host, r->max_per_host);
	printf("%-16s %.3f s after %s (slowest rank)\n", "MPI ready", r->mpi_ready_s, from);
	printf("%-16s %.3f s after %s (rank 0)\n", "first step", r->first_step_s, from);
	printf("%-16s %.6f s (median of %ld)\n", "step time", r->step_med,
	    c->opt->iters - c->opt->warmup);
	printf("%-16s %.6f -> %.6f\n", "loss", r->loss_first, r->loss_last);
	if (ar)
		printf("%-16s %.3f GB/s (algbw %.3f GB/s) at %zu bytes\n", "allreduce busbw",
		    ar->busbw, ar->algbw, ar->bytes);
	printf("%-16s placement %.3f s, training %.3f s, checkpoint %.3f s, collectives %.3f s\n",
	    "phases", r->t_place, r->t_train, r->t_ckpt, r->t_bench);
	printf("%-16s", "checks");
	for (size_t i = 0; i < r->nchecks; i++)
		printf("%s %s %s", i ? "," : "", r->checks[i].name, r->checks[i].ok ? "ok" : "FAILED");
	printf("\n%-16s %s\n", "result", r->pass ? "PASS" : "FAIL");
}

static cJSON *
json_options(const struct options *o)
{
	cJSON *j = cJSON_CreateObject(), *layers = cJSON_AddArrayToObject(j, "layers");
	for (size_t i = 0; i < o->nsizes; i++)
		cJSON_AddItemToArray(layers, cJSON_CreateNumber((double)o->sizes[i]));
	cJSON_AddNumberToObject(j, "batch", (double)o->batch);
	cJSON_AddNumberToObject(j, "iters", (double)o->iters);
	cJSON_AddNumberToObject(j, "warmup", (double)o->warmup);
	cJSON_AddNumberToObject(j, "log_freq", (double)o->log_freq);
	cJSON_AddNumberToObject(j, "lr", (double)o->lr);
	cJSON_AddNumberToObject(j, "seed", (double)o->seed);
	cJSON_AddNumberToObject(j, "max_bytes", (double)o->max_bytes);
	cJSON_AddBoolToObject(j, "nonblocking", o->nonblocking);
	cJSON_AddNumberToObject(j, "timeout_s", (double)o->timeout);
	return j;
}

static cJSON *
json_times(const struct results *r)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "mpi_ready_s", r->mpi_ready_s);
	cJSON_AddStringToObject(j, "since", r->ready_from_launch ? "launch" : "process start");
	cJSON_AddNumberToObject(j, "first_step_s", r->first_step_s);
	cJSON_AddNumberToObject(j, "placement_s", r->t_place);
	cJSON_AddNumberToObject(j, "training_s", r->t_train);
	cJSON_AddNumberToObject(j, "checkpoint_s", r->t_ckpt);
	cJSON_AddNumberToObject(j, "collectives_s", r->t_bench);
	cJSON_AddNumberToObject(j, "total_s", r->t_total);
	return j;
}

static cJSON *
json_placement(const struct ctx *c, const struct results *r)
{
	cJSON *j = cJSON_CreateObject(), *ranks = cJSON_AddArrayToObject(j, "ranks"), *w;

	cJSON_AddNumberToObject(j, "hosts", r->nhosts);
	cJSON_AddNumberToObject(j, "min_per_host", r->min_per_host);
	cJSON_AddNumberToObject(j, "max_per_host", r->max_per_host);
	for (int i = 0; i < c->size; i++) {
		const struct place_rec *p = &r->place[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "rank", p->rank);
		cJSON_AddStringToObject(o, "host", p->host);
		cJSON_AddNumberToObject(o, "local_rank", p->local_rank);
		cJSON_AddNumberToObject(o, "local_size", p->local_size);
		if (p->env_local_rank >= 0)
			cJSON_AddNumberToObject(o, "env_local_rank", p->env_local_rank);
		else
			cJSON_AddNullToObject(o, "env_local_rank");
		if (p->gpu_var >= 0) {
			cJSON_AddStringToObject(o, "gpu", p->gpu);
			cJSON_AddStringToObject(o, "gpu_var", gpu_vars[p->gpu_var]);
		} else {
			cJSON_AddNullToObject(o, "gpu");
			cJSON_AddNullToObject(o, "gpu_var");
		}
		cJSON_AddStringToObject(o, "cpus", p->cpus);
		cJSON_AddNumberToObject(o, "mpi_ready_s", p->ready_s);
		cJSON_AddItemToArray(ranks, o);
	}
	w = cJSON_AddArrayToObject(j, "warnings");
	for (size_t i = 0; i < r->nwarnings; i++)
		cJSON_AddItemToArray(w, cJSON_CreateString(r->warnings[i]));
	return j;
}

static cJSON *
json_training(const struct results *r)
{
	cJSON *j = cJSON_CreateObject(), *log;
	cJSON_AddNumberToObject(j, "parameters", (double)r->nparams);
	cJSON_AddNumberToObject(j, "loss_first", r->loss_first);
	cJSON_AddNumberToObject(j, "loss_last", r->loss_last);
	cJSON_AddNumberToObject(j, "loss_head_mean", r->loss_head);
	cJSON_AddNumberToObject(j, "loss_tail_mean", r->loss_tail);
	cJSON_AddNumberToObject(j, "step_s_median", r->step_med);
	cJSON_AddNumberToObject(j, "dtf_s_median", r->dtf_med);
	cJSON_AddNumberToObject(j, "dtb_s_median", r->dtb_med);
	cJSON_AddNumberToObject(j, "dtc_s_median", r->dtc_med);
	log = cJSON_AddArrayToObject(j, "log");
	for (size_t i = 0; i < r->nlog; i++) {
		const struct step_log *l = &r->log[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "iter", (double)l->iter);
		cJSON_AddNumberToObject(o, "loss", l->loss);
		cJSON_AddNumberToObject(o, "dt", l->dt);
		cJSON_AddNumberToObject(o, "dtf", l->dtf);
		cJSON_AddNumberToObject(o, "dtb", l->dtb);
		cJSON_AddNumberToObject(o, "dtc", l->dtc);
		cJSON_AddItemToArray(log, o);
	}
	return j;
}

static cJSON *
json_checkpoint(const struct results *r)
{
	cJSON *j = cJSON_CreateObject(), *bad;
	char hex[24];

	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)r->ckpt_hash);
	if (r->ckpt_path)
		cJSON_AddStringToObject(j, "path", r->ckpt_path);
	else
		cJSON_AddNullToObject(j, "path");
	cJSON_AddNumberToObject(j, "bytes", (double)r->ckpt_bytes);
	cJSON_AddBoolToObject(j, "kept", r->ckpt_kept);
	cJSON_AddNumberToObject(j, "write_s", r->t_write);
	cJSON_AddNumberToObject(j, "read_s", r->t_read);
	cJSON_AddNumberToObject(j, "broadcast_s", r->t_bcast);
	cJSON_AddStringToObject(j, "checksum", hex);
	bad = cJSON_AddArrayToObject(j, "differing_ranks");
	for (size_t i = 0; i < r->nckpt_bad; i++)
		cJSON_AddItemToArray(bad, cJSON_CreateNumber(r->ckpt_bad[i]));
	return j;
}

static cJSON *
json_collectives(const struct results *r)
{
	cJSON *j = cJSON_CreateArray();
	for (size_t i = 0; i < r->ncoll; i++) {
		const struct coll_row *row = &r->coll[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "collective", row->name);
		cJSON_AddNumberToObject(o, "bytes", (double)row->bytes);
		cJSON_AddNumberToObject(o, "reps", (double)row->reps);
		cJSON_AddNumberToObject(o, "time_s", row->time_s);
		cJSON_AddNumberToObject(o, "algbw_gbps", row->algbw);
		cJSON_AddNumberToObject(o, "busbw_gbps", row->busbw);
		cJSON_AddBoolToObject(o, "ok", row->ok);
		if (row->ok)
			cJSON_AddNullToObject(o, "wrong_on_rank");
		else
			cJSON_AddNumberToObject(o, "wrong_on_rank", row->bad_rank);
		cJSON_AddItemToArray(j, o);
	}
	return j;
}

static cJSON *
json_checks(const struct results *r)
{
	cJSON *j = cJSON_CreateArray();
	for (size_t i = 0; i < r->nchecks; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", r->checks[i].name);
		cJSON_AddBoolToObject(o, "ok", r->checks[i].ok);
		if (r->checks[i].message)
			cJSON_AddStringToObject(o, "message", r->checks[i].message);
		else
			cJSON_AddNullToObject(o, "message");
		cJSON_AddItemToArray(j, o);
	}
	return j;
}

static cJSON *
json_all(const struct ctx *c, const struct results *r)
{
	cJSON *j = cJSON_CreateObject();
	const struct coll_row *ar = largest(r, "allreduce");

	cJSON_AddStringToObject(j, "version", VERSION);
	cJSON_AddStringToObject(j, "verdict", r->pass ? "pass" : "fail");
	cJSON_AddNumberToObject(j, "ranks", c->size);
	cJSON_AddNumberToObject(j, "hosts", r->nhosts);
	cJSON_AddStringToObject(j, "mpi_library", r->mpi_library);
	if (ar)
		cJSON_AddNumberToObject(j, "allreduce_busbw_gbps", ar->busbw);
	else
		cJSON_AddNullToObject(j, "allreduce_busbw_gbps");
	cJSON_AddItemToObject(j, "options", json_options(c->opt));
	cJSON_AddItemToObject(j, "times", json_times(r));
	cJSON_AddItemToObject(j, "placement", json_placement(c, r));
	cJSON_AddItemToObject(j, "training", json_training(r));
	cJSON_AddItemToObject(j, "checkpoint", json_checkpoint(r));
	cJSON_AddItemToObject(j, "collectives", json_collectives(r));
	cJSON_AddItemToObject(j, "checks", json_checks(r));
	return j;
}

/* The whole of text to path, or a message naming the option and -1. */
static int
write_text(const char *path, const char *text, const char *opt)
{
	FILE *fp = fopen(path, "w");
	int bad;

	if (fp == NULL) {
		wmsg("%s '%s': %s", opt, path, strerror(errno));
		return -1;
	}
	bad = fputs(text, fp) < 0;
	bad |= fclose(fp) != 0;
	if (bad) {
		wmsg("%s '%s': write error", opt, path);
		return -1;
	}
	return 0;
}

int
report_json(const struct ctx *c, const struct results *r, const char *path)
{
	cJSON *j = json_all(c, r);
	char *text = cJSON_Print(j);
	struct buf b = BUF_INIT;
	int rc;

	cJSON_Delete(j);
	if (text == NULL) {
		wmsg("--json: out of memory");
		return -1;
	}
	buf_adds(&b, text);
	buf_addc(&b, '\n');
	free(text);
	text = buf_detach(&b);
	rc = write_text(path, text, "--json");
	free(text);
	return rc;
}

/* "ezpz test: 4 ranks on 2 hosts (x1, x2): PASS" */
static char *
svg_title(const struct ctx *c, const struct results *r)
{
	struct buf b = BUF_INIT;
	size_t shown = 0;

	buf_addf(&b, "ezpz test: %d rank%s on %d host%s (", c->size, c->size == 1 ? "" : "s",
	    r->nhosts, r->nhosts == 1 ? "" : "s");
	for (int i = 0; i < c->size && shown < 4; i++) {
		int seen = 0;
		for (int j = 0; j < i; j++)
			seen |= streq(r->place[j].host, r->place[i].host);
		if (!seen)
			buf_addf(&b, "%s%s", shown++ ? ", " : "", r->place[i].host);
	}
	buf_addf(&b, "%s): %s", r->nhosts > 4 ? ", ..." : "", r->pass ? "PASS" : "FAIL");
	return buf_detach(&b);
}

int
report_svg(const struct ctx *c, const struct results *r, const char *path)
{
	static const char *const names[] = { "allreduce", "broadcast", "allgather" };
	struct chart_series s[3];
	size_t *bytes = xcalloc(r->ncoll + 1, sizeof *bytes), ns = 0, at = 0;
	double *bw = xcalloc(r->ncoll + 1, sizeof *bw);
	struct buf b = BUF_INIT;
	char *title = svg_title(c, r), *text;
	int rc;

	for (size_t k = 0; k < NITEMS(names); k++) {
		s[ns] = (struct chart_series){ names[k], bytes + at, bw + at, 0 };
		for (size_t i = 0; i < r->ncoll; i++)
			if (streq(r->coll[i].name, names[k])) {
				bytes[at] = r->coll[i].bytes;
				bw[at++] = r->coll[i].busbw;
				s[ns].n++;
			}
		ns += s[ns].n > 0;
	}
	chart_svg(&b, title, r->loss, r->loss ? (size_t)c->opt->iters : 0, s, ns);
	text = buf_detach(&b);
	rc = write_text(path, text, "--plot");
	free(text);
	free(title);
	free(bytes);
	free(bw);
	return rc;
}
