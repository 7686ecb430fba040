//! The context every handle is made from.

use std::ptr;

use crate::error::{check, text, Result};
use crate::ffi;

/// A liboptima context (malloc/free, 1 thread, no log sink by default). Handles made from
/// it borrow it, so the compiler keeps it alive longer than them.
pub struct Context {
    pub(crate) ptr: *mut ffi::optima_context,
}

impl Context {
    /// Creates a context.
    pub fn new() -> Result<Context> {
        let mut ptr = ptr::null_mut();
        check(unsafe { ffi::optima_context_create(&mut ptr) })?;
        Ok(Context { ptr })
    }

    /// Sets how many threads BLIS may use for this context (1 to 1024).
    pub fn set_threads(&mut self, threads: i32) -> Result<()> {
        check(unsafe { ffi::optima_context_set_threads(self.ptr, threads) })
    }

    /// The thread count.
    pub fn threads(&self) -> Result<i32> {
        let mut n = 0;
        check(unsafe { ffi::optima_context_get_threads(self.ptr, &mut n) })?;
        Ok(n)
    }

    /// The name of the BLIS configuration running this context's matrix products, as BLIS
    /// names it (`"skx"`, `"zen3"`, `"haswell"`, `"generic"`, ...): chosen once per process
    /// from the CPU or `BLIS_ARCH_TYPE`.
    pub fn blis_arch(&self) -> Result<String> {
        let mut name = ptr::null();
        check(unsafe { ffi::optima_context_get_blis_arch(self.ptr, &mut name) })?;
        Ok(unsafe { text(name) })
    }

    /// The message of the last call that failed on this context. `&mut self` for the
    /// reason [`Model::last_error`](crate::Model::last_error) gives: a failing `&self`
    /// call on another thread may write it.
    pub fn last_error(&mut self) -> String {
        unsafe { text(ffi::optima_context_last_error(self.ptr)) }
    }
}

// SAFETY: a context has no thread affinity (context.h: no global state, BLIS thread
// counts per call), so it may move to another thread (Send). Handles made from it share
// it from several threads (Sync) under context.h's condition that none of its setters
// runs meanwhile: the setters take `&mut self`, which the borrow checker refuses while
// any `&Context` (every handle made from it holds one) is alive. Its error slot is also
// written, under a lock, by a failing const call (status.h's error rule); `last_error`,
// which reads it without that lock, takes `&mut self` too.
unsafe impl Send for Context {}
unsafe impl Sync for Context {}

impl Drop for Context {
    fn drop(&mut self) {
        unsafe { ffi::optima_context_destroy(self.ptr) }
    }
}
