//! Raw declarations of liboptima's C interface (include/optima/*.h), one for one.
//!
//! Everything here is `unsafe` to call; the rest of the crate wraps it. Struct layouts
//! are checked against the C compiler's by `tests/layout.rs`.
#![allow(non_camel_case_types, missing_docs)]

use std::os::raw::{c_char, c_int, c_void};

pub type optima_status = i32;

// ---- enum values (include/optima/*.h), passed and returned as i32 -----------------------
// Checked against the headers by tests/bindings/check_enums.py.

// enum optima_log_level
pub const OPTIMA_LOG_ERROR: i32 = 1;
pub const OPTIMA_LOG_WARN: i32 = 2;
pub const OPTIMA_LOG_INFO: i32 = 3;
pub const OPTIMA_LOG_DEBUG: i32 = 4;

// enum optima_loss_kind
pub const OPTIMA_LOSS_MSE: i32 = 1;
pub const OPTIMA_LOSS_COSINE: i32 = 2;
pub const OPTIMA_LOSS_KL: i32 = 3;
pub const OPTIMA_LOSS_ATTENTION_MSE: i32 = 4;

// enum optima_projection_init
pub const OPTIMA_INIT_XAVIER: i32 = 1;
pub const OPTIMA_INIT_IDENTITY: i32 = 2;
pub const OPTIMA_INIT_ZERO: i32 = 3;

// enum optima_projection_mode
pub const OPTIMA_PROJECTION_WHEN_NEEDED: i32 = 1;
pub const OPTIMA_PROJECTION_ALWAYS: i32 = 2;

// enum optima_mapping_style
pub const OPTIMA_MAPPING_UNIFORM: i32 = 1;
pub const OPTIMA_MAPPING_LAST: i32 = 2;
pub const OPTIMA_MAPPING_EXPLICIT: i32 = 3;

// enum optima_policy
pub const OPTIMA_POLICY_OPTIMA: i32 = 0;
pub const OPTIMA_POLICY_ALL: i32 = 1;
pub const OPTIMA_POLICY_RANDOM: i32 = 2;
pub const OPTIMA_POLICY_ROUND_ROBIN: i32 = 3;
pub const OPTIMA_POLICY_FIXED: i32 = 4;
pub const OPTIMA_POLICY_UCB1: i32 = 5;
pub const OPTIMA_POLICY_THOMPSON: i32 = 6;
pub const OPTIMA_POLICY_DISCOUNTED_THOMPSON: i32 = 7;
pub const OPTIMA_POLICY_SLIDING_WINDOW_UCB: i32 = 8;
pub const OPTIMA_POLICY_EXP3: i32 = 9;
pub const OPTIMA_POLICY_GLR_UCB: i32 = 10;

// enum optima_arm_set
pub const OPTIMA_ARMS_ALL_SUBSETS: i32 = 0;
pub const OPTIMA_ARMS_SINGLE_MODULES: i32 = 1;
pub const OPTIMA_ARMS_EXPLICIT: i32 = 2;

// enum optima_history
pub const OPTIMA_HISTORY_WINDOW: i32 = 0;
pub const OPTIMA_HISTORY_DISCOUNT: i32 = 1;
pub const OPTIMA_HISTORY_CHANGE_POINT: i32 = 2;

// enum optima_status_code
pub const OPTIMA_OK: i32 = 0;
pub const OPTIMA_EINVAL: i32 = 1;
pub const OPTIMA_ENOMEM: i32 = 2;
pub const OPTIMA_EOVERFLOW: i32 = 3;
pub const OPTIMA_ESHAPE: i32 = 4;
pub const OPTIMA_ENONFINITE: i32 = 5;
pub const OPTIMA_ESTATE: i32 = 6;
pub const OPTIMA_ECALLBACK: i32 = 7;
pub const OPTIMA_EIO: i32 = 8;
pub const OPTIMA_EFORMAT: i32 = 9;
pub const OPTIMA_ECHECKSUM: i32 = 10;
pub const OPTIMA_EVERSION: i32 = 11;
pub const OPTIMA_EMISMATCH: i32 = 12;
pub const OPTIMA_ENOTFOUND: i32 = 13;
pub const OPTIMA_EUNSUPPORTED: i32 = 14;
pub const OPTIMA_EINTERNAL: i32 = 15;

