"""optima.Error and its argument subclasses, the status codes, and the one place statuses
become exceptions."""

import enum

from ._native import lib


class Status(enum.IntEnum):
    """The library's status codes (status.h); values are fixed forever."""

    OK = 0
    EINVAL = 1
    ENOMEM = 2
    EOVERFLOW = 3
    ESHAPE = 4
    ENONFINITE = 5
    ESTATE = 6
    ECALLBACK = 7
    EIO = 8
    EFORMAT = 9
    ECHECKSUM = 10
    EVERSION = 11
    EMISMATCH = 12
    ENOTFOUND = 13
    EUNSUPPORTED = 14
    EINTERNAL = 15


class Error(Exception):
    """A call into liboptima failed.

    Attributes:
        status: the status code (an int; a :class:`Status` when the code is known).
        message: the library's message, naming the function and the argument at fault.
    """

    def __init__(self, status, message):
        try:
            status = Status(status)
        except ValueError:
            pass
        self.status = status
        self.message = message
        name = lib.optima_status_string(int(status)).decode("utf-8", "replace")
        super().__init__("%s (%s)" % (message or name, name))


def message_of(handle_error=None):
    """The message of the failure that just happened on this thread.

    Every failing call records its message in the calling thread's slot (status.h); the
    handle's own slot, when given, is the fallback.
    """
    text = lib.optima_last_error() or b""
    if not text and handle_error is not None:
        text = handle_error() or b""
    return text.decode("utf-8", "replace")


def check(status, handle_error=None):
    """Raise :class:`Error` for a non-zero status."""
    if status != 0:
        raise Error(status, message_of(handle_error))


class ArgumentError(Error, ValueError):
    """An argument was refused before reaching the library (e.g. an integer out of the
    range of its C type, NaN where the library cannot see it). Both an
    :class:`optima.Error` (status ``EINVAL``, ``.message`` naming the argument) and a
    ``ValueError``."""

    def __init__(self, message):
        super().__init__(Status.EINVAL, message)


class ArgumentTypeError(Error, TypeError):
    """An argument of the wrong type (e.g. a float where C takes an integer). Both an
    :class:`optima.Error` (status ``EINVAL``) and a ``TypeError``."""

    def __init__(self, message):
        super().__init__(Status.EINVAL, message)


def guard_error(message):
    """The error of a call refused by the in-use guard (optima._handle)."""
    return Error(Status.ESTATE, message)
