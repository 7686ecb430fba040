"""The distillation losses on torch tensors: ``mse``, ``cosine``, ``kl``.

Each returns a 0-dim tensor (the student's dtype and device) connected to autograd:
gradients flow to the student (or the student logits) and to the projection when it
requires grad; the teacher never gets one (it is treated as detached).

Shapes: ``student`` and ``teacher`` are 2-D (rows, width) or 3-D (batch, tokens, width)
with the same leading dimensions; 3-D inputs are folded to batch × tokens rows.
``projection`` has the library's shape (student width × teacher width); without one the
widths must be equal. ``mask`` is None (every row counts) or a bool or integer tensor of
the leading shape, (rows,) or (batch, tokens): a non-zero entry counts. The definitions
are the library's (math.h, docs/losses.md), means over the rows that count:

* mse: 1/(n·dt) · Σ_counted Σ_j ((student·P) − teacher)²
* cosine: 1/n · Σ_counted (1 − cos(student·P, teacher)), each norm floored at 1e-8
* kl: T² · 1/n · Σ_counted KL(softmax(teacher/T) ‖ softmax(student/T)), T in [1e-6, 1e6]

When no row counts the value is 0 and every gradient is zero. Rows that do not count must
still hold finite values (padding is usually zeros), as in the library.

Where the numbers are computed (``backend=None``, the default, picks; see
:func:`backend_for`):

* ``"library"``: every tensor is a CPU, float32, strided tensor whose rows lie contiguous
  in memory (row strides at least the width are fine: padded or row-sliced views, and
  3-D tensors whose batch and token dimensions fold into rows without a copy). liboptima
  reads the tensors' memory in place, no copy, and writes the gradients into fresh
  tensors during the forward call (only those autograd needs); backward scales them.
  Non-finite input raises :class:`optima.Error` (``ENONFINITE``), as the library refuses
  it. Double backward is not supported.
* ``"torch"``: anything else (CUDA or other devices, float64, float16, bfloat16,
  transposed, column-sliced or expanded tensors): the same formulas as torch operations,
  in the input dtype, differentiable to any order; non-finite input gives non-finite
  results as torch does.

Passing ``backend="library"`` refuses input the library cannot read in place
(:class:`optima.ArgumentError` naming the argument) instead of falling back;
``backend="torch"`` always uses the torch formulas. ``context=`` (an
:class:`optima.Context`) sets the library's threads; the default context is used without.
"""

import math

import torch

from .._args import real
from .._errors import ArgumentError, ArgumentTypeError
from . import _library, _reference

#: The temperatures optima_kl() accepts (OPTIMA_TEMPERATURE_MIN/MAX in math.h).
TEMPERATURE_MIN = 1e-6
TEMPERATURE_MAX = 1e6

_BACKENDS = (None, "library", "torch")


def mse(student, teacher, projection=None, mask=None, *, context=None, backend=None):
    """Mean squared error between ``student @ projection`` (or ``student``) and
    ``teacher``, over the elements of the rows that count (see the module's docstring)."""
    return _hidden("mse", student, teacher, projection, mask, context, backend)


def cosine(student, teacher, projection=None, mask=None, *, context=None, backend=None):
    """Mean over the rows that count of 1 − cos(``student @ projection``, ``teacher``)
    (see the module's docstring)."""
    return _hidden("cosine", student, teacher, projection, mask, context, backend)


def kl(student_logits, teacher_logits, temperature=1.0, mask=None, *, context=None,
       backend=None):
    """T² · mean over the rows that count of KL(softmax(teacher/T) ‖ softmax(student/T))
    (see the module's docstring); the gradient flows to ``student_logits``."""
    names = ("student_logits", "teacher_logits")
    _check_pair(student_logits, teacher_logits, names, same_width=True)
    temperature = _temperature(temperature)
    flat_mask = _flat_mask(mask, student_logits)
    tensors = {names[0]: student_logits, names[1]: teacher_logits}
    if _choose(tensors, flat_mask, backend) == "library":
        return _library.kl(student_logits, teacher_logits, temperature, flat_mask, context)
    return _reference.kl(_rows(student_logits), _rows(teacher_logits), temperature,
                         flat_mask)


def backend_for(*tensors):
    """``"library"`` when every given tensor (None skipped) can be read by liboptima in
    place (CPU, float32, rows contiguous), else ``"torch"``: what the losses do with
    ``backend=None``."""
    readable = all(_library.readable(t) for t in tensors if t is not None)
    return "library" if readable else "torch"


# ---- argument checks, shared by both backends ------------------------------------------

