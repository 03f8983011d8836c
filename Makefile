# ezpz - launcher and job-environment tool for HPC
# See LICENSE file for copyright and license details.
.SUFFIXES:

include config.mk

# Sanitized builds live apart so they never mix objects with normal ones.
SANITIZE =
O = build
SANFLAGS =
ifeq ($(SANITIZE),1)
O = build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(filter-out $(DLOPEN_PKGS),$(PKGS))) -ldl
# The library pmix.c opens: its installed path, by its SONAME.
PMIX_LIBDIR := $(shell $(PKG_CONFIG) --variable=libdir pmix)
PMIX_SONAME := $(or $(shell objdump -p $(PMIX_LIBDIR)/libpmix.so 2>/dev/null | awk '/SONAME/ { print $$2 }'),libpmix.so.2)
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS))
TEST_LIBS := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))
# A site's MPI: MPI_CFLAGS/MPI_LIBS given on the command line win (make
# MPI_PKG= MPI_CFLAGS="$(mpicc --showme:compile)" MPI_LIBS="$(mpicc --showme:link)").
MPI_CFLAGS ?= $(if $(MPI_PKG),$(shell $(PKG_CONFIG) --cflags $(MPI_PKG)))
MPI_LIBS ?= $(if $(MPI_PKG),$(shell $(PKG_CONFIG) --libs $(MPI_PKG)))

# The project's own flags; a user's CFLAGS adds to them rather than replacing.
EZCFLAGS = -std=c11 -D_GNU_SOURCE -DVERSION=\"$(VERSION)\" \
	-DEZPZ_DATADIR=\"$(DATADIR)/ezpz\" -DEZPZ_LIBEXECDIR=\"$(LIBEXECDIR)/ezpz\" -DEZPZ_MANDIR=\"$(MANPREFIX)\" \
	-Wall -Wextra -Wshadow -Wstrict-prototypes -Werror=vla -Werror=implicit-function-declaration \
	-MD -MP $(SANFLAGS) $(PKG_CFLAGS) $(CFLAGS)
EZLDFLAGS = $(SANFLAGS) $(LDFLAGS)

# The build tree is laid out like an install prefix, so the binary finds its
# worker and profiles the same way in both (see datadir_find in src/path.c).
BIN = $(O)/bin/ezpz
WORKER = $(O)/libexec/ezpz/ezpz-test-worker
YEET_WORKER = $(O)/libexec/ezpz/ezpz-yeet-worker
SHAREDIR = $(O)/share/ezpz

