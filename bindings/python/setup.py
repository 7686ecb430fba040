"""Build steps pyproject.toml cannot declare: the version from the library's header, and
the record of where liboptima is installed.

- The version is that of include/optima/version.h (two folders up), read with
  optima/_version.py's own parser; the built package and the sdist carry a generated
  ``optima/_version.py`` holding the numbers, so that neither needs the header.
- When the library's directory is known at build time, ``optima/_install_paths.py``
  records it, and the installed package loads liboptima.so.1 from there without
  ``OPTIMA_LIBRARY`` or ``LD_LIBRARY_PATH`` (optima/_locate.py). It is ``$OPTIMA_LIB_DIR``
  when set, else the ``libdir`` that ``pkg-config optima`` reports (the optima.pc that
  ``cmake --install`` writes; set ``PKG_CONFIG_PATH`` for a prefix pkg-config does not
  search), provided that directory holds liboptima.so.1. Otherwise nothing is recorded
  and the package looks where it always does (``$OPTIMA_LIBRARY``, beside the package,
  the system loader).
"""

import importlib.util
import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = os.path.dirname(os.path.abspath(__file__))
SONAME = "liboptima.so.1"


def _version_module():
    """optima/_version.py loaded on its own: importing the package would load the library."""
    spec = importlib.util.spec_from_file_location(
        "optima_version_source", os.path.join(HERE, "optima", "_version.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


VERSION_TUPLE = _version_module().VERSION_TUPLE
VERSION = "%d.%d.%d" % VERSION_TUPLE


def _write(path, text):
    if os.path.islink(path) or os.path.exists(path):
        os.remove(path)  # a hard link to the source file must not be written through
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)


def write_version(package_dir):
    _write(os.path.join(package_dir, "_version.py"),
           '"""Written by setup.py from include/optima/version.h. Do not edit."""\n\n'
           "#: (major, minor, patch) of the library this package was written for.\n"
           "VERSION_TUPLE = %r\n" % (VERSION_TUPLE,))


def installed_library_dir():
    """The directory of an installed liboptima.so.1 ($OPTIMA_LIB_DIR, else pkg-config), or
    None; why, as a message."""
    explicit = os.environ.get("OPTIMA_LIB_DIR")
    if explicit:
        where, libdir = "$OPTIMA_LIB_DIR", explicit
    else:
        pkg_config = os.environ.get("PKG_CONFIG") or shutil.which("pkg-config")
        if not pkg_config:
            return None, "no pkg-config found"
        try:
            done = subprocess.run([pkg_config, "--variable=libdir", "optima"],
                                  capture_output=True, text=True, check=False)
        except OSError as exc:
            return None, "cannot run %s: %s" % (pkg_config, exc)
        if done.returncode != 0 or not done.stdout.strip():
            return None, "pkg-config knows no optima"
        where, libdir = "pkg-config optima", done.stdout.strip()
    libdir = os.path.abspath(libdir)
    if not os.path.exists(os.path.join(libdir, SONAME)):
        return None, "%s: %s holds no %s" % (where, libdir, SONAME)
    return libdir, "%s: %s" % (where, libdir)


def write_install_paths(package_dir):
    target = os.path.join(package_dir, "_install_paths.py")
    libdir, why = installed_library_dir()
    if libdir is None:
        if os.path.exists(target):
            os.remove(target)  # left by an earlier build
        print("optima: no library directory recorded (%s); the package will look at "
              "$OPTIMA_LIBRARY, beside itself and the system loader" % why)
        return
    print("optima: recording the library directory (%s)" % why)
    _write(target,
           '"""Written by setup.py (pip install): where liboptima was found at build '
           'time. Do not edit."""\n\n'
           "#: The library directory, absolute.\nLIBRARY_DIR = %r\n" % libdir)


class BuildPy(build_py):
    def run(self):
        super().run()
        package_dir = os.path.join(self.build_lib, "optima")
        write_version(package_dir)
        write_install_paths(package_dir)


class Sdist(sdist):
    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        write_version(os.path.join(base_dir, "optima"))


# The packages here rather than in pyproject.toml's [tool.setuptools], which setuptools
# 66 (Debian 12) still calls beta and warns about.
setup(version=VERSION, packages=["optima", "optima.torch"],
      package_data={"optima": ["py.typed"]},
      cmdclass={"build_py": BuildPy, "sdist": Sdist})
