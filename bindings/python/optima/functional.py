"""The stateless losses (math.h): value and gradients as new NumPy arrays.

They run on a module-wide default context (optima.context.default_context()) unless a
``context=`` is given. Inputs are read without copies when they are float32 with
contiguous rows (see optima._tensor.as_matrix); gradients are fresh float32 arrays.
"""

import ctypes

from ._errors import ArgumentError, arg, integer, integers
from ._handle import invoke
from ._tensor import mask_bytes, out_matrix, tensor
from .context import default_context


def _hidden_loss(fn_name, student, teacher, projection, mask, context):
    s, sv = tensor(student, "student")
    t, tv = tensor(teacher, "teacher")
    p, pv = (None, None) if projection is None else tensor(projection, "projection")
    m, mp = mask_bytes(mask, s.shape[0])
    rows, ds = s.shape
    dt = t.shape[1]
    grad_s, gs_ptr = out_matrix(rows, ds)
    grad_p, gp_ptr = (None, None) if p is None else out_matrix(ds, dt)
    loss = ctypes.c_double()
    invoke(fn_name, (context or default_context(), ctypes.byref(sv), ctypes.byref(tv),
                     None if pv is None else ctypes.byref(pv), mp, ctypes.byref(loss), gs_ptr,
                     ds, gp_ptr, dt if p is not None else 0))
    del m  # kept alive until here: the library read it during the call
    return loss.value, grad_s, grad_p


def mse(student, teacher, projection=None, mask=None, *, context=None):
    """Mean squared error between ``student @ projection`` (or ``student``) and ``teacher``.

    Returns ``(loss, grad_student, grad_projection)``; ``grad_projection`` is None without
    a projection. ``mask`` is None or one entry per row (non-zero rows count).
    """
    return _hidden_loss("optima_mse", student, teacher, projection, mask, context)


def cosine(student, teacher, projection=None, mask=None, *, context=None):
    """Mean over rows of 1 - cos(student @ projection, teacher).

    Returns ``(loss, grad_student, grad_projection)`` like :func:`mse`.
    """
    return _hidden_loss("optima_cosine", student, teacher, projection, mask, context)


def kl(student_logits, teacher_logits, temperature=1.0, mask=None, *, context=None):
    """T^2 * mean over rows of KL(softmax(teacher/T) || softmax(student/T)).

    Returns ``(loss, grad_student_logits)``.
    """
    s, sv = tensor(student_logits, "student_logits")
    t, tv = tensor(teacher_logits, "teacher_logits")
    m, mp = mask_bytes(mask, s.shape[0])
    grad, g_ptr = out_matrix(*s.shape)
    loss = ctypes.c_double()
    invoke("optima_kl", (context or default_context(), ctypes.byref(sv), ctypes.byref(tv),
                         float(temperature), mp, ctypes.byref(loss), g_ptr, s.shape[1]))
    del m, t
    return loss.value, grad


def attention_mse(student, teacher, heads, queries, query_mask=None, key_mask=None, *,
                  context=None):
    """MSE between attention-score maps (rows = examples x heads x queries, cols = keys).

    Returns ``(loss, grad_student)``. Masks: examples x queries and examples x keys
    entries (their lengths are checked here).
    """
    s, sv = tensor(student, "student")
    t, tv = tensor(teacher, "teacher")
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
    grad, g_ptr = out_matrix(rows, keys)
    loss = ctypes.c_double()
    invoke("optima_attention_mse", (context or default_context(), ctypes.byref(sv),
                                    ctypes.byref(tv), heads, queries, qp, kp,
                                    ctypes.byref(loss), g_ptr, keys))
    del qm, km, t
    return loss.value, grad


def layer_mapping(style, student_layers, teacher_layers, table=None):
    """The teacher layer of each student layer (mapping.h), as a list."""
    student_layers = integer(student_layers, ctypes.c_size_t, "student_layers")
    tab = None
    if table is not None:
        tab = integers(table, ctypes.c_size_t, "table")
        if len(table) != student_layers:
            raise ArgumentError("optima: argument 'table' must have %d entries, got %d"
                                % (student_layers, len(table)))
    try:
        out = (ctypes.c_size_t * max(student_layers, 1))()
    except (MemoryError, OverflowError):
        raise ArgumentError("optima: argument 'student_layers' is too large (%d)"
                            % student_layers) from None
    invoke("optima_layer_mapping", (arg("style", style), student_layers,
                                    arg("teacher_layers", teacher_layers), tab, out))
    return list(out[:student_layers])
