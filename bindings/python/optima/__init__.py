"""Python bindings of liboptima (module-wise adaptive knowledge distillation).

The shared library is found through $OPTIMA_LIBRARY, next to this package, in the library
directory recorded by ``cmake --install``, or through the system loader (optima._locate);
its version must have the major number this package was written for.

Quick tour::

    import numpy as np, optima
    loss, g_student, g_proj = optima.mse(student, teacher, projection)
    teacher = optima.Model("teacher", {"vision": [64, 64]}, logits=10)
    student = optima.Model("student", {"vision": [32]}, logits=10)
    with optima.Trainer(teacher, student) as trainer:
        trainer.add_pair("vision", "vision")
        trainer.run(my_callbacks, steps=100)

Every failure raises :class:`optima.Error` (``.status``, ``.message``), through the
subclass of its status family that is also the built-in exception Python code expects:
:class:`optima.ArgumentError` (a ``ValueError``) for invalid arguments, whether the
library or the binding (an integer out of its C type's range) refuses them,
:class:`optima.OutOfMemoryError` (a ``MemoryError``), :class:`optima.StreamError` (an
``OSError``) and :class:`optima.NotFoundError` (a ``LookupError``); see ``optima._errors``. Handles
are never freed while a call uses them (see ``optima._handle``).
"""

from ._errors import (ArgumentError, ArgumentTypeError, Error, NotFoundError, OutOfMemoryError,
                      Status, StreamError)
from ._version import VERSION_TUPLE as _VERSION_TUPLE
from ._native import LIBRARY_PATH, VERSION_NUMBER, WRITTEN_FOR, lib as _lib
from .context import Context, LogLevel, default_context
from .functional import attention_mse, cosine, kl, layer_mapping, mse
from .loss import Loss, LossKind, Mapping, ProjectionInit, ProjectionMode
from .model import Model
from .scheduler import ArmSet, History, Policy, Scheduler
from .trainer import (DType, LayerRef, LogFormat, Optimizer, Reduce, RewardKind, RewardSource,
                      RewardTrend, RoundRecord, RunCallbacks, Side, StopRun, Trainer, TrainerMode)

#: Version string of the loaded library, e.g. "1.0.0".
library_version = _lib.optima_version_string().decode()

#: The package's version: the library version it was written for (include/optima/version.h).
__version__ = "%d.%d.%d" % _VERSION_TUPLE

__all__ = [
    "ArgumentError", "ArgumentTypeError", "ArmSet", "Context", "DType", "Error", "History",
    "LayerRef", "LogFormat", "LogLevel", "Loss", "LossKind", "Mapping", "Model",
    "NotFoundError", "Optimizer", "OutOfMemoryError", "Policy", "ProjectionInit",
    "ProjectionMode", "Reduce", "RewardKind",
    "RewardSource", "RewardTrend", "RoundRecord", "RunCallbacks", "Scheduler", "Side", "Status",
    "StopRun", "StreamError", "Trainer", "TrainerMode", "attention_mse", "cosine", "default_context", "kl",
    "layer_mapping", "library_version", "mse", "LIBRARY_PATH", "VERSION_NUMBER",
    "WRITTEN_FOR",
]