def _hidden(kind, student, teacher, projection, mask, context, backend):
    _check_pair(student, teacher, ("student", "teacher"), same_width=projection is None)
    _check_projection(projection, student, teacher)
    flat_mask = _flat_mask(mask, student)
    tensors = {"student": student, "teacher": teacher, "projection": projection}
    if _choose(tensors, flat_mask, backend) == "library":
        return _library.hidden(kind, student, teacher, projection, flat_mask, context)
    loss = _reference.mse if kind == "mse" else _reference.cosine
    return loss(_rows(student), _rows(teacher), projection, flat_mask)


def _choose(tensors, mask, backend):
    if backend not in _BACKENDS:
        raise ArgumentError("optima: argument 'backend' must be None, 'library' or 'torch', "
                            "got %r" % (backend,))
    if backend == "torch":
        return "torch"
    for name, t in tensors.items():
        reason = None if t is None else _library.why(t)
        if reason is not None:
            if backend == "library":
                raise ArgumentError("optima: argument '%s' cannot be read by the library in "
                                    "place (backend='library'): %s" % (name, reason))
            return "torch"
    if mask is not None and mask.device.type != "cpu":
        if backend == "library":
            raise ArgumentError("optima: argument 'mask' is on %s, the library reads CPU "
                                "memory (backend='library')" % mask.device)
        return "torch"
    return "library"


def _check_tensor(value, name):
    if not isinstance(value, torch.Tensor):
        raise ArgumentTypeError("optima: argument '%s' must be a torch.Tensor, got %s"
                                % (name, type(value).__name__))
    if not value.is_floating_point():
        raise ArgumentTypeError("optima: argument '%s' must hold floating-point numbers, "
                                "got %s" % (name, value.dtype))


def _check_pair(student, teacher, names, same_width):
    _check_tensor(student, names[0])
    _check_tensor(teacher, names[1])
    if student.dim() not in (2, 3):
        raise ArgumentError("optima: argument '%s' must be 2-D (rows, width) or 3-D (batch, "
                            "tokens, width), got shape %s" % (names[0], tuple(student.shape)))
    if teacher.shape[:-1] != student.shape[:-1] or teacher.dim() != student.dim():
        raise ArgumentError("optima: argument '%s' must have the leading shape %s of '%s', "
                            "got shape %s" % (names[1], tuple(student.shape[:-1]), names[0],
                                              tuple(teacher.shape)))
    if student.numel() == 0 or teacher.numel() == 0:
        raise ArgumentError("optima: arguments '%s' and '%s' must have at least one row and "
                            "one column, got shapes %s and %s"
                            % (names[0], names[1], tuple(student.shape), tuple(teacher.shape)))
    if same_width and teacher.shape[-1] != student.shape[-1]:
        raise ArgumentError("optima: argument '%s' has width %d, '%s' %d: without a "
                            "projection the widths must be equal"
                            % (names[1], teacher.shape[-1], names[0], student.shape[-1]))


def _check_projection(projection, student, teacher):
    if projection is None:
        return
    _check_tensor(projection, "projection")
    expected = (student.shape[-1], teacher.shape[-1])
    if tuple(projection.shape) != expected:
        raise ArgumentError("optima: argument 'projection' must have shape %s (student width "
                            "x teacher width), got %s" % (expected, tuple(projection.shape)))


def _flat_mask(mask, student):
    """The mask as a 1-D bool tensor of one entry per row, or None."""
    if mask is None:
        return None
    if not isinstance(mask, torch.Tensor):
        try:
            mask = torch.as_tensor(mask)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise ArgumentTypeError("optima: argument 'mask' is not tensor-like: %s"
                                    % exc) from None
    if mask.is_floating_point() or mask.is_complex():
        raise ArgumentTypeError("optima: argument 'mask' must hold booleans or integers, got "
                                "%s" % mask.dtype)
    if tuple(mask.shape) != tuple(student.shape[:-1]):
        raise ArgumentError("optima: argument 'mask' must have shape %s (one entry per row), "
                            "got %s" % (tuple(student.shape[:-1]), tuple(mask.shape)))
    return mask.reshape(-1) != 0


def _temperature(value):
    t = real(value, "temperature")
    if not (math.isfinite(t) and TEMPERATURE_MIN <= t <= TEMPERATURE_MAX):
        raise ArgumentError("optima: argument 'temperature' must be finite, in [%g, %g], got "
                            "%r" % (TEMPERATURE_MIN, TEMPERATURE_MAX, value))
    return t


def _rows(x):
    """``x`` as (rows, width): a 3-D tensor's batch and tokens folded (a view when the
    layout allows, else torch's copy; the torch backend only)."""
    return x.reshape(-1, x.shape[-1])
