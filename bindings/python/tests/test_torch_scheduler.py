"""optima.torch.ModuleScheduler: the schedule for a host that computes its own losses.
Rewards against a pure-torch computation of the formula, exact resumption, the round log
and the settings. Skipped when PyTorch is not installed (Debian: python3-torch)."""

import os
import tempfile
import unittest

try:
    import torch
    from optima.torch import ModuleScheduler
except ImportError:
    torch = None

needs_torch = unittest.skipIf(torch is None, "PyTorch is not installed (python3-torch)")
MODULES = ["vision", "text", "fusion"]


def drive(sched, steps, start=0):
    """Steps with losses that depend on the step and the arm, as tensors."""
    arms = []
    for step in range(start, start + steps):
        active = sched.begin()
        arms.append(tuple(active))
        g = torch.Generator().manual_seed(step)
        task = torch.rand((), generator=g, dtype=torch.float64) + 1.0 / (1 + step) + 0.1 * len(active)
        layer = {m: torch.rand((), generator=g) for m in active}
        sched.end(task, layer)
    return arms


@needs_torch
class ModuleSchedulerTest(unittest.TestCase):
    def test_rewards_follow_the_relative_decrement_of_the_task_loss(self):
        sched = ModuleScheduler(MODULES, round_length=4, seed=1)
        tasks = []
        for step in range(24):
            active = sched.begin()
            self.assertTrue(active and set(active) <= set(MODULES))
            task = torch.tensor(2.0 / (1 + step) + 0.05 * len(active), dtype=torch.float64)
            tasks.append(task)
            sched.end(task, [torch.tensor(0.1)] * len(active))
        rounds = sched.rounds()
        self.assertEqual(len(rounds), 6)
        means = torch.stack(tasks).reshape(6, 4).mean(dim=1)
        for r, rec in enumerate(rounds):
            self.assertAlmostEqual(rec["mean_reference"], float(means[r]), places=12)
            previous = tasks[0] if r == 0 else means[r - 1]
            expected = float((previous - means[r]) / previous.abs())
            self.assertAlmostEqual(rec["reward"], expected, places=12)
            self.assertEqual(set(rec["losses"]), set(rec["modules"]))
            self.assertTrue(all(abs(v - 0.1) < 1e-7 for v in rec["losses"].values()))
            self.assertEqual(rec["arm_name"], sched.scheduler.arm_name(rec["arm"]))
        sched.close()

    def test_state_dict_resumes_exactly_mid_round(self):
        whole = ModuleScheduler(MODULES, round_length=5, seed=7, window=8)
        arms = drive(whole, 40)
        first = ModuleScheduler(MODULES, round_length=5, seed=7, window=8)
        head = drive(first, 17)
        state = first.state_dict()
        first.close()
        second = ModuleScheduler(MODULES, round_length=5, seed=7, window=8)
        second.load_state_dict(state)
        tail = drive(second, 23, start=17)
        self.assertEqual(head + tail, arms)
        self.assertEqual(second.rounds(), whole.rounds())
        other = ModuleScheduler(["a", "b"], round_length=5, seed=7)
        with self.assertRaises(ValueError):
            other.load_state_dict(state)

    def test_settings_weights_and_round_log(self):
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "rounds.csv")
            with ModuleScheduler(MODULES, policy="ucb1", round_length=2, seed=3,
                                 weights={"text": 0.0}, history=4) as sched:
                sched.set_round_log(log)
                for _ in range(12):
                    active = sched.begin()
                    self.assertNotIn("text", active)
                    sched.end(1.0)  # no layer losses: counted as 0
                self.assertEqual(len(sched.rounds()), 4)  # history=4 kept
            with open(log) as f:
                lines = f.read().splitlines()
            self.assertEqual(lines[0].split(",")[:6],
                             ["round", "first_step", "arm", "arm_name", "reward", "mean_reference"])
            self.assertEqual(len(lines), 1 + 6)

    def test_bad_use_is_refused_naming_what(self):
        with self.assertRaisesRegex(ValueError, "'policy'"):
            ModuleScheduler(MODULES, policy="best")
        with self.assertRaisesRegex(TypeError, "'colour'"):
            ModuleScheduler(MODULES, colour=1)
        with self.assertRaisesRegex(ValueError, "'modules'"):
            ModuleScheduler(["a", "a"])
        sched = ModuleScheduler(MODULES, policy="all")
        with self.assertRaises(RuntimeError):
            sched.end(1.0)
        self.assertEqual(sched.begin(), MODULES)
        with self.assertRaisesRegex(KeyError, "'text'"):
            sched.end(1.0, {"vision": 0.1, "fusion": 0.2})
        with self.assertRaisesRegex(ValueError, "2 losses for 3"):
            sched.end(1.0, [0.1, 0.2])
        self.assertFalse(sched.end(torch.tensor(1.0), [0.1, 0.2, 0.3]))
        sched.close()


if __name__ == "__main__":
    unittest.main()
