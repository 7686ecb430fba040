//! Safe Rust bindings of liboptima: module-wise adaptive knowledge distillation.
//!
//! Handles free themselves on drop; every fallible call returns `Result<T, Error>`, the
//! error carrying the library's status code and message; tensors are borrowed slices
//! ([`Matrix`]); callbacks are Rust closures or trait objects reached through
//! `extern "C"` trampolines that catch panics and turn them into a clean stop.
//!
//! Builds with Rust 1.63 (Debian 12) and no external crates. `build.rs` finds liboptima
//! through `OPTIMA_LIB_DIR` or pkg-config (`optima.pc`), nothing else.
//!
//! # Threads
//!
//! The C contract (DESIGN.md, and each header): distinct handles may be used from distinct
//! threads, one handle not from two threads at once; a context may be shared by handles
//! on several threads while none of its setters runs; a model's const functions may run
//! concurrently. Hence:
//!
//! | type | `Send` | `Sync` | why |
//! | --- | --- | --- | --- |
//! | [`Context`] | yes | yes | shared read-only by its handles; its setters take `&mut self` |
//! | [`Model`] | yes | yes | `&self` methods are the C const functions; changes take `&mut self` |
//! | [`Scheduler`] | yes | no | one thread at a time; a trainer's scheduler borrows the trainer mutably |
//! | [`Trainer`] | yes | no | one thread at a time; its projection and reduction closures must be `Send` |
//!
//! A `Model`, `Scheduler` or `Trainer` borrows the `Context` (and a trainer its models) it
//! was made from, so it can move to another thread only within their lifetime, e.g. with
//! `std::thread::scope`.
//!
//! ```compile_fail
//! fn shared<T: Sync>() {}
//! shared::<optima::Trainer<'static>>(); // a trainer is not Sync
//! ```

pub mod ffi;

#[macro_use]
mod enums;

mod context;
mod error;
mod math;
mod model;
mod scheduler;
mod tensor;
mod trainer;

pub use context::Context;
pub use error::{Error, Result, Status};
pub use math::{attention_mse, cosine, kl, mse, HiddenLoss, KlLoss};
pub use model::Model;
pub use scheduler::{ArmSet, History, Policy, Scheduler};
pub use tensor::Matrix;
pub use trainer::{
    CallbackResult, Forward, LayerRef, LogFormat, LossKind, Losses, Mapping, Optimizer,
    OptimizerParams, Reduce, ReduceData, RewardKind, RewardSource, RewardTrend, RoundRecord,
    RunCallbacks, Side, Step, Trainer, TrainerMode,
};

/// The library version this crate was written for, as OPTIMA_VERSION_NUMBER computes it:
/// the crate's version (Cargo.toml), which is the library's (include/optima/version.h; a
/// test compares the two).
pub const WRITTEN_FOR: u32 = number(env!("CARGO_PKG_VERSION_MAJOR")) * 10000
    + number(env!("CARGO_PKG_VERSION_MINOR")) * 100
    + number(env!("CARGO_PKG_VERSION_PATCH"));

/// A decimal number at compile time (`str::parse` is not `const`).
const fn number(digits: &str) -> u32 {
    let bytes = digits.as_bytes();
    let mut value = 0;
    let mut i = 0;
    while i < bytes.len() {
        value = value * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    value
}

/// The version number of the library actually loaded (e.g. 10000 for 1.0.0).
pub fn version_number() -> u32 {
    unsafe { ffi::optima_version_number() }
}

/// The version string of the library actually loaded, e.g. `"1.0.0"`.
pub fn version_string() -> String {
    unsafe { error::text(ffi::optima_version_string()) }
}

/// Checks that the loaded library has the major version this crate was written for and is
/// at least as new; call it once at start-up.
pub fn check_version() -> Result<u32> {
    let found = version_number();
    if found / 10000 != WRITTEN_FOR / 10000 || found < WRITTEN_FOR {
        return Err(Error::binding(
            Status::EVERSION,
            format!("liboptima {} is loaded; this crate needs {}.x, at least {}",
                    version_string(), WRITTEN_FOR / 10000, WRITTEN_FOR),
        ));
    }
    Ok(found)
}
