"""optima.Trainer.set_reduction and agreement_interval (data-parallel training), and the
torch.distributed example (examples/python/distill_ddp.py, skipped without torch)."""

import os
import re
import subprocess
import sys
import unittest

import numpy as np

import optima
from host import LinearHost, make_trainer

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "..", "examples", "python", "distill_ddp.py")


class Boom(Exception):
    pass


def records(trainer):
    _, rounds = trainer.progress()
    return [trainer.round_record(r) for r in range(rounds)]


class ReductionTest(unittest.TestCase):
    def setUp(self):
        self.ctx = optima.Context()

    def tearDown(self):
        self.ctx.close()

    def run_steps(self, reduce=None, steps=12):
        host = LinearHost(self.ctx)
        t = make_trainer(host, self.ctx)
        if reduce is not None:
            t.set_reduction(reduce)
        for step in range(steps):
            host.step(t, step)
        return t

    def test_one_rank_trains_as_without_a_callback_and_sees_both_sums(self):
        seen = []

        def one_rank(what, array):  # the sum over one rank is the array itself
            seen.append((what, array.dtype, array.shape))
            self.assertTrue(array.flags.writeable)

        alone, reduced = self.run_steps(), self.run_steps(one_rank)
        a, b = records(alone), records(reduced)  # the same to float64 rounding of rows·x/rows
        self.assertEqual([r.arm for r in a], [r.arm for r in b])
        np.testing.assert_allclose([r.reward for r in a], [r.reward for r in b], rtol=1e-12)
        self.assertIn((optima.Reduce.STEP_STATS, np.float64, (7 + 3,)), seen)
        self.assertIn(optima.Reduce.PROJECTION_GRADS, {w for w, _, _ in seen})
        self.assertEqual({d for w, d, _ in seen if w == optima.Reduce.PROJECTION_GRADS},
                         {np.dtype(np.float32)})

    def test_an_exception_stops_end_step_and_the_step_may_be_ended_again(self):
        host = LinearHost(self.ctx)
        t = make_trainer(host, self.ctx)
        fail = [True]

        def flaky(what, array):
            if fail[0]:
                fail[0] = False
                raise Boom()

        t.set_reduction(flaky)
        host.computed_step(t)
        with self.assertRaises(Boom):
            t.end_step(1.0)
        self.assertEqual(t.progress(), (0, 0))
        t.end_step(1.0)
        self.assertEqual(t.progress(), (1, 0))

    def test_the_agreement_interval_and_the_refusals(self):
        host = LinearHost(self.ctx)
        t = make_trainer(host, self.ctx)
        self.assertEqual(t.agreement_interval, 0)
        t.agreement_interval = 3
        self.assertEqual(t.agreement_interval, 3)
        with self.assertRaises((optima.ArgumentError, optima.ArgumentTypeError)):
            t.agreement_interval = -1
        t.set_reduction(lambda what, array: None)
        t.set_reduction(None)
        host.step(t, 0)
        with self.assertRaises(optima.Error) as caught:
            t.set_reduction(lambda what, array: None)
        self.assertEqual(caught.exception.status, optima.Status.ESTATE)
        self.assertIn("frozen", str(caught.exception))


def torch_present():
    try:
        import torch  # noqa: F401
        import torch.distributed as dist
        return dist.is_available()
    except ImportError:
        return False


@unittest.skipUnless(torch_present(), "torch (with torch.distributed) is not installed")
class TorchDistributedExampleTest(unittest.TestCase):
    def test_two_processes_play_the_same_arms(self):
        run = subprocess.run([sys.executable, EXAMPLE, "--steps", "80"], capture_output=True,
                             text=True, timeout=300, check=False)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        reports = re.findall(r"process (\d) of 2: rows [0-9-]+ of each batch; arms (\[[0-9, ]*\])",
                             run.stdout)  # the processes' lines may interleave
        self.assertEqual(sorted(rank for rank, _ in reports), ["0", "1"], run.stdout)
        self.assertEqual(len({arms for _, arms in reports}), 1, run.stdout)
        self.assertIn("2 processes, 8 rounds: the same arms", run.stdout)


if __name__ == "__main__":
    unittest.main()
