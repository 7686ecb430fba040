//! The scheduler: a bandit over sets of modules.

use std::ffi::CString;
use std::io::{Read, Write};
use std::marker::PhantomData;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr;

use crate::context::Context;
use crate::error::{c_name, check, text, Result, Status};
use crate::ffi;

c_enum! {
    /// Scheduler policies (scheduler.h, `enum optima_policy`). New policies may be appended
    /// in later 1.x versions, hence `non_exhaustive`.
    #[non_exhaustive]
    pub enum Policy {
        /// Thompson sampling over recent rewards (the paper's scheduler; the default).
        Optima = ffi::OPTIMA_POLICY_OPTIMA,
        /// Always every module: classic layerwise distillation.
        All = ffi::OPTIMA_POLICY_ALL,
        /// A uniformly random arm each round.
        Random = ffi::OPTIMA_POLICY_RANDOM,
        /// Arms in index order, cyclically.
        RoundRobin = ffi::OPTIMA_POLICY_ROUND_ROBIN,
        /// Always the fixed arm.
        Fixed = ffi::OPTIMA_POLICY_FIXED,
        /// UCB1 over all rewards.
        Ucb1 = ffi::OPTIMA_POLICY_UCB1,
        /// Stationary Gaussian Thompson sampling.
        Thompson = ffi::OPTIMA_POLICY_THOMPSON,
        /// Gaussian Thompson sampling over discounted statistics.
        DiscountedThompson = ffi::OPTIMA_POLICY_DISCOUNTED_THOMPSON,
        /// Sliding-window UCB.
        SlidingWindowUcb = ffi::OPTIMA_POLICY_SLIDING_WINDOW_UCB,
        /// EXP3, rewards clipped to [0, 1].
        Exp3 = ffi::OPTIMA_POLICY_EXP3,
        /// UCB with change-point restarts and forced exploration (since 1.1).
        GlrUcb = ffi::OPTIMA_POLICY_GLR_UCB,
    }
}

/// The 1.0 names, kept so that code written against them still compiles.
#[allow(missing_docs)]
impl Policy {
    #[deprecated(since = "1.1.0", note = "use Policy::Optima")]
    pub const OPTIMA: Policy = Policy::Optima;
    #[deprecated(since = "1.1.0", note = "use Policy::All")]
    pub const ALL: Policy = Policy::All;
    #[deprecated(since = "1.1.0", note = "use Policy::Random")]
    pub const RANDOM: Policy = Policy::Random;
    #[deprecated(since = "1.1.0", note = "use Policy::RoundRobin")]
    pub const ROUND_ROBIN: Policy = Policy::RoundRobin;
    #[deprecated(since = "1.1.0", note = "use Policy::Fixed")]
    pub const FIXED: Policy = Policy::Fixed;
    #[deprecated(since = "1.1.0", note = "use Policy::Ucb1")]
    pub const UCB1: Policy = Policy::Ucb1;
    #[deprecated(since = "1.1.0", note = "use Policy::Thompson")]
    pub const THOMPSON: Policy = Policy::Thompson;
    #[deprecated(since = "1.1.0", note = "use Policy::DiscountedThompson")]
    pub const DISCOUNTED_THOMPSON: Policy = Policy::DiscountedThompson;
    #[deprecated(since = "1.1.0", note = "use Policy::SlidingWindowUcb")]
    pub const SLIDING_WINDOW_UCB: Policy = Policy::SlidingWindowUcb;
    #[deprecated(since = "1.1.0", note = "use Policy::Exp3")]
    pub const EXP3: Policy = Policy::Exp3;
}

impl Policy {
    /// The policy's printable name, e.g. "OPTIMA".
    pub fn name(self) -> String {
        unsafe { text(ffi::optima_scheduler_policy_name(self as i32)) }
    }
}

c_enum! {
    /// Which arms a scheduler offers (scheduler.h, `enum optima_arm_set`).
    #[non_exhaustive]
    pub enum ArmSet {
        /// Every non-empty subset of the modules (the default).
        AllSubsets = ffi::OPTIMA_ARMS_ALL_SUBSETS,
        /// Each module alone.
        SingleModules = ffi::OPTIMA_ARMS_SINGLE_MODULES,
        /// The list given to [`Scheduler::set_arm_masks`].
        Explicit = ffi::OPTIMA_ARMS_EXPLICIT,
    }
}

