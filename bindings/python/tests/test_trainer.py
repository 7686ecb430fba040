"""optima.Trainer: the step API, the run loop with Python callbacks, exceptions inside
callbacks, the host projection optimizer and checkpoints."""

import os
import tempfile
import unittest

import numpy as np

import optima
from host import LinearHost, make_trainer


class Boom(Exception):
    pass


class StepApiTest(unittest.TestCase):
    def setUp(self):
        self.ctx = optima.Context()
        self.host = LinearHost(self.ctx)

    def tearDown(self):
        self.ctx.close()

    def test_plan_lists_only_the_active_pairs_layers_and_gradients_follow(self):
        t = make_trainer(self.host, self.ctx)
        arm = t.begin_step()
        mask = t.scheduler.arm_mask(arm)
        plan = t.plan()
        modules = {r.module for r in plan}
        self.assertEqual(modules, {m for m in range(3) if mask >> m & 1})
        self.assertTrue(all(r.width > 0 for r in plan))
        self.host.x = self.host.batch(0)
        for ref in plan:
            t.set_hidden(ref.side, ref.module, ref.layer, self.host.hidden(ref))
        self.assertTrue(t.needs_logits)
        t.set_logits(optima.Side.STUDENT, self.host.x @ self.host.sz)
        t.set_logits(optima.Side.TEACHER, self.host.x @ self.host.tz)
        total = t.compute()
        kl, layer = t.losses()
        self.assertAlmostEqual(total, kl * t.alpha_pred + layer * t.alpha_layer, places=6)
        for ref in plan:
            if ref.side == optima.Side.STUDENT:
                g = t.student_grad(ref.module, ref.layer)
                self.assertEqual(g.shape, (6, ref.width))
        inactive = [m for m in range(3) if not mask >> m & 1]
        for m in inactive:
            self.assertIsNone(t.student_grad(m, 0))
            self.assertEqual(t.pair_loss_value(m), (0.0, False))
        self.assertEqual(t.logits_grad().shape, (6, 4))
        self.assertFalse(t.end_step(1.0))
        self.assertEqual(t.progress(), (1, 0))

    def _begin_and_compute(self, t, step):
        t.begin_step()
        self.host.x = self.host.batch(step)
        for ref in t.plan():
            t.set_hidden(ref.side, ref.module, ref.layer, self.host.hidden(ref))
        t.set_logits(optima.Side.STUDENT, self.host.x @ self.host.sz)
        t.set_logits(optima.Side.TEACHER, self.host.x @ self.host.tz)
        t.compute()

    def test_alignment_reward_is_the_cosine_of_the_task_gradients(self):
        t = make_trainer(self.host, self.ctx)
        t.set_reward(optima.RewardKind.ABSOLUTE, optima.RewardSource.ALIGNMENT)
        for step, sign in enumerate([1.0, 1.0, -1.0, -1.0]):
            self._begin_and_compute(t, step)
            for ref in t.plan():
                if ref.side == optima.Side.STUDENT:
                    g = t.student_grad(ref.module, ref.layer)
                    t.set_task_grad(ref.module, ref.layer, sign * g)
            t.end_step(1.0)
        self.assertAlmostEqual(t.round_record(0).reward, 1.0, places=5)
        self.assertAlmostEqual(t.round_record(1).reward, -1.0, places=5)

    def test_alignment_step_without_task_gradients_cannot_end(self):
        t = make_trainer(self.host, self.ctx)
        t.set_reward(optima.RewardKind.RELATIVE, optima.RewardSource.ALIGNMENT)
        self._begin_and_compute(t, 0)
        with self.assertRaises(optima.Error) as cm:
            t.end_step(1.0)
        self.assertEqual(cm.exception.status, optima.Status.ESTATE)
        ref = t.plan()[0]
        with self.assertRaises(optima.Error) as cm:
            t.set_task_grad(ref.module, ref.layer, np.zeros((6, ref.width + 1), np.float32))
        self.assertEqual(cm.exception.status, optima.Status.ESHAPE)

    def test_reward_trend_setting(self):
        t = make_trainer(self.host, self.ctx)
        self.assertEqual(t.reward_trend, (8, optima.RewardTrend.MEAN))
        t.set_reward(optima.RewardKind.DETRENDED)
        t.set_reward_trend(16, optima.RewardTrend.LINEAR)
        self.assertEqual(t.reward_trend, (16, optima.RewardTrend.LINEAR))
        with self.assertRaises(optima.Error) as cm:
            t.set_reward_trend(0)
        self.assertEqual(cm.exception.status, optima.Status.EINVAL)
        self.assertIn("'window'", str(cm.exception))

    def test_settings_read_back(self):
        t = make_trainer(self.host, self.ctx)
        self.assertEqual(t.policy, (optima.Policy.OPTIMA, 3))
        self.assertEqual(t.reward, (optima.RewardKind.RELATIVE, optima.RewardSource.TRAINING))
        self.assertEqual(t.temperature, 1.0)
        self.assertEqual(t.pair_weight(1), 1.0)
        t.set_policy(optima.Policy.UCB1, 11)
        t.set_reward(optima.RewardKind.ABSOLUTE, optima.RewardSource.EVALUATION)
        t.set_temperature(3.0)
        t.set_pair_weight(1, 0.5)
        self.assertEqual(t.policy, (optima.Policy.UCB1, 11))
        self.assertEqual(t.reward, (optima.RewardKind.ABSOLUTE, optima.RewardSource.EVALUATION))
        self.assertEqual(t.temperature, 3.0)
        self.assertEqual(t.pair_weight(1), 0.5)
        with self.assertRaises(optima.Error) as cm:
            t.pair_weight(99)
        self.assertEqual(cm.exception.status, optima.Status.ENOTFOUND)
        self.assertIn("'pair'", str(cm.exception))

    def test_round_log_reads_back(self):
        t = make_trainer(self.host, self.ctx)
        self.assertEqual(t.round_log, (None, optima.LogFormat.CSV))
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "rounds.jsonl")
            t.set_round_log(path, optima.LogFormat.JSONL)
            self.assertEqual(t.round_log, (path, optima.LogFormat.JSONL))
            t.set_round_log(None)
        self.assertEqual(t.round_log[0], None)

    def test_step_inputs_read_back_until_compute(self):
        t = make_trainer(self.host, self.ctx)
        t.begin_step()
        self.host.x = self.host.batch(0)
        plan = t.plan()
        given = {}
        for ref in plan:
            given[ref] = self.host.hidden(ref)
            t.set_hidden(ref.side, ref.module, ref.layer, given[ref])
        zs = self.host.x @ self.host.sz
        t.set_logits(optima.Side.STUDENT, zs)
        t.set_logits(optima.Side.TEACHER, self.host.x @ self.host.tz)
        t.set_row_mask(0, [1, 1, 0, 1, 0, 1])
        for ref in plan:
            v = t.hidden(ref.side, ref.module, ref.layer)
            np.testing.assert_array_equal(v, given[ref])
            self.assertFalse(v.flags.writeable)
        np.testing.assert_array_equal(t.logits(optima.Side.STUDENT), zs)
        np.testing.assert_array_equal(t.row_mask(0), [True, True, False, True, False, True])
        self.assertIsNone(t.row_mask(1))
        self.assertIsNone(t.logits_mask())
        t.compute()
        with self.assertRaises(optima.Error) as cm:
            t.hidden(plan[0].side, plan[0].module, plan[0].layer)
        self.assertEqual(cm.exception.status, optima.Status.ESTATE)
        student = [r for r in plan if r.side == optima.Side.STUDENT][0]
        self.assertFalse(t.task_grad_given(student.module, student.layer))
        t.set_task_grad(student.module, student.layer,
                        np.ones((6, student.width), np.float32))
        self.assertTrue(t.task_grad_given(student.module, student.layer))

    def test_optimizer_and_history_read_back(self):
        t = make_trainer(self.host, self.ctx)
        f32 = lambda x: float(np.float32(x))  # noqa: E731
        self.assertEqual(t.optimizer, (optima.Optimizer.ADAMW, f32(1e-3)))
        self.assertEqual(t.optimizer_params, (f32(0.9), f32(0.9), f32(0.999), f32(0.01)))
        self.assertEqual(t.history, 1024)
        t.set_optimizer(optima.Optimizer.SGD, 0.05)
        t.set_optimizer_params(0.5, 0.8, 0.99, 0.0)
        t.set_history(12)
        self.assertEqual(t.optimizer, (optima.Optimizer.SGD, f32(0.05)))
        self.assertEqual(t.optimizer_params, (0.5, f32(0.8), f32(0.99), 0.0))
        self.assertEqual(t.history, 12)

    def test_missing_view_and_wrong_width_raise_with_messages(self):
        t = make_trainer(self.host, self.ctx)
        t.begin_step()
        ref = t.plan()[0]
        with self.assertRaises(optima.Error) as cm:
            t.set_hidden(ref.side, ref.module, ref.layer, np.zeros((6, ref.width + 1), np.float32))
        self.assertEqual(cm.exception.status, optima.Status.ESHAPE)
        with self.assertRaises(optima.Error) as cm:
            t.compute()
        self.assertEqual(cm.exception.status, optima.Status.ESTATE)
        self.assertIn("optima_trainer_compute", t.last_error)

    def test_settings_freeze_when_training_starts(self):
        t = make_trainer(self.host, self.ctx)
        t.alpha_layer = 0.5
        self.assertEqual(t.alpha_layer, 0.5)
        with self.assertRaises(optima.Error):
            t.add_pair("vision", "vision")  # already paired
        self.assertEqual(t.pair_loss(0).pair_count, 1)
        t.scheduler.window = 8  # the scheduler may still be tuned before the first step
        self.assertEqual(t.scheduler.window, 8)
        with self.assertRaises(optima.Error) as cm:
            t.round_length = 5
        self.assertEqual(cm.exception.status, optima.Status.ESTATE)

    def test_borrowed_loss_and_scheduler_close_with_their_trainer(self):
        t = make_trainer(self.host, self.ctx)
        loss, sched = t.pair_loss(1), t.scheduler
        t.close()
        self.assertTrue(loss.closed and sched.closed)
        self.assertFalse(self.host.student.closed)

    def test_closing_a_model_closes_its_trainer_first(self):
        t = make_trainer(self.host, self.ctx)
        self.host.teacher.close()
        self.assertTrue(t.closed)


