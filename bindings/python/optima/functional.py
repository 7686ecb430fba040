"""The stateless losses (math.h): value and gradients as NumPy arrays.

They run on a module-wide default context (optima.context.default_context()) unless a
``context=`` is given.

Inputs are read without copies when they are float32 with contiguous rows (padded and
row-sliced arrays included, see optima._tensor.as_matrix). Anything else numeric (float64,
integers, a transposed or column-sliced array, a list) is converted to a float32 copy
first; ``strict=True`` refuses such a copy instead (optima.ArgumentError naming the
argument), so that a hot loop cannot silently pay for it.

Gradients are written into fresh float32 arrays, or, with NumPy-style output arguments,
into the caller's: ``grad_out=`` (the gradient wrt the student, or the student logits) and
``projection_grad_out=`` (wrt the projection), or ``out=`` holding the returned arrays in
order (a tuple, or one array for the first). An output must be a float32 ndarray of
exactly the gradient's shape, C-contiguous, writeable, and overlap neither an input nor
the other output; it is returned as is (the same object), so a loop that passes the
same arrays allocates nothing. On a failed call the outputs' contents are unspecified.
"""

from __future__ import annotations

import ctypes
from typing import List, Optional, Sequence, Tuple

from ._args import arg, integer, integers
from ._errors import ArgumentError, ArgumentTypeError
from ._handle import invoke
from ._tensor import mask_bytes, out_matrix, tensor
from ._typing import ArrayLike, FloatArray, HiddenLossResult
from .context import Context, default_context
from .loss import Mapping


def _outputs(out, named):
    """The output arrays by name, from NumPy's ``out=`` and the named arguments.

    ``named`` maps each output's name, in the order the function returns them, to the
    named argument's value (None when not given).
    """
    if out is None:
        return dict(named)
    given = out if isinstance(out, tuple) else (out,)
    if len(given) > len(named):
        raise ArgumentError("optima: argument 'out' holds %d arrays, at most %d expected"
                            % (len(given), len(named)))
    result = dict(named)
    for (name, value), array in zip(named.items(), given):
        if value is not None:
            raise ArgumentTypeError("optima: argument '%s' given twice (also in 'out')" % name)
        result[name] = array
    return result


def _hidden_loss(fn_name, student, teacher, projection, mask, context, strict, outs):
    s, sv = tensor(student, "student", strict)
    t, tv = tensor(teacher, "teacher", strict)
    p, pv = (None, None) if projection is None else tensor(projection, "projection", strict)
    m, mp = mask_bytes(mask, s.shape[0])
    rows, ds = s.shape
    dt = t.shape[1]
    inputs = [("student", s), ("teacher", t), ("projection", p)]
    grad_s, gs_ptr = out_matrix(rows, ds, outs["grad_out"], "grad_out", inputs)
    if p is None:
        if outs["projection_grad_out"] is not None:
            raise ArgumentError("optima: argument 'projection_grad_out' given without a "
                                "projection")
        grad_p, gp_ptr = None, None
    else:
        grad_p, gp_ptr = out_matrix(ds, dt, outs["projection_grad_out"], "projection_grad_out",
                                    inputs + [("grad_out", grad_s)])
    loss = ctypes.c_double()
    invoke(fn_name, (context or default_context(), ctypes.byref(sv), ctypes.byref(tv),
                     None if pv is None else ctypes.byref(pv), mp, ctypes.byref(loss), gs_ptr,
                     ds, gp_ptr, dt if p is not None else 0))
    del m  # kept alive until here: the library read it during the call
    return loss.value, grad_s, grad_p


def mse(student: ArrayLike, teacher: ArrayLike, projection: Optional[ArrayLike] = None,
        mask: Optional[ArrayLike] = None, *, context: Optional[Context] = None,
        out: Optional[Sequence[Optional[FloatArray]]] = None,
        grad_out: Optional[FloatArray] = None, projection_grad_out: Optional[FloatArray] = None,
        strict: bool = False) -> HiddenLossResult:
    """Mean squared error between ``student @ projection`` (or ``student``) and ``teacher``.

    Returns ``(loss, grad_student, grad_projection)``; ``grad_projection`` is None without
    a projection. ``mask`` is None or one entry per row (non-zero rows count).
    ``grad_out``/``projection_grad_out`` (or ``out=(grad_student, grad_projection)``)
    receive the gradients without allocation; ``strict=True`` refuses to copy an input
    that is not float32 with contiguous rows (see the module's docstring).
    """
    outs = _outputs(out, {"grad_out": grad_out, "projection_grad_out": projection_grad_out})
    return _hidden_loss("optima_mse", student, teacher, projection, mask, context, strict, outs)


