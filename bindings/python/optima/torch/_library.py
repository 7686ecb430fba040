"""The library backend of optima.torch.functional: liboptima reads the tensors in place.

A CPU float32 tensor's memory is handed to the library as an optima_tensor view through
NumPy (``tensor.detach().numpy()`` shares the memory; the binding's ``strict=True`` check
then guarantees no copy is made). The library computes the value and, in the same call,
the gradients autograd will need (none under torch.no_grad(); inside forward grad mode is
always off, so the caller's mode is passed in), into fresh torch tensors; backward only scales them by
the incoming gradient. Every C call goes through optima._handle.invoke (the call guard).
"""

import ctypes

import torch
from torch.autograd.function import once_differentiable

from .._args import arg
from .._handle import invoke
from .._native import c_float_p
from .._tensor import mask_bytes, tensor
from ..context import default_context


def readable(x):
    """True when the library can read ``x`` in place: a CPU float32 strided tensor whose
    rows (the last dimension; a 3-D tensor's first two dimensions folded) lie contiguous,
    with a row stride at least the width."""
    return why(x) is None


def why(x):
    """None when :func:`readable`, else the reason it is not (for error messages)."""
    if x.device.type != "cpu":
        return "on %s, not the CPU" % x.device
    if x.dtype != torch.float32:
        return "dtype %s, not torch.float32" % x.dtype
    if x.layout != torch.strided:
        return "layout %s, not strided" % x.layout
    rows = _folded(x)
    if rows is None:
        return "its batch and token dimensions do not fold into rows without a copy"
    if rows.shape[1] > 1 and rows.stride(1) != 1:
        return "elements of a row not contiguous (strides %s)" % (tuple(x.stride()),)
    if rows.shape[0] > 1 and rows.stride(0) < rows.shape[1]:
        return "rows overlap (strides %s)" % (tuple(x.stride()),)
    return None


def _folded(x):
    try:
        return x.detach().view(-1, x.shape[-1])
    except RuntimeError:  # view() refuses what would need a copy
        return None


def _view(x, name):
    """(array, optima_tensor) over ``x``'s own memory: strict=True refuses a copy."""
    return tensor(_folded(x).numpy(), name, strict=True)


def _grad_buffer(like, needed):
    """(tensor, float pointer) for a gradient of ``like``'s shape, or (None, None)."""
    if not needed:
        return None, None
    g = torch.empty(like.shape, dtype=torch.float32)
    return g, ctypes.cast(g.data_ptr(), c_float_p)


def _mask(mask, rows):
    if mask is None:
        return None, None
    return mask_bytes(mask.numpy(), rows)


def _scaled(grad, grad_output):
    return None if grad is None else grad * grad_output


class _HiddenLoss(torch.autograd.Function):
    """optima_mse / optima_cosine: value, and dHs and dP when autograd needs them."""

    @staticmethod
    def forward(ctx, fn_name, student, teacher, projection, mask, context, grad_enabled):
        s, sv = _view(student, "student")
        t, tv = _view(teacher, "teacher")
        p, pv = (None, None) if projection is None else _view(projection, "projection")
        m, mp = _mask(mask, s.shape[0])
        g_s, gs_ptr = _grad_buffer(student, grad_enabled and ctx.needs_input_grad[1])
        g_p, gp_ptr = _grad_buffer(projection, grad_enabled and p is not None
                                   and ctx.needs_input_grad[3])
        value = ctypes.c_double()
        invoke(fn_name, (context or default_context(), ctypes.byref(sv), ctypes.byref(tv),
                         None if pv is None else ctypes.byref(pv), mp, ctypes.byref(value),
                         gs_ptr, s.shape[1], gp_ptr, t.shape[1]))
        del m, p  # alive until here: the library read them during the call
        ctx.grads = (g_s, g_p)
        return torch.tensor(value.value, dtype=torch.float32)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        g_s, g_p = ctx.grads
        return (None, _scaled(g_s, grad_output), None, _scaled(g_p, grad_output), None, None,
                None)


class _KlLoss(torch.autograd.Function):
    """optima_kl: value, and dzs when autograd needs it."""

    @staticmethod
    def forward(ctx, student_logits, teacher_logits, temperature, mask, context, grad_enabled):
        s, sv = _view(student_logits, "student_logits")
        t, tv = _view(teacher_logits, "teacher_logits")
        m, mp = _mask(mask, s.shape[0])
        grad, g_ptr = _grad_buffer(student_logits, grad_enabled and ctx.needs_input_grad[0])
        value = ctypes.c_double()
        invoke("optima_kl", (context or default_context(), ctypes.byref(sv), ctypes.byref(tv),
                             arg("temperature", temperature), mp, ctypes.byref(value), g_ptr,
                             s.shape[1]))
        del m, t
        ctx.grad = grad
        return torch.tensor(value.value, dtype=torch.float32)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        return _scaled(ctx.grad, grad_output), None, None, None, None, None


def hidden(kind, student, teacher, projection, mask, context):
    """optima_mse or optima_cosine (``kind``) as an autograd-connected scalar."""
    return _HiddenLoss.apply("optima_" + kind, student, teacher, projection, mask, context,
                             torch.is_grad_enabled())


def kl(student_logits, teacher_logits, temperature, mask, context):
    """optima_kl as an autograd-connected scalar."""
    return _KlLoss.apply(student_logits, teacher_logits, temperature, mask, context,
                         torch.is_grad_enabled())
