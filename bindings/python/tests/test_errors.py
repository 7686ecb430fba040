"""Failures raise the subclass of optima.Error of their status family, which is also the
built-in exception Python code expects (ValueError, MemoryError, OSError, LookupError)."""

import os
import tempfile
import unittest

import numpy as np

import optima
from optima import _errors


class ErrorFamilyTest(unittest.TestCase):
    def assert_family(self, call, status, family, builtin, naming):
        with self.assertRaises(builtin) as caught:
            call()
        error = caught.exception
        self.assertIs(type(error), family)
        self.assertIsInstance(error, optima.Error)
        self.assertEqual(error.status, status)
        self.assertIn(naming, error.message)

    def test_invalid_argument_is_a_value_error(self):
        self.assert_family(lambda: optima.Scheduler(0), optima.Status.EINVAL,
                           optima.ArgumentError, ValueError, "'num_modules'")

    def test_shape_mismatch_is_a_value_error(self):
        student, teacher = np.ones((3, 4), np.float32), np.ones((3, 5), np.float32)
        self.assert_family(lambda: optima.mse(student, teacher), optima.Status.ESHAPE,
                           optima.ArgumentError, ValueError, "'teacher'")

    def test_non_finite_input_is_a_value_error(self):
        student = np.ones((3, 4), np.float32)
        student[1, 2] = np.nan
        self.assert_family(lambda: optima.mse(student, np.ones((3, 4), np.float32)),
                           optima.Status.ENONFINITE, optima.ArgumentError, ValueError,
                           "'student'")

    def test_unknown_name_or_index_is_a_lookup_error(self):
        model = optima.Model("teacher", {"vision": [4]}, logits=3)
        self.assert_family(lambda: model.find_module("audio"), optima.Status.ENOTFOUND,
                           optima.NotFoundError, LookupError, "'name'")
        self.assert_family(lambda: model.layer_width(0, 7), optima.Status.ENOTFOUND,
                           optima.NotFoundError, LookupError, "'layer'")
        model.close()

    def test_file_that_cannot_be_opened_is_an_os_error(self):
        teacher = optima.Model("teacher", {"vision": [4]}, logits=3)
        student = optima.Model("student", {"vision": [4]}, logits=3)
        with optima.Trainer(teacher, student) as trainer, tempfile.TemporaryDirectory() as d:
            missing = os.path.join(d, "no-such-dir", "rounds.csv")
            self.assert_family(lambda: trainer.set_round_log(missing), optima.Status.EIO,
                               optima.StreamError, OSError, "'path'")

    def test_allocation_failure_is_a_memory_error(self):
        # The library's ENOMEM paths are covered by the C fault-injection tests; here the
        # one place statuses become exceptions is given that status.
        with self.assertRaises(MemoryError) as caught:
            _errors.check(optima.Status.ENOMEM, lambda: b"optima_x: out of memory")
        self.assertIs(type(caught.exception), optima.OutOfMemoryError)
        self.assertEqual(caught.exception.status, optima.Status.ENOMEM)

    def test_other_statuses_are_plain_errors(self):
        for status in (optima.Status.ESTATE, optima.Status.EFORMAT, optima.Status.EINTERNAL,
                       99):
            error = _errors.error_for(status, "optima_x: failed")
            self.assertIs(type(error), optima.Error, status)
            self.assertEqual(int(error.status), int(status))

    def test_every_family_class_is_exported_and_an_error(self):
        for family in set(_errors._FAMILIES.values()):
            self.assertIs(getattr(optima, family.__name__), family)
            self.assertTrue(issubclass(family, optima.Error))


if __name__ == "__main__":
    unittest.main()
