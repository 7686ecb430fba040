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

Every failure raises :class:`optima.Error` (``.status``, ``.message``); an argument the
binding refuses before the call (an integer out of its C type's range) raises
:class:`optima.ArgumentError`, an ``optima.Error`` that is also a ``ValueError``. Handles
are never freed while a call uses them (see ``optima._handle``).
"""

from ._errors import ArgumentError, ArgumentTypeError, Error, Status
from ._native import LIBRARY_PATH, VERSION_NUMBER, WRITTEN_FOR, lib as _lib
from .context import Context, LogLevel, default_context
from .functional import attention_mse, cosine, kl, layer_mapping, mse
from .loss import Loss, LossKind, Mapping, ProjectionInit, ProjectionMode
from .model import Model
from .scheduler import ArmSet, History, Policy, Scheduler
from .trainer import (LayerRef, LogFormat, Optimizer, Reduce, RewardKind, RewardSource,
                      RewardTrend, RoundRecord, RunCallbacks, Side, StopRun, Trainer)

#: Version string of the loaded library, e.g. "1.0.0".
library_version = _lib.optima_version_string().decode()

__version__ = "1.1.0"

__all__ = [
    "ArgumentError", "ArgumentTypeError", "ArmSet", "Context", "Error", "History",
    "LayerRef", "LogFormat", "LogLevel", "Loss", "LossKind", "Mapping", "Model",
    "Optimizer", "Policy", "ProjectionInit", "ProjectionMode", "Reduce", "RewardKind",
    "RewardSource", "RewardTrend", "RoundRecord", "RunCallbacks", "Scheduler", "Side", "Status",
    "StopRun", "Trainer", "attention_mse", "cosine", "default_context", "kl",
    "layer_mapping", "library_version", "mse", "LIBRARY_PATH", "VERSION_NUMBER",
    "WRITTEN_FOR",
]