c_enum! {
    /// How OPTIMA forgets old rewards (scheduler.h, `enum optima_history`).
    #[non_exhaustive]
    pub enum History {
        /// Only the rewards of the last W rounds count ([`Scheduler::set_window`]; 1.0's
        /// default).
        Window = ffi::OPTIMA_HISTORY_WINDOW,
        /// Every reward counts with weight gamma^age ([`Scheduler::set_discount`]).
        Discount = ffi::OPTIMA_HISTORY_DISCOUNT,
        /// Every reward since the last change-point restart counts (the default since 1.1;
        /// [`Scheduler::set_detector_confidence`], [`Scheduler::set_detector_stride`]).
        ChangePoint = ffi::OPTIMA_HISTORY_CHANGE_POINT,
    }
}

/// A scheduler: owned (made with [`Scheduler::new`]) or a trainer's (borrowed from it).
pub struct Scheduler<'a> {
    ptr: *mut ffi::optima_scheduler,
    owned: bool,
    _owner: PhantomData<&'a mut ()>,
}

impl<'a> Scheduler<'a> {
    /// A scheduler over `num_modules` modules, every non-empty subset an arm.
    pub fn new(ctx: &'a Context, num_modules: i32, policy: Policy, seed: u64) -> Result<Scheduler<'a>> {
        let mut ptr = ptr::null_mut();
        check(unsafe { ffi::optima_scheduler_create(ctx.ptr, num_modules, policy as i32, seed, &mut ptr) })?;
        Ok(Scheduler { ptr, owned: true, _owner: PhantomData })
    }

    pub(crate) fn borrowed(ptr: *mut ffi::optima_scheduler) -> Scheduler<'a> {
        Scheduler { ptr, owned: false, _owner: PhantomData }
    }

    /// Which arms to offer: every subset (the default), each module alone, or the list
    /// of [`Scheduler::set_arm_masks`].
    pub fn set_arm_set(&mut self, arm_set: ArmSet) -> Result<()> {
        check(unsafe { ffi::optima_scheduler_set_arm_set(self.ptr, arm_set as i32) })
    }

    /// Offer an explicit list of arms (module masks).
    pub fn set_arm_masks(&mut self, masks: &[u32]) -> Result<()> {
        check(unsafe { ffi::optima_scheduler_set_arm_masks(self.ptr, masks.as_ptr(), masks.len() as u32) })
    }

    /// Names the modules, so that arms print as `vision+text`.
    pub fn set_module_names(&mut self, names: &[&str]) -> Result<()> {
        let owned = names.iter().map(|n| c_name(n, "names")).collect::<Result<Vec<CString>>>()?;
        let ptrs: Vec<*const c_char> = owned.iter().map(|n| n.as_ptr()).collect();
        check(unsafe { ffi::optima_scheduler_set_module_names(self.ptr, ptrs.as_ptr(), ptrs.len() as i32) })
    }

    /// Window W of OPTIMA and SW-UCB (default 64).
    pub fn set_window(&mut self, window: u32) -> Result<()> {
        check(unsafe { ffi::optima_scheduler_set_window(self.ptr, window) })
    }

    /// The window W.
    pub fn window(&self) -> Result<u32> {
        let mut w = 0;
        check(unsafe { ffi::optima_scheduler_get_window(self.ptr, &mut w) })?;
        Ok(w)
    }

    /// Discount gamma of the discounted policies.
    pub fn set_discount(&mut self, gamma: f64) -> Result<()> {
        check(unsafe { ffi::optima_scheduler_set_discount(self.ptr, gamma) })
    }

    /// Picks the arm of the next round.
    pub fn select(&mut self) -> Result<u32> {
        let mut arm = 0;
        check(unsafe { ffi::optima_scheduler_select(self.ptr, &mut arm) })?;
        Ok(arm)
    }

    /// Reports the reward of the round played with `arm`.
    pub fn update(&mut self, arm: u32, reward: f64) -> Result<()> {
        check(unsafe { ffi::optima_scheduler_update(self.ptr, arm, reward) })
    }

    /// Number of arms.
    pub fn num_arms(&self) -> Result<u32> {
        let mut n = 0;
        check(unsafe { ffi::optima_scheduler_get_num_arms(self.ptr, &mut n) })?;
        Ok(n)
    }

    /// Completed rounds.
    pub fn rounds(&self) -> Result<u64> {
        let mut n = 0;
        check(unsafe { ffi::optima_scheduler_get_rounds(self.ptr, &mut n) })?;
        Ok(n)
    }

