#!/usr/bin/env python3
# tests/fuzz/shell-roundtrip.py: random values through src/shell.c and the
# real shells, in batches, for a time budget.
#
# libFuzzer cannot start a shell per input fast enough, so this driver does
# what fuzzing would, honestly and in bulk: each batch is a few thousand
# values built from the pieces shells treat specially (quotes, backslashes,
# $ ` ! ~ = % { } * ?, control and non-UTF-8 bytes, escapes as text) glued
# together, plus random bytes and long values.  For every shell here (bash,
# zsh, dash, fish) and both locales (C.UTF-8, C), each batch goes through
#   x: export lines (eval'd) -> printf of the variables, and env -0 of a child
#   w: one command line of quoted words (the form of --dry-run's launch
#      line, run as a script) -> printf '%s\0'
# and every value must come back byte for byte.  tests/sh/t-shell-roundtrip.sh
# covers hand-picked values and uniform random bytes (500, seeded); this one
# covers combinations, the word form, and many more values.
#
# A failing value is shrunk to a small one that still fails, saved under
# ARTIFACTS, and printed with the seed that found it.  Values under
# tests/fuzz/corpus/shell/ (the fuzz_shell seeds and regressions: first
# byte the shell, then the value) go into the first batch.
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

PIECES = [
    b"'", b"''", b"\\", b"\\\\", b'"', b"$", b"`", b"!", b"\n", b"\t", b"\r", b" ",
    b"${", b"$(", b"$((", b")", b"}", b"{", b"~", b"=", b"==", b"%", b"#", b"*", b"?",
    b"[", b"]", b";", b"&", b"|", b"<", b">", b"(", b"-", b"--", b":", b",", b"@",
    b"+", b".", b"/", b"^", b"\x1b", b"\x7f", b"\x01", b"\x1f", b"\x0b", b"\x0c",
    "é".encode(), "\u2028".encode(), "🙂".encode(), "\u0085".encode(), "\ufeff".encode(),
    "\ufffe".encode(), "\U0010ffff".encode(), b"\xff", b"\xfe", b"\xc3", b"\xed\xa0\x80",
    b"\xc0\x80", b"\xf4\x90\x80\x80", b"\xe6\x97", b"\x80", b"\\x41", b"\\xff", b"\\u00e9",
    b"\\U0001F642", b"\\n", b"\\t", b"\\0", b"\\c", b"\\e", b"\\'", b"'\\''", b"$'", b'$"',
    b"%self", b"$fish_pid", b"$status", b"$argv", b"=ls", b"=(", b"\\\n", b"!!", b"!$",
    b"!#", b"!-1", b"^a^b", b"{a,b}", b"{}", b"{,}", b"a=b", b"x=~/y", b"--np=24", b"$HOME",
    b"$0", b"$@", b"$*", b"$#", b"$?", b"$$", b"$1", b"<(", b">(", b"&&", b"||", b"2>&1",
    b";;", b"\\$", b"\\`", b'\\"', b"\\!", b"\\\\'", b"**", b"[!a]", b"[[:alpha:]]",
    b"?(a)", b"@(a)", b"#a", b"~+", b"~-", b"=~", b"::", b"a:~", b"%%", b"%1",
]
BARE = b"ABCXYZabcxyz0189_./:,+@-="


def bare_word(rnd):
    return bytes(rnd.choice(BARE) for _ in range(rnd.randrange(1, 12)))


def value(rnd):
    kind = rnd.random()
    if kind < 0.40:
        parts = []
        for _ in range(rnd.randrange(1, 13)):
            parts.append(rnd.choice(PIECES) if rnd.random() < 0.7 else bare_word(rnd))
        return b"".join(parts)
    if kind < 0.55:
        return bare_word(rnd) + (rnd.choice(PIECES) if rnd.random() < 0.3 else b"")
    if kind < 0.70:
        return bytes(rnd.randrange(1, 256) for _ in range(rnd.randrange(0, 300)))
    if kind < 0.85:
        return rnd.choice(PIECES) * rnd.randrange(1, 40)
    if kind < 0.90:
        out = b""
        while len(out) < rnd.randrange(1000, 5000):
            out += rnd.choice(PIECES) if rnd.random() < 0.5 else bare_word(rnd)
        return out
    cps = []
    for _ in range(rnd.randrange(1, 20)):
        r = rnd.random()
        cps.append(rnd.randrange(0x80, 0x800) if r < 0.3 else rnd.randrange(0x800, 0x10000)
                   if r < 0.6 else rnd.randrange(0x10000, 0x110000) if r < 0.8
                   else rnd.choice([0x85, 0xa0, 0x2028, 0x2029, 0x202e, 0xfeff, 0xfffe, 0xffff]))
    return "".join(chr(c) for c in cps).encode("utf-8", "surrogatepass")


def shell_argv(sh):
    return {"bash": ["bash", "--norc", "--noprofile"], "zsh": ["zsh", "-f"],
            "dash": ["dash"], "fish": ["fish", "--no-config"]}[sh]


def emit_shell(sh):
    return "sh" if sh == "dash" else sh