// enum optima_side
pub const OPTIMA_SIDE_STUDENT: i32 = 0;
pub const OPTIMA_SIDE_TEACHER: i32 = 1;

// enum optima_reward_kind
pub const OPTIMA_REWARD_RELATIVE: i32 = 0;
pub const OPTIMA_REWARD_ABSOLUTE: i32 = 1;
pub const OPTIMA_REWARD_DETRENDED: i32 = 2;

// enum optima_reward_trend
pub const OPTIMA_REWARD_TREND_MEAN: i32 = 0;
pub const OPTIMA_REWARD_TREND_LINEAR: i32 = 1;

// enum optima_reward_source
pub const OPTIMA_REWARD_SOURCE_TRAINING: i32 = 0;
pub const OPTIMA_REWARD_SOURCE_EVALUATION: i32 = 1;
pub const OPTIMA_REWARD_SOURCE_ALIGNMENT: i32 = 2;

// enum optima_trainer_mode
pub const OPTIMA_TRAINER_MODE_FULL: i32 = 0;
pub const OPTIMA_TRAINER_MODE_SCHEDULE_ONLY: i32 = 1;

// enum optima_dtype
pub const OPTIMA_DTYPE_F32: i32 = 0;
pub const OPTIMA_DTYPE_F64: i32 = 1;

// enum optima_reduce_what
pub const OPTIMA_REDUCE_STEP_STATS: i32 = 0;
pub const OPTIMA_REDUCE_PROJECTION_GRADS: i32 = 1;
pub const OPTIMA_REDUCE_AGREEMENT: i32 = 2;

// enum optima_optimizer_kind
pub const OPTIMA_OPTIMIZER_SGD: i32 = 0;
pub const OPTIMA_OPTIMIZER_ADAMW: i32 = 1;
pub const OPTIMA_OPTIMIZER_HOST: i32 = 2;

// enum optima_log_format
pub const OPTIMA_LOG_FORMAT_CSV: i32 = 0;
pub const OPTIMA_LOG_FORMAT_JSONL: i32 = 1;

pub enum optima_context {}
pub enum optima_model {}
pub enum optima_loss {}
pub enum optima_scheduler {}
pub enum optima_trainer {}

/// `optima_tensor`: a read-only row-major float32 view. Frozen.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct optima_tensor {
    pub data: *const f32,
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
}

impl optima_tensor {
    pub const EMPTY: optima_tensor =
        optima_tensor { data: std::ptr::null(), rows: 0, cols: 0, row_stride: 0 };
}

pub type optima_alloc_fn = Option<unsafe extern "C" fn(user: *mut c_void, size: usize) -> *mut c_void>;
pub type optima_free_fn = Option<unsafe extern "C" fn(user: *mut c_void, ptr: *mut c_void)>;

/// `optima_allocator`: host allocation hooks. Frozen, size-prefixed.
#[repr(C)]
pub struct optima_allocator {
    pub struct_size: u32,
    pub reserved: u32,
    pub user: *mut c_void,
    pub alloc: optima_alloc_fn,
    pub free: optima_free_fn,
}

/// `optima_layer_ref`: one hidden state a step needs. Frozen (16 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct optima_layer_ref {
    pub side: u32,
    pub module: u32,
    pub layer: u32,
    pub width: u32,
}

pub type optima_log_fn =
    Option<unsafe extern "C" fn(user: *mut c_void, level: i32, message: *const c_char)>;
pub type optima_write_fn =
    Option<unsafe extern "C" fn(user: *mut c_void, data: *const c_void, size: usize) -> c_int>;
