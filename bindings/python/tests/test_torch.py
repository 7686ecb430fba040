"""optima.torch: the losses as autograd-connected tensors, against pure torch.

The references below are written with torch.nn.functional (boolean row selection, mean
reductions), independently of optima.torch's own torch backend; both backends are held to
them. Skipped when PyTorch is not installed (Debian: python3-torch).
"""

import ctypes
import os
import subprocess
import sys
import unittest

import numpy as np

import optima

try:
    import torch
    import torch.nn.functional as F
    import optima.torch as ot
    from optima.torch import _library
except ImportError:
    torch = None

needs_torch = unittest.skipIf(torch is None, "PyTorch is not installed (python3-torch)")
BACKENDS = ("library", "torch")


def ref_mse(s, t, p=None, mask=None):
    y = s @ p if p is not None else s
    y, t = y.reshape(-1, y.shape[-1]), t.reshape(-1, t.shape[-1])
    if mask is not None:
        y, t = y[mask.reshape(-1)], t[mask.reshape(-1)]
    return F.mse_loss(y, t.detach())


def ref_cosine(s, t, p=None, mask=None):
    y = s @ p if p is not None else s
    y, t = y.reshape(-1, y.shape[-1]), t.reshape(-1, t.shape[-1])
    if mask is not None:
        y, t = y[mask.reshape(-1)], t[mask.reshape(-1)]
    return (1 - F.cosine_similarity(y, t.detach(), dim=1, eps=1e-8)).mean()


def ref_kl(zs, zt, temperature, mask=None):
    zs, zt = zs.reshape(-1, zs.shape[-1]), zt.reshape(-1, zt.shape[-1])
    if mask is not None:
        zs, zt = zs[mask.reshape(-1)], zt[mask.reshape(-1)]
    return temperature ** 2 * F.kl_div(F.log_softmax(zs / temperature, dim=1),
                                       F.log_softmax(zt.detach() / temperature, dim=1),
                                       reduction="batchmean", log_target=True)


def value_and_grads(fn, inputs, *args, **kwargs):
    """fn(*inputs, *args, **kwargs) and the gradients of the inputs that require one."""
    leaves = [x.detach().clone().requires_grad_(x.requires_grad) if x is not None else None
              for x in inputs]
    loss = fn(*leaves, *args, **kwargs)
    loss.backward()
    return loss, [x.grad if x is not None and x.requires_grad else None for x in leaves]


class _Case(unittest.TestCase):
    def setUp(self):
        self.gen = torch.Generator().manual_seed(12)

    def randn(self, *shape, grad=False, dtype=None):
        x = torch.randn(*shape, generator=self.gen, dtype=dtype or torch.float32)
        return x.requires_grad_(grad)

    def mask(self, *shape):
        m = torch.rand(*shape, generator=self.gen) > 0.35
        m.view(-1)[0] = True
        return m

    def assert_matches_reference(self, fn, ref, inputs, *args, mask=None, rtol=2e-5,
                                 atol=1e-6, backends=BACKENDS):
        """Value and gradients of ``fn`` (float32) against ``ref`` in float64."""
        for backend in backends:
            with self.subTest(backend=backend):
                loss, grads = value_and_grads(fn, inputs, *args, mask=mask, backend=backend)
                self.assertEqual(loss.dtype, torch.float32)
                self.assertEqual(loss.shape, ())
                doubles = [None if x is None else x.double().requires_grad_(x.requires_grad)
                           for x in inputs]
                rloss, rgrads = value_and_grads(ref, doubles, *args, mask=mask)
                self.assertAlmostEqual(loss.item(), rloss.item(),
                                       delta=rtol * abs(rloss.item()) + atol)
                for name, g, rg in zip(("student", "teacher", "projection"), grads, rgrads):
                    self.assertEqual(g is None, rg is None, name)
                    if g is not None:
                        np.testing.assert_allclose(g.numpy(), rg.numpy(), rtol=1e-4,
                                                   atol=atol, err_msg=name)


