"""Context and Model: settings, errors, and the life of handles (close, with, GC)."""

import gc
import weakref
import unittest

import optima


class ContextTest(unittest.TestCase):
    def test_threads_round_trip_and_out_of_range_raises_naming_threads(self):
        with optima.Context(threads=2) as ctx:
            self.assertEqual(ctx.threads, 2)
            with self.assertRaises(optima.Error) as cm:
                ctx.threads = 0
            self.assertEqual(cm.exception.status, optima.Status.EINVAL)
            self.assertIn("'threads'", cm.exception.message)
            self.assertIn("'threads'", ctx.last_error)
            self.assertEqual(ctx.threads, 2)

    def test_blis_arch_names_the_configuration_blis_runs(self):
        import os
        with optima.Context() as ctx:
            name = ctx.blis_arch
            self.assertIsInstance(name, str)
            self.assertTrue(name)
            # the test scripts pin generic or a named configuration through the variable
            if os.environ.get("BLIS_ARCH_TYPE") == "25":
                self.assertEqual(name, "generic")

    def test_non_integer_setting_is_a_type_error_not_a_crash(self):
        with optima.Context() as ctx:
            with self.assertRaises(TypeError):
                ctx.threads = "two"

    def test_close_is_idempotent_and_use_after_close_raises(self):
        ctx = optima.Context()
        ctx.close()
        ctx.close()
        self.assertTrue(ctx.closed)
        with self.assertRaisesRegex(ValueError, "closed Context"):
            ctx.threads = 1
        self.assertEqual(ctx.last_error, "")

    def test_closing_a_context_closes_the_handles_made_from_it_first(self):
        ctx = optima.Context()
        model = optima.Model("m", {"a": [3]}, context=ctx)
        sched = optima.Scheduler(2, context=ctx)
        ctx.close()
        self.assertTrue(model.closed)
        self.assertTrue(sched.closed)
        with self.assertRaises(ValueError):
            model.add_module("b")

    def test_unreferenced_handles_are_collected(self):
        ctx = optima.Context()
        model = optima.Model("m", context=ctx)
        ref = weakref.ref(model)
        del model
        gc.collect()
        self.assertIsNone(ref())
        self.assertEqual(len(ctx._dependents), 0)
        ctx.close()

    def test_log_level_out_of_range_raises(self):
        with optima.Context() as ctx:
            with self.assertRaises(optima.Error) as cm:
                ctx.set_log(print, 9)
            self.assertIn("'level'", cm.exception.message)


class ModelTest(unittest.TestCase):
    def test_model_built_from_a_dict_keeps_order_and_widths(self):
        with optima.Model("teacher", {"vision": [8, 8], "text": [6]}, logits=4) as m:
            self.assertEqual(m.name, "teacher")
            self.assertEqual(m.module_count, 2)
            self.assertEqual(m.module_name(1), "text")
            self.assertEqual(m.find_module("text"), 1)
            self.assertEqual(m.widths(0), [8, 8])
            self.assertEqual(m.logits_width, 4)

    def test_refusals_carry_status_and_message(self):
        with optima.Model("m", {"a": [3]}) as m:
            with self.assertRaises(optima.Error) as cm:
                m.add_module("a")
            self.assertEqual(cm.exception.status, optima.Status.EINVAL)
            with self.assertRaises(optima.Error) as cm:
                m.find_module("zzz")
            self.assertEqual(cm.exception.status, optima.Status.ENOTFOUND)
            with self.assertRaises(optima.Error) as cm:
                m.add_layer(5, 3)
            self.assertEqual(cm.exception.status, optima.Status.ENOTFOUND)
            with self.assertRaises(optima.Error) as cm:
                m.add_layer(0, 0)
            self.assertIn("'width'", str(cm.exception))

    def test_names_must_be_text_without_nul(self):
        with self.assertRaises(TypeError):
            optima.Model(b"bytes")
        with self.assertRaises(ValueError):
            optima.Model("a\0b")
        with self.assertRaises(optima.Error):
            optima.Model("")


class LayerMappingTest(unittest.TestCase):
    def test_uniform_and_explicit_mappings(self):
        self.assertEqual(optima.layer_mapping(optima.Mapping.UNIFORM, 2, 4), [1, 3])
        self.assertEqual(optima.layer_mapping(optima.Mapping.EXPLICIT, 2, 4, [0, 0]), [0, 0])
        with self.assertRaises(optima.Error) as cm:
            optima.layer_mapping(optima.Mapping.LAST, 5, 4)
        self.assertEqual(cm.exception.status, optima.Status.ESHAPE)


if __name__ == "__main__":
    unittest.main()