SRC = $(filter-out src/ezpz.c,$(wildcard src/*.c))
OBJ = $(SRC:src/%.c=$(O)/obj/%.o)
WORKER_SRC = $(wildcard src/worker/*.c)
WORKER_OBJ = $(WORKER_SRC:src/worker/%.c=$(O)/obj/worker/%.o)
YEET_SRC = $(wildcard src/yeet-worker/*.c)
YEET_OBJ = $(YEET_SRC:src/yeet-worker/%.c=$(O)/obj/yeet-worker/%.o)
UNIT_SRC = $(wildcard tests/unit/*.c)
UNIT_OBJ = $(UNIT_SRC:tests/unit/%.c=$(O)/obj/unit/%.o)
UNIT = $(O)/tests/unit_tests
# Small programs the shell tests drive (e.g. the quoting round trip).
TOOLS = $(patsubst tests/tools/%.c,$(O)/tests/tools/%,$(wildcard tests/tools/*.c))
MACHINES = $(wildcard src/machines/*.yaml)
SCRIPTS = $(wildcard src/share/*)
MAN1 = $(wildcard man/*.1)
MAN5 = $(wildcard man/*.5)
# The Lmod modulefile, installed with PREFIX filled in (it also finds its
# prefix from where it lies, so a moved tree still works).
MODULEFILE = contrib/modulefiles/ezpz/0.1.0.lua
MODULEDIR = $(DATADIR)/modulefiles/ezpz

# NO_WORKER=1 builds and installs ezpz without its MPI programs, the test
# and yeet workers (no MPI needed; 'ezpz test' then says the worker is missing).
NO_WORKER =
ALL_WORKER = $(if $(NO_WORKER),,$(WORKER) $(YEET_WORKER))

all: $(BIN) $(ALL_WORKER) share

$(O)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(EZCFLAGS) -c -o $@ $<

$(O)/obj/pmix.o: src/pmix.c
	@mkdir -p $(@D)
	$(CC) $(EZCFLAGS) -DEZPZ_LIBPMIX=\"$(PMIX_LIBDIR)/$(PMIX_SONAME)\" -DEZPZ_PMIX_SONAME=\"$(PMIX_SONAME)\" -c -o $@ $<

# The worker follows the MPI flags: they are written to a stamp file that
# changes only when they do, and the worker's objects depend on it (make
# MPI_PKG=mpich after a normal build rebuilds the worker, and only it).
MPI_STAMP = $(O)/mpi.flags
$(MPI_STAMP): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' 'MPI_CFLAGS=$(subst ','\'',$(MPI_CFLAGS))' 'MPI_LIBS=$(subst ','\'',$(MPI_LIBS))' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

$(O)/obj/worker/%.o: src/worker/%.c $(MPI_STAMP)
	@mkdir -p $(@D)
	$(CC) $(EZCFLAGS) $(MPI_CFLAGS) -DEZPZ_MPI_BUILD='"$(subst ",,$(subst ',,$(if $(MPI_PKG),MPI_PKG=$(MPI_PKG),MPI_CFLAGS/MPI_LIBS)))"' -c -o $@ $<

$(O)/obj/yeet-worker/%.o: src/yeet-worker/%.c
	@mkdir -p $(@D)
	$(CC) $(EZCFLAGS) $(MPI_CFLAGS) -c -o $@ $<

$(O)/obj/unit/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(EZCFLAGS) $(TEST_CFLAGS) -Isrc -c -o $@ $<

$(O)/libezpz.a: $(OBJ)
	rm -f $@
	ar rcs $@ $(OBJ)

$(BIN): $(O)/obj/ezpz.o $(O)/libezpz.a
	@mkdir -p $(@D)
	$(CC) $(EZLDFLAGS) -o $@ $(O)/obj/ezpz.o $(O)/libezpz.a $(PKG_LIBS) -lm

# The worker is an MPI program; its pure parts (src/mlp.c) come from libezpz.a.
$(WORKER): $(WORKER_OBJ) $(O)/libezpz.a $(MPI_STAMP)
	@mkdir -p $(@D)
	$(CC) $(EZLDFLAGS) -o $@ $(WORKER_OBJ) $(O)/libezpz.a $(MPI_LIBS) $(shell $(PKG_CONFIG) --libs libcjson) -lm

# ezpz yeet's worker: MPI (it broadcasts a tree, one rank per host), and
# ezpz's path checks.
$(YEET_WORKER): $(YEET_OBJ) $(O)/libezpz.a
	@mkdir -p $(@D)
	$(CC) $(EZLDFLAGS) -o $@ $(YEET_OBJ) $(O)/libezpz.a $(MPI_LIBS)

$(O)/tests/tools/%: tests/tools/%.c $(O)/libezpz.a
	@mkdir -p $(@D)
	$(CC) $(EZCFLAGS) -Isrc $(EZLDFLAGS) -o $@ $< $(O)/libezpz.a $(PKG_LIBS) -lm

$(UNIT): $(UNIT_OBJ) $(O)/libezpz.a
	@mkdir -p $(@D)
	$(CC) $(EZLDFLAGS) -o $@ $(UNIT_OBJ) $(O)/libezpz.a $(TEST_LIBS) $(PKG_LIBS) -lm

share: $(MACHINES) $(SCRIPTS) $(MAN1) $(MAN5)
	@mkdir -p $(SHAREDIR)/machines $(O)/share/man/man1 $(O)/share/man/man5
	@for f in $(MAN1); do cmp -s $$f $(O)/share/man/man1/$${f##*/} || cp $$f $(O)/share/man/man1/; done
	@for f in $(MAN5); do cmp -s $$f $(O)/share/man/man5/$${f##*/} || cp $$f $(O)/share/man/man5/; done
	@for f in $(MACHINES); do cmp -s $$f $(SHAREDIR)/machines/$${f##*/} || cp $$f $(SHAREDIR)/machines/; done
	@for f in $(SCRIPTS); do cmp -s $$f $(SHAREDIR)/$${f##*/} || cp $$f $(SHAREDIR)/; done

# make check: unit tests, then the built binary under fixture environments,
# then integration with real mpirun, Slurm, Lmod and shells (tests/run).
check: all $(UNIT) $(TOOLS)
	EZPZ_BUILD=$(O) SANITIZE=$(SANITIZE) tests/run

bench: all
	EZPZ_BUILD=$(O) tests/bench/run

# The chaos test at length (make check runs a short form of it):
# SOAK_RUNS launches with random faults, SOAK_SEED to replay one.
SOAK_RUNS = 500
soak: all $(UNIT) $(TOOLS)
	EZPZ_BUILD=$(O) SANITIZE=$(SANITIZE) SOAK_RUNS=$(SOAK_RUNS) SOAK_SEED=$(SOAK_SEED) \
	    TESTS=integration/t-soak tests/run

fuzz:
	$(MAKE) -f tests/fuzz/fuzz.mk FUZZ_SECONDS=$(FUZZ_SECONDS)

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR)/ezpz $(DESTDIR)$(DATADIR)/ezpz/machines
	cp -f $(BIN) $(DESTDIR)$(BINDIR)/ezpz
	$(if $(NO_WORKER),,cp -f $(WORKER) $(DESTDIR)$(LIBEXECDIR)/ezpz/ezpz-test-worker)
	$(if $(NO_WORKER),,cp -f $(YEET_WORKER) $(DESTDIR)$(LIBEXECDIR)/ezpz/ezpz-yeet-worker)
	for f in $(MACHINES); do cp -f $$f $(DESTDIR)$(DATADIR)/ezpz/machines/; done
	for f in $(SCRIPTS); do cp -f $$f $(DESTDIR)$(DATADIR)/ezpz/; done
	mkdir -p $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(MANPREFIX)/man5
	for f in $(MAN1); do cp -f $$f $(DESTDIR)$(MANPREFIX)/man1/ && chmod 644 $(DESTDIR)$(MANPREFIX)/man1/$${f##*/}; done
	for f in $(MAN5); do cp -f $$f $(DESTDIR)$(MANPREFIX)/man5/ && chmod 644 $(DESTDIR)$(MANPREFIX)/man5/$${f##*/}; done
	mkdir -p $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	cp -f completions/bash/ezpz $(DESTDIR)$(BASHCOMPDIR)/ezpz
	cp -f completions/zsh/_ezpz $(DESTDIR)$(ZSHCOMPDIR)/_ezpz
	cp -f completions/fish/ezpz.fish $(DESTDIR)$(FISHCOMPDIR)/ezpz.fish
	chmod 644 $(DESTDIR)$(BASHCOMPDIR)/ezpz $(DESTDIR)$(ZSHCOMPDIR)/_ezpz $(DESTDIR)$(FISHCOMPDIR)/ezpz.fish
	mkdir -p $(DESTDIR)$(MODULEDIR)
	sed 's|^local prefix = .*|local prefix = "$(subst |,\\|,$(subst &,\\&,$(PREFIX)))"|' $(MODULEFILE) \
		>$(DESTDIR)$(MODULEDIR)/$(VERSION).lua.tmp
	chmod 644 $(DESTDIR)$(MODULEDIR)/$(VERSION).lua.tmp
	mv -f $(DESTDIR)$(MODULEDIR)/$(VERSION).lua.tmp $(DESTDIR)$(MODULEDIR)/$(VERSION).lua

# Removes what install copied, then ezpz's own directories when empty; shared
# ones (bin, man1, the completion directories) stay.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ezpz $(DESTDIR)$(LIBEXECDIR)/ezpz/ezpz-test-worker \
		$(DESTDIR)$(LIBEXECDIR)/ezpz/ezpz-yeet-worker
	for f in $(MACHINES); do rm -f $(DESTDIR)$(DATADIR)/ezpz/machines/$${f##*/}; done
	for f in $(SCRIPTS); do rm -f $(DESTDIR)$(DATADIR)/ezpz/$${f##*/}; done
	for f in $(MAN1); do rm -f $(DESTDIR)$(MANPREFIX)/man1/$${f##*/}; done
	for f in $(MAN5); do rm -f $(DESTDIR)$(MANPREFIX)/man5/$${f##*/}; done
	rm -f $(DESTDIR)$(BASHCOMPDIR)/ezpz $(DESTDIR)$(ZSHCOMPDIR)/_ezpz $(DESTDIR)$(FISHCOMPDIR)/ezpz.fish
	rm -f $(DESTDIR)$(MODULEDIR)/$(VERSION).lua
	for d in $(DESTDIR)$(MODULEDIR) $(DESTDIR)$(DATADIR)/modulefiles $(DESTDIR)$(DATADIR)/ezpz/machines $(DESTDIR)$(DATADIR)/ezpz $(DESTDIR)$(LIBEXECDIR)/ezpz; do \
		if [ -d $$d ]; then rmdir $$d 2>/dev/null || echo "uninstall: kept $$d (not empty)"; fi; \
	done

dist:
	rm -rf ezpz-$(VERSION)
	mkdir -p ezpz-$(VERSION)
	git ls-files | tar -cf - -T - | tar -xf - -C ezpz-$(VERSION)
	tar -czf ezpz-$(VERSION).tar.gz ezpz-$(VERSION)
	rm -rf ezpz-$(VERSION)

clean:
	rm -rf build build-san ezpz-$(VERSION).tar.gz

-include $(OBJ:.o=.d) $(O)/obj/ezpz.d $(WORKER_OBJ:.o=.d) $(YEET_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)

FORCE:

.PHONY: all share check bench soak fuzz install uninstall dist clean FORCE