class Runner:
    def __init__(self, emit, work):
        self.emit = emit
        self.work = work
        self.runs = 0

    def env(self, loc):
        return {"PATH": "/usr/bin:/bin", "HOME": self.work, "TERM": "dumb", "LC_ALL": loc}

    def check(self, sh, mode, loc, vals):
        """None if every value came back, else (index, why)."""
        d = self.work
        with open(os.path.join(d, "vals"), "wb") as f:
            f.write(b"".join(v + b"\0" for v in vals))
        code = subprocess.run([self.emit, mode, emit_shell(sh), os.path.join(d, "vals")],
                              capture_output=True)
        if code.returncode != 0:
            return (-1, "shell_emit failed: " + code.stderr.decode(errors="replace")[-2000:])
        refs = " ".join(f'"$V{i}"' for i in range(len(vals)))
        with open(os.path.join(d, "code"), "wb") as f:
            f.write(code.stdout)
        for name in ("printed", "env"):
            if os.path.exists(os.path.join(d, name)):
                os.unlink(os.path.join(d, name))
        if mode == "w":
            script = "code"
        else:
            script = "script"
            with open(os.path.join(d, script), "w") as f:
                if sh == "fish":
                    f.write("cat code | source\n")
                else:
                    f.write('eval "$(cat code)"\n')
                f.write(f"printf '%s\\0' {refs} >printed\nenv -0 >env\n")
        argv = shell_argv(sh) + [script]
        r = subprocess.run(argv, cwd=d, env=self.env(loc), capture_output=True, timeout=120)
        self.runs += 1
        if mode == "w":
            printed = r.stdout
        else:
            try:
                printed = open(os.path.join(d, "printed"), "rb").read()
            except OSError:
                printed = b""
        if r.returncode != 0 or r.stderr:
            return (-1, f"{sh} exited {r.returncode}: " + r.stderr.decode(errors="replace")[-2000:])
        got = printed.split(b"\0")[:-1]
        for i, v in enumerate(vals):
            if i >= len(got):
                return (i, f"{len(got)} values printed, {len(vals)} given")
            if got[i] != v:
                return (i, f"printed {got[i][:200]!r}")
        if len(got) != len(vals):
            return (len(vals), f"{len(got)} values printed, {len(vals)} given")
        if mode == "x":
            env = {}
            for e in open(os.path.join(d, "env"), "rb").read().split(b"\0")[:-1]:
                k, _, v = e.partition(b"=")
                if k.startswith(b"V") and k[1:].isdigit():
                    env[int(k[1:])] = v
            for i, v in enumerate(vals):
                if env.get(i) != v:
                    return (i, f"a child's environment has {env.get(i, b'(unset)')[:200]!r}")
        return None

    def fails(self, sh, mode, loc, v):
        return self.check(sh, mode, loc, [v]) is not None

    def culprit(self, sh, mode, loc, vals):
        """The index of one value that fails alone, or -1 (halving the batch)."""
        lo, hi = 0, len(vals)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self.check(sh, mode, loc, vals[lo:mid]) is not None:
                hi = mid
            elif self.check(sh, mode, loc, vals[mid:hi]) is not None:
                lo = mid
            else:
                return -1
        return lo if self.fails(sh, mode, loc, vals[lo]) else -1

    def shrink(self, sh, mode, loc, v):
        """A smaller value that still fails (greedy chunk removal)."""
        tries = 0
        chunk = max(1, len(v) // 2)
        while chunk >= 1 and tries < 400:
            i, changed = 0, False
            while i < len(v) and tries < 400:
                cand = v[:i] + v[i + chunk:]
                tries += 1
                if self.fails(sh, mode, loc, cand):
                    v, changed = cand, True
                else:
                    i += chunk
            if not changed:
                chunk //= 2
        return v


def corpus_values(top):
    d = os.path.join(top, "tests", "fuzz", "corpus", "shell")
    vals = []
    if os.path.isdir(d):
        for name in sorted(os.listdir(d)):
            data = open(os.path.join(d, name), "rb").read()[1:]
            vals.append(data.split(b"\0")[0])
    return vals


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--emit", required=True)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--batches", type=int, default=0, help="stop after this many (0: time only)")
    ap.add_argument("--size", type=int, default=2000, help="values per batch")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--artifacts", default=None)
    ap.add_argument("--shells", default="bash,zsh,dash,fish")
    a = ap.parse_args()
    top = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    seed = a.seed if a.seed is not None else int(time.time())
    shells = [s for s in a.shells.split(",") if shutil.which(s)]
    missing = [s for s in a.shells.split(",") if s not in shells]
    work = tempfile.mkdtemp(prefix="ezpz-shfuzz.")
    run = Runner(a.emit, work)
    start = time.time()
    batch = nvals = 0
    print(f"shell-roundtrip: seed {seed}; shells {' '.join(shells)}"
          + (f" (missing: {' '.join(missing)})" if missing else ""))
    try:
        while True:
            if a.batches and batch >= a.batches:
                break
            if batch and time.time() - start >= a.seconds:
                break
            rnd = random.Random(seed * 1000003 + batch)
            vals = corpus_values(top) if batch == 0 else []
            vals += [value(rnd) for _ in range(a.size)]
            loc = "C.UTF-8" if batch % 2 == 0 else "C"
            for sh in shells:
                for mode in ("x", "w"):
                    bad = run.check(sh, mode, loc, vals)
                    if bad is None:
                        continue
                    i, why = bad
                    print(f"FAIL: {sh} {mode} LC_ALL={loc} seed {seed} batch {batch}: {why}")
                    if i < 0:
                        i = run.culprit(sh, mode, loc, vals)
                        if i < 0:
                            return 1
                    small = run.shrink(sh, mode, loc, vals[i])
                    print(f"  value {i}: {vals[i][:300]!r}")
                    print(f"  shrunk:  {small!r}")
                    if a.artifacts:
                        os.makedirs(a.artifacts, exist_ok=True)
                        p = os.path.join(a.artifacts, f"{sh}-{mode}-{seed}-{batch}-{i}")
                        open(p, "wb").write(small + b"\0")
                        print(f"  saved:   {p}")
                    return 1
            nvals += len(vals)
            batch += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"shell-roundtrip: {nvals} values x {len(shells)} shells x 2 forms in {batch} batches, "
          f"{run.runs} shell runs, {time.time() - start:.1f} s: all came back")
    return 0


if __name__ == "__main__":
    sys.exit(main())
