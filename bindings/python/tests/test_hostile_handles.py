"""Hostile cases of the handles' life (issue: closing a handle inside a callback crashed
the interpreter): a handle closed while a call that uses it is in flight, calls that
re-enter a running handle, a model changed under its trainer, and the order in which
the garbage collector frees handles.

Each scenario that used to crash runs in a child interpreter, so that a crash is a
failed test (with the child's exit status), not a dead test run.
"""

import gc
import os
import subprocess
import sys
import textwrap
import threading
import unittest

import numpy as np

import optima
from optima import _handle
from host import LinearHost, make_trainer

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)

CALLBACKS = ("next_batch", "forward", "backward", "optimizer_step", "evaluate", "round_end")
VICTIMS = ("trainer", "teacher", "student", "context")


def run_child(code):
    """Run ``code`` in a fresh interpreter that sees the package and the test host."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([PACKAGE_ROOT, HERE]))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=120)


CLOSE_IN_CALLBACK = """
    import optima
    from host import LinearHost, make_trainer

    where, victim = {where!r}, {victim!r}
    ctx = optima.Context()

    class Host(LinearHost):
        def evaluate(self, step):
            self._maybe_fail("evaluate", step)
            return 1.0 / (step + 1)

        def optimizer_step(self, step):
            self._maybe_fail("optimizer_step", step)

        def _maybe_fail(self, name, step):
            if name == where and step == 1:
                handles = dict(trainer=t, teacher=self.teacher, student=self.student,
                               context=ctx)
                handles[victim].close()
                handles[victim].close()  # idempotent, even while in use

    host = Host(ctx)
    t = make_trainer(host, ctx)
    t.set_reward(optima.RewardKind.RELATIVE, optima.RewardSource.EVALUATION)
    result = t.run(host, 8)
    # The run stopped at the callback that closed; the memory is freed now that the run
    # returned.
    assert result is False, result
    assert t.closed and t._native is None, (t.closed, t._native)
    print("ok")
