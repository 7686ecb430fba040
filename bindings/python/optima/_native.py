"""Loading liboptima and declaring its C functions for ctypes.

Private module: the rest of the package calls the library only through ``lib`` and the
structures defined here. Every prototype below mirrors a declaration of the public
headers (include/optima/*.h); ctypes checks argument types against them, so a wrong
Python value is refused with a TypeError instead of reaching C.
"""

import ctypes

from ._locate import load_library
from ._version import VERSION_TUPLE

#: The library version this package was written for, as OPTIMA_VERSION_NUMBER computes it
#: (optima._version: the numbers of include/optima/version.h). A library with the same
#: major version and at least this number is accepted.
WRITTEN_FOR = VERSION_TUPLE[0] * 10000 + VERSION_TUPLE[1] * 100 + VERSION_TUPLE[2]

_SONAME = "liboptima.so.1"


# ---- frozen public structs (layouts pinned by static_asserts in the headers) ----------

class Tensor(ctypes.Structure):
    """``optima_tensor``: a read-only row-major float32 view."""

    _fields_ = [
        ("data", ctypes.POINTER(ctypes.c_float)),
        ("rows", ctypes.c_size_t),
        ("cols", ctypes.c_size_t),
        ("row_stride", ctypes.c_size_t),
    ]


class LayerRefStruct(ctypes.Structure):
    """``optima_layer_ref``: one hidden state a step needs."""

    _fields_ = [
        ("side", ctypes.c_uint32),
        ("module", ctypes.c_uint32),
        ("layer", ctypes.c_uint32),
        ("width", ctypes.c_uint32),
    ]


c_status = ctypes.c_int32
c_size_p = ctypes.POINTER(ctypes.c_size_t)
c_float_p = ctypes.POINTER(ctypes.c_float)
c_double_p = ctypes.POINTER(ctypes.c_double)
c_u8_p = ctypes.POINTER(ctypes.c_uint8)
Tensor_p = ctypes.POINTER(Tensor)
LayerRef_p = ctypes.POINTER(LayerRefStruct)

# Callback types, argument for argument as in the headers.
LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int32, ctypes.c_char_p)
WRITE_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
READ_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                           c_size_p)
PROJECTION_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint32,
                                 ctypes.c_uint32, c_float_p, c_float_p, ctypes.c_size_t,
                                 ctypes.c_size_t)
REDUCE_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int32, ctypes.c_int32,
                             ctypes.c_void_p, ctypes.c_size_t)
NEXT_BATCH_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64)
FORWARD_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64, LayerRef_p,
                              ctypes.c_size_t, Tensor_p, ctypes.c_int32, Tensor_p, Tensor_p)
BACKWARD_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64, LayerRef_p,
                               Tensor_p, ctypes.c_size_t, Tensor_p, c_double_p)
STEP_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64)
EVALUATE_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64, c_double_p)
ROUND_END_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64,
                                ctypes.c_uint32, ctypes.c_double)
TASK_GRAD_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64, LayerRef_p,
                                ctypes.c_size_t, Tensor_p)


