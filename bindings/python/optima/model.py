"""optima.Model: a description of a network (modules of layers with hidden widths)."""

from __future__ import annotations

import ctypes
from typing import Dict, List, Optional, Sequence

from ._args import arg, text
from ._errors import guard_error
from ._handle import Handle, create
from .context import Context, default_context


class Model(Handle):
    """A model description; holds no weights.

    ``Model("student", {"vision": [64, 64], "text": [32]}, logits=10)`` builds it at once;
    modules keep the dict's order. A trainer made from the model keeps it alive and
    freezes it: while the trainer is open the model refuses changes (``ESTATE``).
    """

    _destroy = "optima_model_destroy"
    _last_error = "optima_model_last_error"

    def __init__(self, name: str, modules: Optional[Dict[str, Sequence[int]]] = None,
                 logits: int = 0, context: Optional[Context] = None) -> None:
        context = context or default_context()
        ptr = create("optima_model_create", context, text(name, "name"))
        super().__init__(ptr, parents=(context,))
        for module, widths in (modules or {}).items():
            index = self.add_module(module)
            for width in widths:
                self.add_layer(index, width)
        if logits:
            self.logits_width = logits

    @property
    def name(self) -> str:
        """The model's name."""
        return self._read("optima_model_name").decode()

    def add_module(self, name: str) -> int:
        """Append a module; return its index."""
        self._refuse_while_borrowed("add_module")
        return self._get("optima_model_add_module", ctypes.c_size_t, text(name, "name"))

    def add_layer(self, module: int, width: int) -> int:
        """Append a layer of hidden width ``width`` to module ``module``; return its index."""
        self._refuse_while_borrowed("add_layer")
        return self._get("optima_model_add_layer", ctypes.c_size_t, arg("module", module),
                         arg("width", width))

    @property
    def logits_width(self) -> int:
        """Width of the prediction layer (0: none declared)."""
        return self._peek("optima_model_get_logits_width", ctypes.c_size_t)

    @logits_width.setter
    def logits_width(self, classes: int) -> None:
        self._refuse_while_borrowed("logits_width")
        self._call("optima_model_set_logits_width", arg("logits_width", classes))

    @property
    def module_count(self) -> int:
        """Number of modules."""
        return self._peek("optima_model_module_count", ctypes.c_size_t)

    def module_name(self, module: int) -> str:
        """Name of module ``module``."""
        return self._peek("optima_model_module_name", ctypes.c_char_p,
                         arg("module", module)).decode()

    def find_module(self, name: str) -> int:
        """Index of the module called ``name`` (optima.Error ENOTFOUND if none)."""
        return self._peek("optima_model_find_module", ctypes.c_size_t, text(name, "name"))

    def layer_count(self, module: int) -> int:
        """Number of layers of module ``module``."""
        return self._peek("optima_model_layer_count", ctypes.c_size_t, arg("module", module))

    def layer_width(self, module: int, layer: int) -> int:
        """Hidden width of layer ``layer`` of module ``module``."""
        return self._peek("optima_model_layer_width", ctypes.c_size_t, arg("module", module),
                         arg("layer", layer))

    def widths(self, module: int) -> List[int]:
        """The hidden widths of every layer of module ``module``."""
        return [self.layer_width(module, l) for l in range(self.layer_count(module))]

    def _refuse_while_borrowed(self, what):
        # A trainer borrows its models and relies on them not changing (trainer.h).
        if any(not d.closed for d in self._dependents):
            raise guard_error("optima: Model.%s: model '%s' is used by a trainer; it cannot "
                              "change until the trainer is closed" % (what, self.name))

