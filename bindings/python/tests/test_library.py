"""Loading the library, the version check, and the prototypes' agreement with the exports."""

import os
import re
import subprocess
import sys
import unittest

import optima
from optima import _native

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)
SYMBOLS = os.path.join(PACKAGE_ROOT, "..", "..", "docs", "symbols-in-versions")


def run_python(code, **env):
    full = dict(os.environ, PYTHONPATH=PACKAGE_ROOT, **env)
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True,
                          text=True, timeout=60)


class FakeLib:
    def __init__(self, number):
        self.number = number

    def optima_version_number(self):
        return self.number

    def optima_version_string(self):
        return b"%d.%d.%d" % (self.number // 10000, self.number // 100 % 100, self.number % 100)


class LibraryTest(unittest.TestCase):
    def test_loaded_version_matches_the_one_written_for(self):
        self.assertEqual(optima.VERSION_NUMBER // 10000, optima.WRITTEN_FOR // 10000)
        self.assertGreaterEqual(optima.VERSION_NUMBER, optima.WRITTEN_FOR)
        self.assertRegex(optima.library_version, r"^\d+\.\d+\.\d+$")

    def test_package_version_is_the_headers_and_this_builds_library(self):
        header = os.path.join(PACKAGE_ROOT, "..", "..", "include", "optima", "version.h")
        with open(header, encoding="utf-8") as f:
            text = f.read()
        numbers = [re.search(r"#define OPTIMA_VERSION_%s (\d+)" % part, text).group(1)
                   for part in ("MAJOR", "MINOR", "PATCH")]
        self.assertEqual(optima.__version__, ".".join(numbers))
        self.assertEqual(optima.__version__, optima.library_version)  # built from that header
        major, minor, patch = map(int, numbers)
        self.assertEqual(optima.WRITTEN_FOR, major * 10000 + minor * 100 + patch)

    def test_version_check_refuses_another_major_or_an_older_minor(self):
        with self.assertRaisesRegex(ImportError, "major version 1"):
            _native._check_version(FakeLib(20000), "x.so")
        _native.WRITTEN_FOR, saved = 10100, _native.WRITTEN_FOR
        try:
            with self.assertRaisesRegex(ImportError, "at least 10100"):
                _native._check_version(FakeLib(10005), "x.so")
            self.assertEqual(_native._check_version(FakeLib(10203), "x.so"), 10203)
        finally:
            _native.WRITTEN_FOR = saved

    def test_optima_library_pointing_nowhere_fails_the_import_clearly(self):
        r = run_python("import optima", OPTIMA_LIBRARY="/nonexistent/liboptima.so.1")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ImportError", r.stderr)
        self.assertIn("OPTIMA_LIBRARY", r.stderr)

    def test_library_is_found_by_the_system_loader_without_optima_library(self):
        libdir = os.path.dirname(os.path.realpath(optima.LIBRARY_PATH))
        env = {k: v for k, v in os.environ.items() if k != "OPTIMA_LIBRARY"}
        env.update(PYTHONPATH=PACKAGE_ROOT, LD_LIBRARY_PATH=libdir)
        r = subprocess.run([sys.executable, "-c", "import optima; print(optima.library_version)"],
                           env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), optima.library_version)

    def test_every_bound_function_is_an_exported_symbol(self):
        with open(SYMBOLS, encoding="utf-8") as f:
            exported = {line.split()[0] for line in f if line.startswith("optima_")}
        bound = {name for name, _, _ in _native.PROTOTYPES}
        self.assertEqual(bound - exported, set())
        # What is exported and not bound yet is listed, so that it is a choice.
        # The callback getters return C function pointers: Python keeps the callables it
        # was given, so they are not bound.
        getters_not_bound_yet = {
            "optima_context_get_log", "optima_trainer_get_projection_callback",
            "optima_trainer_get_reduction"}
        unbound = exported - bound - getters_not_bound_yet - {
            "optima_context_create_with_allocator", "optima_scheduler_save",
            "optima_scheduler_load"}
        self.assertEqual(unbound, set(), "exported but not bound in Python")


if __name__ == "__main__":
    unittest.main()