class RunTest(unittest.TestCase):
    def setUp(self):
        self.ctx = optima.Context()

    def tearDown(self):
        self.ctx.close()

    def test_run_loop_equals_the_step_api_bit_for_bit(self):
        a, b = LinearHost(self.ctx), LinearHost(self.ctx)
        ta, tb = make_trainer(a, self.ctx), make_trainer(b, self.ctx)
        self.assertTrue(ta.run(a, 8))
        for step in range(8):
            b.step(tb, step)
        self.assertEqual(ta.progress(), (8, 4))
        self.assertEqual(tb.progress(), (8, 4))
        for r in range(4):
            self.assertEqual(ta.round_record(r), tb.round_record(r))
        for w1, w2 in zip(a.sw, b.sw):
            np.testing.assert_array_equal(w1, w2)

    def test_run_loop_feeds_the_alignment_reward_through_task_grad(self):
        class AlignedHost(LinearHost):
            def task_grad(self, step, needed):
                self._maybe_fail("task_grad", step)
                return [self.hidden(r) if r.side == optima.Side.STUDENT else None
                        for r in needed]

        a, b = AlignedHost(self.ctx), AlignedHost(self.ctx)
        ta, tb = make_trainer(a, self.ctx), make_trainer(b, self.ctx)
        for t in (ta, tb):
            t.set_reward(optima.RewardKind.ABSOLUTE, optima.RewardSource.ALIGNMENT)
        self.assertTrue(ta.run(a, 8))
        def hand_task_grads(trainer, step, plan):
            for ref, g in zip(plan, b.task_grad(step, plan)):
                if g is not None:
                    trainer.set_task_grad(ref.module, ref.layer, g)

        for step in range(8):
            b.step(tb, step, hand_task_grads)
        for r in range(4):
            self.assertEqual(ta.round_record(r), tb.round_record(r))
            self.assertNotEqual(ta.round_record(r).reward, 0.0)

        # Without the callback the run loop refuses the source, naming the member.
        plain = LinearHost(self.ctx)
        tp = make_trainer(plain, self.ctx)
        tp.set_reward(optima.RewardKind.ABSOLUTE, optima.RewardSource.ALIGNMENT)
        with self.assertRaises(optima.Error) as cm:
            tp.run(plain, 2)
        self.assertEqual(cm.exception.status, optima.Status.EINVAL)
        self.assertIn("task_grad", str(cm.exception))

        # An exception in task_grad stops the run and is re-raised.
        c = AlignedHost(self.ctx)
        tc = make_trainer(c, self.ctx)
        tc.set_reward(optima.RewardKind.ABSOLUTE, optima.RewardSource.ALIGNMENT)
        c.fail["task_grad"] = (1, Boom("task_grad"))
        with self.assertRaises(Boom):
            tc.run(c, 4)

    def test_exception_in_a_callback_stops_the_run_and_is_reraised(self):
        for where in ("next_batch", "forward", "backward", "round_end"):
            with self.subTest(where=where):
                host = LinearHost(self.ctx)
                t = make_trainer(host, self.ctx)
                host.fail[where] = (1, Boom(where))
                with self.assertRaises(Boom) as cm:
                    t.run(host, 6)
                self.assertEqual(str(cm.exception), where)
                self.assertNotEqual(t.callback_code, 0)
                # The trainer stays usable: the next run goes on.
                host.fail.clear()
                self.assertTrue(t.run(host, 4))

    def test_keyboard_interrupt_in_a_callback_is_reraised_too(self):
        host = LinearHost(self.ctx)
        t = make_trainer(host, self.ctx)
        host.fail["forward"] = (0, KeyboardInterrupt())
        with self.assertRaises(KeyboardInterrupt):
            t.run(host, 2)

    def test_stop_run_ends_the_run_quietly_without_crediting_the_round(self):
        host = LinearHost(self.ctx)
        t = make_trainer(host, self.ctx, round_length=3)
        host.fail["backward"] = (4, optima.StopRun())
        self.assertFalse(t.run(host, 10))
        self.assertEqual(t.progress(), (4, 1))

    def test_bad_forward_results_are_reraised_as_python_errors(self):
        host = LinearHost(self.ctx)
        t = make_trainer(host, self.ctx)

        class Short(LinearHost):
            def forward(self, step, needed, want_logits):
                hidden, zs, zt = super().forward(step, needed, want_logits)
                return hidden[:-1], zs, zt

        short = Short(self.ctx)
        t2 = make_trainer(short, self.ctx)
        with self.assertRaisesRegex(ValueError, "hidden states"):
            t2.run(short, 1)

        class Strings(LinearHost):
            def forward(self, step, needed, want_logits):
                return [["x"]] * len(needed), None, None

        with self.assertRaisesRegex(TypeError, "hidden\\[0\\]"):
            t.run(Strings(self.ctx), 1)

    def test_wrong_hidden_shape_from_forward_stops_with_the_library_error(self):
        class Wide(LinearHost):
            def forward(self, step, needed, want_logits):
                hidden, zs, zt = super().forward(step, needed, want_logits)
                return [np.zeros((6, h.shape[1] + 1), np.float32) for h in hidden], zs, zt

        host = Wide(self.ctx)
        t = make_trainer(host, self.ctx)
        with self.assertRaises(optima.Error) as cm:
            t.run(host, 1)
        self.assertEqual(cm.exception.status, optima.Status.ESHAPE)

    def test_evaluation_source_calls_evaluate_and_optimizer_step(self):
        class Evaluating(LinearHost):
            def evaluate(self, step):
                self.calls.append(("evaluate", step))
                return 1.0 / (step + 1)

            def optimizer_step(self, step):
                self.calls.append(("optimizer_step", step))

        host = Evaluating(self.ctx)
        t = make_trainer(host, self.ctx)
        t.set_reward(optima.RewardKind.ABSOLUTE, optima.RewardSource.EVALUATION)
        self.assertTrue(t.run(host, 4))
        names = [c[0] for c in host.calls]
        self.assertEqual(names.count("evaluate"), 3)  # before the first step, then 2 rounds
        self.assertEqual(names.count("optimizer_step"), 4)
        self.assertGreater(t.round_record(0).reward, 0)

    def test_round_log_and_log_sink_see_every_round(self):
        host = LinearHost(self.ctx)
        seen = []
        self.ctx.set_log(lambda level, msg: seen.append(msg), optima.LogLevel.INFO)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "rounds.csv")
            t = make_trainer(host, self.ctx)
            t.set_round_log(path, optima.LogFormat.CSV)
            t.run(host, 6)
            t.set_round_log(None)
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        self.ctx.set_log(None)
        self.assertEqual(len(lines), 4)  # header and three rounds
        self.assertEqual(sum(m.startswith("round ") for m in seen), 3)


