"""optima.mse / cosine / kl / attention_mse: values, gradients, views and refusals."""

import unittest

import numpy as np

import optima
from optima import _tensor

RNG = np.random.default_rng(5)


def rand(*shape):
    return RNG.uniform(-1, 1, shape).astype(np.float32)


def ref_mse(s, t, p=None, mask=None):
    s64, t64 = s.astype(np.float64), t.astype(np.float64)
    y = s64 @ p.astype(np.float64) if p is not None else s64
    keep = np.ones(len(s), bool) if mask is None else np.asarray(mask) != 0
    n = keep.sum()
    d = (y - t64) * keep[:, None]
    g = 2.0 / (n * t.shape[1]) * d
    gs = g @ p.astype(np.float64).T if p is not None else g
    gp = s64.T @ g if p is not None else None
    return (d ** 2).sum() / (n * t.shape[1]), gs, gp


def ref_kl(zs, zt, temp):
    def log_softmax(z):
        z = z.astype(np.float64) / temp
        z = z - z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    ls, lt = log_softmax(zs), log_softmax(zt)
    pt = np.exp(lt)
    n = len(zs)
    value = temp * temp * (pt * (lt - ls)).sum() / n
    grad = temp / n * (np.exp(ls) - pt)
    return value, grad


class MseTest(unittest.TestCase):
    def test_mse_with_projection_matches_numpy(self):
        s, t, p = rand(7, 5), rand(7, 3), rand(5, 3)
        loss, gs, gp = optima.mse(s, t, p)
        rl, rgs, rgp = ref_mse(s, t, p)
        self.assertAlmostEqual(loss, rl, places=5)
        np.testing.assert_allclose(gs, rgs, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(gp, rgp, rtol=1e-4, atol=1e-6)
        self.assertEqual(gs.dtype, np.float32)

    def test_mse_without_projection_returns_none_for_its_gradient(self):
        s, t = rand(4, 3), rand(4, 3)
        loss, gs, gp = optima.mse(s, t)
        self.assertIsNone(gp)
        self.assertAlmostEqual(loss, ref_mse(s, t)[0], places=5)
        self.assertEqual(gs.shape, (4, 3))

    def test_mask_excludes_rows_and_zeroes_their_gradient(self):
        s, t = rand(5, 3), rand(5, 3)
        mask = [1, 0, 1, 1, 0]
        loss, gs, _ = optima.mse(s, t, mask=mask)
        self.assertAlmostEqual(loss, ref_mse(s, t, mask=mask)[0], places=5)
        np.testing.assert_array_equal(gs[1], 0)
        loss_bool, _, _ = optima.mse(s, t, mask=np.array(mask, bool))
        self.assertEqual(loss, loss_bool)

    def test_mask_of_the_wrong_length_is_refused_before_reaching_c(self):
        with self.assertRaisesRegex(ValueError, "'mask' must have 5 entries"):
            optima.mse(rand(5, 3), rand(5, 3), mask=[1, 1])
        with self.assertRaisesRegex(TypeError, "'mask'"):
            optima.mse(rand(5, 3), rand(5, 3), mask=np.ones(5, np.float32))

    def test_widths_that_differ_without_projection_raise_error_naming_teacher(self):
        with self.assertRaises(optima.Error) as cm:
            optima.mse(rand(4, 3), rand(4, 5))
        self.assertEqual(cm.exception.status, optima.Status.ESHAPE)
        self.assertIn("optima_mse", cm.exception.message)
        self.assertIn("'teacher'", cm.exception.message)

    def test_nan_input_raises_enonfinite(self):
        s = rand(3, 2)
        s[1, 1] = np.nan
        with self.assertRaises(optima.Error) as cm:
            optima.mse(s, rand(3, 2))
        self.assertEqual(cm.exception.status, optima.Status.ENONFINITE)


class CosineTest(unittest.TestCase):
    def test_cosine_of_a_vector_with_itself_is_zero(self):
        s = rand(4, 6)
        loss, gs, gp = optima.cosine(s, s.copy())
        self.assertAlmostEqual(loss, 0.0, places=6)
        self.assertIsNone(gp)

    def test_cosine_matches_numpy_and_its_gradient_a_finite_difference(self):
        s, t, p = rand(3, 4), rand(3, 2), rand(4, 2)

        def value(s_):
            y = s_.astype(np.float64) @ p.astype(np.float64)
            c = (y * t).sum(1) / (np.linalg.norm(y, axis=1) * np.linalg.norm(t, axis=1))
            return (1 - c).mean()

        loss, gs, gp = optima.cosine(s, t, p)
        self.assertAlmostEqual(loss, value(s), places=5)
        eps = 1e-3
        e = np.zeros_like(s, dtype=np.float64)
        e[1, 2] = eps
        numeric = (value(s + e) - value(s - e)) / (2 * eps)
        self.assertAlmostEqual(gs[1, 2], numeric, places=3)
        self.assertEqual(gp.shape, (4, 2))


class KlTest(unittest.TestCase):
    def test_kl_matches_numpy_at_temperature_two(self):
        zs, zt = rand(5, 4) * 3, rand(5, 4) * 3
        loss, g = optima.kl(zs, zt, temperature=2.0)
        rl, rg = ref_kl(zs, zt, 2.0)
        self.assertAlmostEqual(loss, rl, places=5)
        np.testing.assert_allclose(g, rg, rtol=1e-4, atol=1e-6)

    def test_temperature_out_of_range_raises_einval_naming_it(self):
        with self.assertRaises(optima.Error) as cm:
            optima.kl(rand(2, 3), rand(2, 3), temperature=0.0)
        self.assertEqual(cm.exception.status, optima.Status.EINVAL)
        self.assertIn("'temperature'", cm.exception.message)


class AttentionTest(unittest.TestCase):
    def test_attention_mse_is_the_plain_mse_without_masks(self):
        s, t = rand(2 * 2 * 3, 3), rand(2 * 2 * 3, 3)
        loss, g = optima.attention_mse(s, t, heads=2, queries=3)
        self.assertAlmostEqual(loss, float(((s.astype(np.float64) - t) ** 2).mean()), places=5)
        self.assertEqual(g.shape, s.shape)

    def test_rows_not_a_multiple_of_heads_times_queries_raise_eshape(self):
        with self.assertRaises(optima.Error) as cm:
            optima.attention_mse(rand(5, 3), rand(5, 3), heads=2, queries=3)
        self.assertEqual(cm.exception.status, optima.Status.ESHAPE)


class ViewTest(unittest.TestCase):
    def test_padded_rows_are_viewed_without_copy(self):
        big = rand(6, 10)
        sub = big[1:5, 2:7]  # row stride 10, contiguous within rows
        a = _tensor.as_matrix(sub, "x")
        self.assertIs(a, sub)
        self.assertEqual(_tensor.row_stride(a), 10)
        self.assertEqual(optima.mse(sub, rand(4, 5))[0] >= 0, True)
        t = rand(4, 5)
        self.assertEqual(optima.mse(sub, t)[0], optima.mse(np.ascontiguousarray(sub), t)[0])

    def test_column_strided_and_other_dtypes_are_converted(self):
        base = rand(4, 6)
        cols = base[:, ::2]
        self.assertIsNot(_tensor.as_matrix(cols, "x"), cols)
        t = rand(4, 3)
        expected = optima.mse(np.ascontiguousarray(cols), t)[0]
        self.assertEqual(optima.mse(cols, t)[0], expected)
        self.assertEqual(optima.mse(cols.astype(np.float64), t)[0], expected)
        self.assertEqual(optima.mse(cols.tolist(), t)[0], expected)
        fortran = np.asfortranarray(base)
        self.assertEqual(optima.mse(fortran, base)[0], 0.0)

    def test_non_numeric_or_non_matrix_input_is_refused_naming_the_argument(self):
        with self.assertRaisesRegex(TypeError, "'student'"):
            optima.mse([["a", "b"]], rand(1, 2))
        with self.assertRaisesRegex(TypeError, "'teacher'"):
            optima.mse(rand(1, 2), np.array([[1 + 2j, 0]]))
        with self.assertRaisesRegex(ValueError, "'student' must be 2-D"):
            optima.mse(rand(3), rand(1, 3))
        with self.assertRaisesRegex(TypeError, "'projection'"):
            optima.mse(rand(2, 2), rand(2, 2), projection=object())

    def test_empty_input_is_refused_by_the_library(self):
        with self.assertRaises(optima.Error) as cm:
            optima.mse(np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32))
        self.assertEqual(cm.exception.status, optima.Status.ESHAPE)


if __name__ == "__main__":
    unittest.main()
