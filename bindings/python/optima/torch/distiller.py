"""optima.torch.Distiller: module-wise adaptive distillation of a torch teacher into a
torch student in a few lines. Forward hooks catch the paired submodules' outputs, the
losses are optima.torch's (the library on CPU float32, the same formulas in torch
elsewhere), and a :class:`ModuleScheduler` picks which pairs to distil each round.

::

    distiller = Distiller(teacher, student, {"image": ("img", "img"), "text": ("txt", "txt")},
                          example_input=(images, tokens))
    optimizer = torch.optim.AdamW([*student.parameters(), *distiller.parameters()])
    for images, tokens, pad, y in data:
        with distiller.step(masks={"text": pad}) as s:
            logits = student(images, tokens)
            with torch.no_grad():
                teacher(images, tokens)
            s.task_loss = F.cross_entropy(logits, y)
            (s.task_loss + s.distillation()).backward()
        optimizer.step(); optimizer.zero_grad()
"""

import contextlib

import torch

from . import functional as F
from .scheduler import ModuleScheduler

_LOSSES = {"mse": F.mse, "cosine": F.cosine}


def _output(value):
    """A hook's output as one tensor: the first of a tuple (as nn.LSTM/attention give)."""
    return value[0] if isinstance(value, (tuple, list)) else value


class Step:
    """One step of a :class:`Distiller` (see :meth:`Distiller.step`).

    ``active``: the pairs distilled in this step. Set ``task_loss`` (the task loss alone)
    before the block ends; call :meth:`distillation` for the term to add to it.
    """

    def __init__(self, distiller, active, masks):
        self._d = distiller
        self.active = active
        self.masks = dict(masks or {})
        self.task_loss = None
        self.logits = None          # optional (student_logits, teacher_logits): adds the KL
        self._losses = None
        self._kl = None

    def distillation(self):
        """alpha_layer * mean over the active pairs of w_m * D_m (+ alpha_pred * KL when
        ``logits`` was set): a scalar connected to the student and the projections."""
        d = self._d
        total = None
        self._losses = {}
        for name in self.active:
            s, t = d._caught.get(("student", name)), d._caught.get(("teacher", name))
            if s is None or t is None:
                raise RuntimeError("optima: pair %r: the %s submodule did not run in this step"
                                   % (name, "student" if s is None else "teacher"))
            proj = d.projections[name] if name in d.projections else None
            loss = _LOSSES[d.kinds[name]](s, t.detach(), proj, mask=self.masks.get(name))
            self._losses[name] = loss
            term = d.weights.get(name, 1.0) * loss
            total = term if total is None else total + term
        total = (d.alpha_layer * total / len(self.active)) if total is not None else 0.0
        if self.logits is not None:
            zs, zt = self.logits
            self._kl = F.kl(zs, zt.detach(), d.temperature)
            total = total + d.alpha_pred * self._kl
        return total

    def _close(self):
        if self.task_loss is None:
            raise RuntimeError("optima: set step.task_loss (the task loss alone) before the "
                               "step ends")
        if self._losses is None:
            with torch.no_grad():
                self.distillation()
        ended = self._d.scheduler.end(self.task_loss, [self._losses[m] for m in self.active],
                                      kl=self._kl if self._d.alpha_pred > 0 else None)
        if ended:
            self._d._log_round()


