"""optima.Trainer: rounds of distillation steps, driven step by step or by callbacks."""

from __future__ import annotations

import collections
import ctypes
import enum
import os
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

import numpy as np

from ._args import arg, path as as_path
from ._errors import ArgumentTypeError, Error, Status, error_for
from ._handle import Handle, create
from ._native import (BACKWARD_FN, EVALUATE_FN, FORWARD_FN, NEXT_BATCH_FN, PROJECTION_FN,
                      READ_FN, REDUCE_FN, ROUND_END_FN, STEP_FN, TASK_GRAD_FN, WRITE_FN,
                      Callbacks, LayerRef_p, Tensor, c_u8_p)
from ._tensor import as_matrix, library_view, mask_bytes, view
from ._typing import ArrayLike, FloatArray, ModuleRef, PathArg
from .context import Context, default_context
from .loss import Loss, LossKind
from .model import Model
from .scheduler import Policy, Scheduler


class Side(enum.IntEnum):
    """Which model a view belongs to."""

    STUDENT = 0
    TEACHER = 1


class RewardKind(enum.IntEnum):
    """How a round's reward is computed."""

    RELATIVE = 0
    ABSOLUTE = 1
    DETRENDED = 2  #: since 1.1: minus the common trend of the last rounds


class RewardSource(enum.IntEnum):
    """Where a round's reference loss comes from."""

    TRAINING = 0
    EVALUATION = 1
    ALIGNMENT = 2  #: since 1.1: cosine of the layerwise and task gradients (step API)


class RewardTrend(enum.IntEnum):
    """How RewardKind.DETRENDED predicts a round's base reward (since 1.1)."""

    MEAN = 0
    LINEAR = 1


class TrainerMode(enum.IntEnum):
    """What the trainer computes (since 1.1)."""

    FULL = 0           #: views in, losses and gradients out, projections trained
    SCHEDULE_ONLY = 1  #: the host reports each active pair's loss; the trainer schedules


class Optimizer(enum.IntEnum):
    """The projections' optimizer."""

    SGD = 0
    ADAMW = 1
    HOST = 2


class LogFormat(enum.IntEnum):
    """Format of the round log."""

    CSV = 0
    JSONL = 1


class DType(enum.IntEnum):
    """The element type of a reduction callback's array (``optima_dtype``, since 1.1)."""

    F32 = 0
    F64 = 1


class Reduce(enum.IntEnum):
    """What a reduction callback sums (``optima_reduce_what``, since 1.1)."""

    STEP_STATS = 0
    PROJECTION_GRADS = 1
    AGREEMENT = 2


#: One hidden state a step needs (``optima_layer_ref``).
LayerRef = collections.namedtuple("LayerRef", "side module layer width")
#: The record of a completed round.
RoundRecord = collections.namedtuple("RoundRecord", "first_step arm reward mean_reference")


class StopRun(Exception):
    """Raise from a run() callback to stop the run without an error: run() returns False."""


class RunCallbacks:
    """What :meth:`Trainer.run` calls; subclass it and override what you need.

    Every method may raise: the run stops at once (the library discards the step in
    flight and does not credit the round) and run() re-raises the exception.
    """

    def next_batch(self, step: int) -> None:
        """Prepare the batch of step ``step``."""

    def forward(self, step: int, needed: List[LayerRef], want_logits: bool) -> Tuple[
            Sequence[Optional[ArrayLike]], Optional[ArrayLike], Optional[ArrayLike]]:
        """Run the forward passes. Return ``(hidden, student_logits, teacher_logits)``:
        ``hidden[i]`` a 2-D array for the layer ``needed[i]`` names (a :class:`LayerRef`),
        the logits None unless ``want_logits``. The arrays must not change until
        backward() returns (the library reads them without copies)."""
        raise NotImplementedError("RunCallbacks.forward")

    def backward(self, step: int, needed: List[LayerRef], grads: List[Optional[FloatArray]],
                 logits_grad: Optional[FloatArray]) -> float:
        """Backpropagate ``grads[i]`` (an array for each student entry of ``needed``, None
        for teacher entries) and ``logits_grad`` (None when unused) with the task
        gradient; return the task loss. The gradients are read-only views of the
        trainer's buffers, valid until backward() returns (copy what you keep)."""
        raise NotImplementedError("RunCallbacks.backward")

    # Optional: define optimizer_step(step), evaluate(step) -> loss,
    # round_end(round, arm, reward) and task_grad(step, needed) -> arrays in a subclass to
    # have them called. task_grad (needed with RewardSource.ALIGNMENT) runs after
    # backward() and returns, for each student entry of ``needed``, the task loss's
    # gradient at that hidden state (a 2-D array of its shape; None for teacher entries).
    optimizer_step = None
    evaluate = None
    round_end = None
    task_grad = None


