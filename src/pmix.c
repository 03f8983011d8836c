/* SPDX-License-Identifier: MIT */
/*
 * pmix.c: the only file that includes pmix.h.  A PMIx client can only
 * reach a launcher that exported its server's address into our environment
 * (PMIX_SERVER_URI*, PMIX_NAMESPACE); without those, PMIx_Init would spend
 * ~10 ms failing with PMIX_ERR_UNREACHABLE, so it is not tried.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <pmix.h>

#include "pmix.h"
#include "util.h"

/*
 * libpmix is opened here, when a launch advertises a server, rather than
 * linked: it and what it pulls in (libevent, munge, udev) cost every ezpz
 * command ~0.4 ms and 0.7 MiB at start, and most never use it.
 */
#ifndef EZPZ_LIBPMIX
#define EZPZ_LIBPMIX "libpmix.so.2"
#endif
#ifndef EZPZ_PMIX_SONAME
#define EZPZ_PMIX_SONAME "libpmix.so.2"
#endif

static struct {
	pmix_status_t (*init)(pmix_proc_t *, pmix_info_t *, size_t);
	pmix_status_t (*finalize)(const pmix_info_t *, size_t);
	pmix_status_t (*get)(const pmix_proc_t *, const pmix_key_t, const pmix_info_t *, size_t,
	    pmix_value_t **);
	void (*value_destruct)(pmix_value_t *);
} px;

/* 0, or -1 with *err saying why libpmix cannot be used. */
static int
pmix_open(char **err)
{
	static const char *const names[] = { EZPZ_LIBPMIX, EZPZ_PMIX_SONAME };
	void *h = NULL;

	if (px.init)
		return 0;
	for (size_t i = 0; i < NITEMS(names) && h == NULL; i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		*err = xasprintf("cannot load %s: %s", EZPZ_PMIX_SONAME, dlerror());
		return -1;
	}
	*(void **)&px.init = dlsym(h, "PMIx_Init");
	*(void **)&px.finalize = dlsym(h, "PMIx_Finalize");
	*(void **)&px.get = dlsym(h, "PMIx_Get");
	*(void **)&px.value_destruct = dlsym(h, "PMIx_Value_destruct");
	if (!px.init || !px.finalize || !px.get || !px.value_destruct) {
		*err = xasprintf("%s lacks PMIx_Init, PMIx_Get, PMIx_Finalize or PMIx_Value_destruct",
		    EZPZ_PMIX_SONAME);
		px.init = NULL;
		return -1;
	}
	return 0;
}

static void
value_release(pmix_value_t *v)
{
	px.value_destruct(v);
	free(v);
}

static int
server_advertised(char *const *envp)
{
	for (; envp && *envp; envp++)
		if (startswith(*envp, "PMIX_SERVER_URI") || startswith(*envp, "PMIX_NAMESPACE="))
			return 1;
	return 0;
}

static int
get_uint(const pmix_proc_t *proc, const char *key, long *out)
{
	pmix_value_t *val = NULL;
	if (px.get(proc, key, NULL, 0, &val) != PMIX_SUCCESS || val == NULL)
		return -1;
	switch (val->type) {
	case PMIX_UINT16: *out = val->data.uint16; break;
	case PMIX_UINT32: *out = val->data.uint32; break;
	case PMIX_INT: *out = val->data.integer; break;
	case PMIX_UINT64: *out = (long)val->data.uint64; break;
	default:
		value_release(val);
		return -1;
	}
	value_release(val);
	return 0;
}

static char *
get_string(const pmix_proc_t *proc, const char *key)
{
	pmix_value_t *val = NULL;
	char *s = NULL;
	if (px.get(proc, key, NULL, 0, &val) != PMIX_SUCCESS || val == NULL)
		return NULL;
	if (val->type == PMIX_STRING && val->data.string)
		s = xstrdup(val->data.string);
	value_release(val);
	return s;
}

int
pmix_rankinfo(struct rankinfo *ri, char *const *envp, char **err)
{
	pmix_proc_t me, wild, zero;
	int ok;

	memset(ri, 0, sizeof *ri);
	if (!server_advertised(envp))
		return 1;
	if (pmix_open(err) < 0)
		return -1;
	if (px.init(&me, NULL, 0) != PMIX_SUCCESS)
		return 1;
	PMIX_LOAD_PROCID(&wild, me.nspace, PMIX_RANK_WILDCARD);
	PMIX_LOAD_PROCID(&zero, me.nspace, 0);
	ri->rank = me.rank;
	ok = get_uint(&wild, PMIX_JOB_SIZE, &ri->size) == 0 &&
	    get_uint(&me, PMIX_LOCAL_RANK, &ri->local_rank) == 0 &&
	    get_uint(&wild, PMIX_LOCAL_SIZE, &ri->local_size) == 0;
	if (get_uint(&wild, PMIX_NUM_NODES, &ri->nnodes) < 0)
		ri->nnodes = -1;
	ri->master = get_string(&zero, PMIX_HOSTNAME);
	px.finalize(NULL, 0);
	if (!ok) {
		*err = xasprintf("the PMIx server of namespace '%s' did not give job size, local rank "
		    "and local size", me.nspace);
		free(ri->master);
		ri->master = NULL;
		return -1;
	}
	/* Block mapping, as every launch line ezpz builds uses. (PMIx node ids
	 * count the launcher's own node under mpirun, so they are not 0-based.) */
	ri->node_rank = ri->local_size > 0 ? ri->rank / ri->local_size : 0;
	if (ri->nnodes < 1)
		ri->nnodes = ri->local_size > 0 ? (ri->size + ri->local_size - 1) / ri->local_size : 1;
	ri->source = xasprintf("pmix (namespace %s)", me.nspace);
	return 0;
}
