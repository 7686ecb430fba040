"""The package's version, which is the library's: the numbers of
include/optima/version.h, their one source.

In the source tree this module reads that header (three folders up from the package).
Installed copies carry a generated module with the numbers instead: ``pip install``
(setup.py) and ``cmake --install`` (cmake/OptimaWritePythonPaths.cmake) write it from the
same header, so that an installed package needs no header. ``read_header`` is also what
setup.py uses.
"""

import os
import re

_HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir,
                       os.pardir, "include", "optima", "version.h")


def read_header(path=_HEADER):
    """(major, minor, patch) of ``OPTIMA_VERSION_MAJOR/MINOR/PATCH`` in ``path``."""
    with open(path, encoding="utf-8") as header:
        text = header.read()
    numbers = []
    for part in ("MAJOR", "MINOR", "PATCH"):
        found = re.search(r"^#define OPTIMA_VERSION_%s (\d+)\s*$" % part, text, re.MULTILINE)
        if found is None:
            raise ValueError("%s defines no OPTIMA_VERSION_%s" % (path, part))
        numbers.append(int(found.group(1)))
    return tuple(numbers)


#: (major, minor, patch) of the library this package was written for.
VERSION_TUPLE = read_header()
