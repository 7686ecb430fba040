"""optima.torch's losses (the library backend) against the same losses in pure torch, on
CPU float32, forward + backward. Not run by CTest; prints one JSON line per case:

    {"case", "rows", "cols", "threads", "library_ms", "torch_ms", "functional_ms",
     "speedup", "speedup_functional"}
    (speedup = torch_ms / library_ms, speedup_functional = functional_ms / library_ms;
     medians of interleaved repeats in one process)

Run:  OPTIMA_LIBRARY=build/liboptima.so.1 PYTHONPATH=bindings/python \
      /usr/bin/python3 bindings/python/bench/torch_losses.py [--rows 4096] [--threads 1]

torch_ms is optima.torch's own torch backend (backend="torch"), the formulas of
docs/losses.md as torch operations; functional_ms is what a PyTorch user would write with
torch.nn.functional (mse_loss, cosine_similarity, kl_div on the rows a boolean mask
selects). Torch and the library get the same thread count; 10 % of the rows are masked.
"""

import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F

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
    functional = {
        "mse": lambda: F.mse_loss(s[mask], t[mask]),
        "cosine": lambda: (1 - F.cosine_similarity(s[mask], t[mask], eps=1e-8)).mean(),
        "mse_proj": lambda: F.mse_loss((half @ p)[mask], t[mask]),
        "kl": lambda: 4.0 * F.kl_div(F.log_softmax(zs[mask] / 2.0, dim=1),
                                     F.log_softmax(zt[mask] / 2.0, dim=1),
                                     reduction="batchmean", log_target=True),
    }
    optima_losses = {
        "mse": lambda b: ot.mse(s, t, mask=mask, backend=b, context=ctx),
        "cosine": lambda b: ot.cosine(s, t, mask=mask, backend=b, context=ctx),
        "mse_proj": lambda b: ot.mse(half, t, p, mask, backend=b, context=ctx),
        "kl": lambda b: ot.kl(zs, zt, 2.0, mask, backend=b, context=ctx),
    }
    leaves = {"mse": (s,), "cosine": (s,), "mse_proj": (half, p), "kl": (zs,)}
    cols = {"mse": width, "cosine": width, "mse_proj": width // 2, "kl": classes}

    def loss_of(name):
        return lambda b: functional[name]() if b == "functional" else optima_losses[name](b)
    return [(name, cols[name], loss_of(name), leaves[name]) for name in functional]


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
        paths = ("library", "torch", "functional")
        values = {}
        for path in paths:  # warm up (first-touch pages, BLIS setup); the same numbers?
            loss = loss_of(path)
            loss.backward()
            values[path] = loss.item()
        spread = max(values.values()) - min(values.values())
        if spread > 1e-4 * abs(values["torch"]):
            raise SystemExit("%s: the three paths disagree: %s" % (name, values))
        times = {path: [] for path in paths}
        for _ in range(args.repeat):
            for path in paths:
                times[path].append(time_ms(loss_of, path, leaves, args.inner))
        ms = {path: statistics.median(times[path]) for path in paths}
        print(json.dumps({"case": name, "rows": args.rows, "cols": cols,
                          "threads": args.threads, "library_ms": round(ms["library"], 3),
                          "torch_ms": round(ms["torch"], 3),
                          "functional_ms": round(ms["functional"], 3),
                          "speedup": round(ms["torch"] / ms["library"], 2),
                          "speedup_functional": round(ms["functional"] / ms["library"], 2)}),
              flush=True)


if __name__ == "__main__":
    main()