@needs_torch
class HiddenLossTest(_Case):
    def test_mse_and_cosine_match_torch_in_2d_and_3d_with_and_without_mask_and_projection(self):
        for fn, ref in ((ot.mse, ref_mse), (ot.cosine, ref_cosine)):
            for lead in ((13,), (3, 7)):
                for projected in (False, True):
                    for masked in (False, True):
                        with self.subTest(fn=fn.__name__, lead=lead, projected=projected,
                                          masked=masked):
                            ds, dt = (6, 5) if projected else (5, 5)
                            s = self.randn(*lead, ds, grad=True)
                            t = self.randn(*lead, dt)
                            p = self.randn(ds, dt, grad=True) if projected else None
                            mask = self.mask(*lead) if masked else None
                            self.assert_matches_reference(fn, ref, (s, t, p), mask=mask)

    def test_padding_rows_masked_out_of_token_states_leave_the_value_unchanged(self):
        s, t = self.randn(2, 6, 8, grad=True), self.randn(2, 6, 4)
        p = self.randn(8, 4, grad=True)
        mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 0, 0]], dtype=torch.bool)
        for backend in BACKENDS:
            with self.subTest(backend=backend):
                base = ot.mse(s, t, p, mask, backend=backend)
                s2 = s.detach().clone()
                s2[~mask] = 100.0  # padding holding other (finite) numbers
                loss, grads = value_and_grads(ot.mse, (s2.requires_grad_(), t, p), mask=mask,
                                              backend=backend)
                self.assertAlmostEqual(loss.item(), base.item(), places=5)
                self.assertEqual(grads[0][~mask].abs().sum().item(), 0.0)

    def test_every_row_masked_gives_zero_and_zero_gradients_as_the_library_documents(self):
        s, t, p = self.randn(2, 3, 4, grad=True), self.randn(2, 3, 5), self.randn(4, 5, grad=True)
        none = torch.zeros(2, 3, dtype=torch.bool)
        for fn in (ot.mse, ot.cosine):
            for backend in BACKENDS:
                with self.subTest(fn=fn.__name__, backend=backend):
                    loss, (gs, _, gp) = value_and_grads(fn, (s, t, p), mask=none,
                                                        backend=backend)
                    self.assertEqual(loss.item(), 0.0)
                    self.assertEqual(gs.abs().sum().item(), 0.0)
                    self.assertEqual(gp.abs().sum().item(), 0.0)

    def test_integer_mask_counts_its_non_zero_entries(self):
        s, t = self.randn(6, 3), self.randn(6, 3)
        ints = torch.tensor([0, 2, 0, 1, 1, 0])
        for backend in BACKENDS:
            self.assertEqual(ot.mse(s, t, mask=ints, backend=backend).item(),
                             ot.mse(s, t, mask=ints != 0, backend=backend).item())

    def test_teacher_requiring_grad_gets_none(self):
        s, t = self.randn(4, 3, grad=True), self.randn(4, 3, grad=True)
        for backend in BACKENDS:
            with self.subTest(backend=backend):
                t.grad = None
                ot.cosine(s, t, backend=backend).backward()
                self.assertIsNone(t.grad)
                self.assertIsNotNone(s.grad)

    def test_projection_without_requires_grad_gets_no_gradient_and_the_student_still_does(self):
        s, t, p = self.randn(5, 4, grad=True), self.randn(5, 3), self.randn(4, 3)
        self.assert_matches_reference(ot.mse, ref_mse, (s, t, p))
        frozen_student = self.randn(5, 4)
        self.assert_matches_reference(ot.mse, ref_mse, (frozen_student, t,
                                                        p.clone().requires_grad_()))

    def test_incoming_gradient_scales_the_library_gradients_and_backward_can_repeat(self):
        s, t, p = self.randn(7, 4, grad=True), self.randn(7, 3), self.randn(4, 3, grad=True)
        loss = ot.mse(s, t, p, backend="library")
        loss.backward(retain_graph=True)
        once = s.grad.clone(), p.grad.clone()
        s.grad, p.grad = None, None
        (3.0 * loss).backward(retain_graph=True)
        loss.backward()
        torch.testing.assert_close(s.grad, 4 * once[0])
        torch.testing.assert_close(p.grad, 4 * once[1])

    def test_without_grad_the_value_is_the_same(self):
        s, t, p = self.randn(7, 4, grad=True), self.randn(7, 3), self.randn(4, 3, grad=True)
        with torch.no_grad():
            plain = ot.cosine(s, t, p, backend="library")
        self.assertFalse(plain.requires_grad)
        self.assertEqual(plain.item(), ot.cosine(s, t, p, backend="library").item())

    def test_zero_student_row_gets_the_clamped_cosine_gradient_in_both_backends(self):
        s, t = self.randn(3, 4), self.randn(3, 4)
        s[1] = 0
        lib_loss, (lib_g, _, _) = value_and_grads(ot.cosine, (s.requires_grad_(), t, None),
                                                  backend="library")
        th_loss, (th_g, _, _) = value_and_grads(ot.cosine, (s, t, None), backend="torch")
        self.assertAlmostEqual(lib_loss.item(), th_loss.item(), places=5)
        self.assertTrue(torch.isfinite(th_g).all())
        torch.testing.assert_close(lib_g, th_g, rtol=1e-4, atol=1e-3)
        # 1/(n·ε) · t/|t| in size: the formula below the floor.
        self.assertGreater(lib_g[1].norm().item(), 1e6)


