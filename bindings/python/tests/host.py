"""A small NumPy host for the trainer tests: linear "models" whose hidden states are
X @ W per module. The teacher's weights are fixed, the student's are trained by plain SGD
from the gradients the trainer returns; the task loss is the MSE of the student logits
against X @ target."""

import numpy as np

import optima

ROWS, IN, CLASSES = 6, 3, 4
NAMES = ["vision", "text", "fusion"]
TEACHER_WIDTHS = [8, 6, 8]
STUDENT_WIDTHS = [4, 6, 5]
TEACHER_LAYERS = 2


class LinearHost(optima.RunCallbacks):
    def __init__(self, context=None, seed=12345):
        rng = np.random.default_rng(seed)
        self.teacher = optima.Model("teacher", {n: [w] * TEACHER_LAYERS for n, w in
                                                zip(NAMES, TEACHER_WIDTHS)},
                                    logits=CLASSES, context=context)
        self.student = optima.Model("student", {n: [w] for n, w in zip(NAMES, STUDENT_WIDTHS)},
                                    logits=CLASSES, context=context)
        f32 = np.float32
        self.tw = [[rng.uniform(-1, 1, (IN, w)).astype(f32) for _ in range(TEACHER_LAYERS)]
                   for w in TEACHER_WIDTHS]
        self.sw = [rng.uniform(-.5, .5, (IN, w)).astype(f32) for w in STUDENT_WIDTHS]
        self.tz = rng.uniform(-1, 1, (IN, CLASSES)).astype(f32)
        self.sz = rng.uniform(-.5, .5, (IN, CLASSES)).astype(f32)
        self.target = rng.uniform(-1, 1, (IN, CLASSES)).astype(f32)
        self.lr = 0.05
        self.fail = {}      # callback name -> (step, exception to raise)
        self.calls = []
        self.x = None

    def batch(self, step):
        return np.random.default_rng(777 + step).uniform(-1, 1, (ROWS, IN)).astype(np.float32)

    def hidden(self, ref):
        if ref.side == optima.Side.STUDENT:
            return self.x @ self.sw[ref.module]
        return self.x @ self.tw[ref.module][ref.layer]

    def computed_step(self, trainer):
        """Begin a step of ``trainer`` on batch 0, hand it the planned hidden states and
        both logits, and compute; returns the plan."""
        trainer.begin_step()
        self.x = self.batch(0)
        plan = trainer.plan()
        for ref in plan:
            trainer.set_hidden(ref.side, ref.module, ref.layer, self.hidden(ref))
        trainer.set_logits(optima.Side.STUDENT, self.x @ self.sz)
        trainer.set_logits(optima.Side.TEACHER, self.x @ self.tz)
        trainer.compute()
        return plan

    def task(self, logits_grad):
        y = self.x @ self.target
        z = self.x @ self.sz
        d = z - y
        loss = float(np.mean(d.astype(np.float64) ** 2))
        g = (2.0 * d / d.size).astype(np.float32)
        if logits_grad is not None:
            g += logits_grad
        self.sz -= self.lr * (self.x.T @ g)
        return loss

    def apply(self, refs, grads):
        for ref, g in zip(refs, grads):
            if ref.side == optima.Side.STUDENT and g is not None:
                self.sw[ref.module] -= self.lr * (self.x.T @ g)

    def _maybe_fail(self, name, step):
        self.calls.append((name, step))
        if name in self.fail and self.fail[name][0] == step:
            raise self.fail[name][1]

    # ---- RunCallbacks ----
    def next_batch(self, step):
        self._maybe_fail("next_batch", step)
        self.x = self.batch(step)

    def forward(self, step, needed, want_logits):
        self._maybe_fail("forward", step)
        hidden = [self.hidden(r) for r in needed]
        if not want_logits:
            return hidden, None, None
        return hidden, self.x @ self.sz, self.x @ self.tz

    def backward(self, step, needed, grads, logits_grad):
        self._maybe_fail("backward", step)
        self.apply(needed, grads)
        return self.task(logits_grad)

    def round_end(self, rnd, arm, reward):
        self._maybe_fail("round_end", rnd)

    # ---- the same step through the step API ----
    def step(self, trainer, step, before_end=None):
        arm = trainer.begin_step()
        self.x = self.batch(step)
        plan = trainer.plan()
        for ref in plan:
            trainer.set_hidden(ref.side, ref.module, ref.layer, self.hidden(ref))
        if trainer.needs_logits:
            trainer.set_logits(optima.Side.STUDENT, self.x @ self.sz)
            trainer.set_logits(optima.Side.TEACHER, self.x @ self.tz)
        trainer.compute()
        grads = [trainer.student_grad(r.module, r.layer) if r.side == optima.Side.STUDENT
                 else None for r in plan]
        self.apply(plan, grads)
        task = self.task(trainer.logits_grad())
        if before_end is not None:
            before_end(trainer, step, plan)
        return arm, trainer.end_step(task)


def make_trainer(host, context=None, round_length=2, seed=3):
    t = optima.Trainer(host.teacher, host.student, context=context)
    for name in NAMES:
        t.add_pair(name, name)
    t.round_length = round_length
    t.set_policy(optima.Policy.OPTIMA, seed)
    return t
