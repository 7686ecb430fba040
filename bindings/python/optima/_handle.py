"""The life of a native handle: ownership, borrowing, close(), with, GC, and the in-use guard.

Why this module exists: C's rule is "destroy a handle before what it borrows, and never
while a call uses it". Python code cannot be trusted to order its close() calls (a
callback may close the trainer that is running it; the garbage collector frees a cycle in
any order), so the rule is kept here, by counting:

* A handle's memory is *held* by every call in flight on it, by every live NumPy view of
  its buffers, and by every handle made from it whose memory is not freed yet.
* close() makes the handle unusable from Python at once (and closes the handles made from
  it first), but the C destroy runs only when nothing holds the memory any
  more: at once in the usual case; when the call returns if a callback closed it; when
  the last view is dropped if NumPy views of its buffers are alive.
* While a call is in flight on a handle (e.g. ``Trainer.run()``), that handle, the
  handles made from it and the handles it was made from refuse every other call with
  :class:`optima.Error` (``Status.ESTATE``): the C headers forbid a callback to re-enter
  the handle that called it, and a call on a borrowed model or on the trainer's own loss
  could free memory the running call is using. Reads of a handle nothing can change
  meanwhile (a model's layers, a context's thread count) stay allowed (``_peek``).

With this, a Python program cannot make the library touch freed memory through a handle.
The one way left to read freed memory is a NumPy view of a gradient kept past its
documented life: the library moves a gradient buffer when a batch has more rows than any
before (see optima.Loss and optima.Trainer.student_grad).
"""

import ctypes
import threading
import weakref

from ._args import checked_args
from ._errors import check, guard_error
from ._native import lib

# One lock for the bookkeeping of every handle: a call's check-and-count and a close()'s
# check-and-free must not interleave with another thread's (ctypes releases the GIL
# during C calls). Re-entrant: a log sink may run inside a guarded section.
_lock = threading.RLock()