"""


class CloseInsideCallbackTest(unittest.TestCase):
    def test_closing_any_handle_a_run_uses_inside_any_callback_stops_the_run_safely(self):
        for where in CALLBACKS:
            for victim in VICTIMS:
                with self.subTest(where=where, victim=victim):
                    r = run_child(CLOSE_IN_CALLBACK.format(where=where, victim=victim))
                    self.assertEqual(r.returncode, 0, "exit %d: %s" % (r.returncode, r.stderr))
                    self.assertEqual(r.stdout.strip(), "ok")

    def test_closing_the_trainer_in_its_projection_callback_frees_it_after_end_step(self):
        r = run_child("""
            import optima
            from host import LinearHost, make_trainer

            ctx = optima.Context()
            host = LinearHost(ctx)
            t = make_trainer(host, ctx)
            calls = []

            def closing(pair, layer_pair, param, grad):
                calls.append(pair)
                ctx.close()           # closes the models and the trainer first
                param -= 0.1 * grad   # the projection is still alive during the call

            t.set_optimizer(optima.Optimizer.HOST)
            t.set_projection_callback(closing)
            try:
                host.step(t, 0)
            except ValueError as exc:  # the host's next call on the closed trainer
                assert "closed Trainer" in str(exc), exc
            assert calls and t.closed and t._native is None and ctx._native is None
            print("ok")
        """)
        self.assertEqual(r.returncode, 0, "exit %d: %s" % (r.returncode, r.stderr))
        self.assertEqual(r.stdout.strip(), "ok")

    def test_closing_the_context_in_its_log_sink_during_a_trainer_call(self):
        r = run_child("""
            import optima
            from host import LinearHost, make_trainer

            ctx = optima.Context()
            host = LinearHost(ctx)
            t = make_trainer(host, ctx)
            ctx.set_log(lambda level, message: ctx.close(), optima.LogLevel.INFO)
            ended = False
            for step in range(4):  # the first round's end logs, and the sink closes
                try:
                    host.step(t, step)
                except ValueError as exc:
                    assert "closed" in str(exc), exc
                    ended = True
                    break
            assert ended and ctx.closed and ctx._native is None and t._native is None
            print("ok")
        """)
        self.assertEqual(r.returncode, 0, "exit %d: %s" % (r.returncode, r.stderr))
        self.assertEqual(r.stdout.strip(), "ok")

    def test_closing_the_trainer_while_saving_or_loading_a_checkpoint(self):
        r = run_child("""
            import ctypes
            import optima
            from optima import _native
            from host import LinearHost, make_trainer

            ctx = optima.Context()
            host = LinearHost(ctx)
            t = make_trainer(host, ctx)
            t.run(host, 3)
            blob = t.save()

            def write(_user, data, size):
                t.close()
                return 0

            try:
                t._call("optima_trainer_save", _native.WRITE_FN(write), None)
            except optima.Error:
                pass
            assert t.closed and t._native is None

            u = make_trainer(host, ctx)
            pos = [0]

            def read(_user, buf, size, got):
                ctx.close()
                n = min(size, len(blob) - pos[0])
                ctypes.memmove(buf, blob[pos[0]:pos[0] + n], n)
                pos[0] += n
                got[0] = n
                return 0

            try:
                u._call("optima_trainer_load", _native.READ_FN(read), None)
            except optima.Error:
                pass
            assert u.closed and u._native is None and ctx._native is None
            print("ok")
        """)
        self.assertEqual(r.returncode, 0, "exit %d: %s" % (r.returncode, r.stderr))
        self.assertEqual(r.stdout.strip(), "ok")


class ReentryTest(unittest.TestCase):
    """A callback must not call the handle that runs it (trainer.h): the binding refuses
    it with ESTATE instead of letting the library corrupt or free what the run uses."""

    def setUp(self):
        self.ctx = optima.Context()

    def tearDown(self):
        self.ctx.close()

    def reenter(self, action):
        """Run a trainer whose forward callback first does ``action(trainer, loss, host)``."""
        handles = {}

        class Host(LinearHost):
            def forward(self, step, needed, want_logits):
                action(handles["trainer"], handles["loss"], self)
                return super().forward(step, needed, want_logits)

        host = Host(self.ctx)
        t = make_trainer(host, self.ctx)
        handles.update(trainer=t, loss=t.pair_loss(0))
        with self.assertRaises(optima.Error) as cm:
            t.run(host, 2)
        self.assertEqual(cm.exception.status, optima.Status.ESTATE)
        self.assertIn("in use", cm.exception.message)
        self.assertEqual(t.progress(), (0, 0))
        return t, host

    def test_calls_on_the_running_trainer_its_loss_or_models_are_refused(self):
        actions = {
            "begin_step": lambda t, loss, h: t.begin_step(),
            "load": lambda t, loss, h: t.load(b"x"),
            "progress": lambda t, loss, h: t.progress(),
            "loss.set_mapping": lambda t, loss, h: loss.set_mapping(optima.Mapping.LAST),
            "loss.init_projections": lambda t, loss, h: loss.init_projections(),
            "scheduler": lambda t, loss, h: t.scheduler,
            "context.threads": lambda t, loss, h: setattr(self.ctx, "threads", 2),
            "context.set_log": lambda t, loss, h: self.ctx.set_log(None),
        }
        for name, action in actions.items():
            with self.subTest(action=name):
                t, h = self.reenter(action)
                # After the run, the same calls are allowed again.
                self.assertEqual(t.pair_loss(0).pair_count, 1)
                self.ctx.threads = 1

    def test_other_handles_the_stateless_math_and_reads_stay_usable_in_a_callback(self):
        seen = []

        class Host(LinearHost):
            def forward(self, step, needed, want_logits):
                hidden, zs, zt = super().forward(step, needed, want_logits)
                seen.append(optima.mse(hidden[0], hidden[0], context=ctx)[0])
                with optima.Model("other", {"a": [2]}, context=ctx) as m:
                    seen.append(m.widths(0))
                # Reading the models or the context's settings is no re-entry.
                seen.append((self.student.widths(0), self.teacher.find_module("text"),
                             self.student.logits_width, ctx.threads))
                return hidden, zs, zt

        ctx = self.ctx
        host = Host(ctx)
        t = make_trainer(host, ctx)
        self.assertTrue(t.run(host, 2))
        self.assertEqual(seen, [0.0, [2], ([4], 1, 4, 1)] * 2)

    def test_a_model_cannot_change_while_a_trainer_uses_it(self):
        host = LinearHost(self.ctx)
        t = make_trainer(host, self.ctx)
        for change in (lambda: host.student.add_module("extra"),
                       lambda: host.teacher.add_layer(0, 3),
                       lambda: setattr(host.student, "logits_width", 7)):
            with self.assertRaises(optima.Error) as cm:
                change()
            self.assertEqual(cm.exception.status, optima.Status.ESTATE)
            self.assertIn("used by a trainer", cm.exception.message)
        self.assertEqual(host.student.module_count, 3)
        t.close()
        host.student.add_module("extra")
        self.assertEqual(host.student.module_count, 4)


class OtherThreadTest(unittest.TestCase):
    """ctypes releases the GIL during C calls: another thread closing or calling a handle
    in use gets the same answers as a callback does."""

    def test_another_thread_closing_or_calling_a_running_trainer(self):
        ctx = optima.Context()
        self.addCleanup(ctx.close)
        outcome = {}

        class Host(LinearHost):
            def forward(self, step, needed, want_logits):
                if step == 1:
                    worker = threading.Thread(target=meddle)
                    worker.start()
                    worker.join()
                return super().forward(step, needed, want_logits)

        def meddle():
            try:
                t.progress()
            except optima.Error as exc:
                outcome["call"] = exc.status
            t.close()
            outcome["closed"] = t.closed

        host = Host(ctx)
        t = make_trainer(host, ctx)
        self.assertFalse(t.run(host, 6))
        self.assertEqual(outcome, {"call": optima.Status.ESTATE, "closed": True})
        self.assertIsNone(t._native)


class SecondComputeTest(unittest.TestCase):
    """A second compute() (the retry after ENONFINITE) re-reads the step's views: the
    float32 copies the binding made of float64 input must still be alive (they were
    dropped after the first compute, and the retry returned 1.5e6 instead of 2.5)."""

    def test_a_second_compute_over_converted_input_gives_the_same_value_or_refuses(self):
        with optima.Context() as ctx:
            host = LinearHost(ctx)
            t = make_trainer(host, ctx)
            t.begin_step()
            host.x = host.batch(0)
            for ref in t.plan():  # float64: the binding converts, the library views a copy
                t.set_hidden(ref.side, ref.module, ref.layer,
                             host.hidden(ref).astype(np.float64))
            t.set_logits(optima.Side.STUDENT, (host.x @ host.sz).astype(np.float64))
            t.set_logits(optima.Side.TEACHER, (host.x @ host.tz).astype(np.float64))
            first = t.compute()
            gc.collect()
            # Reuse whatever memory was freed, with values far from the inputs'.
            junk = [np.full((6, w), 1e3, np.float32) for w in (4, 5, 6, 8, 4, 4) * 8]
            try:
                second = t.compute()
            except optima.Error as exc:  # a library that forgets the views refuses
                self.assertEqual(exc.status, optima.Status.ESTATE)
            else:
                self.assertEqual(second, first)
            del junk


class DestroyOrderTest(unittest.TestCase):
    """The C rule "destroy a handle before what it borrows" holds whatever order Python
    closes or collects them in."""

    def record_destroys(self):
        order = []
        lib = _handle.lib
        saved = {}
        for name in ("optima_context_destroy", "optima_model_destroy",
                     "optima_trainer_destroy", "optima_loss_destroy"):
            fn = getattr(lib, name)
            saved[name] = fn

            def wrapper(ptr, fn=fn, name=name):
                order.append(name.split("_")[1])
                fn(ptr)

            setattr(lib, name, wrapper)
        self.addCleanup(lambda: [setattr(lib, n, f) for n, f in saved.items()])
        return order

    def test_a_collected_cycle_frees_the_trainer_before_its_models_and_context(self):
        order = self.record_destroys()
        ctx = optima.Context()
        host = LinearHost(ctx)
        t = make_trainer(host, ctx)
        # A cycle: the collector clears the weak references (the dependents' registry)
        # before it runs the finalizers, in an order of its choosing.
        ctx.cycle, t.cycle, host.cycle = t, ctx, (host, t)
        del ctx, host, t
        gc.collect()
        self.assertEqual(sorted(order), ["context", "model", "model", "trainer"])
        self.assertEqual(order[-1], "context")
        self.assertLess(order.index("trainer"), order.index("model"))

    def test_projection_views_kept_past_the_callback_keep_the_trainer_memory(self):
        order = self.record_destroys()
        ctx = optima.Context()
        host = LinearHost(ctx)
        t = make_trainer(host, ctx)
        kept = []

        def sgd(pair, layer_pair, param, grad):
            self.assertFalse(grad.flags.writeable)
            param -= 0.1 * grad
            kept.append((param, grad))

        t.set_optimizer(optima.Optimizer.HOST)
        t.set_projection_callback(sgd)
        host.step(t, 0)
        self.assertTrue(kept)
        values = [np.array(p) for p, _ in kept]
        ctx.close()
        self.assertNotIn("trainer", order)  # the kept views hold it
        for (param, _), value in zip(kept, values):
            np.testing.assert_array_equal(param, value)
        kept.clear()
        del param, _
        gc.collect()
        self.assertEqual(order[-1], "context")
        self.assertIn("trainer", order)

    def test_a_context_closed_during_a_create_call_outlives_the_new_handle(self):
        # What a log sink closing the context inside optima_model_create would do.
        order = self.record_destroys()
        lib = _handle.lib
        real = lib.optima_model_create
        ctx = optima.Context()

        class ClosingCreate:
            argtypes = real.argtypes

            def __call__(self, *args):
                ctx.close()
                return real(*args)

        lib.optima_model_create = ClosingCreate()
        self.addCleanup(setattr, lib, "optima_model_create", real)
        model = optima.Model("m", context=ctx)
        self.assertTrue(ctx.closed)
        self.assertTrue(model.closed)  # closing a context closes what is made from it
        self.assertEqual(order, ["model", "context"])

    def test_a_view_keeps_its_handle_memory_until_it_is_dropped(self):
        order = self.record_destroys()
        ctx = optima.Context()
        held = ctx._hold()
        ctx.close()
        self.assertTrue(ctx.closed)
        self.assertEqual(order, [])
        held()
        self.assertEqual(order, ["context"])


if __name__ == "__main__":
    unittest.main()
