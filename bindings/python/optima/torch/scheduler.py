"""optima.torch.ModuleScheduler: the trainer's schedule for a host that computes its own
losses (any device), through the library's schedule-only mode.

::

    sched = ModuleScheduler(["vision", "text", "fusion"], round_length=10, seed=0)
    for batch in data:
        active = sched.begin()                      # e.g. ["vision", "fusion"]
        layer = {m: distill_loss(m) for m in active}  # the host's tensors, on any device
        task = criterion(student(batch), batch.y)
        (task + sum(layer.values()) / len(layer)).backward()
        sched.end(task, layer)                      # rewards, rounds, round log

The arms, rewards, round records and checkpoints are the C trainer's, exactly: fed the
same losses, a full-mode trainer plays the same arms.
"""

from .. import Model, Policy, RewardKind, RewardSource, Trainer, TrainerMode, LogFormat

# Settings of the trainer (by name) and of its scheduler (any other name: a property of
# optima.Scheduler, such as window, discount, forced_exploration).
_TRAINER_SETTINGS = ("reward", "reward_source", "reward_trend", "history", "weights")


def _enum(cls, value, name):
    if isinstance(value, str):
        try:
            return cls[value.upper()]
        except KeyError:
            raise ValueError("optima: argument '%s' is %r, not one of %s"
                             % (name, value, ", ".join(m.name.lower() for m in cls))) from None
    return cls(value)


def _floats(values):
    """Python floats from numbers or 0-d tensors, with one device sync for tensors."""
    values = list(values)
    if values and all(hasattr(v, "detach") for v in values):
        import torch
        return [float(x) for x in torch.stack([v.detach().reshape(()) for v in values]).tolist()]
    return [float(v.item() if hasattr(v, "item") else v) for v in values]


