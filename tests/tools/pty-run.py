#!/usr/bin/env python3
"""Run a command at a real pseudo-terminal, as an interactive shell would.

    pty-run.py [--cols N] [--ctrl-c-after TEXT] [--wait S] -- CMD [ARGS...]

A job-control bash (set -m) in a new session on a pty sets the width with
stty, runs CMD as its foreground job and reports its exit status.  With
--ctrl-c-after, once TEXT has appeared in the output, a ^C is typed at the
terminal: the line discipline sends SIGINT to whatever process group holds
it, as when a person presses Ctrl-C.  The output (CR LF as LF) goes to
stdout; the exit status is CMD's, or 99 when the command did not end
within --wait seconds (then its session is killed).
"""
import argparse
import os
import pty
import select
import signal
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--cols", type=int, default=80)
ap.add_argument("--ctrl-c-after")
ap.add_argument("--wait", type=float, default=60)
ap.add_argument("cmd", nargs=argparse.REMAINDER)
a = ap.parse_args()
cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd

script = 'set -m; stty cols "$0" rows 40 -echo; "$@"; rc=$?; printf "\\n@@rc=%d\\n" "$rc"'
pid, fd = pty.fork()
if pid == 0:
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-c", script, str(a.cols)] + cmd)

out, sent, rc = b"", False, None
deadline = time.monotonic() + a.wait
while time.monotonic() < deadline:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            d = os.read(fd, 65536)
        except OSError:
            break
        if not d:
            break
        out += d
    if a.ctrl_c_after and not sent and a.ctrl_c_after.encode() in out:
        os.write(fd, b"\x03")
        sent = True
else:
    os.killpg(pid, signal.SIGKILL)
    rc = 99
os.waitpid(pid, 0)
text = out.decode(errors="replace").replace("\r\n", "\n")
if rc is None:
    tail = text.rstrip("\n").rsplit("\n", 1)[-1]
    rc = int(tail[5:]) if tail.startswith("@@rc=") else 98
    text = text.rstrip("\n").rsplit("\n", 1)[0] if tail.startswith("@@rc=") else text
    text = text[:-1] if text.endswith("\n") else text
sys.stdout.write(text + ("\n" if text and not text.endswith("\n") else ""))
if a.ctrl_c_after and not sent:
    sys.stderr.write("pty-run: '%s' never appeared\n" % a.ctrl_c_after)
sys.exit(rc)
