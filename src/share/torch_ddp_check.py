"""ezpz test --torch: a small PyTorch DDP check, run on every rank by
`ezpz launch` (with `ezpz rankenv` in front, so RANK, WORLD_SIZE,
LOCAL_RANK, MASTER_ADDR and MASTER_PORT are set for the env:// rendezvous).

It initialises the process group (nccl on CUDA, xccl/ccl on Intel XPU,
gloo on CPU), checks an all_reduce, trains a small MLP autoencoder with DDP
for a few steps, checks that the loss fell and that every rank ends with
identical parameters, and exits 0 only if all of that held.
"""
import os
import sys
import time

import torch
import torch.distributed as dist


def device_and_backend(local_rank):
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank % torch.cuda.device_count())
        return torch.device("cuda", torch.cuda.current_device()), "nccl"
    if hasattr(torch, "xpu") and torch.xpu.is_available():
        torch.xpu.set_device(local_rank % torch.xpu.device_count())
        backend = "xccl" if "xccl" in dist.Backend.backend_list else "ccl"
        return torch.device("xpu", torch.xpu.current_device()), backend
    return torch.device("cpu"), "gloo"


def main():
    t0 = time.perf_counter()
    rank = int(os.environ["RANK"])
    world = int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device, backend = device_and_backend(local_rank)
    dist.init_process_group(backend=backend, init_method="env://")
    t_init = time.perf_counter() - t0

    x = torch.full((4,), float(rank + 1), device=device)
    dist.all_reduce(x)
    want = world * (world + 1) / 2
    ok_allreduce = bool(torch.allclose(x, torch.full_like(x, want)))

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(128, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 128)).to(device)
    ddp = torch.nn.parallel.DistributedDataParallel(
        model, device_ids=[device.index] if device.type != "cpu" else None)
    opt = torch.optim.Adam(ddp.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(1000 + rank)
    losses = []
    for _ in range(50):
        batch = torch.rand(64, 128, generator=gen).to(device)
        loss = ((ddp(batch) - batch) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    ok_loss = sum(losses[-5:]) < sum(losses[:5])

    flat = torch.cat([p.detach().flatten() for p in model.parameters()])
    lo, hi = flat.clone(), flat.clone()
    dist.all_reduce(lo, op=dist.ReduceOp.MIN)
    dist.all_reduce(hi, op=dist.ReduceOp.MAX)
    ok_same = bool(torch.equal(lo, hi))

    if rank == 0:
        print(f"torch {torch.__version__} backend={backend} device={device.type} "
              f"world={world} init={t_init:.2f}s loss {losses[0]:.4f} -> {losses[-1]:.4f}")
        for name, ok in (("allreduce", ok_allreduce), ("loss falls", ok_loss),
                         ("parameters identical", ok_same)):
            print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    dist.destroy_process_group()
    return 0 if ok_allreduce and ok_loss and ok_same else 1


if __name__ == "__main__":
    sys.exit(main())