class Callbacks(ctypes.Structure):
    """``optima_callbacks``: the size-prefixed table of optima_trainer_run()."""

    _fields_ = [
        ("struct_size", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
        ("next_batch", NEXT_BATCH_FN),
        ("forward", FORWARD_FN),
        ("backward", BACKWARD_FN),
        ("optimizer_step", STEP_FN),
        ("evaluate", EVALUATE_FN),
        ("round_end", ROUND_END_FN),
        ("task_grad", TASK_GRAD_FN),  # since 1.1
    ]


# ---- prototypes ----------------------------------------------------------------------

_vp = ctypes.c_void_p
_sz = ctypes.c_size_t
_i32 = ctypes.c_int32
_u32 = ctypes.c_uint32
_u64 = ctypes.c_uint64
_dbl = ctypes.c_double
_str = ctypes.c_char_p
_p = ctypes.POINTER
_i32p = _p(_i32)
_u32p = _p(_u32)
_u64p = _p(_u64)


def _status_fns(prefix, table):
    return [(prefix + name, c_status, args) for name, args in table]


PROTOTYPES = [
    ("optima_version_number", _u32, []),
    ("optima_version_string", _str, []),
    ("optima_status_string", _str, [c_status]),
    ("optima_last_error", _str, []),
    ("optima_context_destroy", None, [_vp]),
    ("optima_context_last_error", _str, [_vp]),
    ("optima_model_destroy", None, [_vp]),
    ("optima_model_name", _str, [_vp]),
    ("optima_model_last_error", _str, [_vp]),
    ("optima_loss_destroy", None, [_vp]),
    ("optima_loss_last_error", _str, [_vp]),
    ("optima_scheduler_destroy", None, [_vp]),
    ("optima_scheduler_last_error", _str, [_vp]),
    ("optima_scheduler_policy_name", _str, [_i32]),
    ("optima_trainer_destroy", None, [_vp]),
    ("optima_trainer_last_error", _str, [_vp]),
]
PROTOTYPES += _status_fns("optima_context_", [
    ("create", [_p(_vp)]),
    ("set_threads", [_vp, _i32]),
    ("get_threads", [_vp, _i32p]),
    ("set_log", [_vp, LOG_FN, _vp, _i32]),
    ("get_blis_arch", [_vp, _p(_str)]),
])
PROTOTYPES += _status_fns("optima_model_", [
    ("create", [_vp, _str, _p(_vp)]),
    ("add_module", [_vp, _str, c_size_p]),
    ("add_layer", [_vp, _sz, _sz, c_size_p]),
    ("set_logits_width", [_vp, _sz]),
    ("get_logits_width", [_vp, c_size_p]),
    ("module_count", [_vp, c_size_p]),
    ("module_name", [_vp, _sz, _p(_str)]),
    ("find_module", [_vp, _str, c_size_p]),
    ("layer_count", [_vp, _sz, c_size_p]),
    ("layer_width", [_vp, _sz, _sz, c_size_p]),
])
PROTOTYPES += _status_fns("optima_", [
    ("layer_mapping", [_i32, _sz, _sz, c_size_p, c_size_p]),
    ("mse", [_vp, Tensor_p, Tensor_p, Tensor_p, c_u8_p, c_double_p, c_float_p, _sz,
             c_float_p, _sz]),
    ("cosine", [_vp, Tensor_p, Tensor_p, Tensor_p, c_u8_p, c_double_p, c_float_p, _sz,
                c_float_p, _sz]),
    ("kl", [_vp, Tensor_p, Tensor_p, _dbl, c_u8_p, c_double_p, c_float_p, _sz]),
    ("attention_mse", [_vp, Tensor_p, Tensor_p, _sz, _sz, c_u8_p, c_u8_p, c_double_p,
                       c_float_p, _sz]),
])
PROTOTYPES += _status_fns("optima_loss_", [
    ("create", [_vp, _i32, _vp, _sz, _vp, _sz, _p(_vp)]),
    ("create_prediction", [_vp, _vp, _vp, _p(_vp)]),
    ("get_kind", [_vp, _i32p]),
    ("set_weight", [_vp, _dbl]),
    ("get_weight", [_vp, c_double_p]),
    ("set_layer_weight", [_vp, _sz, _dbl]),
    ("get_layer_weight", [_vp, _sz, c_double_p]),
    ("set_temperature", [_vp, _dbl]),
    ("get_temperature", [_vp, c_double_p]),
    ("set_mapping", [_vp, _i32, c_size_p, _sz]),
    ("get_mapping", [_vp, _i32p]),
    ("set_projection_mode", [_vp, _i32]),
    ("get_projection_mode", [_vp, _i32p]),
    ("init_projections", [_vp, _i32, _u64]),
    ("pair_count", [_vp, c_size_p]),
    ("pair", [_vp, _sz, c_size_p, c_size_p, c_size_p, c_size_p]),
    ("projection", [_vp, _sz, _p(c_float_p), c_size_p, c_size_p]),
    ("projection_grad", [_vp, _sz, _p(c_float_p), c_size_p, c_size_p]),
    ("compute", [_vp, Tensor_p, Tensor_p, _sz, c_u8_p, c_double_p]),
    ("pair_value", [_vp, _sz, c_double_p]),
    ("student_grad", [_vp, _sz, Tensor_p]),
])
PROTOTYPES += _status_fns("optima_scheduler_", [
    ("create", [_vp, _i32, _i32, _u64, _p(_vp)]),
    ("set_arm_set", [_vp, _i32]),
    ("set_arm_masks", [_vp, _u32p, _u32]),
    ("get_arm_set", [_vp, _i32p]),
    ("get_arm_masks", [_vp, _u32p, _u32, _u32p]),
    ("set_module_names", [_vp, _p(_str), _i32]),
    ("get_module_names", [_vp, _p(_str), _i32, _i32p]),
    ("set_window", [_vp, _u32]),
    ("get_window", [_vp, _u32p]),
    ("set_history", [_vp, _i32]),
    ("get_history", [_vp, _i32p]),
    ("set_discount", [_vp, _dbl]),
    ("get_discount", [_vp, c_double_p]),
    ("set_variance_floor", [_vp, _dbl]),
    ("get_variance_floor", [_vp, c_double_p]),
    ("set_fixed_variance", [_vp, _dbl]),
    ("get_fixed_variance", [_vp, c_double_p]),
    ("set_exploration", [_vp, _dbl]),
    ("get_exploration", [_vp, c_double_p]),
    ("set_exp3_gamma", [_vp, _dbl]),
    ("get_exp3_gamma", [_vp, c_double_p]),
    ("set_fixed_arm", [_vp, _u32]),
    ("get_fixed_arm", [_vp, _u32p]),
    ("set_forced_exploration", [_vp, _dbl]),
    ("get_forced_exploration", [_vp, c_double_p]),
    ("set_detector_confidence", [_vp, _dbl]),
    ("get_detector_confidence", [_vp, c_double_p]),
    ("set_detector_stride", [_vp, _u32]),
    ("get_detector_stride", [_vp, _u32p]),
    ("get_restarts", [_vp, _u64p]),
    ("select", [_vp, _u32p]),
    ("update", [_vp, _u32, _dbl]),
    ("get_num_modules", [_vp, _i32p]),
    ("get_policy", [_vp, _i32p]),
    ("get_num_arms", [_vp, _u32p]),
    ("get_rounds", [_vp, _u64p]),
    ("get_arm_mask", [_vp, _u32, _u32p]),
    ("find_arm", [_vp, _u32, _u32p]),
    ("get_arm_name", [_vp, _u32, ctypes.c_char_p, _sz, c_size_p]),
    ("get_arm_count", [_vp, _u32, c_double_p]),
    ("get_arm_mean", [_vp, _u32, c_double_p]),
    ("get_arm_sample", [_vp, _u32, c_double_p]),
    ("get_arm_plays", [_vp, _u32, _u64p]),
    ("save_to_buffer", [_vp, _vp, _sz, c_size_p]),
    ("load_from_buffer", [_vp, _vp, _sz]),
])
PROTOTYPES += _status_fns("optima_trainer_", [
    ("create", [_vp, _vp, _vp, _p(_vp)]),
    ("add_pair", [_vp, _sz, _sz, _i32, c_size_p]),
    ("pair_count", [_vp, c_size_p]),
    ("pair_loss", [_vp, _sz, _p(_vp)]),
    ("set_pair_weight", [_vp, _sz, _dbl]),
    ("get_pair_weight", [_vp, _sz, c_double_p]),
    ("set_alpha_pred", [_vp, _dbl]),
    ("get_alpha_pred", [_vp, c_double_p]),
    ("set_temperature", [_vp, _dbl]),
    ("get_temperature", [_vp, c_double_p]),
    ("set_alpha_layer", [_vp, _dbl]),
    ("get_alpha_layer", [_vp, c_double_p]),
    ("set_round_length", [_vp, _u32]),
    ("get_round_length", [_vp, _u32p]),
    ("set_policy", [_vp, _i32, _u64]),
    ("get_policy", [_vp, _i32p, _u64p]),
    ("get_scheduler", [_vp, _p(_vp)]),
    ("set_reward", [_vp, _i32, _i32]),
    ("get_reward", [_vp, _i32p, _i32p]),
    ("set_reward_trend", [_vp, _u32, _i32]),
    ("get_reward_trend", [_vp, _u32p, _i32p]),
    ("set_optimizer", [_vp, _i32, _dbl]),
    ("get_optimizer", [_vp, _i32p, c_double_p]),
    ("set_optimizer_params", [_vp, _dbl, _dbl, _dbl, _dbl]),
    ("get_optimizer_params", [_vp, c_double_p, c_double_p, c_double_p, c_double_p]),
    ("set_projection_callback", [_vp, PROJECTION_FN, _vp]),
    ("set_history", [_vp, _u32]),
    ("get_history", [_vp, _u32p]),
    ("set_round_log", [_vp, _str, _i32]),
    ("get_round_log", [_vp, _p(_str), _i32p]),
    ("begin_step", [_vp, _u32p]),
    ("plan", [_vp, _p(LayerRef_p), c_size_p]),
    ("needs_logits", [_vp, _i32p]),
    ("set_hidden", [_vp, _i32, _sz, _sz, Tensor_p]),
    ("get_hidden", [_vp, _i32, _sz, _sz, Tensor_p]),
    ("set_logits", [_vp, _i32, Tensor_p]),
    ("get_logits", [_vp, _i32, Tensor_p]),
    ("compute", [_vp, c_double_p]),
    ("losses", [_vp, c_double_p, c_double_p]),
    ("pair_loss_value", [_vp, _sz, c_double_p, _i32p]),
    ("student_grad", [_vp, _sz, _sz, Tensor_p]),
    ("logits_grad", [_vp, Tensor_p]),
    ("set_task_grad", [_vp, _sz, _sz, Tensor_p]),
    ("get_task_grad", [_vp, _sz, _sz, _i32p]),
    ("set_row_mask", [_vp, _sz, c_u8_p, _sz]),
    ("get_row_mask", [_vp, _sz, _p(c_u8_p), c_size_p]),
    ("set_logits_mask", [_vp, c_u8_p, _sz]),
    ("get_logits_mask", [_vp, _p(c_u8_p), c_size_p]),
    ("set_mode", [_vp, _i32]),
    ("get_mode", [_vp, _i32p]),
    ("report_pair_loss", [_vp, _sz, _dbl]),
    ("report_kl", [_vp, _dbl]),
    ("submit_evaluation", [_vp, _dbl]),
    ("end_step", [_vp, _dbl, _i32p]),
    ("run", [_vp, _p(Callbacks), _vp, _u64]),
    ("callback_code", [_vp, _i32p]),
    ("progress", [_vp, _u64p, _u64p]),
    ("round_record", [_vp, _u64, _u64p, _u32p, c_double_p, c_double_p]),
    ("round_pair_loss", [_vp, _u64, _sz, c_double_p, _i32p]),
    ("save", [_vp, WRITE_FN, _vp]),
    ("load", [_vp, READ_FN, _vp]),
    ("save_file", [_vp, _str]),
    ("load_file", [_vp, _str]),
    ("set_reduction", [_vp, REDUCE_FN, _vp]),
    ("set_agreement_interval", [_vp, _u32]),
    ("get_agreement_interval", [_vp, _u32p]),
])


# ---- loading -------------------------------------------------------------------------

def _declare(library):
    for name, restype, argtypes in PROTOTYPES:
        try:
            fn = getattr(library, name)
        except AttributeError as exc:
            raise ImportError("optima: the loaded liboptima lacks %s; it is older than "
                              "this package expects" % name) from exc
        fn.restype = restype
        fn.argtypes = argtypes


def _check_version(library, path):
    found = library.optima_version_number()
    if found // 10000 != WRITTEN_FOR // 10000 or found < WRITTEN_FOR:
        raise ImportError(
            "optima: %s is version %s (%d); this package needs major version %d, at "
            "least %d" % (path, library.optima_version_string().decode(), found,
                          WRITTEN_FOR // 10000, WRITTEN_FOR))
    return found


lib, LIBRARY_PATH = load_library(_SONAME)
lib.optima_version_number.restype = ctypes.c_uint32
lib.optima_version_number.argtypes = []
lib.optima_version_string.restype = ctypes.c_char_p
lib.optima_version_string.argtypes = []
VERSION_NUMBER = _check_version(lib, LIBRARY_PATH)
_declare(lib)
