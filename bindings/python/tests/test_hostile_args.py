"""Hostile arguments through the Python API, table-driven: each bad call raises the
promised exception with a message naming the argument, and changes nothing.

Integers used to cross into C through ctypes' masking conversions: ``round_length =
2**32 + 3`` read back as 3, ``set_history(2**32 + 7)`` was accepted, ``set_pair_weight(2**64
+ 1, ...)`` changed pair 1. They are now checked against their C type first
(optima.ArgumentError: an optima.Error with status EINVAL and a ValueError). Floats go to
the library, which refuses NaN naming the argument; where the binding writes into the
library's memory itself (Loss.set_projection) it refuses NaN itself.
"""

import math
import os
import tempfile
import unittest

import numpy as np

import optima
from host import LinearHost, make_trainer

NAN = math.nan
U32, U64, I32 = 2 ** 32, 2 ** 64, 2 ** 31
F32 = np.float32

ARG = optima.ArgumentError        # refused by the binding, before C
TYPE = optima.ArgumentTypeError   # not an integer
LIB = optima.Error                # refused by the library (status EINVAL)


class Fixture:
    """The handles the table's calls use, built fresh for each case."""

    def __init__(self):
        self.ctx = optima.Context()
        self.host = LinearHost(self.ctx)
        self.teacher, self.student = self.host.teacher, self.host.student
        self.trainer = make_trainer(self.host, self.ctx)
        self.loss = optima.Loss.layerwise(optima.LossKind.MSE, self.student, 0, self.teacher, 0,
                                          context=self.ctx)
        self.sched = optima.Scheduler(3, context=self.ctx)
        self.model = optima.Model("free", {"a": [3]}, context=self.ctx)  # not in a trainer

    def close(self):
        self.ctx.close()


def m(rows, cols):
    return np.zeros((rows, cols), F32)


class NoBackward:
    """A duck-typed host without backward()."""

    def forward(self, step, needed, want_logits):
        return [], None, None


def end_step(f, task_loss):
    """A computed step of the fixture's trainer, ended with ``task_loss``."""
    f.host.computed_step(f.trainer)
    return f.trainer.end_step(task_loss)


NONFINITE = optima.Status.ENONFINITE

