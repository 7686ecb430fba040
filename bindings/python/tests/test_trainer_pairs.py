"""optima.Trainer since 1.1: a row count per pair with row masks (token-level text beside
pooled image rows), and the schedule-only mode fed the values a full trainer computed."""

import unittest

import numpy as np

import optima
from host import LinearHost, make_trainer

B, T, W_TEXT, W_IMG_S, W_IMG_T, C = 3, 4, 5, 4, 6, 3


class MaskedPairsTest(unittest.TestCase):
    def setUp(self):
        self.ctx = optima.Context()
        self.teacher = optima.Model("teacher", {"image": [W_IMG_T], "text": [W_TEXT]},
                                    logits=C, context=self.ctx)
        self.student = optima.Model("student", {"image": [W_IMG_S], "text": [W_TEXT]},
                                    logits=C, context=self.ctx)
        rng = np.random.default_rng(3)
        f = np.float32
        self.img = rng.uniform(-1, 1, (B, W_IMG_S)).astype(f), rng.uniform(-1, 1, (B, W_IMG_T)).astype(f)
        self.txt = (rng.uniform(-1, 1, (B, T, W_TEXT)).astype(f),
                    rng.uniform(-1, 1, (B, T, W_TEXT)).astype(f))
        self.z = rng.uniform(-1, 1, (B, C)).astype(f), rng.uniform(-1, 1, (B, C)).astype(f)
        self.pad = np.arange(T)[None, :] < np.array([4, 2, 3])[:, None]  # (B, T) booleans

    def tearDown(self):
        self.ctx.close()

    def _trainer(self):
        t = optima.Trainer(self.teacher, self.student, context=self.ctx)
        t.add_pair("image", "image", optima.LossKind.MSE)
        t.add_pair("text", "text", optima.LossKind.MSE)
        t.set_policy(optima.Policy.ALL)
        t.alpha_pred = 0.5
        return t

    def test_token_text_beside_pooled_images_with_padding_masked(self):
        t = self._trainer()
        t.begin_step()
        t.set_hidden(optima.Side.STUDENT, 0, 0, self.img[0])
        t.set_hidden(optima.Side.TEACHER, 0, 0, self.img[1])
        t.set_hidden(optima.Side.STUDENT, 1, 0, self.txt[0].reshape(B * T, W_TEXT))
        t.set_hidden(optima.Side.TEACHER, 1, 0, self.txt[1].reshape(B * T, W_TEXT))
        t.set_row_mask(1, self.pad)                      # (B, T) flattens to B*T rows
        t.set_logits(optima.Side.STUDENT, self.z[0])
        t.set_logits(optima.Side.TEACHER, self.z[1])
        t.set_logits_mask([True, False, True])
        t.compute()
        keep = self.pad.reshape(-1)
        d = self.txt[0].reshape(-1, W_TEXT)[keep].astype(np.float64) - \
            self.txt[1].reshape(-1, W_TEXT)[keep]
        text, active = t.pair_loss_value(1)
        self.assertTrue(active)
        self.assertAlmostEqual(text, float(np.mean(d ** 2)), places=6)
        g = t.student_grad(1, 0)
        self.assertEqual(g.shape, (B * T, W_TEXT))
        self.assertTrue(np.all(g[~keep] == 0))
        self.assertTrue(np.all(t.logits_grad()[1] == 0))
        t.end_step(2.0)

    def test_bad_masks_name_the_argument(self):
        t = self._trainer()
        t.begin_step()
        t.set_hidden(optima.Side.STUDENT, 1, 0, self.txt[0].reshape(B * T, W_TEXT))
        with self.assertRaisesRegex(optima.Error, "'rows'"):
            t.set_row_mask(1, [1, 0, 1])
        with self.assertRaisesRegex(optima.Error, "'view'.*pair 1"):
            t.set_hidden(optima.Side.TEACHER, 1, 0, self.txt[1][0])
        with self.assertRaisesRegex(optima.Error, "'pair'"):
            t.set_row_mask(7, None)
        with self.assertRaises(TypeError):
            t.set_row_mask(0, np.array([0.5, 1.0, 1.0]))
        t.set_row_mask(1, None)


class ScheduleOnlyTest(unittest.TestCase):
    def setUp(self):
        self.ctx = optima.Context()
        self.host = LinearHost(self.ctx)

    def tearDown(self):
        self.ctx.close()

    def test_reported_losses_give_the_full_modes_arms_rewards_and_records(self):
        full = make_trainer(self.host, self.ctx, 3)
        so = make_trainer(self.host, self.ctx, 3)
        self.assertEqual(so.mode, optima.TrainerMode.FULL)
        so.mode = optima.TrainerMode.SCHEDULE_ONLY
        self.assertEqual(so.mode, optima.TrainerMode.SCHEDULE_ONLY)
        for step in range(30):
            arm = full.begin_step()
            self.host.x = self.host.batch(step)
            plan = full.plan()
            for ref in plan:
                full.set_hidden(ref.side, ref.module, ref.layer, self.host.hidden(ref))
            full.set_logits(optima.Side.STUDENT, self.host.x @ self.host.sz)
            full.set_logits(optima.Side.TEACHER, self.host.x @ self.host.tz)
            full.compute()
            kl, _ = full.losses()
            values = [full.pair_loss_value(p) for p in range(3)]
            task = self.host.task(full.logits_grad())
            ended = full.end_step(task)
            self.assertEqual(so.begin_step(), arm)
            self.assertEqual(so.plan(), plan)
            for p, (loss, active) in enumerate(values):
                if active:
                    so.report_pair_loss(p, np.float64(loss))
            so.report_kl(kl)
            self.assertEqual(so.end_step(task), ended)
        self.assertEqual(full.progress(), so.progress())
        for r in range(full.progress()[1]):
            self.assertEqual(full.round_record(r), so.round_record(r))
            for p in range(3):
                self.assertEqual(full.round_pair_loss(r, p), so.round_pair_loss(r, p))

    def test_refusals_name_the_mode_and_the_missing_pair(self):
        t = make_trainer(self.host, self.ctx)
        t.set_policy(optima.Policy.ALL)
        t.mode = optima.TrainerMode.SCHEDULE_ONLY
        t.begin_step()
        self.host.x = self.host.batch(0)
        with self.assertRaisesRegex(optima.Error, "schedule-only"):
            t.set_hidden(optima.Side.STUDENT, 0, 0, self.host.x @ self.host.sw[0])
        with self.assertRaisesRegex(optima.Error, "schedule-only"):
            t.compute()
        t.report_pair_loss(0, 0.5)
        with self.assertRaisesRegex(optima.Error, "pair 1 \\('text'\\)"):
            t.end_step(1.0)
        with self.assertRaisesRegex(optima.Error, "'loss'"):
            t.report_pair_loss(1, float("nan"))
        with self.assertRaisesRegex(optima.Error, "frozen \\(by optima_trainer_begin_step"):
            t.mode = optima.TrainerMode.FULL
        with self.assertRaisesRegex(optima.ArgumentError, "'mode'"):
            make_trainer(self.host, self.ctx).mode = 2 ** 40


if __name__ == "__main__":
    unittest.main()
