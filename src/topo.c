/* SPDX-License-Identifier: MIT */
/*
 * topo.c: the only file that includes hwloc.h.  Turns an hwloc topology
 * into struct topo: cores (with PU numbers) and compute GPUs, each physical
 * device counted once (one GPU often shows up as cuda + nvml + opencl osdevs
 * under one PCI device), DRM card/renderD nodes ignored (not compute
 * devices), and OpenCL counted only when no vendor backend saw a GPU.
 * A distribution's hwloc has no CUDA/NVML/RSMI/Level Zero plugin: then the
 * PCI devices themselves are counted (pci_accel), by class and vendor.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hwloc.h>

#include "bind.h"
#include "topo.h"
#include "util.h"

/* Backends in order of preference; PCI classes, then OpenCL, are the fallbacks. */
enum backend { BE_NVML, BE_CUDA, BE_RSMI, BE_ZE, BE_PCI, BE_OPENCL, BE_NONE };
static const char *const backend_names[] = { "nvml", "cuda", "rsmi", "levelzero", "pci", "opencl" };

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

/*
 * Models a PCI id names when hwloc has no name database (Debian's hwloc
 * without libpciaccess names nothing): the data-centre parts ezpz targets.
 */
static const struct { unsigned short vendor, device; const char *model; } pci_models[] = {
	{ 0x10de, 0x1db8, "NVIDIA Tesla V100-SXM3-32GB" },
	{ 0x10de, 0x20b0, "NVIDIA A100-SXM4-40GB" },
	{ 0x10de, 0x20b2, "NVIDIA A100-SXM4-80GB" },
	{ 0x10de, 0x2330, "NVIDIA H100 80GB HBM3" },
	{ 0x10de, 0x2335, "NVIDIA H200" },
	{ 0x1002, 0x738c, "AMD Instinct MI100" },
	{ 0x1002, 0x7408, "AMD Instinct MI250X" },
	{ 0x1002, 0x740c, "AMD Instinct MI250X/MI250" },
	{ 0x1002, 0x740f, "AMD Instinct MI210" },
	{ 0x1002, 0x74a0, "AMD Instinct MI300A" },
	{ 0x1002, 0x74a1, "AMD Instinct MI300X" },
	{ 0x8086, 0x0bd5, "Intel Data Center GPU Max 1550" },
	{ 0x8086, 0x0bd6, "Intel Data Center GPU Max 1550" },
	{ 0x8086, 0x0bda, "Intel Data Center GPU Max 1100" },
	{ 0x8086, 0x0bdb, "Intel Data Center GPU Max 1100" },
	{ 0x8086, 0x56c0, "Intel Data Center GPU Flex 170" },
	{ 0x8086, 0x56c1, "Intel Data Center GPU Flex 140" },
};

/* Old ATI server VGA (ES1000, Radeon 7000/RN50): a BMC's console, not a GPU. */
static const unsigned short ati_server_vga[] = { 0x515e, 0x5159, 0x515a };

/*
 * Is this PCI device a compute accelerator?  Display (VGA 0x0300, 3D 0x0302,
 * other 0x0380) and processing-accelerator (0x1200) functions of NVIDIA, AMD
 * and Intel.  Management graphics (ASPEED, Matrox: other vendors; the old
 * ATI server VGA) and Intel's integrated graphics (always on bus 0) are not.
 */
static int
pci_accel(const struct hwloc_pcidev_attr_s *p)
{
	unsigned cls = p->class_id;

	if (cls != 0x0300 && cls != 0x0302 && cls != 0x0380 && cls != 0x1200)
		return 0;
	switch (p->vendor_id) {
	case 0x10de:
		return 1;
	case 0x1002:
		for (size_t i = 0; i < NITEMS(ati_server_vga); i++)
			if (p->device_id == ati_server_vga[i])
				return 0;
		return 1;
	case 0x8086:
		return p->bus != 0;
	}
	return 0;
}

