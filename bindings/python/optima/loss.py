"""optima.Loss: a student module bound to a teacher module (or the two logits)."""

from __future__ import annotations

import ctypes
import enum
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from ._args import arg, integers
from ._errors import ArgumentError
from ._handle import Handle, create
from ._native import Tensor, c_float_p
from ._tensor import as_matrix, library_view, mask_bytes, view, wrap_buffer
from ._typing import ArrayLike, FloatArray, ModuleRef
from .context import Context, default_context
from .model import Model


class LossKind(enum.IntEnum):
    """Loss kinds (loss.h)."""

    MSE = 1
    COSINE = 2
    KL = 3
    ATTENTION_MSE = 4


class Mapping(enum.IntEnum):
    """Layer mapping styles (mapping.h)."""

    UNIFORM = 1
    LAST = 2
    EXPLICIT = 3


class ProjectionInit(enum.IntEnum):
    """Projection initialisers (loss.h)."""

    XAVIER = 1
    IDENTITY = 2
    ZERO = 3


class ProjectionMode(enum.IntEnum):
    """When a pair gets a projection (loss.h)."""

    WHEN_NEEDED = 1
    ALWAYS = 2


class Loss(Handle):
    """A distillation loss handle; see :meth:`layerwise` and :meth:`prediction`.

    :meth:`student_grad` and :meth:`projection_grad` return read-only NumPy views of the
    loss's own buffers, not copies: they are valid until the next :meth:`compute` on
    this loss (which overwrites them, and may move them to a larger buffer when a batch
    has more rows than any before: an older view then shows freed memory). Keep a value
    with ``np.array(view)``. A view keeps the loss's memory alive (even after close()).
    """

    _destroy = "optima_loss_destroy"
    _last_error = "optima_loss_last_error"

    @classmethod
    def layerwise(cls, kind: LossKind, student: Model, student_module: ModuleRef,
                  teacher: Model, teacher_module: ModuleRef,
                  context: Optional[Context] = None) -> Loss:
        """A layerwise MSE or COSINE loss between two modules (indices or names)."""
        context = context or default_context()
        sm = _module_index(student, student_module)
        tm = _module_index(teacher, teacher_module)
        ptr = create("optima_loss_create", context, arg("kind", kind), student,
                     arg("student_module", sm), teacher, arg("teacher_module", tm))
        return cls(ptr, parents=(context,))

    @classmethod
    def prediction(cls, student: Model, teacher: Model,
                   context: Optional[Context] = None) -> Loss:
        """The prediction-layer KL between the two models' logits."""
        context = context or default_context()
        ptr = create("optima_loss_create_prediction", context, student, teacher)
        return cls(ptr, parents=(context,))

    @property
    def kind(self) -> LossKind:
        """One of :class:`LossKind`."""
        return LossKind(self._get("optima_loss_get_kind", ctypes.c_int32))

    @property
    def weight(self) -> float:
        """The loss's weight (default 1)."""
        return self._get("optima_loss_get_weight", ctypes.c_double)

    @weight.setter
    def weight(self, value: float) -> None:
        self._call("optima_loss_set_weight", arg("weight", value))

    @property
    def temperature(self) -> float:
        """KL temperature (1 for other kinds)."""
        return self._get("optima_loss_get_temperature", ctypes.c_double)

    @temperature.setter
    def temperature(self, value: float) -> None:
        self._call("optima_loss_set_temperature", arg("temperature", value))

    def set_layer_weight(self, pair: int, weight: float) -> None:
        """Weight of pair ``pair`` (default 1)."""
        self._call("optima_loss_set_layer_weight", arg("pair", pair), arg("weight", weight))

    def layer_weight(self, pair: int) -> float:
        """Weight of pair ``pair``, as set with :meth:`set_layer_weight`."""
        return self._get("optima_loss_get_layer_weight", ctypes.c_double, arg("pair", pair))

    @property
    def mapping(self) -> Mapping:
        """The :class:`Mapping` style (the table: :meth:`pair` for each pair)."""
        return Mapping(self._get("optima_loss_get_mapping", ctypes.c_int32))

    def set_mapping(self, style: Mapping, table: Optional[Sequence[int]] = None) -> None:
        """Choose the layer mapping (an explicit table lists one teacher layer per pair)."""
        if table is None:
            self._call("optima_loss_set_mapping", arg("style", style), None, 0)
            return
        tab, count = integers(table, ctypes.c_size_t, "table")
        self._call("optima_loss_set_mapping", arg("style", style), tab, count)

    def set_projection_mode(self, mode: ProjectionMode) -> None:
        """One of :class:`ProjectionMode`."""
        self._call("optima_loss_set_projection_mode", arg("mode", mode))

    @property
    def projection_mode(self) -> ProjectionMode:
        """The :class:`ProjectionMode`, as set with :meth:`set_projection_mode`."""
        return ProjectionMode(self._get("optima_loss_get_projection_mode", ctypes.c_int32))

    def init_projections(self, init: ProjectionInit = ProjectionInit.XAVIER,
                         seed: int = 0) -> None:
        """Re-initialise every projection (deterministic for a seed)."""
        self._call("optima_loss_init_projections", arg("init", init), arg("seed", seed))

    @property
    def pair_count(self) -> int:
        """Number of pairs (student layers, or 1 for KL)."""
        return self._get("optima_loss_pair_count", ctypes.c_size_t)

    def pair(self, index: int) -> Tuple[int, int, int, int]:
        """(student_layer, teacher_layer, student_width, teacher_width) of a pair."""
        out = [ctypes.c_size_t() for _ in range(4)]
        self._call("optima_loss_pair", arg("index", index), *[ctypes.byref(o) for o in out])
        return tuple(o.value for o in out)

    def projection(self, pair: int) -> Optional[FloatArray]:
        """A copy of pair ``pair``'s projection (ds x dt), or None without one."""
        return _copy(self._buffer("optima_loss_projection", pair))

    def set_projection(self, pair: int, values: ArrayLike) -> None:
        """Overwrite pair ``pair``'s projection with ``values`` (same shape, finite).

        The binding writes the library's memory itself, so it checks what the library
        would: NaN or infinite values raise :class:`optima.ArgumentError`.
        """
        values = as_matrix(values, "values")
        if not np.isfinite(values).all():
            raise ArgumentError("optima: argument 'values' must be finite")
        target = self._buffer("optima_loss_projection", pair)
        if target is None:
            raise ValueError("optima: pair %d has no projection" % pair)
        if values.shape != target.shape:
            raise ValueError("optima: argument 'values' must have shape %s, got %s"
                             % (target.shape, values.shape))
        target[...] = values

    def projection_grad(self, pair: int) -> Optional[FloatArray]:
        """The last compute's gradient wrt pair ``pair``'s projection, or None without a
        projection: a read-only view of the loss's buffer (see the class's docstring)."""
        data, rows, cols = self._buffer_of("optima_loss_projection_grad", pair)
        return library_view(Tensor(data, rows, cols, cols), self)

    def _buffer(self, fn, pair):
        return wrap_buffer(*self._buffer_of(fn, pair))

    def _buffer_of(self, fn, pair):
        data = c_float_p()
        rows, cols = ctypes.c_size_t(), ctypes.c_size_t()
        self._call(fn, arg("pair", pair), ctypes.byref(data), ctypes.byref(rows),
                   ctypes.byref(cols))
        return data, rows.value, cols.value

    def compute(self, student: Union[ArrayLike, Sequence[ArrayLike]],
                teacher: Union[ArrayLike, Sequence[ArrayLike]],
                mask: Optional[ArrayLike] = None, strict: bool = False) -> float:
        """Value for one batch; ``student``/``teacher`` hold one array per pair.

        Gradients stay in the loss: read them with :meth:`student_grad` and
        :meth:`projection_grad` (views, overwritten by the next compute). Arrays that are
        not float32 with contiguous rows are copied first; ``strict=True`` refuses that
        copy (:class:`optima.ArgumentError` naming the array).
        """
        if len(student) != len(teacher):
            raise ValueError("optima: 'student' and 'teacher' must hold as many arrays")
        keep = [as_matrix(a, "student[%d]" % i, strict) for i, a in enumerate(student)]
        keep += [as_matrix(a, "teacher[%d]" % i, strict) for i, a in enumerate(teacher)]
        n = len(student)
        views = [view(a) for a in keep]
        s = (Tensor * max(n, 1))(*views[:n])
        t = (Tensor * max(n, 1))(*views[n:])
        rows = keep[0].shape[0] if keep else 0
        m, mp = mask_bytes(mask, rows)
        value = ctypes.c_double()
        self._call("optima_loss_compute", s, t, n, mp, ctypes.byref(value))
        del m, keep
        return value.value

    def pair_value(self, pair: int) -> float:
        """D_p of the last compute, before any weight."""
        return self._get("optima_loss_pair_value", ctypes.c_double, arg("pair", pair))

    def student_grad(self, pair: int) -> FloatArray:
        """The last compute's gradient wrt the student view of ``pair``: a read-only view
        of the loss's buffer (see the class's docstring)."""
        grad = Tensor()
        self._call("optima_loss_student_grad", arg("pair", pair), ctypes.byref(grad))
        return library_view(grad, self)


def _module_index(model, module):
    return model.find_module(module) if isinstance(module, str) else module


def _copy(buffer):
    return None if buffer is None else np.array(buffer, copy=True)
