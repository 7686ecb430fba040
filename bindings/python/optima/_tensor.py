"""NumPy arrays to optima_tensor views (without copies when the layout allows)."""

import ctypes
import weakref

import numpy as np

from ._errors import ArgumentError, ArgumentTypeError
from ._native import Tensor, c_float_p, c_u8_p

_F32 = np.dtype(np.float32)


def as_matrix(value, name, strict=False):
    """Return ``value`` as a 2-D float32 array the library can view.

    A float32 array whose elements are contiguous within each row (strides[1] == 4) and
    whose rows are a non-negative whole number of floats apart is used as is: the view's
    row stride is strides[0] // 4, so padded and row-sliced arrays cross without a copy.
    Any other numeric array or sequence (float64, int, a column slice, a transposed or
    Fortran-ordered array, a list) is converted to a C-contiguous float32 copy, unless
    ``strict``: then it is refused (:class:`optima.ArgumentError`, naming the argument and
    why it would be copied). Anything else is refused with a TypeError or ValueError
    naming the argument.
    """
    if not isinstance(value, np.ndarray):
        try:
            value = np.asarray(value)
        except (TypeError, ValueError) as exc:
            raise TypeError("optima: argument '%s' is not array-like: %s" % (name, exc)) from None
    kind = value.dtype.kind
    if kind not in "fiu":
        raise TypeError("optima: argument '%s' must hold real numbers, got dtype %s"
                        % (name, value.dtype))
    if value.ndim != 2:
        raise ValueError("optima: argument '%s' must be 2-D (rows x cols), got shape %s"
                         % (name, value.shape))
    if not _viewable(value):
        if strict:
            raise ArgumentError("optima: argument '%s' would be copied (strict=True): %s; pass "
                                "a float32 array whose rows are contiguous"
                                % (name, _why_copied(value)))
        value = np.ascontiguousarray(value, dtype=_F32)
    return value


def _why_copied(a):
    if a.dtype != _F32:
        return "dtype %s, not float32" % a.dtype
    if not a.dtype.isnative:
        return "byte order not native"
    if a.ctypes.data % _F32.itemsize:
        return "data not aligned to 4 bytes"
    return "rows not contiguous (strides %s)" % (a.strides,)


def _viewable(a):
    if a.dtype != _F32 or not a.dtype.isnative:
        return False
    if a.ctypes.data % _F32.itemsize:
        return False
    rows, cols = a.shape
    if cols > 1 and a.strides[1] != _F32.itemsize:
        return False
    if rows > 1 and (a.strides[0] < 0 or a.strides[0] % _F32.itemsize
                     or a.strides[0] // _F32.itemsize < cols):
        return False
    return True


def row_stride(a):
    """The row stride in floats of an array as_matrix() returned."""
    rows, cols = a.shape
    if rows > 1:
        return a.strides[0] // _F32.itemsize
    return max(cols, 1)


def view(a):
    """An optima_tensor over ``a`` (an array from as_matrix()); ``a`` must stay alive."""
    return Tensor(a.ctypes.data_as(c_float_p), a.shape[0], a.shape[1], row_stride(a))


def tensor(value, name, strict=False):
    """(array, optima_tensor) for an input; keep the array alive during the call."""
    a = as_matrix(value, name, strict)
    return a, view(a)


def mask_bytes(mask, rows, name="mask"):
    """None, or a contiguous uint8 array of exactly ``rows`` entries (non-zero = counts).

    The library cannot know the mask's length, so it is checked here.
    """
    if mask is None:
        return None, None
    m = np.asarray(mask)
    if m.dtype.kind not in "biu":
        raise TypeError("optima: argument '%s' must hold booleans or integers, got dtype %s"
                        % (name, m.dtype))
    m = m.reshape(-1)
    if m.shape[0] != rows:
        raise ValueError("optima: argument '%s' must have %d entries (one per row), got %d"
                         % (name, rows, m.shape[0]))
    m = np.ascontiguousarray(m != 0, dtype=np.uint8)
    return m, m.ctypes.data_as(c_u8_p)


def out_matrix(rows, cols, given=None, name="out", inputs=()):
    """A C-contiguous float32 output of shape (rows, cols) and its pointer.

    ``given`` None: a fresh array. Otherwise ``given`` is the caller's array (NumPy's
    ``out=``), used as is after checking that it is an ndarray of dtype float32 in native
    byte order, of exactly that shape, C-contiguous, writeable, and that it overlaps none
    of ``inputs`` (arrays, or None): a refusal names ``name``.
    """
    if given is None:
        a = np.empty((rows, cols), dtype=_F32)
        return a, a.ctypes.data_as(c_float_p)
    if not isinstance(given, np.ndarray):
        raise ArgumentTypeError("optima: argument '%s' must be a numpy.ndarray, got %s"
                                % (name, type(given).__name__))
    if given.dtype != _F32 or not given.dtype.isnative:
        raise ArgumentTypeError("optima: argument '%s' must have dtype float32 (native byte "
                                "order), got %s" % (name, given.dtype))
    if given.shape != (rows, cols):
        raise ArgumentError("optima: argument '%s' must have shape %s, got %s"
                            % (name, (rows, cols), given.shape))
    if not given.flags.c_contiguous:
        raise ArgumentError("optima: argument '%s' must be C-contiguous" % name)
    if not given.flags.writeable:
        raise ArgumentError("optima: argument '%s' must be writeable" % name)
    for other_name, other in inputs:
        # Bounds overlap, O(1): an output interleaved with a strided input is refused too.
        if other is not None and np.may_share_memory(given, other):
            raise ArgumentError("optima: argument '%s' overlaps argument '%s'"
                                % (name, other_name))
    return given, given.ctypes.data_as(c_float_p)


class _LibraryBuffer:
    """The base of a NumPy view of library memory: it exports the memory read-only and
    holds the owning handle's memory (optima._handle) until the last view is gone."""

    __slots__ = ("__array_interface__", "__weakref__")


def library_view(t, owner, writeable=False):
    """A NumPy view of a library-owned ``optima_tensor`` (None when empty), read-only
    unless ``writeable``.

    The view keeps ``owner``'s memory (the handle the buffer belongs to) from being freed
    while it, or any array made from it, is alive; its values are those of the buffer,
    which the library overwrites at the owner's next compute.
    """
    if not t.data or t.rows == 0 or t.cols == 0:
        return None
    base = _LibraryBuffer()
    base.__array_interface__ = {
        "version": 3, "typestr": _F32.str, "shape": (t.rows, t.cols),
        "strides": (t.row_stride * _F32.itemsize, _F32.itemsize),
        "data": (ctypes.cast(t.data, ctypes.c_void_p).value, not writeable),
    }
    release = owner._hold()
    finalizer = weakref.finalize(base, release)
    finalizer.atexit = False  # at exit the library may be gone; the process frees all
    return np.asarray(base)


def wrap_buffer(ptr, rows, cols):
    """A NumPy array over library memory (rows x cols, contiguous); no copy."""
    if not ptr or rows == 0 or cols == 0:
        return None
    return np.ctypeslib.as_array(ctypes.cast(ptr, c_float_p), shape=(rows, cols))