@needs_torch
class KlTest(_Case):
    def test_kl_matches_torch_in_2d_and_3d_with_and_without_mask(self):
        for lead in ((9,), (2, 5)):
            for masked in (False, True):
                for temperature in (1.0, 2.5):
                    with self.subTest(lead=lead, masked=masked, temperature=temperature):
                        zs, zt = self.randn(*lead, 11, grad=True), 3 * self.randn(*lead, 11)
                        mask = self.mask(*lead) if masked else None
                        self.assert_matches_reference(ot.kl, ref_kl, (zs, zt), temperature,
                                                      mask=mask)

    def test_every_row_masked_gives_zero_and_zero_gradients(self):
        zs, zt = self.randn(4, 6, grad=True), self.randn(4, 6)
        for backend in BACKENDS:
            with self.subTest(backend=backend):
                loss, (g, _) = value_and_grads(ot.kl, (zs, zt), 2.0,
                                               mask=torch.zeros(4, dtype=torch.bool),
                                               backend=backend)
                self.assertEqual(loss.item(), 0.0)
                self.assertEqual(g.abs().sum().item(), 0.0)

    def test_temperature_out_of_range_is_refused_by_both_backends_naming_it(self):
        zs, zt = self.randn(4, 6), self.randn(4, 6)
        for backend in BACKENDS:
            for bad in (0.0, -1.0, float("nan"), 2e6):
                with self.subTest(backend=backend, bad=bad):
                    with self.assertRaisesRegex(optima.ArgumentError, "'temperature'"):
                        ot.kl(zs, zt, bad, backend=backend)
            with self.assertRaisesRegex(TypeError, "'temperature'"):
                ot.kl(zs, zt, "2", backend=backend)


@needs_torch
class GradcheckTest(_Case):
    """The torch backend (what float64 input takes) against finite differences."""

    def test_float64_takes_the_torch_backend(self):
        self.assertEqual(ot.backend_for(self.randn(3, 2, dtype=torch.float64)), "torch")

    def test_gradcheck_of_mse_and_cosine_with_projection_and_mask(self):
        t = self.randn(2, 3, 4, dtype=torch.float64)
        mask = torch.tensor([[1, 0, 1], [1, 1, 0]], dtype=torch.bool)
        for fn in (ot.mse, ot.cosine):
            with self.subTest(fn=fn.__name__):
                s = self.randn(2, 3, 5, dtype=torch.float64, grad=True)
                p = self.randn(5, 4, dtype=torch.float64, grad=True)
                self.assertTrue(torch.autograd.gradcheck(
                    lambda s, p: fn(s, t, p, mask), (s, p)))
                self.assertTrue(torch.autograd.gradgradcheck(
                    lambda s, p: fn(s, t, p, mask), (s, p)))

    def test_gradcheck_of_kl_with_mask(self):
        zt = self.randn(6, 5, dtype=torch.float64)
        zs = self.randn(6, 5, dtype=torch.float64, grad=True)
        mask = torch.tensor([1, 1, 0, 1, 0, 1], dtype=torch.bool)
        self.assertTrue(torch.autograd.gradcheck(lambda z: ot.kl(z, zt, 1.7, mask), (zs,)))