static const char *
pci_model(hwloc_obj_t pci)
{
	const char *m = hwloc_obj_get_info_by_name(pci, "PCIDevice");
	if (m)
		return m;
	for (size_t i = 0; i < NITEMS(pci_models); i++)
		if (pci_models[i].vendor == pci->attr->pcidev.vendor_id &&
		    pci_models[i].device == pci->attr->pcidev.device_id)
			return pci_models[i].model;
	return NULL;
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
	size_t n = 0, alloc = 0;
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
	/* No vendor plugin (a distribution's hwloc): the PCI devices say it. */
	if (best > BE_ZE) {
		while ((o = hwloc_get_next_pcidev(h, o)) != NULL) {
			size_t i;
			if (!pci_accel(&o->attr->pcidev))
				continue;
			i = cand_find(c, n, NULL, o);
			if (i == n) {
				c = xgrow(c, &alloc, n + 1, sizeof *c);
				c[n++] = (struct cand){ NULL, o, BE_PCI, VENDOR_UNSET };
			}
			c[i].be = BE_PCI;   /* an OpenCL osdev under it stays, for its model */
			c[i].vendor = pci_vendor(o);
			best = BE_PCI;
		}
	}
	/* Count the devices the best backend family saw: all vendor backends
	 * rank above PCI classes, and those above OpenCL. */
	t->gpus = xcalloc(n, sizeof *t->gpus);
	for (size_t i = 0; i < n; i++) {
		struct topo_gpu *g;
		const char *model = NULL;
		if ((best < BE_PCI ? c[i].be >= BE_PCI : c[i].be != best))
			continue;
		g = &t->gpus[t->ngpus++];
		g->vendor = c[i].vendor;
		if (c[i].osdev)
			model = hwloc_obj_get_info_by_name(c[i].osdev, "GPUModel");
		if (model == NULL && c[i].pci)
			model = pci_model(c[i].pci);
		g->model = model ? xstrdup(model) : NULL;
		if (c[i].pci) {
			struct hwloc_pcidev_attr_s *p = &c[i].pci->attr->pcidev;
			g->pci = xasprintf("%04x:%02x:%02x.%01x", p->domain, p->bus, p->dev, p->func);
		}
		if (c[i].be == BE_PCI || c[i].osdev->name == NULL)
			g->name = xstrdup(g->pci ? g->pci : "?");
		else
			g->name = xstrdup(c[i].osdev->name);
		gpu_locality(t, h, g, c[i].osdev && c[i].be != BE_PCI ? c[i].osdev : c[i].pci);
	}
	topo_set_vendor(t);
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
	t->nnuma = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_NUMANODE);
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

/* The vendor reported is the one most GPUs have (also for a cached topology). */
void
topo_set_vendor(struct topo *t)
{
	size_t best = 0;
	t->vendor = VENDOR_NONE;
	for (enum vendor v = VENDOR_NVIDIA; v <= VENDOR_INTEL; v++) {
		size_t k = 0;
		for (size_t i = 0; i < t->ngpus; i++)
			k += t->gpus[i].vendor == v;
		if (k > best) {
			best = k;
			t->vendor = v;
		}
	}
}

/*
 * hwloc_topology_init loads every hwloc plugin it finds, and an XML file
 * needs none of them (hwloc reads XML itself).  Debian's four pull in
 * libxml2, ICU, OpenCL, X11 and libpciaccess: 3 ms of a 2 ms command, and a
 * site's CUDA or NVML plugin starts the GPU driver.  So for a file, unless
 * the user names the plugins to skip, skip these for this one init (hwloc
 * reads the variable there).
 */
#define PLUGINS_NOT_FOR_XML "hwloc_xml_libxml,hwloc_pci,hwloc_opencl,hwloc_gl,hwloc_cuda," \
	"hwloc_nvml,hwloc_rsmi,hwloc_levelzero"

