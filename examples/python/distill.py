"""A full distillation driven from Python: a NumPy two-module teacher (vision and text
halves of the input, two tanh layers each, a linear head over both) is trained on a toy
classification task, then distilled into a smaller student through optima.Trainer.run().

The library chooses, round by round, which student modules get their layerwise loss
(OPTIMA's bandit), computes the MSE/cosine/KL losses and their gradients, and trains the
projections; this host owns the data, the models, backpropagation and SGD.

Run:  OPTIMA_LIBRARY=build/liboptima.so.1 PYTHONPATH=bindings/python \
      /usr/bin/python3 examples/python/distill.py [--steps 400]
"""

import argparse
import os
import platform
import sys

import numpy as np

import optima

F32 = np.float32
CLASSES, FEATURES, ROWS = 4, 16, 64
TEACHER = {"vision": [32, 32], "text": [24, 24]}
STUDENT = {"vision": [12], "text": [12]}


def make_data(rng, n):
    centers = rng.normal(0, 1.5, (CLASSES, FEATURES))
    labels = rng.integers(0, CLASSES, n)
    x = centers[labels] + rng.normal(0, 1.0, (n, FEATURES))
    return x.astype(F32), labels


class Net:
    """Per module: a stack of tanh layers on its half of the input; a linear head."""

    def __init__(self, rng, widths, scale=1.0):
        half = FEATURES // 2
        self.modules = []
        for layers in widths.values():
            ws, fan_in = [], half
            for w in layers:
                ws.append((rng.normal(0, scale / np.sqrt(fan_in), (fan_in, w))).astype(F32))
                fan_in = w
            self.modules.append(ws)
        top = sum(layers[-1] for layers in widths.values())
        self.head = (rng.normal(0, 1 / np.sqrt(top), (top, CLASSES))).astype(F32)

    def forward(self, x):
        half = FEATURES // 2
        self.inputs = [x[:, :half], x[:, half:]]
        self.hidden = []  # hidden[m][l]
        for xm, ws in zip(self.inputs, self.modules):
            hs, h = [], xm
            for w in ws:
                h = np.tanh(h @ w).astype(F32)
                hs.append(h)
            self.hidden.append(hs)
        self.top = np.concatenate([hs[-1] for hs in self.hidden], axis=1)
        return self.top @ self.head

    def gradients(self, logits_grad, extra):
        """(weight, gradient) pairs of the last forward; ``extra[(m, l)]`` are gradients
        wrt hidden states to add."""
        grads = [(self.head, self.top.T @ logits_grad)]
        grad_top = logits_grad @ self.head.T
        start = 0
        for m, (xm, ws, hs) in enumerate(zip(self.inputs, self.modules, self.hidden)):
            width = hs[-1].shape[1]
            g = grad_top[:, start:start + width]
            start += width
            for l in reversed(range(len(ws))):
                if (m, l) in extra:
                    g = g + extra[(m, l)]
                pre = g * (1 - hs[l] ** 2)
                below = hs[l - 1] if l else xm
                grads.append((ws[l], below.T @ pre))
                g = pre @ ws[l].T
        return grads

    def backward(self, logits_grad, extra, lr):
        """SGD step on gradients()."""
        for w, g in self.gradients(logits_grad, extra):
            w -= lr * g


