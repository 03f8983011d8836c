/* SPDX-License-Identifier: MIT */
/*
 * topo.c: the only file that includes hwloc.h.  Turns an hwloc topology
 * into struct topo: cores (with PU numbers) and compute GPUs, each physical
 * device counted once (one GPU often shows up as cuda + nvml + opencl osdevs
 * under one PCI device), DRM card/renderD nodes ignored (not compute
 * devices), and OpenCL counted only when no vendor backend saw a GPU.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>

#include "topo.h"
#include "util.h"

/* Backends in order of preference; OpenCL is the fallback. */
enum backend { BE_NVML, BE_CUDA, BE_RSMI, BE_ZE, BE_OPENCL, BE_NONE };
static const char *const backend_names[] = { "nvml", "cuda", "rsmi", "levelzero", "opencl" };

static enum backend
osdev_backend(hwloc_obj_t o)
{
	const char *n = o->name ? o->name : "";
	const char *sub = o->subtype ? o->subtype : "";
	const char *be = hwloc_obj_get_info_by_name(o, "Backend");

	if (o->attr->osdev.type != HWLOC_OBJ_OSDEV_GPU &&
	    o->attr->osdev.type != HWLOC_OBJ_OSDEV_COPROC)
		return BE_NONE;
	if (startswith(n, "nvml") || streq(sub, "NVML") || streq(be, "NVML"))
		return BE_NVML;
	if (startswith(n, "cuda") || streq(sub, "CUDA"))
		return BE_CUDA;
	if (startswith(n, "rsmi") || streq(sub, "RSMI"))
		return BE_RSMI;
	if (startswith(n, "ze") || streq(sub, "LevelZero"))
		return BE_ZE;
	if (startswith(n, "opencl") || streq(sub, "OpenCL"))
		return BE_OPENCL;
	return BE_NONE;   /* cardN, renderDN and anything unknown */
}

static enum vendor
pci_vendor(hwloc_obj_t pci)
{
	if (pci == NULL)
		return VENDOR_UNSET;
	switch (pci->attr->pcidev.vendor_id) {
	case 0x10de: return VENDOR_NVIDIA;
	case 0x1002: return VENDOR_AMD;
	case 0x8086: return VENDOR_INTEL;
	}
	return VENDOR_UNSET;
}

static enum vendor
osdev_vendor(hwloc_obj_t o, enum backend be, hwloc_obj_t pci)
{
	const char *v;
	switch (be) {
	case BE_NVML: case BE_CUDA: return VENDOR_NVIDIA;
	case BE_RSMI: return VENDOR_AMD;
	case BE_ZE: return VENDOR_INTEL;
	default: break;
	}
	if ((v = hwloc_obj_get_info_by_name(o, "GPUVendor")) != NULL) {
		if (strstr(v, "NVIDIA")) return VENDOR_NVIDIA;
		if (strstr(v, "AMD") || strstr(v, "Advanced Micro")) return VENDOR_AMD;
		if (strstr(v, "Intel")) return VENDOR_INTEL;
	}
	return pci_vendor(pci);
}

static hwloc_obj_t
pci_ancestor(hwloc_obj_t o)
{
	for (o = o->parent; o; o = o->parent)
		if (o->type == HWLOC_OBJ_PCI_DEVICE)
			return o;
	return NULL;
}

/* One candidate device while scanning: the best osdev seen per PCI device. */
struct cand {
	hwloc_obj_t osdev, pci;
	enum backend be;
	enum vendor vendor;
};

static size_t
cand_find(struct cand *c, size_t n, hwloc_obj_t osdev, hwloc_obj_t pci)
{
	for (size_t i = 0; i < n; i++) {
		if (pci ? c[i].pci == pci : c[i].osdev == osdev)
			return i;
		/* ze0.1 (a tile) belongs to ze0: same PCI device, handled above */
	}
	return n;
}