class ModuleScheduler:
    """Which modules to distil, round by round: OPTIMA (or a baseline) over ``modules``.

    ``policy`` is an :class:`optima.Policy` or its name (``"optima"``, ``"all"``,
    ``"ucb1"``, ...); ``round_length`` steps make a round; ``seed`` seeds the policy.
    Settings by keyword: ``reward`` (``"relative"``, ``"absolute"``, ``"detrended"``),
    ``reward_source`` (``"training"`` or ``"evaluation"``: then call
    :meth:`submit_evaluation`), ``reward_trend`` (``(window, model)``), ``history``
    (rounds kept), ``weights`` (``{module: w}``, 0 makes a module never distilled),
    ``alpha_pred`` (> 0: the reference loss is task + alpha_pred * KL, and end() takes the
    step's KL); any
    other keyword sets the scheduler's setting of that name (``window=32``,
    ``forced_exploration=0.1``, ...).

    The reward compares the mean task loss of successive rounds: ``end(task_loss)`` takes
    the task loss alone, never a total with distillation terms.
    """

    def __init__(self, modules, policy="optima", round_length=10, seed=0, *, context=None,
                 **settings):
        self.modules = [str(m) for m in modules]
        if not self.modules or len(set(self.modules)) != len(self.modules):
            raise ValueError("optima: argument 'modules' must name distinct modules, got %r"
                             % (modules,))
        # One width-1 layer per module: the trainer needs models, never their states; logits
        # (of width 1, never read) only when a KL enters the reference loss.
        alpha_pred = float(settings.pop("alpha_pred", 0.0))
        self._models = [Model(name, {m: [1] for m in self.modules}, logits=int(alpha_pred > 0),
                              context=context) for name in ("teacher", "student")]
        t = Trainer(self._models[0], self._models[1], context=context)
        self._trainer = t
        for i in range(len(self.modules)):
            t.add_pair(i, i)
        t.mode = TrainerMode.SCHEDULE_ONLY
        t.round_length = round_length
        t.set_policy(_enum(Policy, policy, "policy"), seed)
        if alpha_pred > 0:
            t.alpha_pred = alpha_pred
        self._configure(settings)
        self._active = None

    def _configure(self, settings):
        t = self._trainer
        kind = _enum(RewardKind, settings.pop("reward", "relative"), "reward")
        source = _enum(RewardSource, settings.pop("reward_source", "training"), "reward_source")
        t.set_reward(kind, source)
        if "reward_trend" in settings:
            t.set_reward_trend(*settings.pop("reward_trend"))
        if "history" in settings:
            t.set_history(settings.pop("history"))
        for name, weight in settings.pop("weights", {}).items():
            t.set_pair_weight(self.modules.index(name), weight)
        scheduler = t.scheduler  # freezes: every trainer setting is above
        for name, value in settings.items():
            if not isinstance(getattr(type(scheduler), name, None), property):
                raise TypeError("optima: ModuleScheduler has no setting '%s'" % name)
            setattr(scheduler, name, value)

    # ---- the step ---------------------------------------------------------------------

    def begin(self):
        """Begin a step; return the names of the modules to distil in it (the arm)."""
        self._trainer.begin_step()
        chosen = {r.module for r in self._trainer.plan() if r.side == 0}
        self._active = [m for i, m in enumerate(self.modules) if i in chosen]
        return list(self._active)

    def end(self, task_loss, layer_losses=None, kl=None):
        """Close the step with the task loss alone (a number or a 0-d tensor) and the
        active modules' losses: a dict ``{module: loss}`` or a sequence in the order
        begin() returned. None counts them as 0 (the rewards do not use them; the round
        records and log then show 0). ``kl``: the step's prediction KL, required with
        ``alpha_pred`` > 0. Return True when the step ended a round."""
        if self._active is None:
            raise RuntimeError("optima: ModuleScheduler.end() without begin()")
        if layer_losses is None:
            values = [0.0] * len(self._active)
        elif isinstance(layer_losses, dict):
            missing = [m for m in self._active if m not in layer_losses]
            if missing:
                raise KeyError("optima: argument 'layer_losses' has no loss for the active "
                               "module %r" % missing[0])
            values = _floats(layer_losses[m] for m in self._active)
        else:
            values = _floats(layer_losses)
            if len(values) != len(self._active):
                raise ValueError("optima: argument 'layer_losses' has %d losses for %d active "
                                 "modules" % (len(values), len(self._active)))
        for name, value in zip(self._active, values):
            self._trainer.report_pair_loss(self.modules.index(name), value)
        if kl is not None:
            self._trainer.report_kl(_floats([kl])[0])
        ended = self._trainer.end_step(_floats([task_loss])[0])
        self._active = None
        return ended

    def submit_evaluation(self, loss):
        """The evaluation loss (``reward_source="evaluation"``): before the first step,
        the baseline; then the last one before a round's end is that round's."""
        self._trainer.submit_evaluation(_floats([loss])[0])

    # ---- records, log, state -------------------------------------------------------------

    @property
    def scheduler(self):
        """The :class:`optima.Scheduler` (statistics per arm)."""
        return self._trainer.scheduler

    def set_round_log(self, path, fmt="csv"):
        """Append every finished round to ``path`` (CSV or JSON lines, as in C)."""
        self._trainer.set_round_log(path, _enum(LogFormat, fmt, "fmt"))

    def rounds(self):
        """The completed rounds still kept, oldest first: dicts with round, first_step,
        arm, arm_name, modules, reward, mean_reference and losses ({module: mean})."""
        steps, done = self._trainer.progress()
        del steps
        out = []
        for r in range(done):
            try:
                rec = self._trainer.round_record(r)
            except Exception:  # older than the history kept
                continue
            losses = {}
            for i, name in enumerate(self.modules):
                loss, active = self._trainer.round_pair_loss(r, i)
                if active:
                    losses[name] = loss
            out.append({"round": r, "first_step": rec.first_step, "arm": rec.arm,
                        "arm_name": self.scheduler.arm_name(rec.arm),
                        "modules": list(losses), "reward": rec.reward,
                        "mean_reference": rec.mean_reference, "losses": losses})
        return out

    def state_dict(self):
        """Everything needed to resume exactly (the trainer's checkpoint bytes)."""
        return {"modules": list(self.modules), "checkpoint": self._trainer.save()}

    def load_state_dict(self, state):
        """Resume from :meth:`state_dict` (same modules and settings)."""
        if list(state["modules"]) != self.modules:
            raise ValueError("optima: the state is for modules %r, this scheduler has %r"
                             % (state["modules"], self.modules))
        self._trainer.load(bytes(state["checkpoint"]))
        self._active = None

    def close(self):
        """Free the library's objects now (else when garbage-collected)."""
        self._trainer.close()
        for model in self._models:
            model.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


__all__ = ["ModuleScheduler"]
