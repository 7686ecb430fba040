//! The trainer: the step API (a `Step` guard that keeps the views borrowed until compute)
//! and the run loop (a `RunCallbacks` host reached through panic-catching trampolines).

use std::ffi::CString;
use std::io::{Read, Write};
use std::marker::PhantomData;
use std::os::raw::{c_char, c_int, c_void};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use crate::context::Context;
use crate::error::{check, text, Error, Result, Status};
use crate::ffi;
use crate::model::Model;
use crate::scheduler::{read_from_stream, stream_result, write_to_stream, Policy, Scheduler, Stream};
use crate::tensor::{copy_view, Matrix};

/// What a callback returns: `Ok(())` to go on, an error to stop the run.
pub type CallbackResult = std::result::Result<(), Box<dyn std::error::Error>>;

c_enum! {
    /// Which model a view belongs to (trainer.h, `enum optima_side`).
    pub enum Side {
        /// The student being trained.
        Student = ffi::OPTIMA_SIDE_STUDENT,
        /// The frozen teacher.
        Teacher = ffi::OPTIMA_SIDE_TEACHER,
    }
}

c_enum! {
    /// Loss kinds (loss.h, `enum optima_loss_kind`). A trainer's pair
    /// ([`Trainer::add_pair`]) takes `Mse` or `Cosine`; the library refuses the others there
    /// (`EUNSUPPORTED`): KL is the trainer's prediction term, attention MSE a stateless loss.
    #[non_exhaustive]
    pub enum LossKind {
        /// Mean squared error of hidden states.
        Mse = ffi::OPTIMA_LOSS_MSE,
        /// 1 − cosine similarity of hidden states.
        Cosine = ffi::OPTIMA_LOSS_COSINE,
        /// Temperature-scaled KL of logits.
        Kl = ffi::OPTIMA_LOSS_KL,
        /// MSE of attention maps.
        AttentionMse = ffi::OPTIMA_LOSS_ATTENTION_MSE,
    }
}

c_enum! {
    /// How a pair's student layers map to teacher layers (mapping.h, `enum
    /// optima_mapping_style`).
    #[non_exhaustive]
    pub enum Mapping {
        /// g(l) = ⌈(l+1)·Lt/Ls⌉ − 1 (the default).
        Uniform = ffi::OPTIMA_MAPPING_UNIFORM,
        /// The last Ls teacher layers, in order.
        Last = ffi::OPTIMA_MAPPING_LAST,
        /// The table given with it.
        Explicit = ffi::OPTIMA_MAPPING_EXPLICIT,
    }
}

c_enum! {
    /// The projections' optimizer (trainer.h, `enum optima_optimizer_kind`).
    #[non_exhaustive]
    pub enum Optimizer {
        /// SGD with momentum.
        Sgd = ffi::OPTIMA_OPTIMIZER_SGD,
        /// AdamW (the default).
        AdamW = ffi::OPTIMA_OPTIMIZER_ADAMW,
        /// The closure given to [`Trainer::set_projection_callback`].
        Host = ffi::OPTIMA_OPTIMIZER_HOST,
    }
}

c_enum! {
    /// How a round's reward is computed from its reference values (`enum optima_reward_kind`).
    #[non_exhaustive]
    pub enum RewardKind {
        /// (L̄ₜ₋₁ − L̄ₜ) / max(|L̄ₜ₋₁|, 1e-6) (the default).
        Relative = ffi::OPTIMA_REWARD_RELATIVE,
        /// L̄ₜ₋₁ − L̄ₜ.
        Absolute = ffi::OPTIMA_REWARD_ABSOLUTE,
        /// The base reward less the common trend of the last rounds (since 1.1).
        Detrended = ffi::OPTIMA_REWARD_DETRENDED,
    }
}

c_enum! {
    /// Where a round's reference values come from (`enum optima_reward_source`).
    #[non_exhaustive]
    pub enum RewardSource {
        /// Task loss + α_pred·KL of the round's steps (the default).
        Training = ffi::OPTIMA_REWARD_SOURCE_TRAINING,
        /// The host's evaluation loss ([`RunCallbacks::evaluate`]).
        Evaluation = ffi::OPTIMA_REWARD_SOURCE_EVALUATION,
        /// The cosine between the layerwise and the task gradients (since 1.1;
        /// [`RunCallbacks::task_grad`]).
        Alignment = ffi::OPTIMA_REWARD_SOURCE_ALIGNMENT,
    }
}

c_enum! {
    /// How [`RewardKind::Detrended`] predicts a round's base reward (`enum
    /// optima_reward_trend`, since 1.1).
    #[non_exhaustive]
    pub enum RewardTrend {
        /// The mean of the last W rounds' base rewards (the default).
        Mean = ffi::OPTIMA_REWARD_TREND_MEAN,
        /// The least-squares line through them, one round ahead.
        Linear = ffi::OPTIMA_REWARD_TREND_LINEAR,
    }
}

c_enum! {
    /// What the trainer computes (`enum optima_trainer_mode`, since 1.1).
    #[non_exhaustive]
    pub enum TrainerMode {
        /// The trainer takes views, computes losses and gradients, trains projections (the
        /// default).
        Full = ffi::OPTIMA_TRAINER_MODE_FULL,
        /// The host computes the losses (on any device) and reports their values
        /// ([`Step::report_pair_loss`], [`Step::report_kl`]); the trainer schedules.
        ScheduleOnly = ffi::OPTIMA_TRAINER_MODE_SCHEDULE_ONLY,
    }
}

c_enum! {
    /// Format of the round log file (`enum optima_log_format`).
    #[non_exhaustive]
    pub enum LogFormat {
        /// One header line, then one comma-separated line per round (the default).
        Csv = ffi::OPTIMA_LOG_FORMAT_CSV,
        /// One JSON object per round and line, with per-arm statistics.
        Jsonl = ffi::OPTIMA_LOG_FORMAT_JSONL,
    }
}