def cosine(student: ArrayLike, teacher: ArrayLike, projection: Optional[ArrayLike] = None,
           mask: Optional[ArrayLike] = None, *, context: Optional[Context] = None,
           out: Optional[Sequence[Optional[FloatArray]]] = None,
           grad_out: Optional[FloatArray] = None,
           projection_grad_out: Optional[FloatArray] = None,
           strict: bool = False) -> HiddenLossResult:
    """Mean over rows of 1 - cos(student @ projection, teacher).

    Returns ``(loss, grad_student, grad_projection)``; outputs and ``strict`` as in
    :func:`mse`.
    """
    outs = _outputs(out, {"grad_out": grad_out, "projection_grad_out": projection_grad_out})
    return _hidden_loss("optima_cosine", student, teacher, projection, mask, context, strict,
                        outs)


def kl(student_logits: ArrayLike, teacher_logits: ArrayLike, temperature: float = 1.0,
       mask: Optional[ArrayLike] = None, *, context: Optional[Context] = None,
       out: Optional[Sequence[FloatArray]] = None, grad_out: Optional[FloatArray] = None,
       strict: bool = False) -> Tuple[float, FloatArray]:
    """T^2 * mean over rows of KL(softmax(teacher/T) || softmax(student/T)).

    Returns ``(loss, grad_student_logits)``. ``grad_out`` (or ``out``) receives the
    gradient without allocation; ``strict=True`` refuses to copy an input (see the
    module's docstring).
    """
    outs = _outputs(out, {"grad_out": grad_out})
    s, sv = tensor(student_logits, "student_logits", strict)
    t, tv = tensor(teacher_logits, "teacher_logits", strict)
    m, mp = mask_bytes(mask, s.shape[0])
    grad, g_ptr = out_matrix(s.shape[0], s.shape[1], outs["grad_out"], "grad_out",
                             [("student_logits", s), ("teacher_logits", t)])
    loss = ctypes.c_double()
    invoke("optima_kl", (context or default_context(), ctypes.byref(sv), ctypes.byref(tv),
                         arg("temperature", temperature), mp, ctypes.byref(loss), g_ptr,
                         s.shape[1]))
    del m, t
    return loss.value, grad


def attention_mse(student: ArrayLike, teacher: ArrayLike, heads: int, queries: int,
                  query_mask: Optional[ArrayLike] = None,
                  key_mask: Optional[ArrayLike] = None, *, context: Optional[Context] = None,
                  out: Optional[Sequence[FloatArray]] = None,
                  grad_out: Optional[FloatArray] = None,
                  strict: bool = False) -> Tuple[float, FloatArray]:
    """MSE between attention-score maps (rows = examples x heads x queries, cols = keys).

    Returns ``(loss, grad_student)``. Masks: examples x queries and examples x keys
    entries (their lengths are checked here). Outputs and ``strict`` as in :func:`kl`.
    """
    outs = _outputs(out, {"grad_out": grad_out})
    s, sv = tensor(student, "student", strict)
    t, tv = tensor(teacher, "teacher", strict)
    rows, keys = s.shape
    heads = integer(heads, ctypes.c_size_t, "heads")
    queries = integer(queries, ctypes.c_size_t, "queries")
    if heads < 1 or queries < 1 or rows % (heads * queries):
        examples = 0  # let the library name the bad argument
    else:
        examples = rows // (heads * queries)
    qm, qp = (None, None) if query_mask is None else mask_bytes(query_mask, examples * queries,
                                                                "query_mask")
    km, kp = (None, None) if key_mask is None else mask_bytes(key_mask, examples * keys,
                                                              "key_mask")
    grad, g_ptr = out_matrix(rows, keys, outs["grad_out"], "grad_out",
                             [("student", s), ("teacher", t)])
    loss = ctypes.c_double()
    invoke("optima_attention_mse", (context or default_context(), ctypes.byref(sv),
                                    ctypes.byref(tv), heads, queries, qp, kp,
                                    ctypes.byref(loss), g_ptr, keys))
    del qm, km, t
    return loss.value, grad


def layer_mapping(style: Mapping, student_layers: int, teacher_layers: int,
                  table: Optional[Sequence[int]] = None) -> List[int]:
    """The teacher layer of each student layer (mapping.h), as a list."""
    student_layers = integer(student_layers, ctypes.c_size_t, "student_layers")
    tab = None
    if table is not None:
        tab, count = integers(table, ctypes.c_size_t, "table")
        if count != student_layers:
            raise ArgumentError("optima: argument 'table' must have %d entries, got %d"
                                % (student_layers, count))
    try:
        out = (ctypes.c_size_t * max(student_layers, 1))()
    except (MemoryError, OverflowError):
        raise ArgumentError("optima: argument 'student_layers' is too large (%d)"
                            % student_layers) from None
    invoke("optima_layer_mapping", (arg("style", style), student_layers,
                                    arg("teacher_layers", teacher_layers), tab, out))
    return list(out[:student_layers])