static int
init_topology(hwloc_topology_t *h, int from_xml)
{
	int skip = from_xml && getenv("HWLOC_PLUGINS_BLACKLIST") == NULL, r;

	if (skip && setenv("HWLOC_PLUGINS_BLACKLIST", PLUGINS_NOT_FOR_XML, 1) < 0)
		skip = 0;
	r = hwloc_topology_init(h);
	if (skip)
		unsetenv("HWLOC_PLUGINS_BLACKLIST");
	return r;
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
	if (init_topology(&h, xml != NULL) < 0) {
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
	free(t->origin);
	memset(t, 0, sizeof *t);
}

/*
 * hwloc's API version stays across releases (2.9.0 says 2.8.0), so the
 * library file is named too: an upgrade or another build changes it.
 */
const char *
topo_hwloc_version(void)
{
	static char v[PATH_MAX + 64];
	unsigned x = hwloc_get_api_version();
	char real[PATH_MAX];
	struct stat st;
	Dl_info dl;

	if (v[0] != '\0')
		return v;
	if (dladdr((void *)hwloc_get_api_version, &dl) && dl.dli_fname &&
	    realpath(dl.dli_fname, real) && stat(real, &st) == 0)
		snprintf(v, sizeof v, "api %u.%u.%u %s %lld", x >> 16, (x >> 8) & 0xff, x & 0xff,
		    real, (long long)st.st_size);
	else
		snprintf(v, sizeof v, "api %u.%u.%u", x >> 16, (x >> 8) & 0xff, x & 0xff);
	return v;
}

/*
 * Binding is the kernel's affinity mask and nothing more: no hwloc load
 * (~10 ms a rank).  The kernel keeps the mask inside the cgroup's cpuset
 * and refuses (EINVAL) a mask with no CPU allowed there.
 */
#define TOPO_MAX_CPUS (1 << 16)

int
topo_bind_self(const int *pus, size_t npus, char **err)
{
	int max = 0;
	size_t size;
	cpu_set_t *set;

	for (size_t i = 0; i < npus; i++)
		if (pus[i] >= 0 && pus[i] < TOPO_MAX_CPUS && pus[i] + 1 > max)
			max = pus[i] + 1;
	if (max == 0) {
		*err = xasprintf("none of the requested CPUs exist or are allowed here");
		return -1;
	}
	set = CPU_ALLOC(max);
	size = CPU_ALLOC_SIZE(max);
	CPU_ZERO_S(size, set);
	for (size_t i = 0; i < npus; i++)
		if (pus[i] >= 0 && pus[i] < max)
			CPU_SET_S((size_t)pus[i], size, set);
	if (sched_setaffinity(0, size, set) < 0) {
		int e = errno;
		char *list = bind_format_ranges(pus, npus);
		*err = e == EINVAL ? xasprintf("none of the requested CPUs exist or are allowed here")
		    : xasprintf("cannot bind to CPUs %s: %s", list, strerror(e));
		free(list);
		CPU_FREE(set);
		return -1;
	}
	CPU_FREE(set);
	return 0;
}

char *
topo_get_binding(void)
{
	for (int max = 1024; max <= TOPO_MAX_CPUS; max *= 4) {
		size_t size = CPU_ALLOC_SIZE(max);
		cpu_set_t *set = CPU_ALLOC(max);
		int *v, n = 0;
		char *r;
		if (sched_getaffinity(0, size, set) < 0) {
			CPU_FREE(set);
			if (errno == EINVAL)
				continue;   /* the kernel's mask is larger */
			return xstrdup("?");
		}
		v = xcalloc((size_t)CPU_COUNT_S(size, set) + 1, sizeof *v);
		for (int c = 0; c < max; c++)
			if (CPU_ISSET_S((size_t)c, size, set))
				v[n++] = c;
		r = bind_format_ranges(v, (size_t)n);
		free(v);
		CPU_FREE(set);
		return r;
	}
	return xstrdup("?");
}
