"""liboptima's losses against PyTorch's autograd on the same machine, side by side.

Forward + backward, float32, 4096 rows, the four cases of optima-bench's stateless
losses: projected MSE 4096 x 384 -> 768, MSE 4096 x 768, cosine 4096 x 768, KL 4096 x 1000
at T = 2. The two run interleaved (A B A B ...), every timed call from cold caches (a
96 MiB buffer is written in between), at 1 and 2 threads (the optima Context's threads,
torch.set_num_threads). One JSON line per case and thread count:

    {"case", "threads", "optima_ms", "torch_ms", "speedup"}   speedup = torch_ms / optima_ms

with medians over --repeat calls each. Not a test and not run by CI: it needs PyTorch
(Debian: python3-torch) and says so when it is missing.

OMP_WAIT_POLICY defaults to PASSIVE here (set it to override): with OpenMP's default
policy PyTorch's idle intra-op threads spin after each of its calls and hold the second
core while the library's next call wants it, which made the library's two-thread times
20-40 % slower in this one-process comparison, and PyTorch's no faster. It must be set
before any library in the process loads the OpenMP runtime, hence before the imports.

Run:  OPTIMA_LIBRARY=build/bench/liboptima.so.1 PYTHONPATH=bindings/python \\
      /usr/bin/python3 tests/bench/compare_torch.py [--repeat 9] [--threads 1,2]
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see the docstring; before any import

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "python"))

from distill import choose_blis  # noqa: E402  (the examples' BLIS choice, before BLIS starts)

import numpy as np  # noqa: E402

import optima  # noqa: E402

ROWS = 4096
CASES = ("mse_proj", "mse", "cosine", "kl")


def make_inputs(case, rng):
    f32 = np.float32
    if case == "mse_proj":
        return (rng.uniform(-2, 2, (ROWS, 384)).astype(f32),
                rng.uniform(-2, 2, (ROWS, 768)).astype(f32),
                rng.uniform(-0.1, 0.1, (384, 768)).astype(f32))
    width = 1000 if case == "kl" else 768
    return (rng.uniform(-2, 2, (ROWS, width)).astype(f32),
            rng.uniform(-2, 2, (ROWS, width)).astype(f32), None)


def optima_call(case, ctx, s, t, p):
    """One forward + backward through the library; returns the value."""
    if case == "mse_proj":
        return optima.mse(s, t, p, context=ctx)[0]
    if case == "mse":
        return optima.mse(s, t, context=ctx)[0]
    if case == "cosine":
        return optima.cosine(s, t, context=ctx)[0]
    return optima.kl(s, t, 2.0, context=ctx)[0]


def torch_call(torch, case, s, t, p):
    """The same loss with autograd: gradients of the student (and the projection)."""
    fn = torch.nn.functional
    s = s.detach().requires_grad_(True)
    if case == "mse_proj":
        p = p.detach().requires_grad_(True)
        loss = fn.mse_loss(s @ p, t)
    elif case == "mse":
        loss = fn.mse_loss(s, t)
    elif case == "cosine":
        loss = (1.0 - fn.cosine_similarity(s, t, dim=1, eps=1e-8)).mean()
    else:
        temp = 2.0
        loss = fn.kl_div(fn.log_softmax(s / temp, dim=1), fn.log_softmax(t / temp, dim=1),
                         reduction="batchmean", log_target=True) * temp * temp
    loss.backward()
    return float(loss)


def timed(fn, flush):
    flush += 1.0  # cold caches: the inputs are evicted by 96 MiB of writes
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1e3


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--case", choices=CASES)
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("compare_torch.py: PyTorch is not installed (Debian: apt-get install "
              "python3-torch); nothing measured", file=sys.stderr)
        return 0
    print(f"compare_torch.py: OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}", file=sys.stderr)
    rng = np.random.default_rng(0)
    flush = np.zeros((96 << 20) // 4, dtype=np.float32)
    for case in [args.case] if args.case else CASES:
        s, t, p = make_inputs(case, rng)
        ts, tt = torch.from_numpy(s), torch.from_numpy(t)
        tp = None if p is None else torch.from_numpy(p)
        for threads in (int(x) for x in args.threads.split(",")):
            torch.set_num_threads(threads)
            with optima.Context(threads=threads) as ctx:
                mine = lambda: optima_call(case, ctx, s, t, p)  # noqa: E731
                theirs = lambda: torch_call(torch, case, ts, tt, tp)  # noqa: E731
                a, b = mine(), theirs()  # warm-up, and the two must agree
                if abs(a - b) > 1e-3 * max(1.0, abs(b)):
                    print(f"compare_torch.py: {case}: optima {a} != torch {b}",
                          file=sys.stderr)
                    return 1
                ours, torchs = [], []
                for _ in range(args.repeat):  # A B A B
                    ours.append(timed(mine, flush))
                    torchs.append(timed(theirs, flush))
                o, r = float(np.median(ours)), float(np.median(torchs))
                print(json.dumps({"case": case, "threads": threads, "optima_ms": round(o, 3),
                                  "torch_ms": round(r, 3), "speedup": round(r / o, 2)}),
                      flush=True)
    return 0


if __name__ == "__main__":
    choose_blis()
    sys.exit(main(sys.argv[1:]))
