"""optima.Scheduler: the bandit that picks which modules to distill each round."""

from __future__ import annotations

import ctypes
import enum
from typing import Any, List, Optional, Sequence

from ._args import arg, integer, integers, text
from ._errors import ArgumentTypeError
from ._handle import Handle, create
from ._native import lib
from .context import Context, default_context


class Policy(enum.IntEnum):
    """Decision rules (scheduler.h)."""

    OPTIMA = 0
    ALL = 1
    RANDOM = 2
    ROUND_ROBIN = 3
    FIXED = 4
    UCB1 = 5
    THOMPSON = 6
    DISCOUNTED_THOMPSON = 7
    SLIDING_WINDOW_UCB = 8
    EXP3 = 9
    GLR_UCB = 10


class ArmSet(enum.IntEnum):
    """Which arms a scheduler offers."""

    ALL_SUBSETS = 0
    SINGLE_MODULES = 1
    EXPLICIT = 2


class History(enum.IntEnum):
    """How OPTIMA forgets old rewards."""

    WINDOW = 0
    DISCOUNT = 1
    CHANGE_POINT = 2


def _setting(name: str, ctype: Any, wrap: Optional[type] = None) -> property:
    """A property over optima_scheduler_get_<name> / optima_scheduler_set_<name>, typed as
    ``wrap`` (an enum) or the Python type of ``ctype``."""
    kind = wrap or (float if ctype is ctypes.c_double else int)

    def getter(self) -> Any:
        value = self._get("optima_scheduler_get_" + name, ctype)
        return wrap(value) if wrap else value

    def setter(self, value: Any) -> None:
        self._call("optima_scheduler_set_" + name, arg(name, value))

    getter.__annotations__["return"] = kind
    setter.__annotations__["value"] = kind

    return property(getter, setter, doc="The scheduler's '%s' setting (scheduler.h)." % name)


