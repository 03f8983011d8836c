#!/usr/bin/env python3
"""Rendezvous the way torch.distributed's env:// does, without torch.

Reads MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE exactly as torch's
_env_rendezvous_handler does (each required; RANK < WORLD_SIZE), then meets
the other ranks over TCP: rank 0 listens on MASTER_PORT, every other rank
connects to MASTER_ADDR:MASTER_PORT and sends its rank; rank 0 checks that
ranks 1..WORLD_SIZE-1 each arrived exactly once and answers with the world
it saw.  Prints one line per rank: "rank R/W local L/LW node N ok".
Exit 0 only if the rendezvous completed with consistent ranks.
"""
import os
import socket
import sys
import time


def need(name):
    v = os.environ.get(name)
    if v is None or v == "":
        sys.exit(f"envrdzv: environment variable {name} expected, but not set")
    return v


def main():
    addr, port = need("MASTER_ADDR"), int(need("MASTER_PORT"))
    rank, world = int(need("RANK")), int(need("WORLD_SIZE"))
    local, lworld = os.environ.get("LOCAL_RANK", "?"), os.environ.get("LOCAL_WORLD_SIZE", "?")
    node = os.environ.get("NODE_RANK", "?")
    if not 0 <= rank < world:
        sys.exit(f"envrdzv: RANK {rank} is not below WORLD_SIZE {world}")
    deadline = time.time() + float(os.environ.get("RDZV_TIMEOUT", "30"))
    if rank == 0:
        srv = socket.create_server(("", port), reuse_port=False)
        srv.settimeout(max(1.0, deadline - time.time()))
        seen, conns = [], []
        while len(seen) < world - 1:
            c, _ = srv.accept()
            r = int(c.makefile().readline())
            seen.append(r)
            conns.append(c)
        if sorted(seen) != list(range(1, world)):
            sys.exit(f"envrdzv: rank 0 saw ranks {sorted(seen)}, expected 1..{world - 1}")
        for c in conns:
            c.sendall(f"{world}\n".encode())
            c.close()
    else:
        while True:
            try:
                c = socket.create_connection((addr, port), timeout=5)
                break
            except OSError:
                if time.time() > deadline:
                    sys.exit(f"envrdzv: rank {rank}: no rank 0 at {addr}:{port}")
                time.sleep(0.05)
        c.sendall(f"{rank}\n".encode())
        if int(c.makefile().readline()) != world:
            sys.exit(f"envrdzv: rank {rank}: rank 0 disagrees on WORLD_SIZE")
    # one write(2) per line: with PYTHONUNBUFFERED print() writes the text and
    # the newline separately, and mpirun interleaves ranks' writes
    os.write(1, f"rank {rank}/{world} local {local}/{lworld} node {node} ok\n".encode())


if __name__ == "__main__":
    main()
