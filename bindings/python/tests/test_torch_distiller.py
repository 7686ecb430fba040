"""optima.torch.Distiller: hooks by submodule name, projections as parameters, token-level
text with padding masks beside pooled image states; values and gradients against pure
torch, exact resumption through state_dict, round logging. Skipped without PyTorch."""

import unittest

try:
    import torch
    import torch.nn.functional as F
    from optima.torch import Distiller
except ImportError:
    torch = None

needs_torch = unittest.skipIf(torch is None, "PyTorch is not installed (python3-torch)")
B, T, E = 4, 5, 6


def net(width_img, width_txt, seed):
    torch.manual_seed(seed)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.img = torch.nn.Linear(E, width_img)     # pooled image: (B, width)
            self.txt = torch.nn.Linear(E, width_txt)     # tokens: (B, T, width)
            self.head = torch.nn.Linear(width_img + width_txt, 3)

        def forward(self, image, tokens):
            h = torch.cat([self.img(image), self.txt(tokens).mean(dim=1)], dim=1)
            return self.head(torch.tanh(h))
    return Net()


@needs_torch
class DistillerTest(unittest.TestCase):
    def setUp(self):
        g = torch.Generator().manual_seed(0)
        self.image = torch.rand(B, E, generator=g)
        self.tokens = torch.rand(B, T, E, generator=g)
        self.pad = torch.arange(T)[None, :] < torch.tensor([5, 2, 3, 1])[:, None]
        self.y = torch.tensor([0, 1, 2, 1])
        self.teacher, self.student = net(8, 6, 1), net(4, 6, 2)

    def make(self, **kw):
        kw.setdefault("policy", "all")
        return Distiller(self.teacher, self.student, {"image": ("img", "img"), "text": ("txt", "txt")},
                         example_input=(self.image, self.tokens), round_length=2, seed=5, **kw)

    def test_distillation_and_its_gradients_match_pure_torch(self):
        d = self.make(weights={"image": 2.0}, alpha_layer=0.5)
        self.assertEqual(set(d.projections), {"image"})      # text widths agree
        self.assertEqual(tuple(d.projections["image"].shape), (4, 8))
        with d.step(masks={"text": self.pad}) as s:
            self.assertEqual(s.active, ["image", "text"])
            logits = self.student(self.image, self.tokens)
            with torch.no_grad():
                self.teacher(self.image, self.tokens)
            s.task_loss = F.cross_entropy(logits, self.y)
            term = s.distillation()
            term.backward()
        got = [p.grad.clone() for p in (self.student.img.weight, self.student.txt.weight,
                                        d.projections["image"])]
        for p in (self.student.img.weight, self.student.txt.weight, d.projections["image"]):
            p.grad = None
        hs_img = self.student.img(self.image)
        hs_txt = self.student.txt(self.tokens)
        with torch.no_grad():
            ht_img, ht_txt = self.teacher.img(self.image), self.teacher.txt(self.tokens)
        image = F.mse_loss(hs_img @ d.projections["image"], ht_img)
        text = F.mse_loss(hs_txt[self.pad], ht_txt[self.pad])
        ref = 0.5 * (2.0 * image + text) / 2
        self.assertAlmostEqual(float(term), float(ref), places=5)
        ref.backward()
        for g, p in zip(got, (self.student.img.weight, self.student.txt.weight,
                              d.projections["image"])):
            self.assertTrue(torch.allclose(g, p.grad, rtol=1e-4, atol=1e-6))
        rec = d.rounds()
        self.assertEqual(rec, [])  # one step of a round of two
        d.close()

    def _train(self, d, steps, start=0):
        arms = []
        opt = torch.optim.SGD([*self.student.parameters(), *d.parameters()], lr=0.1)
        for step in range(start, start + steps):
            with d.step(masks={"text": self.pad}) as s:
                arms.append(tuple(s.active))
                logits = self.student(self.image + 0.01 * step, self.tokens)
                with torch.no_grad():
                    self.teacher(self.image + 0.01 * step, self.tokens)
                s.task_loss = F.cross_entropy(logits, self.y)
                (s.task_loss + s.distillation()).backward()
            opt.step()
            opt.zero_grad()
        return arms

    def test_state_dict_resumes_the_schedule_and_the_projections(self):
        class Writer:
            def __init__(self):
                self.calls = []

            def add_scalar(self, tag, value, step):
                self.calls.append((tag, step))

        writer = Writer()
        d = self.make(policy="optima", writer=writer)
        self._train(d, 7)
        state = {k: v.clone() if torch.is_tensor(v) else v for k, v in d.state_dict().items()}
        student = {k: v.clone() for k, v in self.student.state_dict().items()}
        tail = self._train(d, 6, start=7)
        self.assertIn(("optima/reward", 0), writer.calls)
        self.assertEqual(sum(1 for tag, _ in writer.calls if tag == "optima/reward"), 6)
        rounds = d.rounds()
        d.close()
        self.student.load_state_dict(student)
        again = self.make(policy="optima")
        again.load_state_dict(state)
        self.assertEqual(self._train(again, 6, start=7), tail)
        self.assertEqual(again.rounds(), rounds)  # rewards and losses too, exactly
        again.close()

    def test_a_step_without_its_task_loss_is_refused(self):
        d = self.make()
        with self.assertRaisesRegex(RuntimeError, "task_loss"):
            with d.step():
                self.student(self.image, self.tokens)
                self.teacher(self.image, self.tokens)
        with self.assertRaisesRegex(KeyError, "'nope'"):
            Distiller(self.teacher, self.student, {"x": ("nope", "img")},
                      example_input=(self.image, self.tokens))
        d.close()


if __name__ == "__main__":
    unittest.main()
