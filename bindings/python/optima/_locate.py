"""Finding liboptima.so.1: where the package looks, in order, and what it says when the
library is nowhere.

1. ``$OPTIMA_LIBRARY`` (a path; when set, nothing else is tried);
2. next to the package (``optima/liboptima.so.1`` or beside the ``optima`` folder);
3. the library directory recorded when this package was installed
   (``optima/_install_paths.py``, generated then; absent from the source tree): by
   ``cmake --install``, first relative to the package, so that a moved prefix still
   works, then the absolute path; by ``pip install`` (setup.py), the absolute path of the
   library ``$OPTIMA_LIB_DIR`` or ``pkg-config optima`` pointed to at build time;
4. the system loader (``LD_LIBRARY_PATH``, ``ld.so.cache``, which needs ``ldconfig``
   after an install to a new directory).
"""

import ctypes
import ctypes.util
import os
from typing import List

_HERE = os.path.dirname(os.path.abspath(__file__))


def recorded_library_dirs() -> List[str]:
    """The library directories the install recorded (none outside an install)."""
    try:
        from . import _install_paths as paths
    except ImportError:
        return []
    dirs = [paths.LIBRARY_DIR]
    relative = getattr(paths, "LIBRARY_DIR_FROM_PACKAGE", None)  # cmake --install only
    if relative is not None:
        dirs.insert(0, os.path.normpath(os.path.join(_HERE, relative)))
    return [d for i, d in enumerate(dirs) if d not in dirs[:i]]


def _places(soname):
    """(where, what to load, whether it is a file that must exist) in search order."""
    dirs = [("next to the package", d) for d in (_HERE, os.path.dirname(_HERE))]
    dirs += [("recorded by the install", d) for d in recorded_library_dirs()]
    places = [(where, os.path.join(d, soname), True) for where, d in dirs]
    places.append(("the system loader (LD_LIBRARY_PATH, ld.so.cache)", soname, False))
    system = ctypes.util.find_library("optima")
    if system and system != soname:
        places.append(("ld.so.cache", system, False))
    return places


def load_library(soname):
    """(ctypes.CDLL, path) of the first loadable candidate; ImportError listing every place
    looked at and why it failed."""
    explicit = os.environ.get("OPTIMA_LIBRARY")
    if explicit:
        try:
            return ctypes.CDLL(explicit), explicit
        except OSError as exc:
            raise ImportError("optima: cannot load $OPTIMA_LIBRARY=%s: %s" % (explicit, exc)) \
                from None
    looked = ["$OPTIMA_LIBRARY: not set"]
    for where, path, is_file in _places(soname):
        if is_file and not os.path.exists(path):
            looked.append("%s: %s: no such file" % (where, path))
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as exc:
            looked.append("%s: %s" % (where, exc))
    raise ImportError(
        "optima: cannot find %s. Looked at:\n  %s\nSet OPTIMA_LIBRARY to the library's path; "
        "after 'cmake --install' to a prefix the loader does not search, run ldconfig "
        "(as root, for that prefix's library directory) or add the directory to "
        "LD_LIBRARY_PATH, or install the Python package with the library "
        "(-DOPTIMA_INSTALL_PYTHON=ON), which records where it is."
        % (soname, "\n  ".join(looked)))