c_enum! {
    /// What a reduction carries (`enum optima_reduce_what`, since 1.1): informative, every
    /// reduction is the same sum across ranks.
    #[non_exhaustive]
    pub enum Reduce {
        /// Float64, every step: the step's statistics weighted by the rank's row count.
        StepStats = ffi::OPTIMA_REDUCE_STEP_STATS,
        /// Float32: the active pairs' projection gradients.
        ProjectionGrads = ffi::OPTIMA_REDUCE_PROJECTION_GRADS,
        /// Float64, every agreement interval: the ranks' arm and scheduler checksum.
        Agreement = ffi::OPTIMA_REDUCE_AGREEMENT,
    }
}

/// The buffer a reduction sums across ranks in place, in its element type (`enum
/// optima_dtype`).
#[derive(Debug)]
pub enum ReduceData<'d> {
    /// `OPTIMA_DTYPE_F32`.
    F32(&'d mut [f32]),
    /// `OPTIMA_DTYPE_F64`.
    F64(&'d mut [f64]),
}

/// The built-in projection optimizers' hyperparameters ([`Trainer::set_optimizer_params`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptimizerParams {
    /// SGD momentum μ, in [0, 1).
    pub momentum: f64,
    /// AdamW β1, in [0, 1).
    pub beta1: f64,
    /// AdamW β2, in [0, 1).
    pub beta2: f64,
    /// Weight decay λ, finite and ≥ 0.
    pub weight_decay: f64,
}

impl Default for OptimizerParams {
    /// The library's defaults (trainer.h): 0.9, 0.9, 0.999, 0.01.
    fn default() -> OptimizerParams {
        OptimizerParams { momentum: 0.9, beta1: 0.9, beta2: 0.999, weight_decay: 0.01 }
    }
}

/// The loss breakdown of the last successful compute ([`Trainer::losses`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Losses {
    /// The prediction KL, unweighted (0 when α_pred = 0).
    pub kl: f64,
    /// (1/|A|)·Σ w_m·D_m, before α_layer (0 when no pair is active).
    pub layer_term: f64,
}

/// One hidden state a step needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerRef {
    pub side: Side,
    pub module: usize,
    pub layer: usize,
    pub width: usize,
}

impl LayerRef {
    fn from_raw(r: &ffi::optima_layer_ref) -> LayerRef {
        let side = if r.side as i32 == ffi::OPTIMA_SIDE_STUDENT { Side::Student } else { Side::Teacher };
        LayerRef { side, module: r.module as usize, layer: r.layer as usize, width: r.width as usize }
    }
}

/// The record of a completed round.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RoundRecord {
    pub first_step: u64,
    pub arm: u32,
    pub reward: f64,
    pub mean_reference: f64,
}

type ProjectionFn<'a> = dyn FnMut(u32, u32, &mut [f32], &[f32]) -> CallbackResult + Send + 'a;

struct ProjectionState<'a> {
    f: Box<ProjectionFn<'a>>,
    error: Option<String>,
}

type ReductionFn<'a> = dyn FnMut(Reduce, ReduceData<'_>) -> CallbackResult + Send + 'a;

struct ReductionState<'a> {
    f: Box<ReductionFn<'a>>,
    error: Option<String>,
}

/// A trainer distilling `teacher` into `student`; borrows the context and both models.
pub struct Trainer<'a> {
    ptr: *mut ffi::optima_trainer,
    projection: Option<Box<ProjectionState<'a>>>,
    reduction: Option<Box<ReductionState<'a>>>,
    _borrows: PhantomData<(&'a Context, &'a Model<'a>)>,
}