def cross_entropy(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    n = len(labels)
    loss = -np.log(p[np.arange(n), labels] + 1e-12).mean()
    p[np.arange(n), labels] -= 1
    return float(loss), (p / n).astype(F32)


def accuracy(net, x, labels):
    return float((net.forward(x).argmax(axis=1) == labels).mean())


class Host(optima.RunCallbacks):
    def __init__(self, teacher, student, x, labels, rng):
        self.teacher, self.student = teacher, student
        self.x, self.labels, self.rng = x, labels, rng
        self.rounds = []

    def next_batch(self, step):
        idx = self.rng.integers(0, len(self.x), ROWS)
        self.bx, self.by = self.x[idx], self.labels[idx]

    def forward(self, step, needed, want_logits):
        zt = self.teacher.forward(self.bx)
        zs = self.student.forward(self.bx)
        views = [(self.student if r.side == optima.Side.STUDENT else self.teacher)
                 .hidden[r.module][r.layer] for r in needed]
        return views, (zs if want_logits else None), (zt if want_logits else None)

    def backward(self, step, needed, grads, logits_grad):
        task, g = cross_entropy(self.student.top @ self.student.head, self.by)
        if logits_grad is not None:
            g = g + logits_grad
        extra = {(r.module, r.layer): gr for r, gr in zip(needed, grads) if gr is not None}
        self.student.backward(g, extra, lr=0.5)
        return task

    def round_end(self, rnd, arm, reward):
        self.rounds.append((arm, reward))


def choose_blis():
    """Before BLIS starts: when BLIS_ARCH_TYPE is unset, pick BLIS's fastest compiled-in
    configuration for this CPU (Debian's BLIS runs slow generic kernels on CPUs it does not
    know, such as Zen 5); the rule of the project's C programs (src/core/blis_arch.h)."""
    if "BLIS_ARCH_TYPE" in os.environ:
        print(f"BLIS configuration from the environment: BLIS_ARCH_TYPE="
              f"{os.environ['BLIS_ARCH_TYPE']}", file=sys.stderr)
        return
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            info = f.read()
    except OSError:
        return
    flags = next((l.split(":", 1)[1].split() for l in info.splitlines()
                  if l.startswith("flags")), [])
    if platform.machine() != "x86_64":
        return
    if all(f in flags for f in ("avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl")):
        name, value = "skx", 0
    elif "avx2" in flags and "fma" in flags:
        name, value = ("zen3", 6) if "AuthenticAMD" in info else ("haswell", 3)
    else:
        return
    os.environ["BLIS_ARCH_TYPE"] = str(value)
    print(f"BLIS configuration '{name}' for this CPU (BLIS_ARCH_TYPE={value})", file=sys.stderr)


def main(argv):
    choose_blis()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    x, labels = make_data(rng, 2048)
    x_test, y_test = x[1536:], labels[1536:]
    x, labels = x[:1536], labels[:1536]

    teacher = Net(rng, TEACHER)
    for _ in range(600):  # train the teacher alone first
        idx = rng.integers(0, len(x), ROWS)
        _, g = cross_entropy(teacher.forward(x[idx]), labels[idx])
        teacher.backward(g, {}, lr=0.5)
    student = Net(rng, STUDENT, scale=0.5)
    print("liboptima %s; teacher accuracy %.3f, student before %.3f"
          % (optima.library_version, accuracy(teacher, x_test, y_test),
             accuracy(student, x_test, y_test)))

    with optima.Context() as ctx:
        t_model = optima.Model("teacher", TEACHER, logits=CLASSES, context=ctx)
        s_model = optima.Model("student", STUDENT, logits=CLASSES, context=ctx)
        with optima.Trainer(t_model, s_model, context=ctx) as trainer:
            trainer.add_pair("vision", "vision", optima.LossKind.MSE)
            trainer.add_pair("text", "text", optima.LossKind.COSINE)
            trainer.round_length = 10
            trainer.set_policy(optima.Policy.OPTIMA, seed=args.seed)
            trainer.set_temperature(2.0)
            host = Host(teacher, student, x, labels, rng)
            trainer.run(host, args.steps)
            names = [trainer.scheduler.arm_name(a) for a in range(trainer.scheduler.num_arms)]
            steps, rounds = trainer.progress()
    plays = {n: sum(1 for a, _ in host.rounds if names[a] == n) for n in names}
    acc = accuracy(student, x_test, y_test)
    print("%d steps, %d rounds; arms played: %s" % (steps, rounds, plays))
    print("student accuracy after distillation %.3f" % acc)
    return 0 if acc > 0.6 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
