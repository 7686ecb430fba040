"""optima.Error and its subclasses, the status codes, and the one place statuses become
exceptions.

Each status family raises the subclass of :class:`Error` that is also the built-in
exception Python code expects for it, so that ``except ValueError`` and ``except
optima.Error`` both work:

=====================================  ==========================  ====================
status                                 class                       also a
=====================================  ==========================  ====================
EINVAL, ESHAPE, ENONFINITE, EOVERFLOW  :class:`ArgumentError`      ``ValueError``
ENOMEM                                 :class:`OutOfMemoryError`   ``MemoryError``
EIO                                    :class:`StreamError`        ``OSError``
ENOTFOUND                              :class:`NotFoundError`      ``LookupError``
any other                              :class:`Error`
=====================================  ==========================  ====================
"""

import enum
from typing import Callable, Optional, Union

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

    status: Union["Status", int]
    message: str

    def __init__(self, status: int, message: str) -> None:
        try:
            status = Status(status)
        except ValueError:
            pass
        self.status = status
        self.message = message
        name = lib.optima_status_string(int(status)).decode("utf-8", "replace")
        super().__init__("%s (%s)" % (message or name, name))


def message_of(handle_error: Optional[Callable[[], Optional[bytes]]] = None) -> str:
    """The message of the failure that just happened on this thread.

    Every failing call records its message in the calling thread's slot (status.h); the
    handle's own slot, when given, is the fallback.
    """
    text = lib.optima_last_error() or b""
    if not text and handle_error is not None:
        text = handle_error() or b""
    return text.decode("utf-8", "replace")


def check(status: int, handle_error: Optional[Callable[[], Optional[bytes]]] = None) -> None:
    """Raise the :class:`Error` of a non-zero status (:func:`error_for`)."""
    if status != 0:
        raise error_for(status, message_of(handle_error))


def error_for(status: int, message: str) -> "Error":
    """The exception of ``status``: the subclass of :class:`Error` of its family (the
    table at the top of this module), else :class:`Error` itself."""
    family = _FAMILIES.get(status)
    if family is None:
        return Error(status, message)
    return family(message, status)


class ArgumentError(Error, ValueError):
    """An invalid argument: refused by the library (``EINVAL``, ``ESHAPE``,
    ``ENONFINITE``, ``EOVERFLOW``) or before reaching it (status ``EINVAL``: e.g. an
    integer out of the range of its C type, NaN where the library cannot see it). Both an
    :class:`optima.Error` (``.message`` naming the argument) and a ``ValueError``."""

    def __init__(self, message: str, status: int = Status.EINVAL) -> None:
        super().__init__(status, message)


class ArgumentTypeError(Error, TypeError):
    """An argument of the wrong type (e.g. a float where C takes an integer). Both an
    :class:`optima.Error` (status ``EINVAL``) and a ``TypeError``."""

    def __init__(self, message: str) -> None:
        super().__init__(Status.EINVAL, message)


class OutOfMemoryError(Error, MemoryError):
    """The library could not allocate (``ENOMEM``; nothing was changed). Both an
    :class:`optima.Error` and a ``MemoryError``."""

    def __init__(self, message: str, status: int = Status.ENOMEM) -> None:
        super().__init__(status, message)


class StreamError(Error, OSError):
    """Reading or writing a file or stream failed (``EIO``). Both an
    :class:`optima.Error` and an ``OSError`` (whose ``errno`` is None: the library's
    status is ``.status``)."""

    def __init__(self, message: str, status: int = Status.EIO) -> None:
        super().__init__(status, message)


class NotFoundError(Error, LookupError):
    """A name or index that does not exist (``ENOTFOUND``). Both an :class:`optima.Error`
    and a ``LookupError``."""

    def __init__(self, message: str, status: int = Status.ENOTFOUND) -> None:
        super().__init__(status, message)


_FAMILIES = {
    Status.EINVAL: ArgumentError,
    Status.ESHAPE: ArgumentError,
    Status.ENONFINITE: ArgumentError,
    Status.EOVERFLOW: ArgumentError,
    Status.ENOMEM: OutOfMemoryError,
    Status.EIO: StreamError,
    Status.ENOTFOUND: NotFoundError,
}


def guard_error(message: str) -> Error:
    """The error of a call refused by the in-use guard (optima._handle)."""
    return Error(Status.ESTATE, message)