# (name, call, exception, argument named in the message[, status if not EINVAL]). The
# library's messages name the argument of the C function they name (e.g. 'alpha' of
# optima_trainer_set_alpha_pred); the binding's name the Python argument.
CASES = [
    # ---- context
    ("threads over int32", lambda f: setattr(f.ctx, "threads", I32), ARG, "threads"),
    ("threads 2**32 + 1 (wraps to 1)", lambda f: setattr(f.ctx, "threads", U32 + 1), ARG,
     "threads"),
    ("threads float", lambda f: setattr(f.ctx, "threads", 2.0), TYPE, "threads"),
    ("threads negative", lambda f: setattr(f.ctx, "threads", -1), LIB, "threads"),
    ("log level over int32", lambda f: f.ctx.set_log(print, U32 + 2), ARG, "level"),
    # ---- models
    ("add_layer module 2**64", lambda f: f.model.add_layer(U64, 3), ARG, "module"),
    ("add_layer width -1", lambda f: f.model.add_layer(0, -1), ARG, "width"),
    ("add_layer width 2**64 + 3", lambda f: f.model.add_layer(0, U64 + 3), ARG, "width"),
    ("add_layer width 0", lambda f: f.model.add_layer(0, 0), LIB, "width"),
    ("logits_width 2**64 + 4", lambda f: setattr(f.model, "logits_width", U64 + 4), ARG,
     "logits_width"),
    ("module_name -1", lambda f: f.model.module_name(-1), ARG, "module"),
    ("layer_count 2**64", lambda f: f.model.layer_count(U64), ARG, "module"),
    ("layer_width layer -1", lambda f: f.model.layer_width(0, -1), ARG, "layer"),
    ("layer_width layer float", lambda f: f.model.layer_width(0, 0.0), TYPE, "layer"),
    ("model name with NUL", lambda f: optima.Model("a\0b", context=f.ctx), ARG, "name"),
    ("model name bytes", lambda f: optima.Model(b"m", context=f.ctx), TYPE, "name"),
    ("module name with NUL", lambda f: f.model.add_module("x\0y"), ARG, "name"),
    # ---- stateless math
    ("layer_mapping style 2**32 + 1", lambda f: optima.layer_mapping(U32 + 1, 2, 4), ARG, "style"),
    ("layer_mapping student_layers -1", lambda f: optima.layer_mapping(1, -1, 4), ARG,
     "student_layers"),
    ("layer_mapping teacher_layers 2**64", lambda f: optima.layer_mapping(1, 2, U64), ARG,
     "teacher_layers"),
    ("layer_mapping table entry 2**64 + 1",
     lambda f: optima.layer_mapping(optima.Mapping.EXPLICIT, 2, 4, [0, U64 + 1]), ARG, "table[1]"),
    ("layer_mapping student_layers huge", lambda f: optima.layer_mapping(1, U64 - 1, 4), ARG,
     "student_layers"),
    ("attention heads 2**64 + 2",
     lambda f: optima.attention_mse(m(4, 2), m(4, 2), U64 + 2, 2), ARG, "heads"),
    ("attention queries -3", lambda f: optima.attention_mse(m(4, 2), m(4, 2), 2, -3), ARG,
     "queries"),
    ("kl temperature NaN", lambda f: optima.kl(m(2, 3), m(2, 3), temperature=NAN), LIB,
     "temperature"),
    # ---- losses
    ("loss kind 2**32 + 1 (wraps to MSE)",
     lambda f: optima.Loss.layerwise(U32 + 1, f.student, 0, f.teacher, 0, context=f.ctx), ARG,
     "kind"),
    ("loss student_module 2**64",
     lambda f: optima.Loss.layerwise(1, f.student, U64, f.teacher, 0, context=f.ctx), ARG,
     "student_module"),
    ("loss teacher_module -1",
     lambda f: optima.Loss.layerwise(1, f.student, 0, f.teacher, -1, context=f.ctx), ARG,
     "teacher_module"),
    ("set_layer_weight pair 2**64", lambda f: f.loss.set_layer_weight(U64, 1.0), ARG, "pair"),
    ("set_layer_weight weight a string", lambda f: f.loss.set_layer_weight(0, "1"), TYPE,
     "weight"),
    ("kl temperature a string", lambda f: optima.kl(m(2, 3), m(2, 3), temperature="2"), TYPE,
     "temperature"),
    ("set_layer_weight NaN", lambda f: f.loss.set_layer_weight(0, NAN), LIB, "weight"),
    ("loss weight NaN", lambda f: setattr(f.loss, "weight", NAN), LIB, "weight"),
    ("set_mapping style 2**32 + 3", lambda f: f.loss.set_mapping(U32 + 3), ARG, "style"),
    ("set_mapping table entry 2**64",
     lambda f: f.loss.set_mapping(optima.Mapping.EXPLICIT, [U64]), ARG, "table[0]"),
    ("set_projection_mode 2**32 + 1", lambda f: f.loss.set_projection_mode(U32 + 1), ARG, "mode"),
    ("init_projections init 2**32 + 1", lambda f: f.loss.init_projections(U32 + 1), ARG, "init"),
    ("init_projections seed 2**64", lambda f: f.loss.init_projections(1, U64), ARG, "seed"),
    ("init_projections seed -1", lambda f: f.loss.init_projections(1, -1), ARG, "seed"),
    ("pair index 2**64", lambda f: f.loss.pair(U64), ARG, "index"),
    ("projection pair -1", lambda f: f.loss.projection(-1), ARG, "pair"),
    ("projection_grad pair 2**64", lambda f: f.loss.projection_grad(U64), ARG, "pair"),
    ("pair_value pair -1", lambda f: f.loss.pair_value(-1), ARG, "pair"),
    ("loss student_grad pair 2**64", lambda f: f.loss.student_grad(U64), ARG, "pair"),
    ("set_projection NaN (written by the binding)",
     lambda f: f.loss.set_projection(0, np.full((4, 8), NAN)), ARG, "values"),
    ("set_projection inf (written by the binding)",
     lambda f: f.loss.set_projection(0, np.full((4, 8), np.inf)), ARG, "values"),
    # ---- scheduler
    ("scheduler num_modules 2**32 + 3",
     lambda f: optima.Scheduler(U32 + 3, context=f.ctx), ARG, "num_modules"),
    ("scheduler policy 2**32", lambda f: optima.Scheduler(2, U32, context=f.ctx), ARG, "policy"),
    ("scheduler seed 2**64", lambda f: optima.Scheduler(2, 0, U64, context=f.ctx), ARG, "seed"),
    ("window 2**32 + 7", lambda f: setattr(f.sched, "window", U32 + 7), ARG, "window"),
    ("history 2**32", lambda f: setattr(f.sched, "history", U32), ARG, "history"),
    ("arm_set 2**32 + 1", lambda f: setattr(f.sched, "arm_set", U32 + 1), ARG, "arm_set"),
    ("fixed_arm -1", lambda f: setattr(f.sched, "fixed_arm", -1), ARG, "fixed_arm"),
    ("discount NaN", lambda f: setattr(f.sched, "discount", NAN), LIB, "gamma"),
    ("set_arm_masks entry 2**32 + 1", lambda f: f.sched.set_arm_masks([1, U32 + 1]), ARG,
     "masks[1]"),
    ("module names with NUL (would name 'a')",
     lambda f: f.sched.set_module_names(["a\0b", "c", "d"]), ARG, "names[0]"),
    ("module names not text", lambda f: f.sched.set_module_names([1, 2, 3]), TYPE, "names[0]"),
    ("set_arm_masks None", lambda f: f.sched.set_arm_masks(None), TYPE, "masks"),
    ("load a str", lambda f: f.sched.load("state"), TYPE, "data"),
    ("load an int (would be 5 zero bytes)", lambda f: f.sched.load(5), TYPE, "data"),
    ("exploration a list", lambda f: setattr(f.sched, "exploration", [1.0]), TYPE, "exploration"),
    ("update arm 2**32", lambda f: f.sched.update(U32, 0.1), ARG, "arm"),
    ("update reward NaN", lambda f: f.sched.update(0, NAN), LIB, "reward", NONFINITE),
    ("arm_mask -1", lambda f: f.sched.arm_mask(-1), ARG, "arm"),
    ("find_arm mask 2**32 + 1", lambda f: f.sched.find_arm(U32 + 1), ARG, "mask"),
    ("arm_name 2**32", lambda f: f.sched.arm_name(U32), ARG, "arm"),
    ("arm_count 2**32", lambda f: f.sched.arm_count(U32), ARG, "arm"),
    ("arm_plays -1", lambda f: f.sched.arm_plays(-1), ARG, "arm"),
    ("policy_name 2**31", lambda f: optima.Scheduler.policy_name(I32), ARG, "policy"),
    # ---- trainer
    ("add_pair student_module 2**64", lambda f: f.trainer.add_pair(U64, 0), ARG, "student_module"),
    ("add_pair teacher_module -1", lambda f: f.trainer.add_pair(0, -1), ARG, "teacher_module"),
    ("add_pair kind 2**32 + 1", lambda f: f.trainer.add_pair(0, 0, U32 + 1), ARG, "kind"),
    ("pair_loss 2**64", lambda f: f.trainer.pair_loss(U64), ARG, "pair"),
    ("set_pair_weight pair 2**64 + 1 (wraps to 1)",
     lambda f: f.trainer.set_pair_weight(U64 + 1, 0.5), ARG, "pair"),
    ("set_pair_weight NaN", lambda f: f.trainer.set_pair_weight(0, NAN), LIB, "weight"),
    ("round_length 2**32 + 3 (wraps to 3)",
     lambda f: setattr(f.trainer, "round_length", U32 + 3), ARG, "round_length"),
    ("round_length float", lambda f: setattr(f.trainer, "round_length", 3.0), TYPE,
     "round_length"),
    ("set_policy policy 2**32", lambda f: f.trainer.set_policy(U32), ARG, "policy"),
    ("set_policy seed 2**64", lambda f: f.trainer.set_policy(0, U64), ARG, "seed"),
    ("set_reward kind 2**32", lambda f: f.trainer.set_reward(U32), ARG, "kind"),
    ("set_reward source -2**31 - 1", lambda f: f.trainer.set_reward(0, -I32 - 1), ARG, "source"),
    ("set_optimizer kind 2**32 + 2", lambda f: f.trainer.set_optimizer(U32 + 2), ARG, "kind"),
    ("set_optimizer learning_rate NaN", lambda f: f.trainer.set_optimizer(0, NAN), LIB,
     "learning_rate"),
    ("set_optimizer_params beta1 a string", lambda f: f.trainer.set_optimizer_params(beta1="0.9"),
     TYPE, "beta1"),
    ("alpha_pred None", lambda f: setattr(f.trainer, "alpha_pred", None), TYPE, "alpha_pred"),
    ("set_history 2**32 + 7 (wraps to 7)", lambda f: f.trainer.set_history(U32 + 7), ARG, "rounds"),
    ("set_round_log fmt 2**32",
     lambda f: f.trainer.set_round_log(os.path.join(tempfile.gettempdir(), "x"), U32), ARG, "fmt"),
    ("alpha_pred NaN", lambda f: setattr(f.trainer, "alpha_pred", NAN), LIB, "alpha"),
    ("alpha_layer NaN", lambda f: setattr(f.trainer, "alpha_layer", NAN), LIB, "alpha"),
    ("set_temperature NaN", lambda f: f.trainer.set_temperature(NAN), LIB, "temperature"),
    ("set_hidden side 2**32", lambda f: f.trainer.set_hidden(U32, 0, 0, m(6, 4)), ARG, "side"),
    ("set_hidden module 2**64", lambda f: f.trainer.set_hidden(0, U64, 0, m(6, 4)), ARG, "module"),
    ("set_hidden layer -1", lambda f: f.trainer.set_hidden(0, 0, -1, m(6, 4)), ARG, "layer"),
    ("set_logits side 2**32 + 1", lambda f: f.trainer.set_logits(U32 + 1, m(6, 4)), ARG, "side"),
    ("pair_loss_value -1", lambda f: f.trainer.pair_loss_value(-1), ARG, "pair"),
    ("student_grad module 2**64", lambda f: f.trainer.student_grad(U64, 0), ARG, "module"),
    ("student_grad layer 2**64", lambda f: f.trainer.student_grad(0, U64), ARG, "layer"),
    ("run callbacks None", lambda f: f.trainer.run(None, 2), TYPE, "callbacks"),
    ("run callbacks without backward", lambda f: f.trainer.run(NoBackward(), 2), TYPE,
     "callbacks"),
    ("run steps 2**64", lambda f: f.trainer.run(f.host, U64), ARG, "steps"),
    ("run steps -1", lambda f: f.trainer.run(f.host, -1), ARG, "steps"),
    ("round_record 2**64", lambda f: f.trainer.round_record(U64), ARG, "round_index"),
    ("round_pair_loss pair 2**64", lambda f: f.trainer.round_pair_loss(0, U64), ARG, "pair"),
    ("round log path with NUL (would log to 'x')",
     lambda f: f.trainer.set_round_log(os.path.join(tempfile.gettempdir(), "x\0y")), ARG, "path"),
    ("save path with NUL", lambda f: f.trainer.save("ckpt\0.bin"), ARG, "path"),
    ("load path with NUL", lambda f: f.trainer.load("ckpt\0.bin"), ARG, "source"),
    ("load from an int", lambda f: f.trainer.load(5), TYPE, "source"),
    ("end_step task_loss NaN", lambda f: end_step(f, NAN), LIB, "task_loss", NONFINITE),
    ("submit_evaluation NaN", lambda f: f.trainer.submit_evaluation(NAN), LIB, "loss", NONFINITE),
]


