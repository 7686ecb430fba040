"""optima.torch's losses (the library backend) against the same losses in pure torch, on
CPU float32, forward + backward. Not run by CTest; prints one JSON line per case:

    {"case", "rows", "cols", "threads", "library_ms", "torch_ms", "speedup"}
    (speedup = torch_ms / library_ms, medians of interleaved repeats in one process)

Run:  OPTIMA_LIBRARY=build/liboptima.so.1 PYTHONPATH=bindings/python \
      /usr/bin/python3 bindings/python/bench/torch_losses.py [--rows 4096] [--threads 1]

"pure torch" is optima.torch's own torch backend (backend="torch"), the formulas of
docs/losses.md as torch operations; torch and the library get the same thread count.
"""

import argparse
import json
import statistics
import time

import torch

import optima
import optima.torch as ot


def cases(rows, width, classes, gen, ctx):
    def randn(*shape, grad=False):
        return torch.randn(*shape, generator=gen).requires_grad_(grad)

    s, t = randn(rows, width, grad=True), randn(rows, width)
    half = randn(rows, width // 2, grad=True)
    p = randn(width // 2, width, grad=True)
    zs, zt = randn(rows, classes, grad=True), randn(rows, classes)
    mask = torch.rand(rows, generator=gen) > 0.1
    return [
        ("mse", width, lambda b: ot.mse(s, t, mask=mask, backend=b, context=ctx), (s,)),
        ("cosine", width, lambda b: ot.cosine(s, t, mask=mask, backend=b, context=ctx), (s,)),
        ("mse_proj", width // 2, lambda b: ot.mse(half, t, p, mask, backend=b, context=ctx), (half, p)),
        ("kl", classes, lambda b: ot.kl(zs, zt, 2.0, mask, backend=b, context=ctx), (zs,)),
    ]


def time_ms(loss_of, backend, leaves, inner):
    start = time.perf_counter()
    for _ in range(inner):
        for x in leaves:
            x.grad = None
        loss_of(backend).backward()
    return (time.perf_counter() - start) / inner * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=4096)
    parser.add_argument("--width", type=int, default=768)
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--inner", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    ctx = optima.Context(threads=args.threads)
    gen = torch.Generator().manual_seed(0)
    for name, cols, loss_of, leaves in cases(args.rows, args.width, args.classes, gen, ctx):
        loss_of("library").backward()  # warm up both (first-touch pages, BLIS setup)
        loss_of("torch").backward()
        lib_times, torch_times = [], []
        for _ in range(args.repeat):
            lib_times.append(time_ms(loss_of, "library", leaves, args.inner))
            torch_times.append(time_ms(loss_of, "torch", leaves, args.inner))
        lib_ms, torch_ms = statistics.median(lib_times), statistics.median(torch_times)
        print(json.dumps({"case": name, "rows": args.rows, "cols": cols,
                          "threads": args.threads, "library_ms": round(lib_ms, 3),
                          "torch_ms": round(torch_ms, 3),
                          "speedup": round(torch_ms / lib_ms, 2)}), flush=True)


if __name__ == "__main__":
    main()