    /// The module mask of an arm.
    pub fn arm_mask(&self, arm: u32) -> Result<u32> {
        let mut m = 0;
        check(unsafe { ffi::optima_scheduler_get_arm_mask(self.ptr, arm, &mut m) })?;
        Ok(m)
    }

    /// The printable name of an arm.
    pub fn arm_name(&self, arm: u32) -> Result<String> {
        let mut len = 0;
        check(unsafe { ffi::optima_scheduler_get_arm_name(self.ptr, arm, ptr::null_mut(), 0, &mut len) })?;
        let mut buf = vec![0u8; len + 1];
        check(unsafe {
            ffi::optima_scheduler_get_arm_name(self.ptr, arm, buf.as_mut_ptr() as *mut c_char, buf.len(), &mut len)
        })?;
        buf.truncate(len);
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// Mean remembered reward of an arm (NaN when none).
    pub fn arm_mean(&self, arm: u32) -> Result<f64> {
        let mut m = 0.0;
        check(unsafe { ffi::optima_scheduler_get_arm_mean(self.ptr, arm, &mut m) })?;
        Ok(m)
    }

    /// Rounds ever credited to an arm.
    pub fn arm_plays(&self, arm: u32) -> Result<u64> {
        let mut n = 0;
        check(unsafe { ffi::optima_scheduler_get_arm_plays(self.ptr, arm, &mut n) })?;
        Ok(n)
    }

    /// Which arm set the scheduler offers.
    pub fn arm_set(&self) -> Result<ArmSet> {
        ArmSet::from_raw(self.get(ffi::optima_scheduler_get_arm_set)?)
    }

    /// The module masks of all arms, in arm order.
    pub fn arm_masks(&self) -> Result<Vec<u32>> {
        let mut count = 0;
        check(unsafe { ffi::optima_scheduler_get_arm_masks(self.ptr, ptr::null_mut(), 0, &mut count) })?;
        let mut masks = vec![0u32; count as usize];
        check(unsafe { ffi::optima_scheduler_get_arm_masks(self.ptr, masks.as_mut_ptr(), count, &mut count) })?;
        Ok(masks)
    }

    /// The module names set with [`Scheduler::set_module_names`] (empty when none are).
    pub fn module_names(&self) -> Result<Vec<String>> {
        let mut count = 0;
        check(unsafe { ffi::optima_scheduler_get_module_names(self.ptr, ptr::null_mut(), 0, &mut count) })?;
        let mut names = vec![ptr::null::<c_char>(); count as usize];
        check(unsafe { ffi::optima_scheduler_get_module_names(self.ptr, names.as_mut_ptr(), count, &mut count) })?;
        Ok(names.iter().map(|&n| unsafe { text(n) }).collect())
    }

    /// OPTIMA's memory: a window, a discount or change-point restarts (the default since
    /// 1.1). Before the first select; `EUNSUPPORTED` for another policy.
    pub fn set_history(&mut self, history: History) -> Result<()> {
        self.set(ffi::optima_scheduler_set_history, history as i32)
    }

    /// OPTIMA's memory mode.
    pub fn history(&self) -> Result<History> {
        History::from_raw(self.get(ffi::optima_scheduler_get_history)?)
    }

    /// The discount gamma (0.98 unless set).
    pub fn discount(&self) -> Result<f64> {
        self.get(ffi::optima_scheduler_get_discount)
    }

    /// Floor of the Thompson policies' estimated reward variance (default 1e-6).
    pub fn set_variance_floor(&mut self, floor: f64) -> Result<()> {
        self.set(ffi::optima_scheduler_set_variance_floor, floor)
    }

    /// The variance floor.
    pub fn variance_floor(&self) -> Result<f64> {
        self.get(ffi::optima_scheduler_get_variance_floor)
    }

    /// A fixed reward variance for the Thompson policies; 0 estimates it (the default).
    pub fn set_fixed_variance(&mut self, variance: f64) -> Result<()> {
        self.set(ffi::optima_scheduler_set_fixed_variance, variance)
    }

    /// The fixed variance (0: estimated).
    pub fn fixed_variance(&self) -> Result<f64> {
        self.get(ffi::optima_scheduler_get_fixed_variance)
    }

    /// Exploration constant c of UCB1 and SW-UCB (default 1).
    pub fn set_exploration(&mut self, c: f64) -> Result<()> {
        self.set(ffi::optima_scheduler_set_exploration, c)
    }

    /// The exploration constant c.
    pub fn exploration(&self) -> Result<f64> {
        self.get(ffi::optima_scheduler_get_exploration)
    }

    /// EXP3's mixing rate gamma (default 0.1).
    pub fn set_exp3_gamma(&mut self, gamma: f64) -> Result<()> {
        self.set(ffi::optima_scheduler_set_exp3_gamma, gamma)
    }

    /// EXP3's mixing rate.
    pub fn exp3_gamma(&self) -> Result<f64> {
        self.get(ffi::optima_scheduler_get_exp3_gamma)
    }

    /// The arm [`Policy::Fixed`] plays (default 0).
    pub fn set_fixed_arm(&mut self, arm: u32) -> Result<()> {
        self.set(ffi::optima_scheduler_set_fixed_arm, arm)
    }

    /// The fixed arm.
    pub fn fixed_arm(&self) -> Result<u32> {
        self.get(ffi::optima_scheduler_get_fixed_arm)
    }

    /// Forced exploration alpha in [0, 1] of OPTIMA and GLR-UCB (default 0).
    pub fn set_forced_exploration(&mut self, alpha: f64) -> Result<()> {
        self.set(ffi::optima_scheduler_set_forced_exploration, alpha)
    }

    /// The forced exploration alpha.
    pub fn forced_exploration(&self) -> Result<f64> {
        self.get(ffi::optima_scheduler_get_forced_exploration)
    }

    /// Confidence delta in (0, 1) of the change detector (default 0.01).
    pub fn set_detector_confidence(&mut self, delta: f64) -> Result<()> {
        self.set(ffi::optima_scheduler_set_detector_confidence, delta)
    }

    /// The change detector's confidence delta.
    pub fn detector_confidence(&self) -> Result<f64> {
        self.get(ffi::optima_scheduler_get_detector_confidence)
    }

    /// The change detector's subsampling stride (default 4).
    pub fn set_detector_stride(&mut self, stride: u32) -> Result<()> {
        self.set(ffi::optima_scheduler_set_detector_stride, stride)
    }

    /// The change detector's stride.
    pub fn detector_stride(&self) -> Result<u32> {
        self.get(ffi::optima_scheduler_get_detector_stride)
    }

    /// Number of modules K.
    pub fn num_modules(&self) -> Result<i32> {
        self.get(ffi::optima_scheduler_get_num_modules)
    }

    /// The scheduler's policy.
    pub fn policy(&self) -> Result<Policy> {
        Policy::from_raw(self.get(ffi::optima_scheduler_get_policy)?)
    }

    /// How many times the change detector restarted the memory (0 without one).
    pub fn restarts(&self) -> Result<u64> {
        self.get(ffi::optima_scheduler_get_restarts)
    }

    /// The arm whose module mask is `mask` (`ENOTFOUND` when none is).
    pub fn find_arm(&self, mask: u32) -> Result<u32> {
        let mut arm = 0;
        check(unsafe { ffi::optima_scheduler_find_arm(self.ptr, mask, &mut arm) })?;
        Ok(arm)
    }

    /// How many rewards of an arm the policy remembers (discounted for discount policies).
    pub fn arm_count(&self, arm: u32) -> Result<f64> {
        self.get_arm(ffi::optima_scheduler_get_arm_count, arm)
    }

    /// The last Thompson sample drawn for an arm (NaN before the first draw).
    pub fn arm_sample(&self, arm: u32) -> Result<f64> {
        self.get_arm(ffi::optima_scheduler_get_arm_sample, arm)
    }

    /// The whole state (configuration, statistics, generator) as bytes.
    pub fn save(&self) -> Result<Vec<u8>> {
        let mut size = 0;
        check(unsafe { ffi::optima_scheduler_save_to_buffer(self.ptr, ptr::null_mut(), 0, &mut size) })?;
        let mut out = vec![0u8; size];
        check(unsafe {
            ffi::optima_scheduler_save_to_buffer(self.ptr, out.as_mut_ptr() as *mut c_void, out.len(), &mut size)
        })?;
        out.truncate(size);
        Ok(out)
    }

    /// Writes the state to `sink` as it is produced. A write error stops the save with
    /// `ECALLBACK`, the error's text in [`crate::Error::callback`].
    pub fn save_to(&self, sink: &mut dyn Write) -> Result<()> {
        let mut stream = Stream { io: sink, error: None };
        let user = &mut stream as *mut Stream<dyn Write> as *mut c_void;
        stream_result(check(unsafe { ffi::optima_scheduler_save(self.ptr, Some(write_to_stream), user) }), stream.error)
    }

    /// Restores a state returned by [`Scheduler::save`] (same configuration; all or
    /// nothing).
    pub fn load(&mut self, state: &[u8]) -> Result<()> {
        check(unsafe { ffi::optima_scheduler_load_from_buffer(self.ptr, state.as_ptr() as *const c_void, state.len()) })
    }

    /// Restores a state read from `source` (which must end where the state ends).
    pub fn load_from(&mut self, source: &mut dyn Read) -> Result<()> {
        let mut stream = Stream { io: source, error: None };
        let user = &mut stream as *mut Stream<dyn Read> as *mut c_void;
        stream_result(check(unsafe { ffi::optima_scheduler_load(self.ptr, Some(read_from_stream), user) }), stream.error)
    }

    fn get<T: Default>(&self, f: unsafe extern "C" fn(*const ffi::optima_scheduler, *mut T) -> ffi::optima_status)
        -> Result<T> {
        let mut value = T::default();
        check(unsafe { f(self.ptr, &mut value) })?;
        Ok(value)
    }

    fn get_arm<T: Default>(&self, f: unsafe extern "C" fn(*const ffi::optima_scheduler, u32, *mut T) -> ffi::optima_status,
                           arm: u32) -> Result<T> {
        let mut value = T::default();
        check(unsafe { f(self.ptr, arm, &mut value) })?;
        Ok(value)
    }

    fn set<T>(&mut self, f: unsafe extern "C" fn(*mut ffi::optima_scheduler, T) -> ffi::optima_status, value: T)
        -> Result<()> {
        check(unsafe { f(self.ptr, value) })
    }

    /// The message of the last call that failed on this scheduler.
    pub fn last_error(&self) -> String {
        unsafe { text(ffi::optima_scheduler_last_error(self.ptr)) }
    }
}

/// A `Read` or `Write` behind a stream callback, and the first I/O error it met.
pub(crate) struct Stream<'s, T: ?Sized> {
    pub(crate) io: &'s mut T,
    pub(crate) error: Option<String>,
}