pub type optima_read_fn = Option<
    unsafe extern "C" fn(user: *mut c_void, data: *mut c_void, size: usize, got: *mut usize) -> c_int,
>;
pub type optima_projection_fn = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        pair: u32,
        layer_pair: u32,
        param: *mut f32,
        grad: *const f32,
        rows: usize,
        cols: usize,
    ) -> c_int,
>;

pub type optima_reduce_fn = Option<
    unsafe extern "C" fn(user: *mut c_void, what: i32, dtype: i32, data: *mut c_void, count: usize) -> c_int,
>;

/// `optima_callbacks`: the run loop's table. Frozen, size-prefixed.
#[repr(C)]
pub struct optima_callbacks {
    pub struct_size: u32,
    pub reserved: u32,
    pub next_batch: Option<unsafe extern "C" fn(user: *mut c_void, step: u64) -> c_int>,
    pub forward: Option<
        unsafe extern "C" fn(
            user: *mut c_void,
            step: u64,
            needed: *const optima_layer_ref,
            count: usize,
            hidden: *mut optima_tensor,
            want_logits: i32,
            student_logits: *mut optima_tensor,
            teacher_logits: *mut optima_tensor,
        ) -> c_int,
    >,
    pub backward: Option<
        unsafe extern "C" fn(
            user: *mut c_void,
            step: u64,
            needed: *const optima_layer_ref,
            grads: *const optima_tensor,
            count: usize,
            logits_grad: *const optima_tensor,
            task_loss: *mut f64,
        ) -> c_int,
    >,
    pub optimizer_step: Option<unsafe extern "C" fn(user: *mut c_void, step: u64) -> c_int>,
    pub evaluate: Option<unsafe extern "C" fn(user: *mut c_void, step: u64, loss: *mut f64) -> c_int>,
    pub round_end:
        Option<unsafe extern "C" fn(user: *mut c_void, round: u64, arm: u32, reward: f64) -> c_int>,
    /// Since 1.1 (appended: a table of 1.0's size ends before it).
    pub task_grad: Option<
        unsafe extern "C" fn(
            user: *mut c_void,
            step: u64,
            needed: *const optima_layer_ref,
            count: usize,
            task_grads: *mut optima_tensor,
        ) -> c_int,
    >,
}

