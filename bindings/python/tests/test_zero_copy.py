"""No allocation per call: out=/grad_out= outputs of the stateless losses, read-only views
of the library's gradient buffers (Loss, Trainer, the run loop's backward), and
strict=True, which refuses to copy an input."""

import gc
import tracemalloc
import unittest

import numpy as np

import optima
from host import LinearHost, make_trainer

RNG = np.random.default_rng(15)
F32 = np.float32


def rand(*shape):
    return RNG.uniform(-1, 1, shape).astype(F32)


def address(a):
    return a.__array_interface__["data"][0]


class OutArgumentTest(unittest.TestCase):
    def test_mse_and_cosine_write_into_the_given_arrays_and_return_them(self):
        s, t, p = rand(7, 5), rand(7, 3), rand(5, 3)
        for fn in (optima.mse, optima.cosine):
            with self.subTest(fn=fn.__name__):
                loss, gs, gp = fn(s, t, p)
                out_s, out_p = np.full((7, 5), 9, F32), np.full((5, 3), 9, F32)
                where = address(out_s), address(out_p)
                loss2, gs2, gp2 = fn(s, t, p, grad_out=out_s, projection_grad_out=out_p)
                self.assertIs(gs2, out_s)
                self.assertIs(gp2, out_p)
                self.assertEqual((address(gs2), address(gp2)), where)
                self.assertEqual(loss2, loss)
                np.testing.assert_array_equal(out_s, gs)
                np.testing.assert_array_equal(out_p, gp)

    def test_numpy_style_out_tuple_and_single_array(self):
        s, t, p = rand(4, 3), rand(4, 2), rand(3, 2)
        out = (np.empty((4, 3), F32), np.empty((3, 2), F32))
        _, gs, gp = optima.mse(s, t, p, out=out)
        self.assertIs(gs, out[0])
        self.assertIs(gp, out[1])
        only = np.empty((4, 3), F32)
        _, gs, gp = optima.mse(s, t, p, out=only)  # the projection's gradient is fresh
        self.assertIs(gs, only)
        self.assertFalse(np.shares_memory(gp, only))
        zs, zt = rand(5, 4), rand(5, 4)
        g = np.empty((5, 4), F32)
        loss, got = optima.kl(zs, zt, 2.0, out=g)
        self.assertIs(got, g)
        self.assertEqual(loss, optima.kl(zs, zt, 2.0)[0])
        np.testing.assert_array_equal(g, optima.kl(zs, zt, 2.0)[1])
        loss, got = optima.kl(zs, zt, 2.0, grad_out=g)
        self.assertIs(got, g)

    def test_attention_mse_takes_grad_out_too(self):
        s, t = rand(12, 3), rand(12, 3)
        g = np.empty((12, 3), F32)
        loss, got = optima.attention_mse(s, t, 2, 3, grad_out=g)
        self.assertIs(got, g)
        np.testing.assert_array_equal(g, optima.attention_mse(s, t, 2, 3)[1])

    def test_a_loop_with_out_allocates_no_gradient(self):
        s, t = rand(512, 512), rand(512, 512)  # a 1 MiB gradient
        g = np.empty_like(s)
        optima.mse(s, t, grad_out=g)
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            for _ in range(3):
                optima.mse(s, t, grad_out=g)
            with_out = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            optima.mse(s, t)
            fresh = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        self.assertGreaterEqual(fresh, s.nbytes)
        self.assertLess(with_out, s.nbytes // 16)

    def test_bad_outputs_are_refused_naming_the_argument(self):
        s, t, p = rand(4, 3), rand(4, 2), rand(3, 2)
        shared = np.empty((4 * 3 + 3 * 2,), F32)
        read_only = np.empty((4, 3), F32)
        read_only.flags.writeable = False
        ARG, TYPE = optima.ArgumentError, optima.ArgumentTypeError
        cases = [
            ("float64", dict(grad_out=np.empty((4, 3))), TYPE,
             "'grad_out' must have dtype float32"),
            ("byte-swapped", dict(grad_out=np.empty((4, 3), ">f4")), TYPE, "'grad_out'"),
            ("a list", dict(grad_out=[[0.0] * 3] * 4), TYPE, "'grad_out' must be a numpy.ndarray"),
            ("wrong shape", dict(grad_out=np.empty((3, 4), F32)), ARG,
             "'grad_out' must have shape (4, 3)"),
            ("transposed", dict(grad_out=np.empty((3, 4), F32).T), ARG,
             "'grad_out' must be C-contiguous"),
            ("padded rows", dict(grad_out=np.empty((4, 5), F32)[:, :3]), ARG, "C-contiguous"),
            ("read-only", dict(grad_out=read_only), ARG, "'grad_out' must be writeable"),
            ("the student itself", dict(grad_out=s), ARG,
             "'grad_out' overlaps argument 'student'"),
            ("inside the projection", dict(projection_grad_out=p), ARG,
             "'projection_grad_out' overlaps argument 'projection'"),
            ("outputs overlapping", dict(grad_out=shared[:12].reshape(4, 3),
                                         projection_grad_out=shared[6:12].reshape(3, 2)), ARG,
             "'projection_grad_out' overlaps argument 'grad_out'"),
            ("wrong projection gradient shape", dict(projection_grad_out=np.empty((2, 3), F32)),
             ARG, "'projection_grad_out' must have shape (3, 2)"),
            ("out and grad_out", dict(out=np.empty((4, 3), F32), grad_out=np.empty((4, 3), F32)),
             TYPE, "'grad_out' given twice"),
            ("out too long", dict(out=(None, None, None)), ARG, "'out' holds 3 arrays"),
        ]
        for name, kwargs, expected, text in cases:
            with self.subTest(case=name):
                before = s.copy()
                with self.assertRaises(expected) as cm:
                    optima.mse(s, t, p, **kwargs)
                self.assertIn(text, str(cm.exception))
                self.assertIsInstance(cm.exception, optima.Error)
                np.testing.assert_array_equal(s, before)
        with self.assertRaisesRegex(optima.ArgumentError, "without a projection"):
            optima.mse(rand(4, 2), t, projection_grad_out=np.empty((2, 2), F32))
        with self.assertRaisesRegex(optima.ArgumentError, "'grad_out' overlaps argument "
                                                          "'teacher_logits'"):
            zt = rand(3, 4)
            optima.kl(rand(3, 4), zt, grad_out=zt)


class StrictTest(unittest.TestCase):
    def test_strict_refuses_each_kind_of_copy_and_accepts_viewable_input(self):
        base = rand(6, 8)
        t = rand(6, 4)
        refused = {
            "float64": base[:, :4].astype(np.float64),
            "transposed": np.ascontiguousarray(base[:4, :6]).T,
            "column slice": base[:, ::2],
            "list": base[:, :4].tolist(),
        }
        for name, student in refused.items():
            with self.subTest(case=name):
                with self.assertRaises(optima.ArgumentError) as cm:
                    optima.mse(student, t, strict=True)
                self.assertIn("'student' would be copied", str(cm.exception))
                self.assertEqual(optima.mse(student, t)[0],  # allowed without strict
                                 optima.mse(np.array(student, F32), t)[0])
        padded = base[:, 2:6]  # float32, contiguous rows 8 floats apart: no copy
        self.assertEqual(optima.mse(padded, t, strict=True)[0],
                         optima.mse(np.ascontiguousarray(padded), t)[0])
        with self.assertRaisesRegex(optima.ArgumentError, "'teacher_logits' would be copied"):
            optima.kl(rand(3, 4), np.zeros((3, 4)), strict=True)
        with self.assertRaisesRegex(optima.ArgumentError, "'projection' would be copied"):
            optima.cosine(rand(3, 4), rand(3, 2), np.zeros((4, 2)), strict=True)

    def test_strict_in_loss_compute_set_hidden_and_run(self):
        with optima.Context() as ctx:
            host = LinearHost(ctx)
            loss = optima.Loss.layerwise(optima.LossKind.MSE, host.student, 0, host.teacher, 0,
                                         context=ctx)
            with self.assertRaisesRegex(optima.ArgumentError, "'teacher\\[0\\]' would be copied"):
                loss.compute([rand(5, 4)], [np.zeros((5, 8))], strict=True)
            t = make_trainer(host, ctx)
            t.begin_step()
            ref = t.plan()[0]
            with self.assertRaisesRegex(optima.ArgumentError, "'array' would be copied"):
                t.set_hidden(ref.side, ref.module, ref.layer, np.zeros((6, ref.width)),
                             strict=True)

            class Float64(LinearHost):
                def forward(self, step, needed, want_logits):
                    hidden, zs, zt = super().forward(step, needed, want_logits)
                    return [h.astype(np.float64) for h in hidden], zs, zt

            h64 = Float64(ctx)
            t64 = make_trainer(h64, ctx)
            with self.assertRaisesRegex(optima.ArgumentError, "'hidden\\[0\\]' would be copied"):
                t64.run(h64, 2, strict=True)
            self.assertTrue(t64.run(h64, 2))


class LossViewTest(unittest.TestCase):
    def setUp(self):
        self.ctx = optima.Context()
        teacher = optima.Model("t", {"m": [6]}, context=self.ctx)
        student = optima.Model("s", {"m": [4]}, context=self.ctx)
        self.loss = optima.Loss.layerwise(optima.LossKind.MSE, student, 0, teacher, 0,
                                          context=self.ctx)

    def tearDown(self):
        self.ctx.close()

    def test_gradients_are_read_only_views_of_the_loss_buffers_until_the_next_compute(self):
        s1, t1 = rand(5, 4), rand(5, 6)
        self.loss.compute([s1], [t1])
        g1, p1 = self.loss.student_grad(0), self.loss.projection_grad(0)
        expected = optima.mse(s1, t1, self.loss.projection(0))
        np.testing.assert_allclose(g1, expected[1], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(p1, expected[2], rtol=1e-5, atol=1e-7)
        for view in (g1, p1):
            self.assertFalse(view.flags.writeable)
            with self.assertRaises(ValueError):
                view[0, 0] = 1.0
            with self.assertRaises(ValueError):
                view.flags.writeable = True
        # The same buffer each time, not a copy:
        self.assertTrue(np.shares_memory(g1, self.loss.student_grad(0)))
        self.assertTrue(np.shares_memory(p1, self.loss.projection_grad(0)))
        kept = np.array(g1)
        s2, t2 = rand(5, 4), rand(5, 6)
        self.loss.compute([s2], [t2])  # same rows: same buffers, new values
        np.testing.assert_array_equal(g1, self.loss.student_grad(0))
        self.assertFalse(np.array_equal(g1, kept))

    def test_a_view_keeps_the_loss_memory_alive_after_close(self):
        self.loss.compute([rand(5, 4)], [rand(5, 6)])
        g = self.loss.student_grad(0)[1:3]  # a slice of the view keeps it too
        values = np.array(g)
        self.loss.close()
        self.ctx.close()
        self.assertTrue(self.loss.closed)
        self.assertIsNotNone(self.loss._native)
        self.assertIsNotNone(self.ctx._native)
        gc.collect()
        np.testing.assert_array_equal(g, values)
        del g
        gc.collect()
        self.assertIsNone(self.loss._native)
        self.assertIsNone(self.ctx._native)


class TrainerViewTest(unittest.TestCase):
    def test_student_and_logits_gradients_are_views_valid_until_the_next_step(self):
        with optima.Context() as ctx:
            host = LinearHost(ctx)
            t = make_trainer(host, ctx)
            plan = host.computed_step(t)
            student = next(r for r in plan if r.side == optima.Side.STUDENT)
            g = t.student_grad(student.module, student.layer)
            z = t.logits_grad()
            for view in (g, z):
                self.assertFalse(view.flags.writeable)
                with self.assertRaises(ValueError):
                    view += 1
            self.assertTrue(np.shares_memory(g, t.student_grad(student.module, student.layer)))
            self.assertTrue(np.shares_memory(z, t.logits_grad()))
            self.assertEqual(z.shape, (6, 4))
            t.end_step(1.0)
            t.close()
            self.assertIsNotNone(t._native)  # the views hold the trainer's memory
            del g, z, view
            gc.collect()
            self.assertIsNone(t._native)

    def test_backward_receives_read_only_views(self):
        seen = []

        class Host(LinearHost):
            def backward(self, step, needed, grads, logits_grad):
                for ref, grad in zip(needed, grads):
                    if grad is not None:
                        seen.append(grad.flags.writeable)
                seen.append(logits_grad.flags.writeable)
                return super().backward(step, needed, grads, logits_grad)

        with optima.Context() as ctx:
            host = Host(ctx)
            t = make_trainer(host, ctx)
            self.assertTrue(t.run(host, 2))
        self.assertTrue(seen)
        self.assertEqual(set(seen), {False})


if __name__ == "__main__":
    unittest.main()