/// A streamed call's result: an `ECALLBACK` carries the I/O error that caused it.
pub(crate) fn stream_result(r: Result<()>, io_error: Option<String>) -> Result<()> {
    match r {
        Err(mut e) if e.status == Status::ECALLBACK => {
            e.callback = io_error;
            Err(e)
        }
        other => other,
    }
}

/// optima_write_fn writing to the `Stream<dyn Write>` behind `user`.
pub(crate) unsafe extern "C" fn write_to_stream(user: *mut c_void, data: *const c_void, size: usize) -> c_int {
    let stream = &mut *(user as *mut Stream<dyn Write>);
    let bytes = std::slice::from_raw_parts(data as *const u8, size);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| stream.io.write_all(bytes)));
    settle_io(outcome, &mut stream.error).map_or(1, |()| 0)
}

/// optima_read_fn reading from the `Stream<dyn Read>` behind `user` (0 bytes at its end).
pub(crate) unsafe extern "C" fn read_from_stream(user: *mut c_void, data: *mut c_void, size: usize,
                                                 got: *mut usize) -> c_int {
    let stream = &mut *(user as *mut Stream<dyn Read>);
    let buffer = std::slice::from_raw_parts_mut(data as *mut u8, size);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_some(stream.io, buffer)));
    settle_io(outcome, &mut stream.error).map_or(1, |n| {
        *got = n;
        0
    })
}

/// An I/O call's value, or `None` with its error (or a panic) kept in `slot`.
fn settle_io<T>(outcome: std::thread::Result<std::io::Result<T>>, slot: &mut Option<String>) -> Option<T> {
    match outcome {
        Ok(Ok(value)) => return Some(value),
        Ok(Err(e)) => *slot = Some(e.to_string()),
        Err(_) => *slot = Some("the stream panicked".to_string()),
    }
    None
}

/// One `read`, retried when interrupted.
fn read_some(io: &mut dyn Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match io.read(buffer) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

// SAFETY: one scheduler may be used from any thread, but not from two at once
// (scheduler.h). Moving it is therefore sound (Send); sharing it is not, even for the
// `&self` getters, which read state a concurrent call could be writing (not Sync). A
// trainer's scheduler ([`crate::Trainer::scheduler`]) mutably borrows that trainer, so the
// two cannot be used from two threads at once either.
unsafe impl Send for Scheduler<'_> {}

impl Drop for Scheduler<'_> {
    fn drop(&mut self) {
        if self.owned {
            unsafe { ffi::optima_scheduler_destroy(self.ptr) }
        }
    }
}