impl<'a> Trainer<'a> {
    /// Creates a trainer (defaults in trainer.h).
    pub fn new(ctx: &'a Context, teacher: &'a Model<'a>, student: &'a Model<'a>) -> Result<Trainer<'a>> {
        let mut ptr = ptr::null_mut();
        check(unsafe { ffi::optima_trainer_create(ctx.ptr, teacher.ptr, student.ptr, &mut ptr) })?;
        Ok(Trainer { ptr, projection: None, reduction: None, _borrows: PhantomData })
    }

    /// Distils student module `student_module` from teacher module `teacher_module`.
    pub fn add_pair(&mut self, student_module: usize, teacher_module: usize, kind: LossKind) -> Result<usize> {
        let mut pair = 0;
        check(unsafe { ffi::optima_trainer_add_pair(self.ptr, student_module, teacher_module, kind as i32, &mut pair) })?;
        Ok(pair)
    }

    /// Chooses pair `pair`'s layer mapping (`table`: the teacher layer of each student
    /// layer, for [`Mapping::Explicit`]; empty otherwise).
    pub fn set_pair_mapping(&mut self, pair: usize, style: Mapping, table: &[usize]) -> Result<()> {
        let mut loss = ptr::null_mut();
        check(unsafe { ffi::optima_trainer_pair_loss(self.ptr, pair, &mut loss) })?;
        check(unsafe { ffi::optima_loss_set_mapping(loss, style as i32, table.as_ptr(), table.len()) })
    }

    /// Steps per round (default 10).
    pub fn set_round_length(&mut self, steps: u32) -> Result<()> {
        check(unsafe { ffi::optima_trainer_set_round_length(self.ptr, steps) })
    }

    /// The scheduler's policy and seed.
    pub fn set_policy(&mut self, policy: Policy, seed: u64) -> Result<()> {
        check(unsafe { ffi::optima_trainer_set_policy(self.ptr, policy as i32, seed) })
    }

    /// How rounds are rewarded (before the first step).
    pub fn set_reward(&mut self, kind: RewardKind, source: RewardSource) -> Result<()> {
        check(unsafe { ffi::optima_trainer_set_reward(self.ptr, kind as i32, source as i32) })
    }

    /// α_pred, the weight of the prediction KL.
    pub fn set_alpha_pred(&mut self, alpha: f64) -> Result<()> {
        check(unsafe { ffi::optima_trainer_set_alpha_pred(self.ptr, alpha) })
    }

    /// α_layer, the weight of the layer term.
    pub fn set_alpha_layer(&mut self, alpha: f64) -> Result<()> {
        check(unsafe { ffi::optima_trainer_set_alpha_layer(self.ptr, alpha) })
    }

    /// The projections' optimizer and learning rate.
    pub fn set_optimizer(&mut self, kind: Optimizer, learning_rate: f64) -> Result<()> {
        check(unsafe { ffi::optima_trainer_set_optimizer(self.ptr, kind as i32, learning_rate) })
    }

    /// Trains the projections with `f(pair, layer_pair, param, grad)` ([`Optimizer::Host`]).
    /// An error or a panic in `f` stops `end_step` (or the run) with `ECALLBACK`. `f` must
    /// be `Send` because the trainer that keeps it is: it runs on whichever thread calls
    /// `end_step` or `run`.
    pub fn set_projection_callback<F>(&mut self, f: F) -> Result<()>
    where
        F: FnMut(u32, u32, &mut [f32], &[f32]) -> CallbackResult + Send + 'a,
    {
        let mut state = Box::new(ProjectionState { f: Box::new(f), error: None });
        let user = &mut *state as *mut ProjectionState<'a> as *mut c_void;
        check(unsafe { ffi::optima_trainer_set_projection_callback(self.ptr, Some(projection_trampoline), user) })?;
        self.projection = Some(state); // the heap address stays put when the Box moves
        Ok(())
    }

    /// Number of pairs added.
    pub fn pair_count(&self) -> Result<usize> {
        self.get(ffi::optima_trainer_pair_count)
    }

    /// Weight w_m of pair `pair` in the layer term (default 1; 0 makes it inactive).
    pub fn set_pair_weight(&mut self, pair: usize, weight: f64) -> Result<()> {
        check(unsafe { ffi::optima_trainer_set_pair_weight(self.ptr, pair, weight) })
    }

    /// The weight w_m of pair `pair`.
    pub fn pair_weight(&self, pair: usize) -> Result<f64> {
        let mut w = 0.0;
        check(unsafe { ffi::optima_trainer_get_pair_weight(self.ptr, pair, &mut w) })?;
        Ok(w)
    }

    /// α_pred.
    pub fn alpha_pred(&self) -> Result<f64> {
        self.get(ffi::optima_trainer_get_alpha_pred)
    }

    /// α_layer.
    pub fn alpha_layer(&self) -> Result<f64> {
        self.get(ffi::optima_trainer_get_alpha_layer)
    }

    /// The KL temperature T (default 1; needs logits).
    pub fn set_temperature(&mut self, temperature: f64) -> Result<()> {
        check(unsafe { ffi::optima_trainer_set_temperature(self.ptr, temperature) })
    }

    /// The KL temperature T.
    pub fn temperature(&self) -> Result<f64> {
        self.get(ffi::optima_trainer_get_temperature)
    }

    /// Steps per round.
    pub fn round_length(&self) -> Result<u32> {
        self.get(ffi::optima_trainer_get_round_length)
    }

    /// The scheduler's policy and seed, as set with [`Trainer::set_policy`].
    pub fn policy(&self) -> Result<(Policy, u64)> {
        let (mut policy, mut seed) = (0, 0);
        check(unsafe { ffi::optima_trainer_get_policy(self.ptr, &mut policy, &mut seed) })?;
        Ok((Policy::from_raw(policy)?, seed))
    }

    /// What the trainer computes (before freezing): [`TrainerMode::ScheduleOnly`] makes a
    /// step begin, report its losses ([`Step::report_pair_loss`], [`Step::report_kl`]) and
    /// end, the views, masks, compute, gradients and `run` refused with `ESTATE`.
    pub fn set_mode(&mut self, mode: TrainerMode) -> Result<()> {
        check(unsafe { ffi::optima_trainer_set_mode(self.ptr, mode as i32) })
    }

    /// The trainer's mode.
    pub fn mode(&self) -> Result<TrainerMode> {
        TrainerMode::from_raw(self.get(ffi::optima_trainer_get_mode)?)
    }

    /// How rewards are computed, as set with [`Trainer::set_reward`].
    pub fn reward(&self) -> Result<(RewardKind, RewardSource)> {
        let (mut kind, mut source) = (0, 0);
        check(unsafe { ffi::optima_trainer_get_reward(self.ptr, &mut kind, &mut source) })?;
        Ok((RewardKind::from_raw(kind)?, RewardSource::from_raw(source)?))
    }

    /// The trend of [`RewardKind::Detrended`]: over the last `window` rounds (1 to 256;
    /// default 8), the mean (default) or a line. Before freezing.
    pub fn set_reward_trend(&mut self, window: u32, model: RewardTrend) -> Result<()> {
        check(unsafe { ffi::optima_trainer_set_reward_trend(self.ptr, window, model as i32) })
    }

    /// The trend's window and model.
    pub fn reward_trend(&self) -> Result<(u32, RewardTrend)> {
        let (mut window, mut model) = (0, 0);
        check(unsafe { ffi::optima_trainer_get_reward_trend(self.ptr, &mut window, &mut model) })?;
        Ok((window, RewardTrend::from_raw(model)?))
    }

    /// The projections' optimizer and learning rate (as stored, in float32).
    pub fn optimizer(&self) -> Result<(Optimizer, f64)> {
        let (mut kind, mut rate) = (0, 0.0);
        check(unsafe { ffi::optima_trainer_get_optimizer(self.ptr, &mut kind, &mut rate) })?;
        Ok((Optimizer::from_raw(kind)?, rate))
    }

    /// The built-in optimizers' hyperparameters (before freezing); e.g.
    /// `t.set_optimizer_params(OptimizerParams { momentum: 0.5, ..t.optimizer_params()? })`.
    pub fn set_optimizer_params(&mut self, params: OptimizerParams) -> Result<()> {
        check(unsafe {
            ffi::optima_trainer_set_optimizer_params(self.ptr, params.momentum, params.beta1, params.beta2,
                                                     params.weight_decay)
        })
    }

    /// The built-in optimizers' hyperparameters, as stored (in float32).
    pub fn optimizer_params(&self) -> Result<OptimizerParams> {
        let mut p = OptimizerParams { momentum: 0.0, beta1: 0.0, beta2: 0.0, weight_decay: 0.0 };
        check(unsafe {
            ffi::optima_trainer_get_optimizer_params(self.ptr, &mut p.momentum, &mut p.beta1, &mut p.beta2,
                                                     &mut p.weight_decay)
        })?;
        Ok(p)
    }

    /// Keep the records of the last `rounds` rounds (default 1024). Before freezing.
    pub fn set_history(&mut self, rounds: u32) -> Result<()> {
        check(unsafe { ffi::optima_trainer_set_history(self.ptr, rounds) })
    }

    /// How many rounds' records are kept.
    pub fn history(&self) -> Result<u32> {
        self.get(ffi::optima_trainer_get_history)
    }

    /// Appends every finished round to the file `path` (created or appended to), or stops
    /// logging with `None`.
    pub fn set_round_log(&mut self, path: Option<&Path>, format: LogFormat) -> Result<()> {
        let path = path.map(|p| path_name(p, "path")).transpose()?;
        let p = path.as_ref().map_or(ptr::null(), |p| p.as_ptr());
        check(unsafe { ffi::optima_trainer_set_round_log(self.ptr, p, format as i32) })
    }

    /// The round log's path (`None` when not logging) and format.
    pub fn round_log(&self) -> Result<(Option<PathBuf>, LogFormat)> {
        let (mut path, mut format) = (ptr::null::<c_char>(), 0);
        check(unsafe { ffi::optima_trainer_get_round_log(self.ptr, &mut path, &mut format) })?;
        let path = if path.is_null() {
            None
        } else {
            let bytes = unsafe { std::ffi::CStr::from_ptr(path) }.to_bytes();
            Some(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
        };
        Ok((path, LogFormat::from_raw(format)?))
    }

    /// Check every `rounds` rounds that data-parallel ranks agree (0: off, the default).
    pub fn set_agreement_interval(&mut self, rounds: u32) -> Result<()> {
        check(unsafe { ffi::optima_trainer_set_agreement_interval(self.ptr, rounds) })
    }

    /// The agreement check's interval in rounds.
    pub fn agreement_interval(&self) -> Result<u32> {
        self.get(ffi::optima_trainer_get_agreement_interval)
    }

    /// The host's evaluation loss ([`RewardSource::Evaluation`]): before the first step the
    /// baseline, afterwards the reference of the round the next ending step closes.
    pub fn submit_evaluation(&mut self, loss: f64) -> Result<()> {
        check(unsafe { ffi::optima_trainer_submit_evaluation(self.ptr, loss) })
    }

    /// Trains data-parallel (before freezing): `f(what, data)` must sum `data` across all
    /// ranks in place (an all-reduce with the sum, e.g. MPI's), `None` for a single process
    /// (the default). An error or a panic in `f` stops `end_step` (or the run) with
    /// `ECALLBACK`, nothing of the step applied. `f` must be `Send`, as the projection
    /// closure.
    pub fn set_reduction<F>(&mut self, f: Option<F>) -> Result<()>
    where
        F: FnMut(Reduce, ReduceData<'_>) -> CallbackResult + Send + 'a,
    {
        let mut state = f.map(|f| Box::new(ReductionState { f: Box::new(f), error: None }));
        let (callback, user): (ffi::optima_reduce_fn, *mut c_void) = match state.as_mut() {
            Some(s) => (Some(reduction_trampoline), &mut **s as *mut ReductionState<'a> as *mut c_void),
            None => (None, ptr::null_mut()),
        };
        check(unsafe { ffi::optima_trainer_set_reduction(self.ptr, callback, user) })?;
        self.reduction = state; // the old closure is dropped once the library no longer has it
        Ok(())
    }

    /// The trainer's scheduler (freezes the configuration); borrows the trainer.
    pub fn scheduler(&mut self) -> Result<Scheduler<'_>> {
        let mut s = ptr::null_mut();
        check(unsafe { ffi::optima_trainer_get_scheduler(self.ptr, &mut s) })?;
        Ok(Scheduler::borrowed(s))
    }

    /// Begins a step. Views handed to the returned [`Step`] must outlive it.
    pub fn begin_step<'v>(&mut self) -> Result<Step<'_, 'a, 'v>> {
        let mut arm = 0;
        check(unsafe { ffi::optima_trainer_begin_step(self.ptr, &mut arm) })?;
        Ok(Step { trainer: self, arm, _views: PhantomData })
    }

    /// Copy of the gradient wrt a student hidden state (empty when it gets none).
    pub fn student_grad(&self, module: usize, layer: usize) -> Result<Vec<f32>> {
        let mut t = ffi::optima_tensor::EMPTY;
        check(unsafe { ffi::optima_trainer_student_grad(self.ptr, module, layer, &mut t) })?;
        Ok(unsafe { copy_view(&t) })
    }

    /// Copy of the gradient wrt the student logits (empty when α_pred = 0).
    pub fn logits_grad(&self) -> Result<Vec<f32>> {
        let mut t = ffi::optima_tensor::EMPTY;
        check(unsafe { ffi::optima_trainer_logits_grad(self.ptr, &mut t) })?;
        Ok(unsafe { copy_view(&t) })
    }

    /// The loss breakdown of this step's last successful compute.
    pub fn losses(&self) -> Result<Losses> {
        let mut l = Losses { kl: 0.0, layer_term: 0.0 };
        check(unsafe { ffi::optima_trainer_losses(self.ptr, &mut l.kl, &mut l.layer_term) })?;
        Ok(l)
    }

    /// D_m of pair `pair` in the last successful compute; `None` when the arm leaves the
    /// pair inactive this step.
    pub fn pair_loss_value(&self, pair: usize) -> Result<Option<f64>> {
        let (mut loss, mut active) = (0.0, 0);
        check(unsafe { ffi::optima_trainer_pair_loss_value(self.ptr, pair, &mut loss, &mut active) })?;
        Ok(if active != 0 { Some(loss) } else { None })
    }

    /// After [`Step::compute`], the task loss's gradient at a planned student hidden state
    /// ([`RewardSource::Alignment`]): read during the call, not kept; once per layer and
    /// compute.
    pub fn set_task_grad(&mut self, module: usize, layer: usize, view: Matrix<'_>) -> Result<()> {
        check(unsafe { ffi::optima_trainer_set_task_grad(self.ptr, module, layer, &view.raw()) })
    }

    /// Whether that layer's task gradient was handed in since this step's last compute.
    pub fn task_grad_given(&self, module: usize, layer: usize) -> Result<bool> {
        let mut given = 0;
        check(unsafe { ffi::optima_trainer_get_task_grad(self.ptr, module, layer, &mut given) })?;
        Ok(given != 0)
    }

    /// Ends the step with the host's task loss; true when it ended a round.
    pub fn end_step(&mut self, task_loss: f64) -> Result<bool> {
        let mut ended = 0;
        let status = unsafe { ffi::optima_trainer_end_step(self.ptr, task_loss, &mut ended) };
        self.attach_callback_error(check(status), None)?;
        Ok(ended != 0)
    }

    /// Runs `steps` steps through `host`. A callback's error or panic stops the run: the
    /// result is then an `ECALLBACK` error whose `callback` holds the callback's message.
    pub fn run(&mut self, host: &mut dyn RunCallbacks, steps: u64) -> Result<()> {
        let mut state = RunState { host, error: None, task_grads: Vec::new() };
        let table = ffi::optima_callbacks {
            struct_size: std::mem::size_of::<ffi::optima_callbacks>() as u32,
            reserved: 0,
            next_batch: Some(next_batch_trampoline),
            forward: Some(forward_trampoline),
            backward: Some(backward_trampoline),
            optimizer_step: Some(optimizer_step_trampoline),
            evaluate: if state.host.evaluates() { Some(evaluate_trampoline) } else { None },
            round_end: Some(round_end_trampoline),
            task_grad: if state.host.gives_task_grads() { Some(task_grad_trampoline) } else { None },
        };
        let user = &mut state as *mut RunState as *mut c_void;
        let status = unsafe { ffi::optima_trainer_run(self.ptr, &table, user, steps) };
        let run_error = state.error.take();
        self.attach_callback_error(check(status), run_error)
    }

    /// An `ECALLBACK` gets the text of the callback that stopped the call: `first`'s (the
    /// run loop's host), else the reduction's or the projection optimizer's, whose pending
    /// texts are cleared whatever the result.
    fn attach_callback_error(&mut self, r: Result<()>, first: Option<String>) -> Result<()> {
        let reduction = self.reduction.as_mut().and_then(|p| p.error.take());
        let projection = self.projection.as_mut().and_then(|p| p.error.take());
        let pending = first.or(reduction).or(projection);
        match r {
            Err(mut e) if e.status == Status::ECALLBACK => {
                e.callback = pending;
                Err(e)
            }
            other => other,
        }
    }

    /// The value returned by the callback that stopped the last run (0 if none).
    pub fn callback_code(&self) -> Result<i32> {
        let mut code = 0;
        check(unsafe { ffi::optima_trainer_callback_code(self.ptr, &mut code) })?;
        Ok(code)
    }

    /// (steps ended, rounds completed).
    pub fn progress(&self) -> Result<(u64, u64)> {
        let (mut steps, mut rounds) = (0, 0);
        check(unsafe { ffi::optima_trainer_progress(self.ptr, &mut steps, &mut rounds) })?;
        Ok((steps, rounds))
    }

    /// The record of completed round `round`.
    pub fn round_record(&self, round: u64) -> Result<RoundRecord> {
        let mut r = RoundRecord { first_step: 0, arm: 0, reward: 0.0, mean_reference: 0.0 };
        check(unsafe {
            ffi::optima_trainer_round_record(self.ptr, round, &mut r.first_step, &mut r.arm, &mut r.reward,
                                             &mut r.mean_reference)
        })?;
        Ok(r)
    }

    /// The mean of pair `pair`'s loss over the steps of kept round `round`; `None` when the
    /// pair was not active in it.
    pub fn round_pair_loss(&self, round: u64, pair: usize) -> Result<Option<f64>> {
        let (mut loss, mut active) = (0.0, 0);
        check(unsafe { ffi::optima_trainer_round_pair_loss(self.ptr, round, pair, &mut loss, &mut active) })?;
        Ok(if active != 0 { Some(loss) } else { None })
    }

    /// A checkpoint of everything the trainer owns, as bytes.
    pub fn save(&mut self) -> Result<Vec<u8>> {
        let mut out: Vec<u8> = Vec::new();
        self.save_to(&mut out)?;
        Ok(out)
    }

    /// Writes a checkpoint to `sink` as it is produced. A write error stops the save with
    /// `ECALLBACK`, the error's text in [`Error::callback`].
    pub fn save_to(&mut self, sink: &mut dyn Write) -> Result<()> {
        let mut stream = Stream { io: sink, error: None };
        let user = &mut stream as *mut Stream<dyn Write> as *mut c_void;
        stream_result(check(unsafe { ffi::optima_trainer_save(self.ptr, Some(write_to_stream), user) }), stream.error)
    }

    /// Restores a checkpoint made by [`Trainer::save`] (all or nothing).
    pub fn load(&mut self, data: &[u8]) -> Result<()> {
        let mut cursor: &[u8] = data;
        self.load_from(&mut cursor)
    }

    /// Restores a checkpoint read from `source`, which must end where the checkpoint ends.
    pub fn load_from(&mut self, source: &mut dyn Read) -> Result<()> {
        let mut stream = Stream { io: source, error: None };
        let user = &mut stream as *mut Stream<dyn Read> as *mut c_void;
        stream_result(check(unsafe { ffi::optima_trainer_load(self.ptr, Some(read_from_stream), user) }), stream.error)
    }

    /// A checkpoint written atomically to the file `path` (a crash leaves the old one or the
    /// new one, whole).
    pub fn save_file(&mut self, path: &Path) -> Result<()> {
        let path = path_name(path, "path")?;
        check(unsafe { ffi::optima_trainer_save_file(self.ptr, path.as_ptr()) })
    }

    /// Restores a checkpoint from the file `path` (all or nothing).
    pub fn load_file(&mut self, path: &Path) -> Result<()> {
        let path = path_name(path, "path")?;
        check(unsafe { ffi::optima_trainer_load_file(self.ptr, path.as_ptr()) })
    }

    fn get<T: Default>(&self, f: unsafe extern "C" fn(*const ffi::optima_trainer, *mut T) -> ffi::optima_status)
        -> Result<T> {
        let mut value = T::default();
        check(unsafe { f(self.ptr, &mut value) })?;
        Ok(value)
    }

    /// The message of the last call that failed on this trainer.
    pub fn last_error(&self) -> String {
        unsafe { text(ffi::optima_trainer_last_error(self.ptr)) }
    }
}

// SAFETY: one trainer may be used from any thread, but not from two at once (trainer.h):
// moving it is sound (Send), sharing it is not (not Sync: even the `&self` getters read
// buffers a concurrent step writes). What it keeps is Send too: the projection and
// reduction closures are required to be, and the context and models it borrows are Sync.
// Run-loop callbacks are borrowed for one `run` call only and run on the calling thread.
unsafe impl Send for Trainer<'_> {}

impl Drop for Trainer<'_> {
    fn drop(&mut self) {
        unsafe { ffi::optima_trainer_destroy(self.ptr) }
    }
}

/// A step in progress: hand over views and masks (they stay borrowed for `'v`, since the
/// library reads them in `compute`), then `compute`, which consumes the step; the
/// trainer's gradients, `set_task_grad` and `end_step` come after it.
///
/// ```no_run
/// # fn step(t: &mut optima::Trainer, h: &[f32], mask: &[u8]) -> optima::Result<()> {
/// let mut s = t.begin_step()?;
/// s.set_hidden(optima::Side::Student, 0, 0, optima::Matrix::new(h, mask.len(), 4)?)?;
/// s.set_row_mask(0, Some(mask))?;
/// s.compute()?;
/// t.end_step(0.5)?;
/// # Ok(()) }
/// ```
///
/// A mask (or view) that does not outlive the step is refused by the compiler:
///
/// ```compile_fail
/// # fn step(t: &mut optima::Trainer, h: &[f32]) -> optima::Result<()> {
/// let mut s = t.begin_step()?;
/// s.set_hidden(optima::Side::Student, 0, 0, optima::Matrix::new(h, 2, 4)?)?;
/// {
///     let mask = vec![1u8, 0];
///     s.set_row_mask(0, Some(&mask))?; // `mask` does not live long enough
/// }
/// s.compute()?;
/// # Ok(()) }
/// ```
pub struct Step<'t, 'a, 'v> {
    trainer: &'t mut Trainer<'a>,
    arm: u32,
    _views: PhantomData<&'v [f32]>,
}

impl<'t, 'a, 'v> Step<'t, 'a, 'v> {
    /// The arm of this step's round.
    pub fn arm(&self) -> u32 {
        self.arm
    }