@needs_torch
class BackendTest(_Case):
    def test_which_tensors_the_library_reads_in_place(self):
        x = self.randn(6, 8)
        cases = {
            "contiguous": (x, "library"),
            "padded rows": (x[:, :5], "library"),
            "row slice": (x[1:4], "library"),
            "3-D": (self.randn(2, 3, 4), "library"),
            "3-D batch slice, padded": (self.randn(3, 5, 6)[1:, :, :4], "library"),
            "3-D token slice": (self.randn(2, 5, 4)[:, :3], "torch"),
            "float64": (x.double(), "torch"),
            "float16": (x.half(), "torch"),
            "transposed": (x.t(), "torch"),
            "column slice": (x[:, ::2], "torch"),
            "expanded": (self.randn(1, 8).expand(6, 8), "torch"),
            "3-D permuted": (self.randn(3, 2, 4).transpose(0, 1), "torch"),
        }
        for name, (tensor, expected) in cases.items():
            with self.subTest(name):
                self.assertEqual(ot.backend_for(tensor), expected)

    def test_the_library_reads_the_tensors_memory_without_a_copy(self):
        base = self.randn(2, 6, 9)
        for x in (base, base[1:, :, :5], base[0, 1:4], self.randn(7, 5)):
            with self.subTest(shape=tuple(x.shape), strides=x.stride()):
                array, view = _library._view(x, "student")
                self.assertEqual(array.ctypes.data, x.data_ptr())
                self.assertEqual(view.row_stride, x.stride(-2))

    def test_the_c_call_reads_the_tensors_memory_and_computes_only_the_needed_gradients(self):
        wide = self.randn(3, 4, 10)
        s = wide[..., :6].requires_grad_()  # padded rows: a row stride of 10
        t, p = self.randn(3, 4, 5), self.randn(6, 5, grad=True)
        calls = []
        real_invoke = _library.invoke

        def spy(name, args, *rest, **kw):
            views = [a._obj for a in args[1:4]]  # byref() of the three optima_tensor views
            calls.append(([(ctypes.addressof(v.data.contents), v.rows, v.cols, v.row_stride)
                           for v in views], args[6] is not None, args[8] is not None))
            return real_invoke(name, args, *rest, **kw)

        _library.invoke = spy
        try:
            ot.mse(s, t, p)
            with torch.no_grad():
                ot.mse(s, t, p)
            ot.mse(s, t, p.detach())
            ot.mse(s.detach(), t, p)
        finally:
            _library.invoke = real_invoke
        self.assertEqual(calls[0][0], [(s.data_ptr(), 12, 6, 10), (t.data_ptr(), 12, 5, 5),
                                       (p.data_ptr(), 6, 5, 5)])
        self.assertEqual([c[1:] for c in calls],
                         [(True, True), (False, False), (True, False), (False, True)])

    def test_padded_rows_give_the_numbers_of_contiguous_ones(self):
        wide_s, wide_t = self.randn(2, 5, 9), self.randn(2, 5, 7)
        s, t = wide_s[..., :4], wide_t[..., :3]
        p, mask = self.randn(4, 3), self.mask(2, 5)
        for fn in (ot.mse, ot.cosine):
            with self.subTest(fn=fn.__name__):
                self.assertEqual(fn(s, t, p, mask, backend="library").item(),
                                 fn(s.contiguous(), t.contiguous(), p, mask).item())

    def test_default_backend_runs_the_library_on_cpu_float32(self):
        s, t = self.randn(4, 3, grad=True), self.randn(4, 3)
        loss = ot.mse(s, t)
        self.assertEqual(type(loss.grad_fn).__name__, "_HiddenLossBackward")
        self.assertEqual(ot.mse(s, t, backend="torch").grad_fn.__class__.__name__,
                         "DivBackward0")

    def test_another_device_takes_the_torch_path_and_stays_there(self):
        # The meta device (shapes only) stands in for CUDA: no copy to the CPU, results
        # and gradients on the inputs' device, a CPU mask moved along.
        s = torch.empty(2, 3, 4, device="meta", requires_grad=True)
        t = torch.empty(2, 3, 5, device="meta")
        p = torch.empty(4, 5, device="meta", requires_grad=True)
        mask = torch.ones(2, 3, dtype=torch.bool)
        self.assertEqual(ot.backend_for(s, t, p), "torch")
        for fn in (ot.mse, ot.cosine):
            with self.subTest(fn=fn.__name__):
                s.grad, p.grad = None, None
                loss = fn(s, t, p, mask)
                loss.backward()
                self.assertEqual((loss.device.type, loss.shape), ("meta", ()))
                self.assertEqual((s.grad.device.type, s.grad.shape), ("meta", s.shape))
                self.assertEqual((p.grad.device.type, p.grad.shape), ("meta", p.shape))
        self.assertEqual(ot.kl(s, s.detach(), 2.0, mask).device.type, "meta")
        with self.assertRaisesRegex(optima.ArgumentError, "'student'.*on meta"):
            ot.mse(s, t, p, mask, backend="library")

    def test_non_contiguous_input_falls_back_to_torch_with_the_same_numbers(self):
        s, t = self.randn(5, 4).t().requires_grad_(), self.randn(4, 5)
        self.assertEqual(ot.backend_for(s), "torch")
        self.assert_matches_reference(ot.cosine, ref_cosine, (s, t, None), backends=(None,))

    def test_backend_library_refuses_what_it_cannot_read_in_place_naming_it(self):
        x = self.randn(5, 4)
        with self.assertRaisesRegex(optima.ArgumentError, "'teacher'.*not contiguous"):
            ot.mse(x, x.t().contiguous().t(), backend="library")
        with self.assertRaisesRegex(optima.ArgumentError, "'projection'.*float64"):
            ot.mse(x, x, torch.eye(4, dtype=torch.float64), backend="library")
        with self.assertRaisesRegex(optima.ArgumentError, "'backend'"):
            ot.mse(x, x, backend="cuda")

    def test_non_finite_input_is_refused_by_the_library_and_propagates_in_torch(self):
        s, t = self.randn(3, 4), self.randn(3, 4)
        t[1, 2] = float("nan")
        with self.assertRaises(optima.Error) as cm:
            ot.mse(s, t, backend="library")
        self.assertEqual(cm.exception.status, optima.Status.ENONFINITE)
        self.assertIn("'teacher'", cm.exception.message)
        self.assertTrue(ot.mse(s, t, backend="torch").isnan())

    def test_context_sets_the_library_threads(self):
        s, t, p = self.randn(64, 32), self.randn(64, 16), self.randn(32, 16)
        with optima.Context(threads=2) as ctx:
            self.assertAlmostEqual(ot.mse(s, t, p, context=ctx).item(),
                                   ot.mse(s, t, p).item(), places=5)