class BadArgumentTableTest(unittest.TestCase):
    def test_every_bad_call_raises_the_promised_error_naming_the_argument(self):
        for name, call, expected, argument, *status in CASES:
            with self.subTest(case=name):
                f = Fixture()
                try:
                    with self.assertRaises(expected) as cm:
                        call(f)
                    err = cm.exception
                    self.assertIsInstance(err, optima.Error)
                    self.assertEqual(err.status, (status or [optima.Status.EINVAL])[0],
                                     err.message)
                    self.assertIn("'%s'" % argument, err.message)
                    if expected is ARG:
                        self.assertIsInstance(err, ValueError)
                    if expected is TYPE:
                        self.assertIsInstance(err, TypeError)
                finally:
                    f.close()

    def test_the_table_covers_every_kind_of_refusal(self):
        kinds = {case[2] for case in CASES}
        self.assertEqual(kinds, {ARG, TYPE, LIB})
        self.assertGreaterEqual(len(CASES), 55)


class NothingChangesTest(unittest.TestCase):
    """The issue's three reproductions: the refused value leaves the setting as it was."""

    def setUp(self):
        self.f = Fixture()

    def tearDown(self):
        self.f.close()

    def test_round_length_out_of_range_keeps_the_old_length(self):
        t = self.f.trainer
        with self.assertRaises(ValueError):
            t.round_length = 2 ** 32 + 3
        self.assertEqual(t.round_length, 2)
        with self.assertRaises(optima.Error) as cm:  # in range for C: the library decides
            t.round_length = 2 ** 32 - 1
        self.assertIn("'steps'", cm.exception.message)
        self.assertEqual(t.round_length, 2)

    def test_pair_weight_of_pair_two_to_the_64_plus_one_does_not_change_pair_one(self):
        ctx = self.f.ctx
        hosts = [LinearHost(ctx), LinearHost(ctx)]
        trainers = [make_trainer(h, ctx) for h in hosts]
        with self.assertRaises(ValueError):
            trainers[0].set_pair_weight(2 ** 64 + 1, 0.0)  # ctypes made it pair 1
        text_played = False
        for step in range(14):  # every one of the 7 arms is played once
            for t, h in zip(trainers, hosts):
                arm, _ = h.step(t, step)
            text_played |= bool(trainers[0].scheduler.arm_mask(arm) & 2)
            for w0, w1 in zip(hosts[0].sw, hosts[1].sw):
                np.testing.assert_array_equal(w0, w1)
        self.assertTrue(text_played)

    def test_history_of_two_to_the_32_plus_seven_is_refused(self):
        with self.assertRaises(ValueError) as cm:
            self.f.trainer.set_history(2 ** 32 + 7)
        self.assertIn("'rounds'", str(cm.exception))
        self.f.trainer.set_history(7)

    def test_numpy_integers_are_accepted_and_checked_like_ints(self):
        t = self.f.trainer
        t.round_length = np.uint64(5)
        self.assertEqual(t.round_length, 5)
        with self.assertRaises(optima.ArgumentError):
            t.round_length = np.uint64(2 ** 63)


if __name__ == "__main__":
    unittest.main()