    /// The hidden states this step needs.
    pub fn plan(&self) -> Result<Vec<LayerRef>> {
        let mut refs = ptr::null();
        let mut count = 0;
        check(unsafe { ffi::optima_trainer_plan(self.trainer.ptr, &mut refs, &mut count) })?;
        Ok(unsafe { layer_refs(refs, count) })
    }

    /// Whether both models' logits are needed.
    pub fn needs_logits(&self) -> Result<bool> {
        let mut n = 0;
        check(unsafe { ffi::optima_trainer_needs_logits(self.trainer.ptr, &mut n) })?;
        Ok(n != 0)
    }

    /// Hands over a hidden state; read (not copied) by `compute`.
    pub fn set_hidden(&mut self, side: Side, module: usize, layer: usize, view: Matrix<'v>) -> Result<()> {
        check(unsafe { ffi::optima_trainer_set_hidden(self.trainer.ptr, side as i32, module, layer, &view.raw()) })
    }

    /// Hands over a model's logits.
    pub fn set_logits(&mut self, side: Side, view: Matrix<'v>) -> Result<()> {
        check(unsafe { ffi::optima_trainer_set_logits(self.trainer.ptr, side as i32, &view.raw()) })
    }

    /// The view of a hidden state handed over with [`Step::set_hidden`], until `compute`.
    pub fn hidden(&self, side: Side, module: usize, layer: usize) -> Result<Matrix<'v>> {
        let mut t = ffi::optima_tensor::EMPTY;
        check(unsafe { ffi::optima_trainer_get_hidden(self.trainer.ptr, side as i32, module, layer, &mut t) })?;
        // SAFETY: the trainer gives back a view handed over as a `Matrix<'v>`.
        Ok(unsafe { Matrix::from_raw(&t) })
    }