class Distiller(torch.nn.Module):
    """Distil ``teacher`` into ``student`` pair by pair, the pairs chosen round by round.

    ``pairs`` maps a pair name to ``(student_submodule, teacher_submodule)`` names (as
    ``named_modules()`` gives them); their outputs are the hidden states, 2-D (rows,
    width) or 3-D (batch, tokens, width; a (batch, tokens) mask per step). Where widths
    differ the pair gets a projection (student width × teacher width), an
    ``nn.Parameter`` of this module (Xavier-initialised from ``seed``): give
    ``distiller.parameters()`` to the optimizer. The widths are learnt from one forward
    pass of both models on ``example_input`` (a tensor or a tuple of arguments).

    ``kind`` is ``"mse"`` or ``"cosine"`` (or a dict per pair); ``weights`` a dict of w_m;
    ``alpha_layer``; ``alpha_pred`` and ``temperature`` weigh the KL when a step sets
    ``logits`` (the reward's reference loss is then task + alpha_pred * KL, as in C).
    ``policy``, ``round_length``, ``seed`` and other keywords go to
    :class:`ModuleScheduler`. ``writer`` (a ``torch.utils.tensorboard.SummaryWriter`` or
    anything with ``add_scalar``) receives every round's reward and losses.
    ``state_dict()`` holds the projections and the schedule: loading it resumes exactly.
    """

    def __init__(self, teacher, student, pairs, *, example_input, kind="mse", weights=None,
                 alpha_layer=1.0, alpha_pred=0.0, temperature=1.0, policy="optima",
                 round_length=10, seed=0, writer=None, **settings):
        super().__init__()
        self.names = list(pairs)
        self.kinds = {n: (kind[n] if isinstance(kind, dict) else kind) for n in self.names}
        for name, k in self.kinds.items():
            if k not in _LOSSES:
                raise ValueError("optima: pair %r: argument 'kind' is %r, not 'mse' or 'cosine'"
                                 % (name, k))
        self.weights = dict(weights or {})
        self.alpha_layer, self.alpha_pred, self.temperature = alpha_layer, alpha_pred, temperature
        self.writer = writer
        self._caught = {}
        self._active = set()
        self._hooks = []
        for side, model in (("student", student), ("teacher", teacher)):
            found = dict(model.named_modules())
            for name in self.names:
                sub = pairs[name][0 if side == "student" else 1]
                if sub not in found:
                    raise KeyError("optima: pair %r: the %s has no submodule %r" % (name, side, sub))
                self._hooks.append(found[sub].register_forward_hook(self._catcher(side, name)))
        self.projections = torch.nn.ParameterDict(
            self._projections(teacher, student, example_input, seed))
        self.scheduler = ModuleScheduler(self.names, policy, round_length, seed,
                                         weights=self.weights, alpha_pred=alpha_pred, **settings)

    def _catcher(self, side, name):
        def hook(_module, _inputs, output):
            if name in self._active:
                self._caught[(side, name)] = _output(output)
        return hook

    def _projections(self, teacher, student, example_input, seed):
        args = example_input if isinstance(example_input, tuple) else (example_input,)
        self._active = set(self.names)
        with torch.no_grad():
            student(*args)
            teacher(*args)
        widths = {n: (self._caught[("student", n)].shape[-1], self._caught[("teacher", n)].shape[-1])
                  for n in self.names}
        self._caught, self._active = {}, set()
        generator = torch.Generator().manual_seed(seed)
        out = {}
        for name, (ds, dt) in widths.items():
            if ds != dt:
                bound = (6.0 / (ds + dt)) ** 0.5
                p = (torch.rand(ds, dt, generator=generator) * 2 - 1) * bound
                out[name] = torch.nn.Parameter(p)
        return out

    @contextlib.contextmanager
    def step(self, masks=None):
        """A training step: yields a :class:`Step` whose ``active`` lists the pairs this
        step distils (only their outputs are kept). ``masks`` maps a pair to its row or
        (batch, tokens) mask. The step is closed (rewards, rounds) when the block ends
        without an exception; an exception discards it."""
        active = self.scheduler.begin()
        self._active, self._caught = set(active), {}
        s = Step(self, active, masks)
        try:
            yield s
            s._close()
        finally:
            self._active, self._caught = set(), {}

    def rounds(self):
        """The completed rounds' records (see :meth:`ModuleScheduler.rounds`)."""
        return self.scheduler.rounds()

    def _log_round(self):
        if self.writer is None:
            return
        rec = self.scheduler.rounds()[-1]
        self.writer.add_scalar("optima/reward", rec["reward"], rec["round"])
        self.writer.add_scalar("optima/reference_loss", rec["mean_reference"], rec["round"])
        self.writer.add_scalar("optima/arm", rec["arm"], rec["round"])
        for name, loss in rec["losses"].items():
            self.writer.add_scalar("optima/loss/" + name, loss, rec["round"])

    def get_extra_state(self):
        return self.scheduler.state_dict()

    def set_extra_state(self, state):
        self.scheduler.load_state_dict(state)

    def close(self):
        """Remove the hooks and free the library's objects."""
        for h in self._hooks:
            h.remove()
        self._hooks = []
        self.scheduler.close()


__all__ = ["Distiller", "Step"]
