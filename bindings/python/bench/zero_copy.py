"""What the output arguments save: optima.mse/cosine/kl with fresh gradient arrays against
the same calls writing into the caller's arrays (grad_out=), and Loss.student_grad as a
view against a copy of it. Not run by CTest; prints one JSON line per case:

    {"case", "rows", "cols", "fresh_ms", "out_ms", "ratio"}   (ratio = fresh_ms / out_ms)

Run:  OPTIMA_LIBRARY=build/liboptima.so.1 PYTHONPATH=bindings/python \
      /usr/bin/python3 bindings/python/bench/zero_copy.py [--rows 4096] [--repeat 9]

Times are medians over interleaved repeats (fresh, out, fresh, out, ...) in one process.
In a tight loop glibc hands the freed gradient's pages back to the next fresh array (its
mmap threshold grows after the first free), so fresh arrays cost little there; with
MALLOC_MMAP_THRESHOLD_=131072 every fresh array is new pages, as in a program whose other
allocations interleave, and the page faults show.
"""

import argparse
import json
import statistics
import time

import numpy as np

import optima


def median_ms(fn, repeat, inner):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - start) / inner * 1e3)
    return times


def interleaved(a, b, repeat, inner):
    ta, tb = [], []
    for _ in range(repeat):
        ta += median_ms(a, 1, inner)
        tb += median_ms(b, 1, inner)
    return statistics.median(ta), statistics.median(tb)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=4096)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--inner", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = args.rows

    def f32(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    s, t = f32(rows, 768), f32(rows, 768)
    zs, zt = f32(rows, 1000), f32(rows, 1000)
    g768, g1000 = np.empty_like(s), np.empty_like(zs)
    cases = [
        ("mse", 768, lambda: optima.mse(s, t), lambda: optima.mse(s, t, grad_out=g768)),
        ("cosine", 768, lambda: optima.cosine(s, t), lambda: optima.cosine(s, t, grad_out=g768)),
        ("kl", 1000, lambda: optima.kl(zs, zt, 2.0),
         lambda: optima.kl(zs, zt, 2.0, grad_out=g1000)),
    ]
    with optima.Model("t", {"m": [768]}) as teacher, optima.Model("s", {"m": [768]}) as student:
        loss = optima.Loss.layerwise(optima.LossKind.MSE, student, 0, teacher, 0)
        loss.compute([s], [t])
        cases.append(("loss.student_grad", 768, lambda: np.array(loss.student_grad(0)),
                      lambda: loss.student_grad(0)))
        for name, cols, fresh, out in cases:
            fresh(), out()  # warm up: page in the buffers once
            fresh_ms, out_ms = interleaved(fresh, out, args.repeat, args.inner)
            print(json.dumps({"case": name, "rows": rows, "cols": cols,
                              "fresh_ms": round(fresh_ms, 3), "out_ms": round(out_ms, 3),
                              "ratio": round(fresh_ms / out_ms, 2)}))
        loss.close()


if __name__ == "__main__":
    main()
