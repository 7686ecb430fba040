"""Arguments crossing into C: every integer checked against the range of its C type.

ctypes converts Python integers with C's "mask" conversions: 2**32 + 3 becomes 3 in a
uint32_t, -1 becomes SIZE_MAX in a size_t. Every call of the package goes through
optima._handle.invoke, which checks each integer argument here, once, against the type of
the prototype it is passed to; a value is named by wrapping it in :class:`arg`.
"""

import ctypes
import numbers
import operator
import os

from ._errors import ArgumentError, ArgumentTypeError

_RANGES = {}
for _ctype in (ctypes.c_int8, ctypes.c_int16, ctypes.c_int32, ctypes.c_int64, ctypes.c_int,
               ctypes.c_long, ctypes.c_longlong):
    _RANGES[_ctype] = (-(1 << (8 * ctypes.sizeof(_ctype) - 1)),
                       (1 << (8 * ctypes.sizeof(_ctype) - 1)) - 1)
for _ctype in (ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32, ctypes.c_uint64,
               ctypes.c_uint, ctypes.c_ulong, ctypes.c_ulonglong, ctypes.c_size_t):
    _RANGES[_ctype] = (0, (1 << (8 * ctypes.sizeof(_ctype))) - 1)
_C_NAMES = {ctypes.c_int32: "int32", ctypes.c_uint32: "uint32", ctypes.c_uint64: "uint64",
            ctypes.c_size_t: "size_t"}


class arg:
    """``arg("round_length", value)``: a value passed to a C call under the name the
    Python API gives it, so that a refusal names it."""

    __slots__ = ("name", "value")

    def __init__(self, name, value):
        self.name = name
        self.value = value


def integer(value, ctype, name):
    """``value`` as a Python int within the range of ``ctype``.

    Raises :class:`ArgumentTypeError` for a non-integer (floats included: C would truncate
    them) and :class:`ArgumentError` for a value out of range, both naming ``name``.
    """
    try:
        number = operator.index(value)
    except TypeError:
        raise ArgumentTypeError("optima: argument '%s' must be an integer, got %s"
                                % (name, type(value).__name__)) from None
    low, high = _RANGES[ctype]
    if not low <= number <= high:
        raise ArgumentError("optima: argument '%s' must be an integer in [%d, %d] (%s), got %d"
                            % (name, low, high, _C_NAMES.get(ctype, ctype.__name__), number))
    return number


def integers(values, ctype, name):
    """(array, count): a ctypes array of ``ctype`` from an iterable of integers, each
    checked like :func:`integer` (named ``name[i]``), and their count. The array has at
    least one element, so that its address is valid even when there are none."""
    try:
        values = list(values)
    except TypeError:
        raise ArgumentTypeError("optima: argument '%s' must be a sequence of integers, got %s"
                                % (name, type(values).__name__)) from None
    checked = [integer(v, ctype, "%s[%d]" % (name, i)) for i, v in enumerate(values)]
    return (ctype * max(len(checked), 1))(*checked), len(checked)


def real(value, name):
    """``value`` as a Python float for a ``double``; :class:`ArgumentTypeError` naming
    ``name`` when it is not a real number (strings included). NaN and infinities pass:
    the library checks them and names its argument."""
    if not isinstance(value, (str, bytes)):
        try:
            return float(value)
        except (TypeError, ValueError):
            pass
    raise ArgumentTypeError("optima: argument '%s' must be a real number, got %s"
                            % (name, type(value).__name__))


def checked_args(fn_name, argtypes, args):
    """The values to pass to ``fn_name``: :class:`arg` wrappers unwrapped, every integer
    (wrapped or not) checked against the prototype's integer type, and every wrapped
    value for a ``double`` converted by :func:`real`. An unwrapped integer is named by its
    position, ``argument <n> of <function>``."""
    values = []
    for i, value in enumerate(args):
        name = None
        if isinstance(value, arg):
            name, value = value.name, value.value
        ctype = argtypes[i] if i < len(argtypes) else None
        if ctype in _RANGES and (name is not None or _is_integer(value)):
            value = integer(value, ctype, name or "argument %d of %s" % (i + 1, fn_name))
        elif ctype is ctypes.c_double and name is not None:
            value = real(value, name)
        values.append(value)
    return values


def _is_integer(value):
    return isinstance(value, numbers.Integral)


# ---- strings crossing into C -----------------------------------------------------------
# A C string ends at its first NUL: "a\0b" would silently reach the library as "a".

def text(value, name):
    """``value`` (a str) as UTF-8 bytes for a ``const char *``; a TypeError for a non-str
    and an :class:`ArgumentError` for an embedded NUL, naming ``name``."""
    if not isinstance(value, str):
        raise ArgumentTypeError("optima: argument '%s' must be a str, got %s"
                                % (name, type(value).__name__))
    return _no_nul(value.encode("utf-8"), name)


def path(value, name):
    """``value`` (str, bytes or os.PathLike) as file-system bytes; an embedded NUL is
    refused naming ``name``."""
    try:
        data = os.fsencode(value)
    except TypeError:
        raise ArgumentTypeError("optima: argument '%s' must be a path (str, bytes or "
                                "os.PathLike), got %s" % (name, type(value).__name__)) from None
    return _no_nul(data, name)


def _no_nul(data, name):
    if b"\0" in data:
        raise ArgumentError("optima: argument '%s' must not contain NUL characters" % name)
    return data
