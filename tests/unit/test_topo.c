/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for GPU counting from hwloc topologies: with the vendor
 * plugins (osdevs), and as a distribution's hwloc reports a node (PCI
 * devices only, with or without DRM nodes; tests/fixtures/topo/gen-stock.py
 * made those from real PCI ids and classes).  Management and integrated
 * graphics never count.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fakeio.h"
#include "topo.h"
#include "util.h"

struct topo_case {
	const char *xml;
	size_t ngpus;
	enum vendor vendor;
	const char *backend;      /* NULL: none */
	const char *model;        /* of the first GPU, or NULL */
	const char *pci;          /* of the first GPU, or NULL */
	int local;                /* the first GPU has locality */
};

static const struct topo_case cases[] = {
	/* vendor plugins: unchanged */
	{ "nvidiaDGX2.xml", 16, VENDOR_NVIDIA, "nvml", "Tesla V100-SXM3-32GB-H", "0000:34:00.0", 1 },
	{ "frontier-like.xml", 8, VENDOR_AMD, "rsmi", "AMD Instinct MI250X", NULL, 1 },
	{ "32em64t-2n8c2t-pci-normalio.xml", 1, VENDOR_NVIDIA, "cuda", NULL, NULL, 1 },
	/* a distribution's hwloc: PCI devices, with and without DRM nodes */
	{ "stock-dgx2.xml", 16, VENDOR_NVIDIA, "pci", "NVIDIA Tesla V100-SXM3-32GB", "0000:34:00.0", 1 },
	{ "stock-dgx2-drm.xml", 16, VENDOR_NVIDIA, "pci", "NVIDIA Tesla V100-SXM3-32GB", "0000:34:00.0", 1 },
	{ "stock-mi250x.xml", 8, VENDOR_AMD, "pci", "AMD Instinct MI250X", "0000:10:00.0", 1 },
	{ "stock-mi250x-drm.xml", 8, VENDOR_AMD, "pci", "AMD Instinct MI250X", "0000:10:00.0", 1 },
	{ "stock-mi300x.xml", 8, VENDOR_AMD, "pci", "AMD Instinct MI300X", "0000:10:00.0", 1 },
	{ "stock-pvc.xml", 6, VENDOR_INTEL, "pci", "Intel Data Center GPU Max 1550", NULL, 1 },
	{ "stock-pvc-drm.xml", 6, VENDOR_INTEL, "pci", "Intel Data Center GPU Max 1550", NULL, 1 },
	/* HP SL390s: 3 Tesla M2070 beside an ATI ES1000 server VGA */
	{ "24em64t-2n6c2t-pci.xml", 3, VENDOR_NVIDIA, "pci", NULL, NULL, 1 },
	/* nothing to count: BMC graphics (ASPEED, Matrox, ES1000), an Intel iGPU */
	{ "stock-bmc.xml", 0, VENDOR_NONE, NULL, NULL, NULL, 0 },
	{ "stock-igpu.xml", 0, VENDOR_NONE, NULL, NULL, NULL, 0 },
	{ "synthetic-nogpu.xml", 0, VENDOR_NONE, NULL, NULL, NULL, 0 },
};

Test(topo, gpus_counted_with_and_without_vendor_plugins)
{
	for (size_t i = 0; i < NITEMS(cases); i++) {
		const struct topo_case *c = &cases[i];
		char *rel = xasprintf("tests/fixtures/topo/%s", c->xml), *path = fixture(rel);
		char *err = NULL;
		struct topo t;

		cr_assert_eq(topo_load(&t, path, &err), 0, "%s: %s", c->xml, err);
		cr_expect_eq(t.ngpus, c->ngpus, "%s: %zu GPUs, want %zu", c->xml, t.ngpus, c->ngpus);
		cr_expect_eq(t.vendor, c->vendor, "%s: vendor %d", c->xml, t.vendor);
		if (c->backend)
			cr_expect_str_eq(t.backend ? t.backend : "(null)", c->backend, "%s", c->xml);
		else
			cr_expect_null(t.backend, "%s: backend %s", c->xml, t.backend);
		for (size_t k = 0; k < t.ngpus; k++)
			cr_expect_eq(t.gpus[k].vendor, c->vendor, "%s: GPU %zu's vendor", c->xml, k);
		if (t.ngpus > 0) {
			if (c->model)
				cr_expect_str_eq(t.gpus[0].model ? t.gpus[0].model : "(null)", c->model,
				    "%s", c->xml);
			if (c->pci)
				cr_expect_str_eq(t.gpus[0].pci ? t.gpus[0].pci : "(null)", c->pci,
				    "%s", c->xml);
			cr_expect_eq(t.gpus[0].ncores > 0, c->local, "%s: locality", c->xml);
		}
		topo_free(&t);
		free(rel);
		free(path);
	}
}

/* Counted by PCI, each GPU is named by its bus id and no two are the same. */
Test(topo, pci_gpus_one_per_device)
{
	char *path = fixture("tests/fixtures/topo/stock-dgx2-drm.xml"), *err = NULL;
	struct topo t;

	cr_assert_eq(topo_load(&t, path, &err), 0, "%s", err);
	for (size_t i = 0; i < t.ngpus; i++) {
		cr_expect_str_eq(t.gpus[i].name, t.gpus[i].pci);
		for (size_t k = 0; k < i; k++)
			cr_expect_str_neq(t.gpus[i].pci, t.gpus[k].pci);
	}
	topo_free(&t);
	free(path);
}
