#!/usr/bin/python3
"""Reference all-reduce benchmark: torch.distributed with the gloo backend, float32 sum, in place.

Usage: /usr/bin/python3 gloo_allreduce.py --peers N [--sizes 1MiB,16MiB] [--iterations K] [--warmup W]

Spawns N processes with torch.multiprocessing that rendezvous over TCP on 127.0.0.1 and measure
exactly what mpi_allreduce.c measures (see README.md): per iteration the tensor is refilled with
rank+1 (untimed), a barrier runs, one all_reduce is timed; an iteration's time is the maximum over
ranks. Rank 0 prints one JSON object per size.
"""

import argparse
import json
import os
import socket
import statistics
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from sizes import parse_sizes


def size_list(text):
    try:
        return parse_sizes(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_size(nbytes, iterations, warmup, rank, peers):
    count = nbytes // 4
    tensor = torch.zeros(count, dtype=torch.float32)  # zeros() touches every page once
    mine = float(rank + 1)
    expected = float(peers * (peers + 1) // 2)
    local = torch.zeros(iterations, dtype=torch.float64)
    ok = True
    for i in range(-warmup, iterations):
        tensor.fill_(mine)
        dist.barrier()
        start = time.perf_counter()
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        elapsed = time.perf_counter() - start
        if i >= 0:
            local[i] = elapsed
        ok = ok and bool(torch.all(tensor == expected))

    dist.all_reduce(local, op=dist.ReduceOp.MAX)
    flags = torch.tensor([1 if ok else 0], dtype=torch.int32)
    dist.all_reduce(flags, op=dist.ReduceOp.MIN)
    if rank != 0:
        return
    times = sorted(local.tolist())
    median = statistics.median(times)
    algbw = nbytes / median / 1e9
    busbw = algbw * 2 * (peers - 1) / peers
    print(json.dumps({
        "impl": "gloo", "peers": peers, "bytes": nbytes, "iterations": iterations,
        "median_s": round(median, 9), "min_s": round(times[0], 9), "max_s": round(times[-1], 9),
        "algbw_gbps": round(algbw, 6), "busbw_gbps": round(busbw, 6), "correct": bool(flags.item() == 1),
    }), flush=True)


def worker(rank, peers, port, sizes, iterations, warmup, cpus):
    torch.set_num_threads(1)  # the peers share few cores; intra-op threads would only contend
    if cpus:
        os.sched_setaffinity(0, {cpus[rank % len(cpus)]})
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=peers)
    try:
        for nbytes in sizes:
            bench_size(nbytes, iterations, warmup, rank, peers)
    finally:
        dist.destroy_process_group()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", type=int, required=True)
    parser.add_argument("--sizes", type=size_list, default=parse_sizes("1MiB,16MiB,64MiB,256MiB"))
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--bind-to", choices=("auto", "core", "none"), default="auto",
                        help="auto: one process per core for 1 or 2 processes, as mpirun does by default")
    args = parser.parse_args()
    if args.peers < 2 or args.iterations < 1 or args.warmup < 0:
        parser.error("need --peers >= 2, --iterations >= 1, --warmup >= 0")
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    allowed = sorted(os.sched_getaffinity(0))
    bind = args.bind_to == "core" or (args.bind_to == "auto" and args.peers <= 2 and args.peers <= len(allowed))
    mp.spawn(worker, args=(args.peers, free_port(), args.sizes, args.iterations, args.warmup, allowed if bind else []),
             nprocs=args.peers, join=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