@needs_torch
class RefusalTest(_Case):
    def test_bad_shapes_and_types_are_refused_naming_the_argument(self):
        s, t = self.randn(2, 3, 4), self.randn(2, 3, 4)
        cases = [
            (lambda: ot.mse(s.numpy(), t), TypeError, "'student' must be a torch.Tensor"),
            (lambda: ot.mse(s, t.int()), TypeError, "'teacher' must hold floating"),
            (lambda: ot.mse(s[0, 0], t[0, 0]), ValueError, "'student' must be 2-D"),
            (lambda: ot.mse(s, t[:, :2]), ValueError, "'teacher' must have the leading"),
            (lambda: ot.mse(s, self.randn(2, 3, 5)), ValueError, "'teacher' has width 5"),
            (lambda: ot.mse(s, t, self.randn(4, 3)), ValueError, "'projection' must have shape"),
            (lambda: ot.cosine(s, t, mask=torch.ones(6, dtype=torch.bool)), ValueError,
             "'mask' must have shape \\(2, 3\\)"),
            (lambda: ot.cosine(s, t, mask=torch.ones(2, 3)), TypeError, "'mask' must hold"),
            (lambda: ot.kl(s, t[..., :3]), ValueError, "'teacher_logits' has width 3"),
            (lambda: ot.mse(self.randn(0, 4), self.randn(0, 4)), ValueError,
             "at least one row"),
        ]
        for i, (call, kind, pattern) in enumerate(cases):
            for backend in BACKENDS:
                with self.subTest(case=i, backend=backend):
                    with self.assertRaisesRegex(kind, pattern):
                        call()
            with self.assertRaises(optima.Error):
                call()


class ImportTest(unittest.TestCase):
    """Run in child interpreters: the parent has imported torch already."""

    def run_python(self, code):
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=os.environ.copy(), check=False)

    def test_importing_optima_does_not_import_torch(self):
        done = self.run_python("import sys, optima; optima.mse; "
                               "print('torch' in sys.modules)")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.strip(), "False")

    def test_optima_torch_without_torch_raises_import_error_saying_what_to_install(self):
        done = self.run_python("import sys; sys.modules['torch'] = None\n"
                               "try:\n    import optima.torch\n"
                               "except ImportError as e:\n    print(e)\n")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("python3-torch", done.stdout)


if __name__ == "__main__":
    unittest.main()