static void
gpu_locality(struct topo *t, hwloc_topology_t h, struct topo_gpu *g, hwloc_obj_t osdev)
{
	hwloc_obj_t anc = hwloc_get_non_io_ancestor_obj(h, osdev);
	hwloc_obj_t core = NULL;
	size_t n = 0;

	if (anc == NULL || anc->cpuset == NULL)
		return;
	/* The whole machine is no locality information at all. */
	if (hwloc_bitmap_isequal(anc->cpuset, hwloc_get_root_obj(h)->cpuset) && t->npackages > 1)
		return;
	g->cores = xcalloc(t->ncores, sizeof *g->cores);
	while ((core = hwloc_get_next_obj_inside_cpuset_by_type(h, anc->cpuset,
	    HWLOC_OBJ_CORE, core)) != NULL)
		g->cores[n++] = (int)core->logical_index;  /* = index in t->cores */
	g->ncores = n;
}

static void
load_gpus(struct topo *t, hwloc_topology_t h)
{
	struct cand *c = NULL;
	size_t n = 0, alloc = 0, nvendor = 0;
	hwloc_obj_t o = NULL;
	enum backend best = BE_NONE;

	while ((o = hwloc_get_next_osdev(h, o)) != NULL) {
		enum backend be = osdev_backend(o);
		hwloc_obj_t pci = pci_ancestor(o);
		size_t i;
		if (be == BE_NONE)
			continue;
		i = cand_find(c, n, o, pci);
		if (i == n) {
			c = xgrow(c, &alloc, n + 1, sizeof *c);
			c[n++] = (struct cand){ o, pci, be, osdev_vendor(o, be, pci) };
		} else if (be < c[i].be) {
			c[i].osdev = o;
			c[i].be = be;
			c[i].vendor = osdev_vendor(o, be, pci);
		}
		if (be < best)
			best = be;
	}
	/* Count the devices the best backend family saw (all vendor backends
	 * rank above OpenCL, so OpenCL-only devices count only as a fallback). */
	t->gpus = xcalloc(n, sizeof *t->gpus);
	for (size_t i = 0; i < n; i++) {
		struct topo_gpu *g;
		const char *model;
		if ((best == BE_OPENCL) != (c[i].be == BE_OPENCL))
			continue;
		g = &t->gpus[t->ngpus++];
		g->name = xstrdup(c[i].osdev->name ? c[i].osdev->name : "?");
		g->vendor = c[i].vendor;
		model = hwloc_obj_get_info_by_name(c[i].osdev, "GPUModel");
		if (model == NULL && c[i].pci)
			model = hwloc_obj_get_info_by_name(c[i].pci, "PCIDevice");
		g->model = model ? xstrdup(model) : NULL;
		if (c[i].pci) {
			struct hwloc_pcidev_attr_s *p = &c[i].pci->attr->pcidev;
			g->pci = xasprintf("%04x:%02x:%02x.%01x", p->domain, p->bus, p->dev, p->func);
		}
		gpu_locality(t, h, g, c[i].osdev);
	}
	/* The vendor reported is the one most devices have. */
	for (enum vendor v = VENDOR_NVIDIA; v <= VENDOR_INTEL; v++) {
		size_t k = 0;
		for (size_t i = 0; i < t->ngpus; i++)
			k += t->gpus[i].vendor == v;
		if (k > nvendor) {
			nvendor = k;
			t->vendor = v;
		}
	}
	t->backend = best == BE_NONE ? NULL : backend_names[best];
	free(c);
}

static void
load_cores(struct topo *t, hwloc_topology_t h)
{
	int n = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_CORE);
	t->npackages = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_PACKAGE);
	if (t->npackages < 1)
		t->npackages = 1;
	t->npus = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_PU);
	t->cores = xcalloc(n > 0 ? (size_t)n : 1, sizeof *t->cores);
	for (int i = 0; i < n; i++) {
		hwloc_obj_t core = hwloc_get_obj_by_type(h, HWLOC_OBJ_CORE, (unsigned)i);
		hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(h, HWLOC_OBJ_PACKAGE, core);
		hwloc_obj_t pu = NULL;
		struct topo_core *c = &t->cores[t->ncores++];
		c->package = pkg ? (int)pkg->logical_index : 0;
		while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(h, core->cpuset,
		    HWLOC_OBJ_PU, pu)) != NULL && c->npus < TOPO_MAX_SMT)
			c->pus[c->npus++] = (int)pu->os_index;
	}
}