class Scheduler(Handle):
    """A scheduler over ``num_modules`` modules (every non-empty subset is an arm)."""

    _destroy = "optima_scheduler_destroy"
    _last_error = "optima_scheduler_last_error"

    def __init__(self, num_modules: int, policy: Policy = Policy.OPTIMA, seed: int = 0,
                 context: Optional[Context] = None, _borrow: Any = None) -> None:
        if _borrow is not None:  # a trainer's scheduler: owned by the trainer
            ptr, owner = _borrow
            super().__init__(ptr, parents=(owner,), owned=False)
            return
        context = context or default_context()
        ptr = create("optima_scheduler_create", context, arg("num_modules", num_modules),
                     arg("policy", policy), arg("seed", seed))
        super().__init__(ptr, parents=(context,))

    window = _setting("window", ctypes.c_uint32)
    history = _setting("history", ctypes.c_int32, wrap=History)
    arm_set = _setting("arm_set", ctypes.c_int32, wrap=ArmSet)
    discount = _setting("discount", ctypes.c_double)
    variance_floor = _setting("variance_floor", ctypes.c_double)
    fixed_variance = _setting("fixed_variance", ctypes.c_double)
    exploration = _setting("exploration", ctypes.c_double)
    exp3_gamma = _setting("exp3_gamma", ctypes.c_double)
    fixed_arm = _setting("fixed_arm", ctypes.c_uint32)
    forced_exploration = _setting("forced_exploration", ctypes.c_double)
    detector_confidence = _setting("detector_confidence", ctypes.c_double)
    detector_stride = _setting("detector_stride", ctypes.c_uint32)

    @staticmethod
    def policy_name(policy: Policy) -> str:
        """Printable name of a policy, e.g. ``"OPTIMA"``."""
        return lib.optima_scheduler_policy_name(integer(policy, ctypes.c_int32,
                                                        "policy")).decode()

    def set_arm_masks(self, masks: Sequence[int]) -> None:
        """Offer an explicit list of arms (module bit masks), in order."""
        arr, count = integers(masks, ctypes.c_uint32, "masks")
        self._call("optima_scheduler_set_arm_masks", arr, arg("len(masks)", count))

    def arm_masks(self) -> List[int]:
        """The module bit masks of all arms, in arm order."""
        count = ctypes.c_uint32()
        self._call("optima_scheduler_get_arm_masks", None, 0, ctypes.byref(count))
        arr = (ctypes.c_uint32 * max(count.value, 1))()
        self._call("optima_scheduler_get_arm_masks", arr, count.value, ctypes.byref(count))
        return list(arr[:count.value])

    def set_module_names(self, names: Optional[Sequence[str]]) -> None:
        """Name the modules (arms print as ``vision+text``); None removes the names."""
        names = [] if names is None else [text(n, "names[%d]" % i) for i, n in enumerate(names)]
        arr = (ctypes.c_char_p * max(len(names), 1))(*names)
        self._call("optima_scheduler_set_module_names", arr if names else None,
                   arg("len(names)", len(names)))

    @property
    def module_names(self) -> List[str]:
        """The module names set with :meth:`set_module_names` ([] when none)."""
        count = ctypes.c_int32()
        self._call("optima_scheduler_get_module_names", None, 0, ctypes.byref(count))
        arr = (ctypes.c_char_p * max(count.value, 1))()
        self._call("optima_scheduler_get_module_names", arr, count.value, ctypes.byref(count))
        return [arr[i].decode("utf-8") for i in range(count.value)]

    def select(self) -> int:
        """The arm for the next round."""
        return self._get("optima_scheduler_select", ctypes.c_uint32)

    def update(self, arm: int, reward: float) -> None:
        """Report the reward of the round played with ``arm``."""
        self._call("optima_scheduler_update", arg("arm", arm), arg("reward", reward))

    @property
    def num_modules(self) -> int:
        """K."""
        return self._get("optima_scheduler_get_num_modules", ctypes.c_int32)

    @property
    def policy(self) -> Policy:
        """One of :class:`Policy`."""
        return Policy(self._get("optima_scheduler_get_policy", ctypes.c_int32))

    @property
    def num_arms(self) -> int:
        """Number of arms."""
        return self._get("optima_scheduler_get_num_arms", ctypes.c_uint32)

    @property
    def rounds(self) -> int:
        """Completed rounds (successful updates)."""
        return self._get("optima_scheduler_get_rounds", ctypes.c_uint64)

    @property
    def restarts(self) -> int:
        """How many times the change detector restarted the memory."""
        return self._get("optima_scheduler_get_restarts", ctypes.c_uint64)

    def arm_mask(self, arm: int) -> int:
        """Module mask of an arm."""
        return self._get("optima_scheduler_get_arm_mask", ctypes.c_uint32, arg("arm", arm))

    def find_arm(self, mask: int) -> int:
        """The arm whose mask is ``mask``."""
        return self._get("optima_scheduler_find_arm", ctypes.c_uint32, arg("mask", mask))

    def arm_name(self, arm: int) -> str:
        """Printable name of an arm, e.g. ``vision+fusion``."""
        length = ctypes.c_size_t()
        self._call("optima_scheduler_get_arm_name", arg("arm", arm), None, 0,
                   ctypes.byref(length))
        buf = ctypes.create_string_buffer(length.value + 1)
        self._call("optima_scheduler_get_arm_name", arg("arm", arm), buf, len(buf),
                   ctypes.byref(length))
        return buf.value.decode()

    def arm_count(self, arm: int) -> float:
        """How many rewards of the arm the policy remembers."""
        return self._get("optima_scheduler_get_arm_count", ctypes.c_double, arg("arm", arm))

    def arm_mean(self, arm: int) -> float:
        """Mean remembered reward of the arm (NaN when none)."""
        return self._get("optima_scheduler_get_arm_mean", ctypes.c_double, arg("arm", arm))

    def arm_sample(self, arm: int) -> float:
        """Last Thompson sample of the arm (NaN before any)."""
        return self._get("optima_scheduler_get_arm_sample", ctypes.c_double, arg("arm", arm))

    def arm_plays(self, arm: int) -> int:
        """Rounds ever credited to the arm."""
        return self._get("optima_scheduler_get_arm_plays", ctypes.c_uint64, arg("arm", arm))

    def save(self) -> bytes:
        """The whole state as bytes (versioned, checksummed)."""
        size = ctypes.c_size_t()
        self._call("optima_scheduler_save_to_buffer", None, 0, ctypes.byref(size))
        buf = ctypes.create_string_buffer(max(size.value, 1))
        self._call("optima_scheduler_save_to_buffer", buf, size.value, ctypes.byref(size))
        return buf.raw[:size.value]

    def load(self, data: bytes) -> None:
        """Restore a state returned by :meth:`save`."""
        self._call("optima_scheduler_load_from_buffer", *_bytes(data, "data"))


def _bytes(data, name):
    """(bytes, length) of a bytes-like ``data``; a TypeError naming ``name`` otherwise
    (``bytes(5)`` would be five zero bytes)."""
    try:
        data = bytes(memoryview(data))
    except TypeError:
        raise ArgumentTypeError("optima: argument '%s' must be bytes-like, got %s"
                                % (name, type(data).__name__)) from None
    return data, len(data)
