# tests/fuzz/fuzz.mk: libFuzzer targets for every parser of outside input,
# and the shell round-trip driver.  Run from the top of the tree:
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="hostlist job"]   fuzz each target
#   make -f tests/fuzz/fuzz.mk build                            build only
#   make -f tests/fuzz/fuzz.mk check                            what make check runs
#
# Everything is built with clang into $(O)/fuzz, from the sources: the
# objects get the fuzzer's coverage and the sanitizers, so none is shared
# with the normal build.  Needs clang and its runtime libraries (Debian 12:
# apt-get install clang libclang-rt-14-dev; with --no-install-recommends the
# second is not pulled in, and neither -fsanitize=fuzzer nor =address links
# without it).  tests/fuzz/run does the running.
.SUFFIXES:

include config.mk

O = build
# One spelling of it, whoever calls (t-fuzz passes an absolute path, make
# fuzz a relative one): the .d files name their targets that way, and the
# other spelling would not see them, so an object could stay stale after a
# header it includes grew a struct.
override O := $(abspath $(O))
FZ = $(O)/fuzz
FUZZ_CC = clang
# make fuzz FUZZ_SECONDS= (empty, from the top Makefile) means the default.
override FUZZ_SECONDS := $(or $(FUZZ_SECONDS),60)
FUZZ_TARGETS = hostlist hostfile tasks_per_node profile job shell walltime

SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS))
# The hostlist caps, lower: an input at the cap costs microseconds, not a
# second of expanding a million names (the code that enforces them is the same).
FUZZ_CAPS = -D'HOSTLIST_MAX_HOSTS=(1L << 12)' -D'HOSTLIST_MAX_BYTES=(64L << 10)'
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -DVERSION=\"$(VERSION)\" -DFUZZ_TOP=\"$(CURDIR)\" $(FUZZ_CAPS) \
	-g -O1 -Wall -Wextra -Wno-missing-field-initializers -Werror=vla -Isrc -MD -MP \
	$(SAN) $(PKG_CFLAGS)

# The pure objects each target needs (no I/O edge, no main).
OBJS_base = util strvec buf
OBJS_hostlist = hostlist $(OBJS_base)
OBJS_hostfile = hostfile hostlist $(OBJS_base)
OBJS_tasks_per_node = $(OBJS_hostfile)
# launcher names come from the backend table
OBJS_backends = backend be_pals be_mpich be_openmpi be_srun bind hostlist
OBJS_profile = profile types shell $(OBJS_backends) $(OBJS_base)
OBJS_shell = shell $(OBJS_base)
OBJS_walltime = submit $(OBJS_job)
OBJS_job = job jobfind sched_pbs sched_slurm sched_flux sched_lsf sched_local launcher srunmpi \
	hostfile profile types plan source $(OBJS_backends) \
	shell json topo doctor setupenv modsys envdiff pycheck path rank $(OBJS_base)

objs = $(patsubst %,$(FZ)/obj/%.o,$(OBJS_$(1)))
BINS = $(patsubst %,$(FZ)/fuzz_%,$(FUZZ_TARGETS))
EMIT = $(FZ)/shell_emit

# make fuzz (the top Makefile) runs this file's default goal.
.DEFAULT_GOAL := fuzz

build: $(BINS) $(EMIT)

# With the ezpz binary built, the run ends with a differential test of
# FUZZ_SECONDS x 250 (at least 4000: the test wants 1000 accepted) random
# hostlist expressions against scontrol.
SCONTROL_COUNT = $(shell echo $$(( $(FUZZ_SECONDS) * 250 > 4000 ? $(FUZZ_SECONDS) * 250 : 4000 )))
fuzz: build
	FUZZ_DIR=$(FZ) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_EZPZ=$(CURDIR)/$(O)/bin/ezpz \
		FUZZ_SCONTROL_COUNT=$(SCONTROL_COUNT) tests/fuzz/run $(FUZZ_TARGETS)

# A short run of each target, the whole seed corpus replayed first.
check: build
	FUZZ_DIR=$(FZ) FUZZ_SECONDS=$(or $(FUZZ_CHECK_SECONDS),3) FUZZ_SHELL_BATCHES=4 \
		tests/fuzz/run $(FUZZ_TARGETS)

# Objects get coverage instrumentation; only the final link adds libFuzzer's main.
# This file is a prerequisite too: its flags are the objects'.
$(FZ)/obj/%.o: src/%.c tests/fuzz/fuzz.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FZ)/obj/fuzz_%.o: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

# One explicit rule per target: objects named only through a pattern rule
# are "intermediate" to make, and one could be left stale after a header
# it includes changed (a struct grew, and the fuzzer read past it).
define fuzz_bin
$(FZ)/fuzz_$(1): $(FZ)/obj/fuzz_$(1).o $(call objs,$(1))
	$$(FUZZ_CC) $$(SAN) -fsanitize=fuzzer -o $$@ $$^ $$(PKG_LIBS) -lm
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_bin,$(t))))

# The shell driver is a plain program: sanitizers, no libFuzzer.
$(FZ)/obj/shell_emit.o: tests/fuzz/shell_emit.c tests/fuzz/fuzz.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(EMIT): $(FZ)/obj/shell_emit.o $(call objs,shell)
	$(FUZZ_CC) $(SAN) -o $@ $^

clean:
	rm -rf $(FZ)

-include $(wildcard $(FZ)/obj/*.d)

.PHONY: build fuzz check clean
