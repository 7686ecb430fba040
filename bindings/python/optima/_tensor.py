"""NumPy arrays to optima_tensor views (without copies when the layout allows)."""

import ctypes

import numpy as np

from ._native import Tensor, c_float_p, c_u8_p

_F32 = np.dtype(np.float32)


def as_matrix(value, name):
    """Return ``value`` as a 2-D float32 array the library can view.

    A float32 array whose elements are contiguous within each row (strides[1] == 4) and
    whose rows are a non-negative whole number of floats apart is used as is: the view's
    row stride is strides[0] // 4, so padded and row-sliced arrays cross without a copy.
    Any other numeric array or sequence (float64, int, a column slice, a list) is
    converted to a C-contiguous float32 copy. Anything else is refused with a TypeError
    or ValueError naming the argument.
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
        value = np.ascontiguousarray(value, dtype=_F32)
    return value


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


def tensor(value, name):
    """(array, optima_tensor) for an input; keep the array alive during the call."""
    a = as_matrix(value, name)
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


def out_matrix(rows, cols):
    """A fresh C-contiguous float32 output and its pointer."""
    a = np.empty((rows, cols), dtype=_F32)
    return a, a.ctypes.data_as(c_float_p)


def copy_view(t):
    """A NumPy copy of a library-owned view (None for an empty view)."""
    if not t.data or t.rows == 0:
        return None
    # Only (rows - 1) * stride + cols floats are guaranteed to exist past data.
    extent = (t.rows - 1) * t.row_stride + t.cols
    flat = np.ctypeslib.as_array(t.data, shape=(extent,))
    strided = np.lib.stride_tricks.as_strided(
        flat, shape=(t.rows, t.cols), strides=(t.row_stride * _F32.itemsize, _F32.itemsize))
    return np.array(strided, dtype=_F32, copy=True)


def wrap_buffer(ptr, rows, cols):
    """A NumPy array over library memory (rows x cols, contiguous); no copy."""
    if not ptr or rows == 0 or cols == 0:
        return None
    return np.ctypeslib.as_array(ctypes.cast(ptr, c_float_p), shape=(rows, cols))
