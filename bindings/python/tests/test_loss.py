"""optima.Loss: compute, gradients, projections and settings."""

import unittest

import numpy as np

import optima

RNG = np.random.default_rng(9)


def rand(*shape):
    return RNG.uniform(-1, 1, shape).astype(np.float32)


class LossTest(unittest.TestCase):
    def setUp(self):
        self.ctx = optima.Context()
        self.teacher = optima.Model("t", {"m": [6, 6]}, logits=3, context=self.ctx)
        self.student = optima.Model("s", {"m": [4]}, logits=3, context=self.ctx)

    def tearDown(self):
        self.ctx.close()

    def test_layerwise_loss_equals_the_stateless_mse_on_its_mapped_pair(self):
        loss = optima.Loss.layerwise(optima.LossKind.MSE, self.student, "m", self.teacher, "m",
                                     context=self.ctx)
        self.assertEqual(loss.kind, optima.LossKind.MSE)
        self.assertEqual(loss.pair_count, 1)
        self.assertEqual(loss.pair(0), (0, 1, 4, 6))
        p = loss.projection(0)
        self.assertEqual(p.shape, (4, 6))
        s, t = rand(5, 4), rand(5, 6)
        value = loss.compute([s], [t])
        expected, gs, gp = optima.mse(s, t, p, context=self.ctx)
        self.assertAlmostEqual(value, expected, places=6)
        self.assertAlmostEqual(loss.pair_value(0), expected, places=6)
        np.testing.assert_allclose(loss.student_grad(0), gs, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(loss.projection_grad(0), gp, rtol=1e-5, atol=1e-7)

    def test_set_projection_writes_through_and_checks_the_shape(self):
        loss = optima.Loss.layerwise(optima.LossKind.COSINE, self.student, 0, self.teacher, 0,
                                     context=self.ctx)
        loss.set_projection(0, np.ones((4, 6)))
        np.testing.assert_array_equal(loss.projection(0), 1)
        with self.assertRaisesRegex(ValueError, "shape"):
            loss.set_projection(0, np.ones((6, 4)))
        loss.init_projections(optima.ProjectionInit.ZERO)
        np.testing.assert_array_equal(loss.projection(0), 0)

    def test_weight_and_temperature_settings_and_their_refusals(self):
        kl = optima.Loss.prediction(self.student, self.teacher, context=self.ctx)
        kl.temperature = 2.0
        kl.weight = 0.5
        self.assertEqual((kl.temperature, kl.weight), (2.0, 0.5))
        with self.assertRaises(optima.Error) as cm:
            kl.weight = -1
        self.assertIn("'weight'", cm.exception.message)
        self.assertIn("'weight'", kl.last_error)
        with self.assertRaises(optima.Error) as cm:
            kl.set_mapping(optima.Mapping.LAST)
        self.assertEqual(cm.exception.status, optima.Status.ESTATE)
        zs, zt = rand(4, 3), rand(4, 3)
        value = kl.compute([zs], [zt])
        self.assertAlmostEqual(value, 0.5 * optima.kl(zs, zt, 2.0)[0], places=6)

    def test_explicit_mapping_and_wrong_pair_count_in_compute(self):
        loss = optima.Loss.layerwise(optima.LossKind.MSE, self.student, 0, self.teacher, 0,
                                     context=self.ctx)
        loss.set_mapping(optima.Mapping.EXPLICIT, [0])
        self.assertEqual(loss.pair(0)[1], 0)
        with self.assertRaises(optima.Error) as cm:
            loss.compute([rand(2, 4), rand(2, 4)], [rand(2, 6), rand(2, 6)])
        self.assertEqual(cm.exception.status, optima.Status.ESHAPE)
        with self.assertRaises(optima.Error) as cm:
            loss.student_grad(0)
        self.assertEqual(cm.exception.status, optima.Status.ESTATE)

    def test_settings_read_back(self):
        loss = optima.Loss.layerwise(optima.LossKind.MSE, self.student, 0, self.teacher, 0,
                                     context=self.ctx)
        self.assertEqual(loss.mapping, optima.Mapping.UNIFORM)
        self.assertEqual(loss.projection_mode, optima.ProjectionMode.WHEN_NEEDED)
        loss.set_layer_weight(0, 2.5)
        self.assertEqual(loss.layer_weight(0), 2.5)
        loss.set_mapping(optima.Mapping.EXPLICIT, [0])
        loss.set_projection_mode(optima.ProjectionMode.ALWAYS)
        self.assertEqual(loss.mapping, optima.Mapping.EXPLICIT)
        self.assertEqual(loss.projection_mode, optima.ProjectionMode.ALWAYS)
        self.assertEqual(loss.layer_weight(0), 1.0)
        with self.assertRaises(optima.Error) as cm:
            loss.layer_weight(9)
        self.assertEqual(cm.exception.status, optima.Status.ENOTFOUND)
        self.assertIn("'pair'", str(cm.exception))

    def test_unknown_kind_is_refused(self):
        with self.assertRaises(optima.Error) as cm:
            optima.Loss.layerwise(99, self.student, 0, self.teacher, 0, context=self.ctx)
        self.assertEqual(cm.exception.status, optima.Status.EINVAL)


if __name__ == "__main__":
    unittest.main()