#[link(name = "optima")]
extern "C" {
    pub fn optima_version_number() -> u32;
    pub fn optima_version_string() -> *const c_char;
    pub fn optima_status_string(status: optima_status) -> *const c_char;
    pub fn optima_last_error() -> *const c_char;

    pub fn optima_context_create(out: *mut *mut optima_context) -> optima_status;
    pub fn optima_context_create_with_allocator(
        allocator: *const optima_allocator,
        out: *mut *mut optima_context,
    ) -> optima_status;
    pub fn optima_context_destroy(ctx: *mut optima_context);
    pub fn optima_context_set_threads(ctx: *mut optima_context, threads: i32) -> optima_status;
    pub fn optima_context_get_threads(ctx: *const optima_context, threads: *mut i32) -> optima_status;
    pub fn optima_context_set_log(
        ctx: *mut optima_context,
        sink: optima_log_fn,
        user: *mut c_void,
        level: i32,
    ) -> optima_status;
    pub fn optima_context_last_error(ctx: *const optima_context) -> *const c_char;
    pub fn optima_context_get_blis_arch(ctx: *const optima_context, name: *mut *const c_char) -> optima_status;

    pub fn optima_model_create(
        ctx: *mut optima_context,
        name: *const c_char,
        out: *mut *mut optima_model,
    ) -> optima_status;
    pub fn optima_model_destroy(model: *mut optima_model);
    pub fn optima_model_name(model: *const optima_model) -> *const c_char;
    pub fn optima_model_add_module(
        model: *mut optima_model,
        name: *const c_char,
        index: *mut usize,
    ) -> optima_status;
    pub fn optima_model_add_layer(
        model: *mut optima_model,
        module: usize,
        width: usize,
        layer: *mut usize,
    ) -> optima_status;
    pub fn optima_model_set_logits_width(model: *mut optima_model, classes: usize) -> optima_status;
    pub fn optima_model_get_logits_width(model: *const optima_model, classes: *mut usize) -> optima_status;
    pub fn optima_model_module_count(model: *const optima_model, count: *mut usize) -> optima_status;
    pub fn optima_model_module_name(
        model: *const optima_model,
        module: usize,
        name: *mut *const c_char,
    ) -> optima_status;
    pub fn optima_model_find_module(
        model: *const optima_model,
        name: *const c_char,
        index: *mut usize,
    ) -> optima_status;
    pub fn optima_model_layer_count(
        model: *const optima_model,
        module: usize,
        count: *mut usize,
    ) -> optima_status;
    pub fn optima_model_layer_width(
        model: *const optima_model,
        module: usize,
        layer: usize,
        width: *mut usize,
    ) -> optima_status;
    pub fn optima_model_last_error(model: *const optima_model) -> *const c_char;

    pub fn optima_mse(
        ctx: *const optima_context,
        student: *const optima_tensor,
        teacher: *const optima_tensor,
        projection: *const optima_tensor,
        mask: *const u8,
        loss: *mut f64,
        grad_student: *mut f32,
        grad_student_stride: usize,
        grad_projection: *mut f32,
        grad_projection_stride: usize,
    ) -> optima_status;
    pub fn optima_cosine(
        ctx: *const optima_context,
        student: *const optima_tensor,
        teacher: *const optima_tensor,
        projection: *const optima_tensor,
        mask: *const u8,
        loss: *mut f64,
        grad_student: *mut f32,
        grad_student_stride: usize,
        grad_projection: *mut f32,
        grad_projection_stride: usize,
    ) -> optima_status;
    pub fn optima_kl(
        ctx: *const optima_context,
        student_logits: *const optima_tensor,
        teacher_logits: *const optima_tensor,
        temperature: f64,
        mask: *const u8,
        loss: *mut f64,
        grad: *mut f32,
        grad_stride: usize,
    ) -> optima_status;

    pub fn optima_attention_mse(
        ctx: *const optima_context,
        student: *const optima_tensor,
        teacher: *const optima_tensor,
        heads: usize,
        queries: usize,
        query_mask: *const u8,
        key_mask: *const u8,
        loss: *mut f64,
        grad: *mut f32,
        grad_stride: usize,
    ) -> optima_status;

    pub fn optima_loss_set_mapping(
        loss: *mut optima_loss,
        style: i32,
        table: *const usize,
        table_length: usize,
    ) -> optima_status;
    pub fn optima_loss_pair_count(loss: *const optima_loss, count: *mut usize) -> optima_status;
    pub fn optima_loss_last_error(loss: *const optima_loss) -> *const c_char;

    pub fn optima_scheduler_create(
        ctx: *mut optima_context,
        num_modules: i32,
        policy: i32,
        seed: u64,
        out: *mut *mut optima_scheduler,
    ) -> optima_status;
    pub fn optima_scheduler_destroy(s: *mut optima_scheduler);
    pub fn optima_scheduler_last_error(s: *const optima_scheduler) -> *const c_char;
    pub fn optima_scheduler_policy_name(policy: i32) -> *const c_char;
    pub fn optima_scheduler_set_arm_set(s: *mut optima_scheduler, arm_set: i32) -> optima_status;
    pub fn optima_scheduler_set_arm_masks(
        s: *mut optima_scheduler,
        masks: *const u32,
        count: u32,
    ) -> optima_status;
    pub fn optima_scheduler_set_module_names(
        s: *mut optima_scheduler,
        names: *const *const c_char,
        count: i32,
    ) -> optima_status;
    pub fn optima_scheduler_set_window(s: *mut optima_scheduler, window: u32) -> optima_status;
    pub fn optima_scheduler_get_window(s: *const optima_scheduler, window: *mut u32) -> optima_status;
    pub fn optima_scheduler_set_discount(s: *mut optima_scheduler, gamma: f64) -> optima_status;
    pub fn optima_scheduler_select(s: *mut optima_scheduler, arm: *mut u32) -> optima_status;
    pub fn optima_scheduler_update(s: *mut optima_scheduler, arm: u32, reward: f64) -> optima_status;
    pub fn optima_scheduler_get_num_arms(s: *const optima_scheduler, n: *mut u32) -> optima_status;
    pub fn optima_scheduler_get_rounds(s: *const optima_scheduler, rounds: *mut u64) -> optima_status;
    pub fn optima_scheduler_get_arm_mask(
        s: *const optima_scheduler,
        arm: u32,
        mask: *mut u32,
    ) -> optima_status;
    pub fn optima_scheduler_get_arm_name(
        s: *const optima_scheduler,
        arm: u32,
        buffer: *mut c_char,
        capacity: usize,
        length: *mut usize,
    ) -> optima_status;
    pub fn optima_scheduler_get_arm_mean(
        s: *const optima_scheduler,
        arm: u32,
        mean: *mut f64,
    ) -> optima_status;
    pub fn optima_scheduler_get_arm_plays(
        s: *const optima_scheduler,
        arm: u32,
        plays: *mut u64,
    ) -> optima_status;
    pub fn optima_scheduler_save(
        s: *const optima_scheduler,
        write: optima_write_fn,
        user: *mut c_void,
    ) -> optima_status;
    pub fn optima_scheduler_get_arm_set(s: *const optima_scheduler, arm_set: *mut i32) -> optima_status;
    pub fn optima_scheduler_get_arm_masks(
        s: *const optima_scheduler,
        masks: *mut u32,
        capacity: u32,
        count: *mut u32,
    ) -> optima_status;
    pub fn optima_scheduler_get_module_names(
        s: *const optima_scheduler,
        names: *mut *const c_char,
        capacity: i32,
        count: *mut i32,
    ) -> optima_status;
    pub fn optima_scheduler_set_history(s: *mut optima_scheduler, history: i32) -> optima_status;
    pub fn optima_scheduler_get_history(s: *const optima_scheduler, history: *mut i32) -> optima_status;
    pub fn optima_scheduler_get_discount(s: *const optima_scheduler, gamma: *mut f64) -> optima_status;
    pub fn optima_scheduler_set_variance_floor(s: *mut optima_scheduler, floor: f64) -> optima_status;
    pub fn optima_scheduler_get_variance_floor(s: *const optima_scheduler, floor: *mut f64) -> optima_status;
    pub fn optima_scheduler_set_fixed_variance(s: *mut optima_scheduler, variance: f64) -> optima_status;
    pub fn optima_scheduler_get_fixed_variance(s: *const optima_scheduler, variance: *mut f64) -> optima_status;
    pub fn optima_scheduler_set_exploration(s: *mut optima_scheduler, c: f64) -> optima_status;
    pub fn optima_scheduler_get_exploration(s: *const optima_scheduler, c: *mut f64) -> optima_status;
    pub fn optima_scheduler_set_exp3_gamma(s: *mut optima_scheduler, gamma: f64) -> optima_status;
    pub fn optima_scheduler_get_exp3_gamma(s: *const optima_scheduler, gamma: *mut f64) -> optima_status;
    pub fn optima_scheduler_set_fixed_arm(s: *mut optima_scheduler, arm: u32) -> optima_status;
    pub fn optima_scheduler_get_fixed_arm(s: *const optima_scheduler, arm: *mut u32) -> optima_status;
    pub fn optima_scheduler_set_forced_exploration(s: *mut optima_scheduler, alpha: f64) -> optima_status;
    pub fn optima_scheduler_get_forced_exploration(s: *const optima_scheduler, alpha: *mut f64) -> optima_status;
    pub fn optima_scheduler_set_detector_confidence(s: *mut optima_scheduler, delta: f64) -> optima_status;
    pub fn optima_scheduler_get_detector_confidence(s: *const optima_scheduler, delta: *mut f64)
        -> optima_status;
    pub fn optima_scheduler_set_detector_stride(s: *mut optima_scheduler, stride: u32) -> optima_status;
    pub fn optima_scheduler_get_detector_stride(s: *const optima_scheduler, stride: *mut u32) -> optima_status;
    pub fn optima_scheduler_get_num_modules(s: *const optima_scheduler, num_modules: *mut i32) -> optima_status;
    pub fn optima_scheduler_get_policy(s: *const optima_scheduler, policy: *mut i32) -> optima_status;
    pub fn optima_scheduler_get_restarts(s: *const optima_scheduler, restarts: *mut u64) -> optima_status;
    pub fn optima_scheduler_find_arm(s: *const optima_scheduler, mask: u32, arm: *mut u32) -> optima_status;
    pub fn optima_scheduler_get_arm_count(s: *const optima_scheduler, arm: u32, count: *mut f64)
        -> optima_status;
    pub fn optima_scheduler_get_arm_sample(s: *const optima_scheduler, arm: u32, theta: *mut f64)
        -> optima_status;
    pub fn optima_scheduler_load(s: *mut optima_scheduler, read: optima_read_fn, user: *mut c_void)
        -> optima_status;
    pub fn optima_scheduler_save_to_buffer(
        s: *const optima_scheduler,
        buffer: *mut c_void,
        capacity: usize,
        size: *mut usize,
    ) -> optima_status;
    pub fn optima_scheduler_load_from_buffer(
        s: *mut optima_scheduler,
        buffer: *const c_void,
        size: usize,
    ) -> optima_status;

    pub fn optima_trainer_create(
        ctx: *mut optima_context,
        teacher: *const optima_model,
        student: *const optima_model,
        out: *mut *mut optima_trainer,
    ) -> optima_status;
    pub fn optima_trainer_destroy(t: *mut optima_trainer);
    pub fn optima_trainer_last_error(t: *const optima_trainer) -> *const c_char;
    pub fn optima_trainer_add_pair(
        t: *mut optima_trainer,
        student_module: usize,
        teacher_module: usize,
        kind: i32,
        pair: *mut usize,
    ) -> optima_status;
    pub fn optima_trainer_pair_loss(
        t: *mut optima_trainer,
        pair: usize,
        loss: *mut *mut optima_loss,
    ) -> optima_status;
    pub fn optima_trainer_set_alpha_pred(t: *mut optima_trainer, alpha: f64) -> optima_status;
    pub fn optima_trainer_set_alpha_layer(t: *mut optima_trainer, alpha: f64) -> optima_status;
    pub fn optima_trainer_set_round_length(t: *mut optima_trainer, steps: u32) -> optima_status;
    pub fn optima_trainer_set_policy(t: *mut optima_trainer, policy: i32, seed: u64) -> optima_status;
    pub fn optima_trainer_get_scheduler(
        t: *mut optima_trainer,
        scheduler: *mut *mut optima_scheduler,
    ) -> optima_status;
    pub fn optima_trainer_set_reward(t: *mut optima_trainer, kind: i32, source: i32) -> optima_status;
    pub fn optima_trainer_set_optimizer(
        t: *mut optima_trainer,
        kind: i32,
        learning_rate: f64,
    ) -> optima_status;
    pub fn optima_trainer_set_projection_callback(
        t: *mut optima_trainer,
        f: optima_projection_fn,
        user: *mut c_void,
    ) -> optima_status;
    pub fn optima_trainer_begin_step(t: *mut optima_trainer, arm: *mut u32) -> optima_status;
    pub fn optima_trainer_plan(
        t: *const optima_trainer,
        needed: *mut *const optima_layer_ref,
        count: *mut usize,
    ) -> optima_status;
    pub fn optima_trainer_needs_logits(t: *const optima_trainer, needed: *mut i32) -> optima_status;
    pub fn optima_trainer_set_hidden(
        t: *mut optima_trainer,
        side: i32,
        module: usize,
        layer: usize,
        view: *const optima_tensor,
    ) -> optima_status;
    pub fn optima_trainer_set_logits(
        t: *mut optima_trainer,
        side: i32,
        view: *const optima_tensor,
    ) -> optima_status;
    pub fn optima_trainer_compute(t: *mut optima_trainer, total: *mut f64) -> optima_status;
    pub fn optima_trainer_student_grad(
        t: *const optima_trainer,
        module: usize,
        layer: usize,
        grad: *mut optima_tensor,
    ) -> optima_status;
    pub fn optima_trainer_logits_grad(t: *const optima_trainer, grad: *mut optima_tensor) -> optima_status;
    pub fn optima_trainer_end_step(
        t: *mut optima_trainer,
        task_loss: f64,
        round_ended: *mut i32,
    ) -> optima_status;
    pub fn optima_trainer_run(
        t: *mut optima_trainer,
        callbacks: *const optima_callbacks,
        user: *mut c_void,
        steps: u64,
    ) -> optima_status;
    pub fn optima_trainer_callback_code(t: *const optima_trainer, code: *mut i32) -> optima_status;
    pub fn optima_trainer_progress(
        t: *const optima_trainer,
        steps: *mut u64,
        rounds: *mut u64,
    ) -> optima_status;
    pub fn optima_trainer_round_record(
        t: *const optima_trainer,
        round: u64,
        first_step: *mut u64,
        arm: *mut u32,
        reward: *mut f64,
        mean_reference: *mut f64,
    ) -> optima_status;
    pub fn optima_trainer_save(
        t: *mut optima_trainer,
        write: optima_write_fn,
        user: *mut c_void,
    ) -> optima_status;
    pub fn optima_trainer_load(
        t: *mut optima_trainer,
        read: optima_read_fn,
        user: *mut c_void,
    ) -> optima_status;
    pub fn optima_trainer_pair_count(t: *const optima_trainer, count: *mut usize) -> optima_status;
    pub fn optima_trainer_set_pair_weight(t: *mut optima_trainer, pair: usize, weight: f64) -> optima_status;
    pub fn optima_trainer_get_pair_weight(t: *const optima_trainer, pair: usize, weight: *mut f64)
        -> optima_status;
    pub fn optima_trainer_get_alpha_pred(t: *const optima_trainer, alpha: *mut f64) -> optima_status;
    pub fn optima_trainer_set_temperature(t: *mut optima_trainer, temperature: f64) -> optima_status;
    pub fn optima_trainer_get_temperature(t: *const optima_trainer, temperature: *mut f64) -> optima_status;
    pub fn optima_trainer_get_alpha_layer(t: *const optima_trainer, alpha: *mut f64) -> optima_status;
    pub fn optima_trainer_get_round_length(t: *const optima_trainer, steps: *mut u32) -> optima_status;
    pub fn optima_trainer_get_policy(t: *const optima_trainer, policy: *mut i32, seed: *mut u64)
        -> optima_status;
    pub fn optima_trainer_set_mode(t: *mut optima_trainer, mode: i32) -> optima_status;
    pub fn optima_trainer_get_mode(t: *const optima_trainer, mode: *mut i32) -> optima_status;
    pub fn optima_trainer_get_reward(t: *const optima_trainer, kind: *mut i32, source: *mut i32)
        -> optima_status;
    pub fn optima_trainer_set_reward_trend(t: *mut optima_trainer, window: u32, model: i32) -> optima_status;
    pub fn optima_trainer_get_reward_trend(t: *const optima_trainer, window: *mut u32, model: *mut i32)
        -> optima_status;
    pub fn optima_trainer_get_optimizer(t: *const optima_trainer, kind: *mut i32, learning_rate: *mut f64)
        -> optima_status;
    pub fn optima_trainer_set_optimizer_params(
        t: *mut optima_trainer,
        momentum: f64,
        beta1: f64,
        beta2: f64,
        weight_decay: f64,
    ) -> optima_status;
    pub fn optima_trainer_get_optimizer_params(
        t: *const optima_trainer,
        momentum: *mut f64,
        beta1: *mut f64,
        beta2: *mut f64,
        weight_decay: *mut f64,
    ) -> optima_status;
    pub fn optima_trainer_set_history(t: *mut optima_trainer, rounds: u32) -> optima_status;
    pub fn optima_trainer_get_history(t: *const optima_trainer, rounds: *mut u32) -> optima_status;
    pub fn optima_trainer_set_round_log(t: *mut optima_trainer, path: *const c_char, format: i32)
        -> optima_status;
    pub fn optima_trainer_get_round_log(t: *const optima_trainer, path: *mut *const c_char, format: *mut i32)
        -> optima_status;
    pub fn optima_trainer_get_hidden(
        t: *const optima_trainer,
        side: i32,
        module: usize,
        layer: usize,
        view: *mut optima_tensor,
    ) -> optima_status;
    pub fn optima_trainer_get_logits(t: *const optima_trainer, side: i32, view: *mut optima_tensor)
        -> optima_status;
    pub fn optima_trainer_set_row_mask(t: *mut optima_trainer, pair: usize, mask: *const u8, rows: usize)
        -> optima_status;
    pub fn optima_trainer_get_row_mask(
        t: *const optima_trainer,
        pair: usize,
        mask: *mut *const u8,
        rows: *mut usize,
    ) -> optima_status;
    pub fn optima_trainer_set_logits_mask(t: *mut optima_trainer, mask: *const u8, rows: usize)
        -> optima_status;
    pub fn optima_trainer_get_logits_mask(t: *const optima_trainer, mask: *mut *const u8, rows: *mut usize)
        -> optima_status;
    pub fn optima_trainer_losses(t: *const optima_trainer, kl: *mut f64, layer_term: *mut f64) -> optima_status;
    pub fn optima_trainer_pair_loss_value(
        t: *const optima_trainer,
        pair: usize,
        loss: *mut f64,
        active: *mut i32,
    ) -> optima_status;
    pub fn optima_trainer_submit_evaluation(t: *mut optima_trainer, loss: f64) -> optima_status;
    pub fn optima_trainer_set_task_grad(
        t: *mut optima_trainer,
        module: usize,
        layer: usize,
        view: *const optima_tensor,
    ) -> optima_status;
    pub fn optima_trainer_get_task_grad(t: *const optima_trainer, module: usize, layer: usize, given: *mut i32)
        -> optima_status;
    pub fn optima_trainer_report_pair_loss(t: *mut optima_trainer, pair: usize, loss: f64) -> optima_status;
    pub fn optima_trainer_report_kl(t: *mut optima_trainer, kl: f64) -> optima_status;
    pub fn optima_trainer_round_pair_loss(
        t: *const optima_trainer,
        round: u64,
        pair: usize,
        loss: *mut f64,
        active: *mut i32,
    ) -> optima_status;
    pub fn optima_trainer_save_file(t: *mut optima_trainer, path: *const c_char) -> optima_status;
    pub fn optima_trainer_load_file(t: *mut optima_trainer, path: *const c_char) -> optima_status;
    pub fn optima_trainer_set_reduction(t: *mut optima_trainer, f: optima_reduce_fn, user: *mut c_void)
        -> optima_status;
    pub fn optima_trainer_set_agreement_interval(t: *mut optima_trainer, rounds: u32) -> optima_status;
    pub fn optima_trainer_get_agreement_interval(t: *const optima_trainer, rounds: *mut u32) -> optima_status;
}
