"""optima.Context: allocator, thread count and log sink of every other handle."""

from __future__ import annotations

import ctypes
import enum
import sys
import threading
from typing import Callable, Optional

from ._args import arg
from ._handle import Handle, create
from ._native import LOG_FN


class LogLevel(enum.IntEnum):
    """Severity of a log message (context.h)."""

    ERROR = 1
    WARN = 2
    INFO = 3
    DEBUG = 4


class Context(Handle):
    """A liboptima context (C's malloc and free, 1 thread, no log sink by default).

    Handles made from a context keep it alive; closing the context closes them first.
    Closed inside a callback of a call that uses it (a log sink, a run() callback), it is
    freed when that call returns.
    """

    _destroy = "optima_context_destroy"
    _last_error = "optima_context_last_error"

    def __init__(self, threads: Optional[int] = None) -> None:
        super().__init__(create("optima_context_create"))
        self._log_fn = None  # the CFUNCTYPE object must live as long as the sink is set
        if threads is not None:
            self.threads = threads

    @property
    def threads(self) -> int:
        """Threads BLIS may use for this context's matrix products (1 to 1024)."""
        return self._peek("optima_context_get_threads", ctypes.c_int32)

    @threads.setter
    def threads(self, value: int) -> None:
        self._call("optima_context_set_threads", arg("threads", value))

    @property
    def blis_arch(self) -> str:
        """The name of the BLIS configuration this process runs (``"skx"``, ``"zen3"``,
        ``"generic"``, ...): chosen by BLIS at start-up or by ``BLIS_ARCH_TYPE``."""
        return self._peek("optima_context_get_blis_arch", ctypes.c_char_p).decode()

    def set_log(self, sink: Optional[Callable[[LogLevel, str], None]],
                level: LogLevel = LogLevel.WARN) -> None:
        """Send messages at ``level`` or more severe to ``sink(level, message)``.

        ``sink=None`` stops logging. An exception raised by the sink cannot stop the
        library; it is reported on stderr and otherwise ignored.
        """
        if sink is None:
            self._call("optima_context_set_log", LOG_FN(), None, arg("level", level))
            self._log_fn = None
            return

        def trampoline(_user, lvl, message):
            try:
                sink(LogLevel(lvl), message.decode("utf-8", "replace"))
            except BaseException as exc:  # never let an exception unwind through C
                print("optima: exception in log sink ignored: %r" % (exc,), file=sys.stderr)

        fn = LOG_FN(trampoline)
        self._call("optima_context_set_log", fn, None, arg("level", level))
        self._log_fn = fn


_default = None
_default_lock = threading.Lock()


def default_context() -> Context:
    """The module-wide context the stateless functions use, created on first use."""
    global _default
    with _default_lock:
        if _default is None or _default.closed:
            _default = Context()
        return _default