    /// The view of a model's logits handed over with [`Step::set_logits`], until `compute`.
    pub fn logits(&self, side: Side) -> Result<Matrix<'v>> {
        let mut t = ffi::optima_tensor::EMPTY;
        check(unsafe { ffi::optima_trainer_get_logits(self.trainer.ptr, side as i32, &mut t) })?;
        // SAFETY: as in `hidden`.
        Ok(unsafe { Matrix::from_raw(&t) })
    }

    /// Pair `pair`'s row mask for this step (non-zero: the row counts; one byte per row
    /// of its views), or `None` for every row (the default). Read, not copied, by `compute`.
    pub fn set_row_mask(&mut self, pair: usize, mask: Option<&'v [u8]>) -> Result<()> {
        let (p, rows) = mask.map_or((ptr::null(), 0), |m| (m.as_ptr(), m.len()));
        check(unsafe { ffi::optima_trainer_set_row_mask(self.trainer.ptr, pair, p, rows) })
    }

    /// Pair `pair`'s row mask as given (`None`: every row counts).
    pub fn row_mask(&self, pair: usize) -> Result<Option<&'v [u8]>> {
        let (mut p, mut rows) = (ptr::null(), 0);
        check(unsafe { ffi::optima_trainer_get_row_mask(self.trainer.ptr, pair, &mut p, &mut rows) })?;
        // SAFETY: the host's bytes handed over as `&'v [u8]`.
        Ok(unsafe { mask_slice(p, rows) })
    }

    /// The logits' row mask for this step, or `None` for every row. Read by `compute`.
    pub fn set_logits_mask(&mut self, mask: Option<&'v [u8]>) -> Result<()> {
        let (p, rows) = mask.map_or((ptr::null(), 0), |m| (m.as_ptr(), m.len()));
        check(unsafe { ffi::optima_trainer_set_logits_mask(self.trainer.ptr, p, rows) })
    }

    /// The logits' row mask as given (`None`: every row counts).
    pub fn logits_mask(&self) -> Result<Option<&'v [u8]>> {
        let (mut p, mut rows) = (ptr::null(), 0);
        check(unsafe { ffi::optima_trainer_get_logits_mask(self.trainer.ptr, &mut p, &mut rows) })?;
        // SAFETY: as in `row_mask`.
        Ok(unsafe { mask_slice(p, rows) })
    }

    /// [`TrainerMode::ScheduleOnly`]: the host's loss D_m of active pair `pair` (unweighted);
    /// again replaces it.
    pub fn report_pair_loss(&mut self, pair: usize, loss: f64) -> Result<()> {
        check(unsafe { ffi::optima_trainer_report_pair_loss(self.trainer.ptr, pair, loss) })
    }

    /// [`TrainerMode::ScheduleOnly`] with α_pred > 0: the host's prediction KL (unweighted).
    pub fn report_kl(&mut self, kl: f64) -> Result<()> {
        check(unsafe { ffi::optima_trainer_report_kl(self.trainer.ptr, kl) })
    }

    /// Computes the step's losses and gradients; returns the distillation total.
    pub fn compute(self) -> Result<f64> {
        let mut total = 0.0;
        check(unsafe { ffi::optima_trainer_compute(self.trainer.ptr, &mut total) })?;
        Ok(total)
    }
}

