//! Safe Rust bindings of liboptima: module-wise adaptive knowledge distillation.
//!
//! Handles free themselves on drop; every fallible call returns `Result<T, Error>`, the
//! error carrying the library's status code and message; tensors are borrowed slices
//! ([`Matrix`]); callbacks are Rust closures or trait objects reached through
//! `extern "C"` trampolines that catch panics and turn them into a clean stop.
//!
//! Builds with Rust 1.63 (Debian 12) and no external crates.

pub mod ffi;

mod context;
mod error;
mod math;
mod model;
mod scheduler;
mod tensor;
mod trainer;

pub use context::Context;
pub use error::{Error, Result, Status};
pub use math::{cosine, kl, mse, HiddenLoss, KlLoss};
pub use model::Model;
pub use scheduler::{Policy, Scheduler};
pub use tensor::Matrix;
pub use trainer::{
    CallbackResult, Forward, LayerRef, LossKind, Optimizer, RoundRecord, RunCallbacks, Side,
    Trainer,
};

/// The library version this crate was written for (1.0.0 as OPTIMA_VERSION_NUMBER).
pub const WRITTEN_FOR: u32 = 10100;

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
