"""optima.Scheduler: rounds, settings, determinism, save and load."""

import math
import unittest

import optima


def play(s, rounds, reward=lambda arm, r: 0.1 * (arm % 3) - 0.01 * r):
    arms = []
    for r in range(rounds):
        arm = s.select()
        s.update(arm, reward(arm, r))
        arms.append(arm)
    return arms


class SchedulerTest(unittest.TestCase):
    def test_same_seed_same_arms_and_every_arm_played_first(self):
        with optima.Scheduler(3, optima.Policy.OPTIMA, seed=42) as a, \
                optima.Scheduler(3, optima.Policy.OPTIMA, seed=42) as b:
            self.assertEqual(a.num_arms, 7)
            arms = play(a, 20)
            self.assertEqual(arms, play(b, 20))
            self.assertEqual(sorted(arms[:7]), list(range(7)))
            self.assertEqual(a.rounds, 20)
            self.assertEqual(sum(a.arm_plays(i) for i in range(7)), 20)

    def test_settings_round_trip_and_unsupported_ones_are_refused(self):
        with optima.Scheduler(2, optima.Policy.OPTIMA) as s:
            s.window = 16
            s.history = optima.History.DISCOUNT
            s.discount = 0.9
            self.assertEqual((s.window, s.history, s.discount), (16, optima.History.DISCOUNT, 0.9))
            with self.assertRaises(optima.Error) as cm:
                s.exploration = 2.0
            self.assertEqual(cm.exception.status, optima.Status.EUNSUPPORTED)
            play(s, 1)
            with self.assertRaises(optima.Error) as cm:
                s.window = 8
            self.assertEqual(cm.exception.status, optima.Status.ESTATE)

    def test_change_point_settings_round_trip(self):
        with optima.Scheduler(2, optima.Policy.GLR_UCB, seed=1) as s:
            s.forced_exploration = 0.25
            s.detector_confidence = 0.05
            s.detector_stride = 2
            self.assertEqual((s.forced_exploration, s.detector_confidence, s.detector_stride),
                             (0.25, 0.05, 2))
            with self.assertRaises(optima.Error) as cm:
                s.detector_confidence = 1.0
            self.assertIn("'delta'", cm.exception.message)
            play(s, 10)
            self.assertEqual(s.restarts, 0)
            self.assertEqual(s.policy_name(optima.Policy.GLR_UCB), "GLR_UCB")
        with optima.Scheduler(2, optima.Policy.OPTIMA) as s:
            s.history = optima.History.CHANGE_POINT
            self.assertEqual(s.history, optima.History.CHANGE_POINT)

    def test_arm_names_masks_and_explicit_arms(self):
        with optima.Scheduler(3, optima.Policy.ROUND_ROBIN) as s:
            self.assertEqual(s.module_names, [])
            s.set_module_names(["vision", "text", "fusion"])
            self.assertEqual(s.module_names, ["vision", "text", "fusion"])
            s.set_arm_masks([1, 5])
            self.assertEqual(s.arm_set, optima.ArmSet.EXPLICIT)
            self.assertEqual(s.arm_name(1), "vision+fusion")
            self.assertEqual(s.find_arm(5), 1)
            self.assertEqual(s.arm_mask(0), 1)
            self.assertEqual(s.arm_masks(), [1, 5])
            with self.assertRaises(optima.Error) as cm:
                s.set_arm_masks([1, 1])
            self.assertIn("'masks'", cm.exception.message)
            self.assertEqual(s.policy_name(optima.Policy.EXP3), "EXP3")

    def test_update_for_another_arm_is_refused_and_nothing_changes(self):
        with optima.Scheduler(2, optima.Policy.RANDOM, seed=1) as s:
            arm = s.select()
            with self.assertRaises(optima.Error) as cm:
                s.update((arm + 1) % s.num_arms, 0.5)
            self.assertEqual(cm.exception.status, optima.Status.ESTATE)
            with self.assertRaises(optima.Error) as cm:
                s.update(arm, math.nan)
            self.assertEqual(cm.exception.status, optima.Status.ENONFINITE)
            self.assertEqual(s.rounds, 0)

    def test_saved_state_continues_exactly(self):
        with optima.Scheduler(3, optima.Policy.OPTIMA, seed=7) as a, \
                optima.Scheduler(3, optima.Policy.OPTIMA, seed=99) as b:
            play(a, 10)
            state = a.save()
            b.load(state)
            self.assertEqual(play(a, 15), play(b, 15))
            with self.assertRaises(optima.Error) as cm:
                b.load(state[:-3])
            self.assertIn(cm.exception.status, (optima.Status.EFORMAT, optima.Status.ECHECKSUM))

    def test_bad_creation_arguments_raise(self):
        with self.assertRaises(optima.Error) as cm:
            optima.Scheduler(0)
        self.assertIn("'num_modules'", cm.exception.message)
        with self.assertRaises(optima.Error):
            optima.Scheduler(2, policy=123)


if __name__ == "__main__":
    unittest.main()