/// The host side of [`Trainer::run`]. Each method returns `Ok(())` to go on or an error
/// to stop; a panic stops the run too (it never unwinds into C).
pub trait RunCallbacks {
    /// Prepare the batch of step `step`.
    fn next_batch(&mut self, _step: u64) -> CallbackResult {
        Ok(())
    }
    /// Run the forward passes and hand a view of each needed hidden state (and the logits
    /// when `out.want_logits()`) to `out`. Views borrow the host for `'h`: they stay
    /// valid until `backward` returns.
    fn forward<'h>(&'h mut self, step: u64, needed: &[LayerRef], out: &mut Forward<'h>) -> CallbackResult;
    /// Backpropagate: `grads[i]` (dense rows × width, empty for teacher entries) belongs
    /// to `needed[i]`, `logits_grad` to the student logits (empty when unused). Return the
    /// task loss.
    fn backward(&mut self, step: u64, needed: &[LayerRef], grads: &[Vec<f32>], logits_grad: &[f32])
        -> std::result::Result<f64, Box<dyn std::error::Error>>;
    /// Step the host's optimizer.
    fn optimizer_step(&mut self, _step: u64) -> CallbackResult {
        Ok(())
    }
    /// Whether [`RunCallbacks::evaluate`] is to be called (needed with the evaluation
    /// reward source).
    fn evaluates(&self) -> bool {
        false
    }
    /// The host's evaluation loss.
    fn evaluate(&mut self, _step: u64) -> std::result::Result<f64, Box<dyn std::error::Error>> {
        Ok(0.0)
    }
    /// A round ended.
    fn round_end(&mut self, _round: u64, _arm: u32, _reward: f64) -> CallbackResult {
        Ok(())
    }
    /// Whether [`RunCallbacks::task_grad`] is to be called (needed with the alignment
    /// reward source).
    fn gives_task_grads(&self) -> bool {
        false
    }
    /// After `backward`: the task loss's gradient at each needed hidden state, dense rows ×
    /// width for student entries, empty for teacher entries (the alignment reward).
    fn task_grad(&mut self, _step: u64, _needed: &[LayerRef])
        -> std::result::Result<Vec<Vec<f32>>, Box<dyn std::error::Error>> {
        Ok(Vec::new())
    }
}