class Handle:
    """Base of every wrapper around a C handle.

    A handle *owns* its pointer (freed by close(), by ``with`` and when collected) or
    *borrows* it from another handle (e.g. a trainer's loss), which then stays alive as
    long as the borrower. Handles record who depends on them (a model made from a
    context, a trainer made from models): closing a handle closes its dependents first.

    close() never frees memory that is still in use: a handle closed inside a callback of
    a call that uses it (directly or through a handle made from it) becomes unusable at
    once and is freed when that call returns; a handle whose buffers are still viewed by
    NumPy arrays is freed when the last of those arrays is collected.
    """

    _destroy = None      # name of the C destroy function
    _last_error = None   # name of the C last_error function

    def __init__(self, ptr, parents=(), owned=True):
        held = ()
        if isinstance(ptr, Created):
            ptr, held = ptr.ptr, ptr.held
        self._ptr = ctypes.c_void_p(ptr)   # null once closed (for Python)
        self._native = ptr                 # null once destroyed (for C)
        self._owned = owned
        self._parents = tuple(parents)     # strong references: parents outlive us
        self._dependents = weakref.WeakSet()
        self._holds = 0      # calls in flight, live views, dependents not yet freed
        self._calls = 0      # calls in flight on this very handle
        self._inflight = 0   # calls in flight on this handle or on one made from it
        # This handle and every handle it was made from, transitively (parents never
        # change, so it is computed once).
        lineage = [self]
        for parent in self._parents:
            lineage += [h for h in parent._lineage if all(h is not seen for seen in lineage)]
        self._lineage = tuple(lineage)
        with _lock:
            for parent in self._parents:
                parent._dependents.add(self)
                parent._holds += 1
            # A parent closed during the create call (by a log sink) closes us too, as
            # closing it later would; its memory lives until we are freed.
            if any(parent.closed for parent in self._parents):
                self.close()
            for h in held:  # the create call's holds, kept until we hold our parents
                h._leave(False)

    @property
    def closed(self):
        """True once close() ran (or the owner was closed)."""
        return not self._ptr

    def close(self):
        """Close the handle, first every handle made from it. Idempotent; never raises.

        The memory is freed at once unless a call in flight still uses it (it is freed
        when that call returns: closing a trainer, or the models or context it uses,
        inside a run() callback stops the run at the next callback) or NumPy views of its
        buffers are alive (freed with the last view).
        """
        with _lock:
            if not getattr(self, "_ptr", None):
                return
            for dependent in list(self._dependents):
                dependent.close()
            self._ptr = ctypes.c_void_p()
            self._release(0)

    def _release(self, count=1):
        """Drop ``count`` holds; free the memory when closed and nothing holds it."""
        with _lock:
            self._holds -= count
            if self._ptr or self._holds > 0 or not self._native:
                return
            native, self._native = self._native, None
            if self._owned:
                getattr(lib, self._destroy)(ctypes.c_void_p(native))
            for parent in self._parents:
                parent._release()

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

    # ---- the in-use guard -------------------------------------------------------------

    def _enter(self, fn, exclusive):
        """Count a call on this handle; refuse it when it would re-enter a running call."""
        with _lock:
            ptr = self._handle()
            lineage = self._lineage
            if exclusive:
                busy = self._inflight > 0 or any(h._calls for h in lineage[1:])
                if busy:
                    raise guard_error(
                        "optima: %s: the %s is in use by a call in flight (a callback must not "
                        "call the handle that runs it, the handles made from it or those it "
                        "was made from)" % (fn, type(self).__name__))
                self._calls += 1
            for h in lineage:
                h._inflight += 1
            self._holds += 1
            return ptr

    def _leave(self, exclusive):
        with _lock:
            if exclusive:
                self._calls -= 1
            for h in self._lineage:
                h._inflight -= 1
            self._release()

    def _call(self, name, *args):
        """Call the C function ``name(handle, *args)``; raise optima.Error on failure.

        The call is guarded (see the module's docstring); integer arguments are
        range-checked against the prototype first (wrap a value in
        :class:`optima._args.arg` to name it in the message); handles among ``args`` are
        held for the call.
        """
        self._call_as(True, name, args)

    def _call_as(self, exclusive, name, args):
        handle = self._enter(name, exclusive)
        try:
            invoke(name, (handle,) + args, lambda: getattr(lib, self._last_error)(handle))
        finally:
            self._leave(exclusive)

    def _get(self, name, ctype, *args):
        """Call a getter whose last argument is an out-parameter; return its value."""
        out = ctype()
        self._call(name, *args, ctypes.byref(out))
        return out.value

    def _peek(self, name, ctype, *args):
        """Like :meth:`_get`, for a getter that only reads a handle nothing can change
        while it is in use (a model under its trainer, a context's settings): allowed
        while a call is in flight on the handle or on one made from it."""
        out = ctype()
        self._call_as(False, name, args + (ctypes.byref(out),))
        return out.value

    def _read(self, name):
        """Call the C function ``name(handle)``, which returns a value, not a status (it
        only reads: not exclusive)."""
        handle = self._enter(name, False)
        try:
            return getattr(lib, name)(handle)
        finally:
            self._leave(False)

    def _hold(self):
        """Hold the memory for a NumPy view; returns the function that drops the hold.

        Allowed while the memory exists, even once closed for Python (a callback of a
        call in flight may view buffers of a trainer an earlier callback closed)."""
        with _lock:
            if not self._native:
                raise ValueError("operation on a freed %s" % type(self).__name__)
            self._holds += 1
        return self._release

    @property
    def last_error(self):
        """The message of the last call that failed on this handle ("" if none).

        A call failing on the same handle in another thread at the same moment may be
        writing it (the library releases the GIL during calls): read it from the thread
        that owns the handle, or use the message of the :class:`optima.Error` raised,
        which is the thread's own."""
        with _lock:
            if not self._ptr:
                return ""
            return getattr(lib, self._last_error)(self._ptr).decode("utf-8", "replace")


def invoke(fn_name, args, handle_error=None, keep=False):
    """Call the C function ``fn_name(*args)``; raise optima.Error on a non-zero status.

    Every :class:`Handle` among ``args`` is held (not exclusively) for the call and
    replaced by its pointer: a callback (a log sink) closing it cannot free it under the
    call. Integer arguments are range-checked against the prototype (see
    :func:`optima._args.checked_args`). With ``keep``, a successful call returns those
    handles still held; the caller releases them (``h._leave(False)``).
    """
    fn = getattr(lib, fn_name)
    values = list(checked_args(fn_name, fn.argtypes, args))
    entered = []
    try:
        for i, value in enumerate(values):
            if isinstance(value, Handle):
                values[i] = value._enter(fn_name, False)
                entered.append(value)
        try:
            status = fn(*values)
        except ctypes.ArgumentError as exc:  # not a TypeError subclass before 3.12
            raise TypeError("optima: %s: %s" % (fn_name, exc)) from None
        check(status, handle_error)
    except BaseException:
        keep = False
        raise
    finally:
        if not keep:
            for h in entered:
                h._leave(False)
    return entered


class Created:
    """What :func:`create` returns, for :class:`Handle`'s constructor: the new pointer and
    the handles the create call held. They stay held until the new handle holds its
    parents, so that a parent closed during the call is not freed before its child."""

    __slots__ = ("ptr", "held")

    def __init__(self, ptr, held):
        self.ptr = ptr
        self.held = held


def create(fn_name, *args):
    """Call a C create function whose last argument is ``T **out``; return a
    :class:`Created` to pass to the handle's constructor at once.

    ``args`` may hold handles (held during the call) and plain values (range-checked).
    """
    out = ctypes.c_void_p()
    held = invoke(fn_name, args + (ctypes.byref(out),), keep=True)
    return Created(out.value, held)
