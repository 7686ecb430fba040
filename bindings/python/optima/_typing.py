"""Type aliases of the public signatures (PEP 484; the package ships ``py.typed``)."""

import os
from typing import Tuple, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: A float32 array the library wrote or reads (a copy or a read-only view).
FloatArray = NDArray[np.float32]
#: A module given by its index or its name.
ModuleRef = Union[int, str]
#: A file-system path.
PathArg = Union[str, bytes, os.PathLike]
#: (loss, gradient wrt the student, gradient wrt the projection or None).
HiddenLossResult = Tuple[float, FloatArray, Union[FloatArray, None]]

__all__ = ["ArrayLike", "FloatArray", "HiddenLossResult", "ModuleRef", "PathArg"]