/// Where `forward` puts its views.
pub struct Forward<'h> {
    hidden: *mut ffi::optima_tensor,
    count: usize,
    filled: Vec<bool>,
    want_logits: bool,
    student_logits: *mut ffi::optima_tensor,
    teacher_logits: *mut ffi::optima_tensor,
    logits_set: bool,
    _views: PhantomData<&'h [f32]>,
}

impl<'h> Forward<'h> {
    /// Whether the logits of both models are wanted.
    pub fn want_logits(&self) -> bool {
        self.want_logits
    }

    /// The view of `needed[i]`.
    pub fn set_hidden(&mut self, i: usize, view: Matrix<'h>) -> Result<()> {
        if i >= self.count {
            return Err(Error::binding(Status::EINVAL, format!("Forward::set_hidden: index {} of {}", i, self.count)));
        }
        unsafe { *self.hidden.add(i) = view.raw() };
        self.filled[i] = true;
        Ok(())
    }

    /// The logits of both models.
    pub fn set_logits(&mut self, student: Matrix<'h>, teacher: Matrix<'h>) -> Result<()> {
        if !self.want_logits {
            return Err(Error::binding(Status::ESTATE, "Forward::set_logits: no logits wanted".into()));
        }
        unsafe {
            *self.student_logits = student.raw();
            *self.teacher_logits = teacher.raw();
        }
        self.logits_set = true;
        Ok(())
    }

    fn missing(&self) -> Option<String> {
        if let Some(i) = self.filled.iter().position(|f| !f) {
            return Some(format!("forward left the view of needed[{}] unset", i));
        }
        if self.want_logits && !self.logits_set {
            return Some("forward left the logits unset".to_string());
        }
        None
    }
}

struct RunState<'r> {
    host: &'r mut dyn RunCallbacks,
    error: Option<String>,
    /// The last task gradients: the trainer reads them after the callback returns.
    task_grads: Vec<Vec<f32>>,
}

/// Runs `f` for the run's host; an error or a panic is recorded and becomes a stop (1).
unsafe fn guarded<F>(user: *mut c_void, f: F) -> c_int
where
    F: FnOnce(&mut dyn RunCallbacks) -> CallbackResult,
{
    let state = &mut *(user as *mut RunState);
    let host = &mut *state.host;
    settle(catch_unwind(AssertUnwindSafe(|| f(host))), &mut state.error)
}

