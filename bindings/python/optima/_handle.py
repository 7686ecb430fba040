"""The life of a native handle: ownership, borrowing, close(), with, and GC."""

import ctypes
import weakref

from ._errors import check
from ._native import lib


class Handle:
    """Base of every wrapper around a C handle.

    A handle *owns* its pointer (freed by close(), by ``with`` and when collected) or
    *borrows* it from another handle (e.g. a trainer's loss), which then stays alive as
    long as the borrower. Handles record who depends on them (a model made from a
    context, a trainer made from models): closing a handle closes its dependents first,
    so that the C rule "destroy the handles before what they borrow" always holds and a
    Python program cannot make the library touch freed memory.
    """

    _destroy = None      # name of the C destroy function
    _last_error = None   # name of the C last_error function

    def __init__(self, ptr, parents=(), owned=True):
        self._ptr = ctypes.c_void_p(ptr)
        self._parents = tuple(parents)  # strong references: parents outlive us
        self._owned = owned
        self._dependents = weakref.WeakSet()
        for parent in self._parents:
            parent._dependents.add(self)

    @property
    def closed(self):
        """True once close() ran (or the owner was closed)."""
        return not self._ptr

    def close(self):
        """Free the handle (and first every handle that depends on it). Idempotent."""
        if not getattr(self, "_ptr", None):
            return
        for dependent in list(self._dependents):
            dependent.close()
        ptr, self._ptr = self._ptr, ctypes.c_void_p()
        if self._owned:
            getattr(lib, self._destroy)(ptr)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone already
            pass

    def _handle(self):
        if not self._ptr:
            raise ValueError("operation on a closed %s" % type(self).__name__)
        return self._ptr

    def _call(self, name, *args):
        """Call ``optima_<name>(handle, *args)`` and raise optima.Error on failure."""
        handle = self._handle()
        try:
            status = getattr(lib, name)(handle, *args)
        except ctypes.ArgumentError as exc:  # not a TypeError subclass before 3.12
            raise TypeError("optima: %s: %s" % (name, exc)) from None
        check(status, lambda: getattr(lib, self._last_error)(handle))

    def _get(self, name, ctype, *args):
        """Call a getter whose last argument is an out-parameter; return its value."""
        out = ctype()
        self._call(name, *args, ctypes.byref(out))
        return out.value

    @property
    def last_error(self):
        """The message of the last call that failed on this handle ("" if none)."""
        if not self._ptr:
            return ""
        return getattr(lib, self._last_error)(self._ptr).decode("utf-8", "replace")


def create(fn_name, *args):
    """Call a C create function whose last argument is ``T **out``; return the pointer."""
    out = ctypes.c_void_p()
    check(getattr(lib, fn_name)(*args, ctypes.byref(out)))
    return out.value
