//! The scheduler: a bandit over sets of modules.

use std::ffi::CString;
use std::marker::PhantomData;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr;

use crate::context::Context;
use crate::error::{c_name, check, text, Result};
use crate::ffi;

/// Scheduler policies (scheduler.h, `enum optima_policy`). New policies may be appended
/// in later 1.x versions, hence `non_exhaustive`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
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

/// Which arms a scheduler offers (scheduler.h, `enum optima_arm_set`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
#[non_exhaustive]
pub enum ArmSet {
    /// Every non-empty subset of the modules (the default).
    AllSubsets = ffi::OPTIMA_ARMS_ALL_SUBSETS,
    /// Each module alone.
    SingleModules = ffi::OPTIMA_ARMS_SINGLE_MODULES,
    /// The list given to [`Scheduler::set_arm_masks`].
    Explicit = ffi::OPTIMA_ARMS_EXPLICIT,
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

    /// The whole state as bytes (through the stream callback, into a Vec).
    pub fn save(&self) -> Result<Vec<u8>> {
        let mut out: Vec<u8> = Vec::new();
        check(unsafe {
            ffi::optima_scheduler_save(self.ptr, Some(write_to_vec), &mut out as *mut Vec<u8> as *mut c_void)
        })?;
        Ok(out)
    }

    /// Restores a state returned by [`Scheduler::save`].
    pub fn load(&mut self, state: &[u8]) -> Result<()> {
        check(unsafe { ffi::optima_scheduler_load_from_buffer(self.ptr, state.as_ptr() as *const c_void, state.len()) })
    }

    /// The message of the last call that failed on this scheduler.
    pub fn last_error(&self) -> String {
        unsafe { text(ffi::optima_scheduler_last_error(self.ptr)) }
    }
}

/// optima_write_fn appending to the `Vec<u8>` behind `user`.
pub(crate) unsafe extern "C" fn write_to_vec(user: *mut c_void, data: *const c_void, size: usize) -> c_int {
    let result = std::panic::catch_unwind(|| {
        let out = &mut *(user as *mut Vec<u8>);
        out.extend_from_slice(std::slice::from_raw_parts(data as *const u8, size));
    });
    if result.is_ok() { 0 } else { 1 }
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