/// A callback's outcome as the library wants it: 0 to go on; otherwise 1, the error's or the
/// panic's text kept in `slot` (the first one: what stopped the call) for the `Error`.
fn settle(outcome: std::thread::Result<CallbackResult>, slot: &mut Option<String>) -> c_int {
    let error = match outcome {
        Ok(Ok(())) => return 0,
        Ok(Err(e)) => e.to_string(),
        Err(panic) => format!("callback panicked: {}", panic_text(&*panic)),
    };
    if slot.is_none() {
        *slot = Some(error);
    }
    1
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_string()
    }
}

unsafe fn layer_refs(refs: *const ffi::optima_layer_ref, count: usize) -> Vec<LayerRef> {
    if refs.is_null() || count == 0 {
        return Vec::new();
    }
    std::slice::from_raw_parts(refs, count).iter().map(LayerRef::from_raw).collect()
}

unsafe extern "C" fn next_batch_trampoline(user: *mut c_void, step: u64) -> c_int {
    guarded(user, |h| h.next_batch(step))
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn forward_trampoline(
    user: *mut c_void,
    step: u64,
    needed: *const ffi::optima_layer_ref,
    count: usize,
    hidden: *mut ffi::optima_tensor,
    want_logits: i32,
    student_logits: *mut ffi::optima_tensor,
    teacher_logits: *mut ffi::optima_tensor,
) -> c_int {
    guarded(user, |h| {
        let refs = layer_refs(needed, count);
        let mut out = Forward {
            hidden,
            count,
            filled: vec![false; count],
            want_logits: want_logits != 0,
            student_logits,
            teacher_logits,
            logits_set: false,
            _views: PhantomData,
        };
        h.forward(step, &refs, &mut out)?;
        match out.missing() {
            Some(m) => Err(m.into()),
            None => Ok(()),
        }
    })
}

unsafe extern "C" fn backward_trampoline(
    user: *mut c_void,
    step: u64,
    needed: *const ffi::optima_layer_ref,
    grads: *const ffi::optima_tensor,
    count: usize,
    logits_grad: *const ffi::optima_tensor,
    task_loss: *mut f64,
) -> c_int {
    guarded(user, |h| {
        let refs = layer_refs(needed, count);
        let g: Vec<Vec<f32>> = (0..count).map(|i| copy_view(&*grads.add(i))).collect();
        let z = if logits_grad.is_null() { Vec::new() } else { copy_view(&*logits_grad) };
        *task_loss = h.backward(step, &refs, &g, &z)?;
        Ok(())
    })
}

unsafe extern "C" fn optimizer_step_trampoline(user: *mut c_void, step: u64) -> c_int {
    guarded(user, |h| h.optimizer_step(step))
}

unsafe extern "C" fn evaluate_trampoline(user: *mut c_void, step: u64, loss: *mut f64) -> c_int {
    guarded(user, |h| {
        *loss = h.evaluate(step)?;
        Ok(())
    })
}

unsafe extern "C" fn round_end_trampoline(user: *mut c_void, round: u64, arm: u32, reward: f64) -> c_int {
    guarded(user, |h| h.round_end(round, arm, reward))
}

unsafe extern "C" fn task_grad_trampoline(
    user: *mut c_void,
    step: u64,
    needed: *const ffi::optima_layer_ref,
    count: usize,
    out: *mut ffi::optima_tensor,
) -> c_int {
    let kept: *mut Vec<Vec<f32>> = &mut (*(user as *mut RunState)).task_grads;
    guarded(user, |h| {
        let refs = layer_refs(needed, count);
        let grads = h.task_grad(step, &refs)?;
        if grads.len() != count {
            return Err(format!("task_grad returned {} gradients for {} needed layers", grads.len(), count).into());
        }
        for (i, (r, g)) in refs.iter().zip(grads.iter()).enumerate() {
            if r.side != Side::Student {
                continue;
            }
            if r.width == 0 || g.len() % r.width != 0 {
                return Err(format!("task_grad: entry {} has {} values, not rows × {}", i, g.len(), r.width).into());
            }
            *out.add(i) = ffi::optima_tensor { data: g.as_ptr(), rows: g.len() / r.width, cols: r.width, row_stride: r.width };
        }
        *kept = grads; // the heap buffers do not move: the views stay valid
        Ok(())
    })
}

unsafe extern "C" fn projection_trampoline(
    user: *mut c_void,
    pair: u32,
    layer_pair: u32,
    param: *mut f32,
    grad: *const f32,
    rows: usize,
    cols: usize,
) -> c_int {
    let state = &mut *(user as *mut ProjectionState);
    let f = &mut state.f;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let p = std::slice::from_raw_parts_mut(param, rows * cols);
        let g = std::slice::from_raw_parts(grad, rows * cols);
        f(pair, layer_pair, p, g)
    }));
    settle(outcome, &mut state.error)
}

unsafe extern "C" fn reduction_trampoline(user: *mut c_void, what: i32, dtype: i32, data: *mut c_void,
                                           count: usize) -> c_int {
    let state = &mut *(user as *mut ReductionState);
    let f = &mut state.f;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let what = Reduce::from_raw(what).map_err(|e| e.message)?;
        let data = match dtype {
            ffi::OPTIMA_DTYPE_F32 => ReduceData::F32(std::slice::from_raw_parts_mut(data as *mut f32, count)),
            ffi::OPTIMA_DTYPE_F64 => ReduceData::F64(std::slice::from_raw_parts_mut(data as *mut f64, count)),
            other => return Err(format!("the library asked to reduce dtype {}, unknown to this crate", other).into()),
        };
        f(what, data)
    }));
    settle(outcome, &mut state.error)
}

/// A path as the C string the library takes (NUL bytes refused, naming `arg`).
fn path_name(path: &Path, arg: &str) -> Result<CString> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        Error::binding(Status::EINVAL, format!("argument '{}' must not contain NUL bytes", arg))
    })
}

/// The mask the trainer gives back: the host's bytes, `rows` long, or none.
unsafe fn mask_slice<'v>(p: *const u8, rows: usize) -> Option<&'v [u8]> {
    if p.is_null() {
        None
    } else {
        Some(std::slice::from_raw_parts(p, rows))
    }
}