class Trainer(Handle):
    """A trainer distilling ``teacher`` into ``student`` (two :class:`optima.Model`).

    The trainer keeps its context and models alive until it is freed, and the models
    refuse changes while it is open. close() inside one of its callbacks is deferred
    until the running call returns (see :meth:`run`).
    """

    _destroy = "optima_trainer_destroy"
    _last_error = "optima_trainer_last_error"

    def __init__(self, teacher: Model, student: Model,
                 context: Optional[Context] = None) -> None:
        context = context or default_context()
        ptr = create("optima_trainer_create", context, teacher, student)
        super().__init__(ptr, parents=(context, teacher, student))
        self.teacher, self.student = teacher, student
        self._views = []          # arrays handed to set_hidden/set_logits this step (kept
                                  # until the next begin_step/end_step: a second compute
                                  # re-reads them)
        self._projection_fn = None
        self._reduce_fn = None    # the CFUNCTYPE object must live as long as it is set
        self._pending = None      # exception raised inside a callback

    # ---- configuration ------------------------------------------------------------------

    def add_pair(self, student_module: ModuleRef, teacher_module: ModuleRef,
                 kind: LossKind = LossKind.MSE) -> int:
        """Distil a student module from a teacher module (indices or names); return the
        pair index."""
        sm = _index(self.student, student_module)
        tm = _index(self.teacher, teacher_module)
        return self._get("optima_trainer_add_pair", ctypes.c_size_t, arg("student_module", sm),
                         arg("teacher_module", tm), arg("kind", kind))

    @property
    def pair_count(self) -> int:
        """Number of pairs."""
        return self._get("optima_trainer_pair_count", ctypes.c_size_t)

    def pair_loss(self, pair: int) -> Loss:
        """The layerwise :class:`Loss` of a pair (owned by the trainer)."""
        ptr = self._get("optima_trainer_pair_loss", ctypes.c_void_p, arg("pair", pair))
        return Loss(ptr, parents=(self,), owned=False)

    def set_pair_weight(self, pair: int, weight: float) -> None:
        """Weight w_m of a pair in the layer term (default 1)."""
        self._call("optima_trainer_set_pair_weight", arg("pair", pair), arg("weight", weight))

    def pair_weight(self, pair: int) -> float:
        """Weight w_m of a pair in the layer term, as set with :meth:`set_pair_weight`."""
        return self._get("optima_trainer_get_pair_weight", ctypes.c_double, arg("pair", pair))

    @property
    def alpha_pred(self) -> float:
        """Weight of the prediction-layer KL."""
        return self._get("optima_trainer_get_alpha_pred", ctypes.c_double)

    @alpha_pred.setter
    def alpha_pred(self, value: float) -> None:
        self._call("optima_trainer_set_alpha_pred", arg("alpha_pred", value))

    @property
    def alpha_layer(self) -> float:
        """Weight of the layer term."""
        return self._get("optima_trainer_get_alpha_layer", ctypes.c_double)

    @alpha_layer.setter
    def alpha_layer(self, value: float) -> None:
        self._call("optima_trainer_set_alpha_layer", arg("alpha_layer", value))

    def set_temperature(self, temperature: float) -> None:
        """KL temperature (default 1)."""
        self._call("optima_trainer_set_temperature", arg("temperature", temperature))

    @property
    def temperature(self) -> float:
        """KL temperature (1 when the models declare no logits)."""
        return self._get("optima_trainer_get_temperature", ctypes.c_double)

    @property
    def round_length(self) -> int:
        """Steps per round (default 10)."""
        return self._get("optima_trainer_get_round_length", ctypes.c_uint32)

    @round_length.setter
    def round_length(self, steps: int) -> None:
        self._call("optima_trainer_set_round_length", arg("round_length", steps))

    def set_policy(self, policy: Policy = Policy.OPTIMA, seed: int = 0) -> None:
        """The scheduler's policy and seed (before the configuration freezes)."""
        self._call("optima_trainer_set_policy", arg("policy", policy), arg("seed", seed))

    @property
    def policy(self) -> Tuple[Policy, int]:
        """(Policy, seed) as set with :meth:`set_policy`."""
        policy, seed = ctypes.c_int32(), ctypes.c_uint64()
        self._call("optima_trainer_get_policy", ctypes.byref(policy), ctypes.byref(seed))
        return Policy(policy.value), seed.value

    @property
    def scheduler(self) -> Scheduler:
        """The trainer's :class:`Scheduler` (freezes the configuration)."""
        ptr = self._get("optima_trainer_get_scheduler", ctypes.c_void_p)
        return Scheduler(0, _borrow=(ptr, self))

    @property
    def mode(self) -> "TrainerMode":
        """The :class:`TrainerMode` (default FULL; set it before the configuration freezes).

        In SCHEDULE_ONLY mode the host computes the losses itself (on any device) and
        reports them with :meth:`report_pair_loss` and :meth:`report_kl`; end_step() then
        does the rewards, round records, logs and checkpoints as in full mode.
        """
        return TrainerMode(self._get("optima_trainer_get_mode", ctypes.c_int32))

    @mode.setter
    def mode(self, value: "TrainerMode") -> None:
        self._call("optima_trainer_set_mode", arg("mode", value))

    def set_reward(self, kind: RewardKind = RewardKind.RELATIVE,
                   source: RewardSource = RewardSource.TRAINING) -> None:
        """How rewards are computed."""
        self._call("optima_trainer_set_reward", arg("kind", kind), arg("source", source))

    @property
    def reward(self) -> Tuple[RewardKind, RewardSource]:
        """(RewardKind, RewardSource) as set with :meth:`set_reward`."""
        kind, source = ctypes.c_int32(), ctypes.c_int32()
        self._call("optima_trainer_get_reward", ctypes.byref(kind), ctypes.byref(source))
        return RewardKind(kind.value), RewardSource(source.value)

    def set_reward_trend(self, window: int = 8, model: RewardTrend = RewardTrend.MEAN) -> None:
        """The trend of RewardKind.DETRENDED: the last ``window`` rounds, and its model."""
        self._call("optima_trainer_set_reward_trend", arg("window", window), arg("model", model))

    @property
    def reward_trend(self) -> Tuple[int, RewardTrend]:
        """(window, RewardTrend) of RewardKind.DETRENDED."""
        window, model = ctypes.c_uint32(), ctypes.c_int32()
        self._call("optima_trainer_get_reward_trend", ctypes.byref(window), ctypes.byref(model))
        return window.value, RewardTrend(model.value)

    def set_optimizer(self, kind: Optimizer, learning_rate: float = 1e-3) -> None:
        """The projections' optimizer and its learning rate."""
        self._call("optima_trainer_set_optimizer", arg("kind", kind),
                   arg("learning_rate", learning_rate))

    def set_optimizer_params(self, momentum: float = 0.9, beta1: float = 0.9,
                             beta2: float = 0.999, weight_decay: float = 0.01) -> None:
        """The built-in optimizers' hyperparameters."""
        self._call("optima_trainer_set_optimizer_params", arg("momentum", momentum),
                   arg("beta1", beta1), arg("beta2", beta2), arg("weight_decay", weight_decay))

    @property
    def optimizer_params(self) -> Tuple[float, float, float, float]:
        """(momentum, beta1, beta2, weight_decay) as stored (float32 values)."""
        out = [ctypes.c_double() for _ in range(4)]
        self._call("optima_trainer_get_optimizer_params", *[ctypes.byref(o) for o in out])
        return out[0].value, out[1].value, out[2].value, out[3].value

    @property
    def optimizer(self) -> Tuple[Optimizer, float]:
        """(Optimizer, learning rate); the rate as stored (a float32 value)."""
        kind, rate = ctypes.c_int32(), ctypes.c_double()
        self._call("optima_trainer_get_optimizer", ctypes.byref(kind), ctypes.byref(rate))
        return Optimizer(kind.value), rate.value

    def set_projection_callback(
            self, fn: Optional[Callable[[int, int, FloatArray, FloatArray], None]]) -> None:
        """Train projections with ``fn(pair, layer_pair, param, grad)`` (Optimizer.HOST).

        ``param`` is a writable NumPy view of the projection, ``grad`` a read-only view of
        its gradient; write ``param`` during the call only (the views keep the trainer's
        memory alive, but the library owns the values). An exception stops end_step(),
        which re-raises it. None unsets the callback.
        """
        if fn is None:
            self._call("optima_trainer_set_projection_callback", PROJECTION_FN(), None)
            self._projection_fn = None
            return

        def trampoline(_user, pair, layer_pair, param, grad, rows, cols):
            def body():
                p = library_view(Tensor(param, rows, cols, cols), self, writeable=True)
                g = library_view(Tensor(grad, rows, cols, cols), self)
                fn(pair, layer_pair, p, g)
            return self._guard(body)

        c_fn = PROJECTION_FN(trampoline)
        self._call("optima_trainer_set_projection_callback", c_fn, None)
        self._projection_fn = c_fn

    def set_reduction(self, fn: Optional[Callable[["Reduce", np.ndarray], None]]) -> None:
        """Train data-parallel: ``fn(what, array)`` sums ``array`` in place across the
        ranks (since 1.1; before the configuration freezes).

        ``what`` is a :class:`Reduce`; ``array`` a writable 1-D NumPy view (float32 or
        float64) of the trainer's buffer, valid during the call only. With
        torch.distributed: ``t = torch.from_numpy(array); dist.all_reduce(t)``. Each rank
        hands its own rows and its mean task loss; the trainer weighs them by rows. An
        exception stops end_step(), which re-raises it; nothing of the step is applied.
        None returns to a single process.
        """
        if fn is None:
            self._call("optima_trainer_set_reduction", REDUCE_FN(), None)
            self._reduce_fn = None
            return
        types = {DType.F32: ctypes.c_float, DType.F64: ctypes.c_double}

        def trampoline(_user, what, dtype, data, count):
            def body():
                ptr = ctypes.cast(data, ctypes.POINTER(types[dtype]))
                fn(Reduce(what), np.ctypeslib.as_array(ptr, shape=(count,)))
            return self._guard(body)

        c_fn = REDUCE_FN(trampoline)
        self._call("optima_trainer_set_reduction", c_fn, None)
        self._reduce_fn = c_fn

    @property
    def agreement_interval(self) -> int:
        """Rounds between the ranks' agreement checks (0: off, the default; since 1.1)."""
        return self._get("optima_trainer_get_agreement_interval", ctypes.c_uint32)

    @agreement_interval.setter
    def agreement_interval(self, rounds: int) -> None:
        self._call("optima_trainer_set_agreement_interval", arg("rounds", rounds))

    def set_history(self, rounds: int) -> None:
        """Keep the records of the last ``rounds`` rounds (default 1024)."""
        self._call("optima_trainer_set_history", arg("rounds", rounds))

    @property
    def history(self) -> int:
        """How many rounds' records are kept, as set with :meth:`set_history`."""
        return self._get("optima_trainer_get_history", ctypes.c_uint32)

    def set_round_log(self, path: Optional[PathArg], fmt: LogFormat = LogFormat.CSV) -> None:
        """Append every finished round to ``path`` (None stops logging)."""
        self._call("optima_trainer_set_round_log",
                   None if path is None else as_path(path, "path"), arg("fmt", fmt))

    @property
    def round_log(self) -> Tuple[Optional[str], LogFormat]:
        """(path, format) as set with :meth:`set_round_log`; path None when not logging."""
        path, fmt = ctypes.c_char_p(), ctypes.c_int32()
        self._call("optima_trainer_get_round_log", ctypes.byref(path), ctypes.byref(fmt))
        return (None if path.value is None else os.fsdecode(path.value)), LogFormat(fmt.value)

    # ---- the step API -------------------------------------------------------------------

    def begin_step(self) -> int:
        """Begin a step; return the arm of its round."""
        self._views = []
        return self._get("optima_trainer_begin_step", ctypes.c_uint32)

    def plan(self) -> List[LayerRef]:
        """The hidden states this step needs, as a list of :class:`LayerRef`."""
        refs = LayerRef_p()
        count = ctypes.c_size_t()
        self._call("optima_trainer_plan", ctypes.byref(refs), ctypes.byref(count))
        return _layer_refs(refs, count.value)

    @property
    def needs_logits(self) -> bool:
        """True when this step needs both models' logits."""
        return bool(self._get("optima_trainer_needs_logits", ctypes.c_int32))

    def set_hidden(self, side: Side, module: ModuleRef, layer: int, array: ArrayLike,
                   strict: bool = False) -> None:
        """Hand over a hidden state, without a copy when it is float32 with contiguous
        rows (kept referenced until the next begin_step()/end_step()). Anything else is
        copied to float32 first; ``strict=True`` refuses that copy
        (:class:`optima.ArgumentError` naming ``array``)."""
        a = as_matrix(array, "array", strict)
        self._call("optima_trainer_set_hidden", arg("side", side), arg("module", module),
                   arg("layer", layer), ctypes.byref(view(a)))
        self._views.append(a)

    def set_logits(self, side: Side, array: ArrayLike, strict: bool = False) -> None:
        """Hand over a model's logits; copies and ``strict`` as in :meth:`set_hidden`."""
        a = as_matrix(array, "array", strict)
        self._call("optima_trainer_set_logits", arg("side", side), ctypes.byref(view(a)))
        self._views.append(a)

    def hidden(self, side: Side, module: ModuleRef, layer: int) -> FloatArray:
        """The hidden state handed with :meth:`set_hidden` for this step, as a read-only
        view of the array the trainer reads (until compute(), which forgets it: ESTATE
        afterwards, and for a view not handed)."""
        t = Tensor()
        self._call("optima_trainer_get_hidden", arg("side", side), arg("module", module),
                   arg("layer", layer), ctypes.byref(t))
        return self._held_view(t)

    def logits(self, side: Side) -> FloatArray:
        """A model's logits handed with :meth:`set_logits`; as :meth:`hidden`."""
        t = Tensor()
        self._call("optima_trainer_get_logits", arg("side", side), ctypes.byref(t))
        return self._held_view(t)

    def _held_view(self, t):
        """A read-only view of the held array whose memory ``t`` names."""
        for a in self._views:
            if isinstance(a, np.ndarray) and a.dtype == np.float32 and \
                    a.__array_interface__["data"][0] == ctypes.cast(t.data, ctypes.c_void_p).value:
                v = a.view()
                v.flags.writeable = False
                return v
        raise error_for(Status.ESTATE, "optima: the trainer holds a view this object did not hand")

    def row_mask(self, pair: int) -> Optional[np.ndarray]:
        """A copy of the pair's row mask for this step (booleans), None when every row
        counts (none set, the default)."""
        ptr, rows = c_u8_p(), ctypes.c_size_t()
        self._call("optima_trainer_get_row_mask", arg("pair", pair), ctypes.byref(ptr),
                   ctypes.byref(rows))
        return _mask_copy(ptr, rows.value)

    def logits_mask(self) -> Optional[np.ndarray]:
        """A copy of the logits' row mask for this step; as :meth:`row_mask`."""
        ptr, rows = c_u8_p(), ctypes.c_size_t()
        self._call("optima_trainer_get_logits_mask", ctypes.byref(ptr), ctypes.byref(rows))
        return _mask_copy(ptr, rows.value)

    def task_grad_given(self, module: ModuleRef, layer: int) -> bool:
        """Whether the task gradient of a student layer was handed in since the last
        compute() (the library reads it during :meth:`set_task_grad` and keeps none)."""
        given = ctypes.c_int32()
        self._call("optima_trainer_get_task_grad", arg("module", module), arg("layer", layer),
                   ctypes.byref(given))
        return bool(given.value)

    def set_row_mask(self, pair: int, mask: Optional[ArrayLike]) -> None:
        """Which rows of a pair's views count this step (padding does not): None (every
        row, the default) or one boolean or integer per row (non-zero counts), as many as
        the pair's views have rows. The pair's loss is then its masked mean.

        Masks belong to a pair, not to a view (a view may serve two pairs), hence no
        ``mask=`` on set_hidden(). Kept referenced, like the views, until the step ends.
        """
        if mask is None:
            self._call("optima_trainer_set_row_mask", arg("pair", pair), None, arg("rows", 0))
            return
        rows = int(np.asarray(mask).size)
        m, ptr = mask_bytes(mask, rows)
        self._call("optima_trainer_set_row_mask", arg("pair", pair), ptr, arg("rows", rows))
        self._views.append(m)

    def set_logits_mask(self, mask: Optional[ArrayLike]) -> None:
        """Which rows of the logits count in the KL this step; as :meth:`set_row_mask`."""
        if mask is None:
            self._call("optima_trainer_set_logits_mask", None, arg("rows", 0))
            return
        rows = int(np.asarray(mask).size)
        m, ptr = mask_bytes(mask, rows)
        self._call("optima_trainer_set_logits_mask", ptr, arg("rows", rows))
        self._views.append(m)

    def report_pair_loss(self, pair: int, loss: float) -> None:
        """Schedule-only mode: the loss D_m of an active pair this step (unweighted: the
        trainer applies w_m, 1/|A| and alpha_layer). A tensor with ``item()`` is taken."""
        self._call("optima_trainer_report_pair_loss", arg("pair", pair),
                   arg("loss", _scalar(loss)))

    def report_kl(self, kl: float) -> None:
        """Schedule-only mode: this step's prediction KL (unweighted), when alpha_pred > 0."""
        self._call("optima_trainer_report_kl", arg("kl", _scalar(kl)))

    def compute(self) -> float:
        """Compute the step's losses and gradients; return the distillation total.

        The library forgets the views it was given when compute returns, whatever it
        returns: a retry (after ENONFINITE) hands them again with set_hidden()/
        set_logits(); a second compute() without them raises ESTATE.
        """
        return self._get("optima_trainer_compute", ctypes.c_double)

    def losses(self) -> Tuple[float, float]:
        """(kl, layer_term) of the last compute."""
        kl, layer = ctypes.c_double(), ctypes.c_double()
        self._call("optima_trainer_losses", ctypes.byref(kl), ctypes.byref(layer))
        return kl.value, layer.value

    def pair_loss_value(self, pair: int) -> Tuple[float, bool]:
        """(D_m, active) of a pair in the last compute."""
        loss, active = ctypes.c_double(), ctypes.c_int32()
        self._call("optima_trainer_pair_loss_value", arg("pair", pair), ctypes.byref(loss),
                   ctypes.byref(active))
        return loss.value, bool(active.value)

    def student_grad(self, module: ModuleRef, layer: int) -> FloatArray:
        """The gradient wrt a student hidden state, or None when it gets none.

        A read-only NumPy view of the trainer's buffer, not a copy: valid until the next
        begin_step() or compute() (which overwrite it, and may move it to a larger buffer
        when a batch has more rows than any before: an older view then shows freed
        memory). Keep a value with ``np.array(view)``. The view keeps the trainer's
        memory alive, even after close().
        """
        grad = Tensor()
        self._call("optima_trainer_student_grad", arg("module", module), arg("layer", layer),
                   ctypes.byref(grad))
        return library_view(grad, self)

    def logits_grad(self) -> FloatArray:
        """The gradient wrt the student logits, or None when alpha_pred is 0: a read-only
        view with the lifetime of :meth:`student_grad`'s."""
        grad = Tensor()
        self._call("optima_trainer_logits_grad", ctypes.byref(grad))
        return library_view(grad, self)

    def set_task_grad(self, module: ModuleRef, layer: int, array: ArrayLike,
                      strict: bool = False) -> None:
        """The task loss's gradient at a student hidden state this step distils
        (RewardSource.ALIGNMENT), after compute(); read during the call only. Copies and
        ``strict`` as in :meth:`set_hidden`."""
        a = as_matrix(array, "array", strict)
        self._call("optima_trainer_set_task_grad", arg("module", module), arg("layer", layer),
                   ctypes.byref(view(a)))

    def submit_evaluation(self, loss: float) -> None:
        """The host's evaluation loss (RewardSource.EVALUATION)."""
        self._call("optima_trainer_submit_evaluation", arg("loss", loss))

    def end_step(self, task_loss: float) -> bool:
        """End the step with the host's task loss alone (not the total: the trainer adds
        alpha_pred * KL itself); return True when it ended a round."""
        ended = ctypes.c_int32()
        self._pending = None
        try:
            self._call("optima_trainer_end_step", arg("task_loss", _scalar(task_loss)),
                       ctypes.byref(ended))
        except Error:
            self._reraise_pending()
            raise
        self._views = []
        return bool(ended.value)

    # ---- the run loop -------------------------------------------------------------------

    def run(self, callbacks: RunCallbacks, steps: int, strict: bool = False) -> bool:
        """Run ``steps`` steps through ``callbacks`` (a :class:`RunCallbacks`).

        The arrays forward() returns are copied to float32 when they are not float32 with
        contiguous rows; ``strict=True`` refuses that copy (the run stops and re-raises
        :class:`optima.ArgumentError`). backward() receives read-only views of the
        trainer's gradient buffers, valid until it returns.

        Returns True when every step ran, False when a callback raised :class:`StopRun`
        or closed the trainer (or a handle it uses: its models, its context). Any other
        exception raised by a callback stops the run and is re-raised here; the trainer
        stays usable (the round in flight is not credited).

        During the run the trainer, its losses and scheduler, its models and its context
        refuse every call with :class:`optima.Error` ``ESTATE`` (a callback must not
        re-enter them: everything it needs comes in its arguments). Closing any of them
        in a callback is safe: the run stops at that callback, and the memory is freed
        when run() returns.
        """
        if not all(callable(getattr(callbacks, m, None)) for m in ("forward", "backward")):
            raise ArgumentTypeError("optima: argument 'callbacks' must have forward() and "
                                    "backward() methods (an optima.RunCallbacks), got %s"
                                    % type(callbacks).__name__)
        table, keep = self._callback_table(callbacks, strict)
        self._pending = None
        try:
            self._call("optima_trainer_run", ctypes.byref(table), None, arg("steps", steps))
        except Error as err:
            if err.status == Status.ECALLBACK and isinstance(self._pending, StopRun):
                self._pending = None
                return False
            self._reraise_pending()
            raise
        finally:
            del keep
        return True

    @property
    def callback_code(self) -> int:
        """The non-zero value of the callback that stopped the last run (0 if none)."""
        return self._get("optima_trainer_callback_code", ctypes.c_int32)

    def _guard(self, body, stop_when_closed=False):
        """Run a callback body; turn any exception into a stop (non-zero return).

        With ``stop_when_closed`` (the run loop's callbacks), a callback that closed the
        trainer (or what it was made from) stops the run quietly too.
        """
        try:
            body()
        except BaseException as exc:  # nothing may unwind through C frames
            if self._pending is None:
                self._pending = exc
            return 1
        if stop_when_closed and self.closed:
            if self._pending is None:
                self._pending = StopRun("the trainer was closed during run()")
            return 1
        return 0

    def _reraise_pending(self):
        exc, self._pending = self._pending, None
        if exc is not None:
            raise exc

    def _callback_table(self, cb, strict):
        state = {"views": []}

        batch_fn = getattr(cb, "next_batch", None) or (lambda step: None)

        def next_batch(_user, step):
            return self._guard(lambda: batch_fn(step), True)

        def forward(_user, step, needed, count, hidden, want_logits, s_logits, t_logits):
            def body():
                refs = _layer_refs(needed, count)
                out, zs, zt = cb.forward(step, refs, bool(want_logits))
                if len(out) != count:
                    raise ValueError("optima: forward() returned %d hidden states for %d "
                                     "needed layers" % (len(out), count))
                arrays = [as_matrix(a, "hidden[%d]" % i, strict) for i, a in enumerate(out)]
                for i, a in enumerate(arrays):
                    hidden[i] = view(a)
                if want_logits:
                    if zs is None or zt is None:
                        raise ValueError("optima: forward() must return both logits when "
                                         "want_logits is True")
                    arrays += [as_matrix(zs, "student_logits", strict),
                               as_matrix(zt, "teacher_logits", strict)]
                    s_logits[0] = view(arrays[-2])
                    t_logits[0] = view(arrays[-1])
                state["views"] = arrays  # alive until the next forward
            return self._guard(body, True)

        def backward(_user, step, needed, grads, count, logits_grad, task_loss):
            def body():
                refs = _layer_refs(needed, count)
                g = [library_view(grads[i], self) for i in range(count)]
                zg = library_view(logits_grad[0], self) if logits_grad else None
                task_loss[0] = float(cb.backward(step, refs, g, zg))
            return self._guard(body, True)

        def simple(method):
            return lambda _user, step: self._guard(lambda: method(step), True)

        def evaluate(_user, step, loss):
            def body():
                loss[0] = float(cb.evaluate(step))
            return self._guard(body, True)

        def round_end(_user, rnd, arm, reward):
            return self._guard(lambda: cb.round_end(rnd, arm, reward), True)

        def task_grad(_user, step, needed, count, task_grads):
            def body():
                refs = _layer_refs(needed, count)
                out = cb.task_grad(step, refs)
                if len(out) != count:
                    raise ValueError("optima: task_grad() returned %d gradients for %d "
                                     "needed layers" % (len(out), count))
                arrays = []
                for i, a in enumerate(out):
                    if refs[i].side == Side.STUDENT:
                        arrays.append(as_matrix(a, "task_grads[%d]" % i, strict))
                        task_grads[i] = view(arrays[-1])
                state["task_grads"] = arrays  # alive until the library has read them
            return self._guard(body, True)

        table = Callbacks()
        table.struct_size = ctypes.sizeof(Callbacks)
        table.reserved = 0
        table.next_batch = NEXT_BATCH_FN(next_batch)
        table.forward = FORWARD_FN(forward)
        table.backward = BACKWARD_FN(backward)
        step_fn = getattr(cb, "optimizer_step", None)  # optional: duck-typed hosts may lack them
        table.optimizer_step = STEP_FN(simple(step_fn)) if step_fn else STEP_FN()
        table.evaluate = EVALUATE_FN(evaluate) if getattr(cb, "evaluate", None) else EVALUATE_FN()
        table.round_end = (ROUND_END_FN(round_end) if getattr(cb, "round_end", None)
                           else ROUND_END_FN())
        table.task_grad = (TASK_GRAD_FN(task_grad) if getattr(cb, "task_grad", None)
                           else TASK_GRAD_FN())
        # The CFUNCTYPE objects must outlive the call: keep them referenced.
        keep = (table.next_batch, table.forward, table.backward, table.optimizer_step,
                table.evaluate, table.round_end, table.task_grad, state)
        return table, keep

    # ---- progress and records -----------------------------------------------------------

    def progress(self) -> Tuple[int, int]:
        """(steps ended, rounds completed)."""
        steps, rounds = ctypes.c_uint64(), ctypes.c_uint64()
        self._call("optima_trainer_progress", ctypes.byref(steps), ctypes.byref(rounds))
        return steps.value, rounds.value

    def round_record(self, round_index: int) -> RoundRecord:
        """The :class:`RoundRecord` of a completed round."""
        first, arm = ctypes.c_uint64(), ctypes.c_uint32()
        reward, mean = ctypes.c_double(), ctypes.c_double()
        self._call("optima_trainer_round_record", arg("round_index", round_index),
                   ctypes.byref(first),
                   ctypes.byref(arm), ctypes.byref(reward), ctypes.byref(mean))
        return RoundRecord(first.value, arm.value, reward.value, mean.value)

    def round_pair_loss(self, round_index: int, pair: int) -> Tuple[float, bool]:
        """(mean D_m over the round, active) of a pair."""
        loss, active = ctypes.c_double(), ctypes.c_int32()
        self._call("optima_trainer_round_pair_loss", arg("round_index", round_index),
                   arg("pair", pair), ctypes.byref(loss), ctypes.byref(active))
        return loss.value, bool(active.value)

    # ---- checkpoints --------------------------------------------------------------------

    def save(self, path: Optional[PathArg] = None) -> Optional[bytes]:
        """Write a checkpoint to ``path`` atomically, or return it as bytes."""
        if path is not None:
            self._call("optima_trainer_save_file", as_path(path, "path"))
            return None
        chunks = []

        def write(_user, data, size):
            chunks.append(ctypes.string_at(data, size))
            return 0

        self._call("optima_trainer_save", WRITE_FN(write), None)
        return b"".join(chunks)

    def load(self, source: Union[bytes, PathArg]) -> None:
        """Restore a checkpoint from a path (str or os.PathLike) or from bytes."""
        if not isinstance(source, (bytes, bytearray, memoryview)):
            self._call("optima_trainer_load_file", as_path(source, "source"))
            return
        data = bytes(source)
        pos = [0]

        def read(_user, buf, size, got):
            n = min(size, len(data) - pos[0])
            ctypes.memmove(buf, data[pos[0]:pos[0] + n], n)
            pos[0] += n
            got[0] = n
            return 0

        self._call("optima_trainer_load", READ_FN(read), None)


def _scalar(value):
    """A float from a number or a one-element tensor/array (``item()``)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def _mask_copy(ptr, rows):
    if not ptr or rows == 0:
        return None
    return np.ctypeslib.as_array(ptr, shape=(rows,)).astype(bool)


def _layer_refs(refs, count):
    return [LayerRef(Side(refs[i].side), refs[i].module, refs[i].layer, refs[i].width)
            for i in range(count)]


def _index(model, module):
    return model.find_module(module) if isinstance(module, str) else module
