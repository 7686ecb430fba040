"""The distillation of distill.py, data-parallel over torch.distributed (gloo, CPU): two
processes started by torch.multiprocessing.spawn each take half of every global batch.

Each process draws the same global batches (the same seeds) and runs its student and its
optima.Trainer on its own rows. The student's weight gradients are averaged with
dist.all_reduce (each process's scaled by its share of the rows), so every process takes
the same SGD step; the trainer's reduction callback sums its statistics and projection
gradients with dist.all_reduce too, so every process's bandit plays the same arms. At the
end each process reports its arms; process 0 checks that they are the same everywhere.

Run:  OPTIMA_LIBRARY=build/liboptima.so.1 PYTHONPATH=bindings/python \
      /usr/bin/python3 examples/python/distill_ddp.py [--steps 400] [--ranks 2]
"""

import argparse
import os
import socket
import sys

import numpy as np

import optima

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import distill  # noqa: E402  (the single-process example: data, networks, host)

try:
    import torch
    import torch.distributed as dist
    import torch.multiprocessing as mp
except ImportError:  # pragma: no cover - the test skips where torch is absent
    torch = None


def all_reduce_sum(array):
    """Sum a NumPy array in place over the processes (shares its memory with the tensor)."""
    dist.all_reduce(torch.from_numpy(array), op=dist.ReduceOp.SUM)


class ShardedNet(distill.Net):
    """distill.Net whose SGD step uses the gradients summed over the processes."""

    share = 1.0  # this process's rows / the global batch's rows

    def backward(self, logits_grad, extra, lr):
        for w, g in self.gradients(logits_grad, extra):
            g = g.astype(distill.F32)  # summed in place, in the dtype every process sends
            g *= self.share
            all_reduce_sum(g)
            w -= lr * g


class ShardedHost(distill.Host):
    """distill.Host on rows [first, first + rows) of every global batch."""

    def __init__(self, teacher, student, x, labels, rng, first, rows):
        super().__init__(teacher, student, x, labels, rng)
        self.first, self.rows = first, rows

    def next_batch(self, step):
        super().next_batch(step)  # the global batch, the same on every process
        end = self.first + self.rows
        self.bx, self.by = self.bx[self.first:end], self.by[self.first:end]


def share_of(rank, ranks, batch):
    base, extra = divmod(batch, ranks)
    return rank * base + min(rank, extra), base + (rank < extra)


def worker(rank, ranks, port, steps, seed, queue):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=ranks)
    torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    x, labels = distill.make_data(rng, 2048)
    x_test, y_test = x[1536:], labels[1536:]
    x, labels = x[:1536], labels[:1536]
    teacher = distill.Net(rng, distill.TEACHER)
    for _ in range(600):  # every process trains the same teacher alone first
        idx = rng.integers(0, len(x), distill.ROWS)
        _, g = distill.cross_entropy(teacher.forward(x[idx]), labels[idx])
        teacher.backward(g, {}, lr=0.5)
    student = ShardedNet(rng, distill.STUDENT, scale=0.5)
    first, rows = share_of(rank, ranks, distill.ROWS)
    student.share = rows / distill.ROWS
    with optima.Context() as ctx:
        t_model = optima.Model("teacher", distill.TEACHER, logits=distill.CLASSES, context=ctx)
        s_model = optima.Model("student", distill.STUDENT, logits=distill.CLASSES, context=ctx)
        with optima.Trainer(t_model, s_model, context=ctx) as trainer:
            trainer.add_pair("vision", "vision", optima.LossKind.MSE)
            trainer.add_pair("text", "text", optima.LossKind.COSINE)
            trainer.round_length = 10
            trainer.set_policy(optima.Policy.OPTIMA, seed=seed)
            trainer.set_temperature(2.0)
            trainer.set_reduction(lambda what, array: all_reduce_sum(array))
            trainer.agreement_interval = 5
            host = ShardedHost(teacher, student, x, labels, rng, first, rows)
            trainer.run(host, steps)
    acc = distill.accuracy(student, x_test, y_test)
    arms = [a for a, _ in host.rounds]
    print("process %d of %d: rows %d-%d of each batch; arms %s; accuracy %.3f"
          % (rank, ranks, first, first + rows - 1, arms, acc), flush=True)
    queue.put((rank, arms, acc))
    dist.barrier()
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ranks", type=int, default=2)
    args = parser.parse_args(argv)
    if torch is None:
        print("distill_ddp: torch is not installed", file=sys.stderr)
        return 77
    distill.choose_blis()
    ctx = mp.get_context("spawn")
    queue = ctx.SimpleQueue()
    mp.spawn(worker, args=(args.ranks, free_port(), args.steps, args.seed, queue),
             nprocs=args.ranks, join=True)
    reports = sorted(queue.get() for _ in range(args.ranks))
    same = all(arms == reports[0][1] for _, arms, _ in reports)
    print("%d processes, %d rounds: %s arms; accuracy %.3f"
          % (args.ranks, len(reports[0][1]), "the same" if same else "DIFFERENT",
             reports[0][2]))
    return 0 if same and reports[0][2] > 0.6 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