class ProjectionCallbackTest(unittest.TestCase):
    def test_host_optimizer_receives_writable_projections(self):
        with optima.Context() as ctx:
            host = LinearHost(ctx)
            t = make_trainer(host, ctx)
            seen = []

            def sgd(pair, layer_pair, param, grad):
                seen.append((pair, param.shape))
                param -= 0.1 * grad

            t.set_optimizer(optima.Optimizer.HOST)
            t.set_projection_callback(sgd)
            before = t.pair_loss(0).projection(0)
            t.run(host, 4)
            self.assertTrue(seen)
            self.assertFalse(np.array_equal(before, t.pair_loss(0).projection(0)))

    def test_exception_in_the_projection_callback_is_reraised_by_end_step(self):
        with optima.Context() as ctx:
            host = LinearHost(ctx)
            t = make_trainer(host, ctx)

            def broken(pair, layer_pair, param, grad):
                raise Boom("projection")

            t.set_optimizer(optima.Optimizer.HOST)
            t.set_projection_callback(broken)
            with self.assertRaisesRegex(Boom, "projection"):
                host.step(t, 0)
            with self.assertRaisesRegex(Boom, "projection"):
                t.run(host, 2)


class CheckpointTest(unittest.TestCase):
    def test_bytes_and_file_checkpoints_resume_exactly(self):
        with optima.Context() as ctx:
            a = LinearHost(ctx)
            ta = make_trainer(a, ctx)
            ta.run(a, 5)
            blob = ta.save()
            b = LinearHost(ctx)
            b.sw = [w.copy() for w in a.sw]
            b.sz = a.sz.copy()
            tb = make_trainer(b, ctx)
            tb.load(blob)
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "ckpt.bin")
                ta.save(path)
                c = LinearHost(ctx)
                c.sw = [w.copy() for w in a.sw]
                c.sz = a.sz.copy()
                tc = make_trainer(c, ctx)
                tc.load(path)
            for trainer, host in ((ta, a), (tb, b), (tc, c)):
                for step in range(5, 11):
                    host.step(trainer, step)
            self.assertEqual(ta.progress(), tb.progress())
            for r in range(ta.progress()[1]):
                self.assertEqual(ta.round_record(r), tb.round_record(r))
                self.assertEqual(ta.round_record(r), tc.round_record(r))

    def test_damaged_checkpoint_is_refused_and_the_trainer_unchanged(self):
        with optima.Context() as ctx:
            host = LinearHost(ctx)
            t = make_trainer(host, ctx)
            t.run(host, 3)
            blob = bytearray(t.save())
            blob[len(blob) // 2] ^= 0xFF
            with self.assertRaises(optima.Error) as cm:
                t.load(bytes(blob))
            self.assertIn(cm.exception.status, (optima.Status.ECHECKSUM, optima.Status.EFORMAT))
            self.assertEqual(t.progress()[0], 3)
            with self.assertRaises(optima.Error) as cm:
                t.load("/nonexistent/dir/ckpt")
            self.assertEqual(cm.exception.status, optima.Status.EIO)


if __name__ == "__main__":
    unittest.main()