int
topo_load(struct topo *t, const char *xml, char **err)
{
	hwloc_topology_t h;
	const char *why;
	char *text = NULL;
	size_t len = 0;

	memset(t, 0, sizeof *t);
	t->vendor = VENDOR_NONE;
	/* Read here, bounded, rather than by hwloc: a FIFO would block it. */
	if (xml && (text = read_file(xml, READ_MAX_TOPOLOGY, &len, &why)) == NULL) {
		*err = xasprintf("topology '%s': %s", xml, why);
		return -1;
	}
	if (hwloc_topology_init(&h) < 0) {
		*err = xasprintf("hwloc: cannot initialise: %s", strerror(errno));
		free(text);
		return -1;
	}
	hwloc_topology_set_io_types_filter(h, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
	errno = 0;
	if (xml && hwloc_topology_set_xmlbuffer(h, text, (int)len + 1) < 0) {
		*err = xasprintf("topology '%s': %s", xml,
		    errno ? strerror(errno) : "cannot be read as hwloc XML");
		hwloc_topology_destroy(h);
		free(text);
		return -1;
	}
	free(text);
	if (hwloc_topology_load(h) < 0) {
		*err = xasprintf("topology '%s': hwloc cannot load it: %s",
		    xml ? xml : "this host", strerror(errno));
		hwloc_topology_destroy(h);
		return -1;
	}
	t->source = xstrdup(xml ? xml : "this host");
	load_cores(t, h);
	load_gpus(t, h);
	hwloc_topology_destroy(h);
	return 0;
}

void
topo_free(struct topo *t)
{
	for (size_t i = 0; i < t->ngpus; i++) {
		free(t->gpus[i].name);
		free(t->gpus[i].model);
		free(t->gpus[i].pci);
		free(t->gpus[i].cores);
	}
	free(t->gpus);
	free(t->cores);
	free(t->source);
	memset(t, 0, sizeof *t);
}

/* Binding needs only this machine's CPUs: a load without I/O is faster. */
static int
cpu_topology(hwloc_topology_t *h, char **err)
{
	if (hwloc_topology_init(h) < 0 || hwloc_topology_load(*h) < 0) {
		*err = xasprintf("hwloc: cannot load this host's topology: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
topo_bind_self(const int *pus, size_t npus, char **err)
{
	hwloc_topology_t h;
	hwloc_bitmap_t set;
	int r = 0;

	if (cpu_topology(&h, err) < 0)
		return -1;
	set = hwloc_bitmap_alloc();
	for (size_t i = 0; i < npus; i++)
		hwloc_bitmap_set(set, (unsigned)pus[i]);
	hwloc_bitmap_and(set, set, hwloc_topology_get_allowed_cpuset(h));
	if (hwloc_bitmap_iszero(set)) {
		*err = xasprintf("none of the requested CPUs exist or are allowed here");
		r = -1;
	} else if (hwloc_set_cpubind(h, set, HWLOC_CPUBIND_PROCESS) < 0) {
		char *s;
		hwloc_bitmap_list_asprintf(&s, set);
		*err = xasprintf("cannot bind to CPUs %s: %s", s, strerror(errno));
		free(s);
		r = -1;
	}
	hwloc_bitmap_free(set);
	hwloc_topology_destroy(h);
	return r;
}

char *
topo_get_binding(void)
{
	hwloc_topology_t h;
	hwloc_bitmap_t set;
	char *s = NULL, *err = NULL, *r;

	if (cpu_topology(&h, &err) < 0) {
		free(err);
		return xstrdup("?");
	}
	set = hwloc_bitmap_alloc();
	if (hwloc_get_cpubind(h, set, HWLOC_CPUBIND_PROCESS) == 0)
		hwloc_bitmap_list_asprintf(&s, set);
	r = xstrdup(s ? s : "?");
	free(s);
	hwloc_bitmap_free(set);
	hwloc_topology_destroy(h);
	return r;
}
