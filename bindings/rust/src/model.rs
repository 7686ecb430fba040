//! Model descriptions: modules of layers with hidden widths.

use std::marker::PhantomData;
use std::ptr;

use crate::context::Context;
use crate::error::{c_name, check, text, Result};
use crate::ffi;

/// A model description (no weights). Borrows its context.
pub struct Model<'c> {
    pub(crate) ptr: *mut ffi::optima_model,
    _context: PhantomData<&'c Context>,
}

impl<'c> Model<'c> {
    /// Creates an empty model called `name`.
    pub fn new(context: &'c Context, name: &str) -> Result<Model<'c>> {
        let name = c_name(name, "name")?;
        let mut ptr = ptr::null_mut();
        check(unsafe { ffi::optima_model_create(context.ptr, name.as_ptr(), &mut ptr) })?;
        Ok(Model { ptr, _context: PhantomData })
    }

    /// Appends a module with layers of the given widths; returns its index.
    pub fn add_module(&mut self, name: &str, widths: &[usize]) -> Result<usize> {
        let name = c_name(name, "name")?;
        let mut index = 0;
        check(unsafe { ffi::optima_model_add_module(self.ptr, name.as_ptr(), &mut index) })?;
        for &w in widths {
            check(unsafe { ffi::optima_model_add_layer(self.ptr, index, w, ptr::null_mut()) })?;
        }
        Ok(index)
    }

    /// Declares the logits width (number of classes).
    pub fn set_logits_width(&mut self, classes: usize) -> Result<()> {
        check(unsafe { ffi::optima_model_set_logits_width(self.ptr, classes) })
    }

    /// The logits width (0 when none was declared).
    pub fn logits_width(&self) -> Result<usize> {
        let mut n = 0;
        check(unsafe { ffi::optima_model_get_logits_width(self.ptr, &mut n) })?;
        Ok(n)
    }

    /// The model's name.
    pub fn name(&self) -> String {
        unsafe { text(ffi::optima_model_name(self.ptr)) }
    }

    /// Number of modules.
    pub fn module_count(&self) -> Result<usize> {
        let mut n = 0;
        check(unsafe { ffi::optima_model_module_count(self.ptr, &mut n) })?;
        Ok(n)
    }

    /// The name of module `module`.
    pub fn module_name(&self, module: usize) -> Result<String> {
        let mut name = std::ptr::null();
        check(unsafe { ffi::optima_model_module_name(self.ptr, module, &mut name) })?;
        Ok(unsafe { text(name) })
    }

    /// Index of the module called `name`.
    pub fn find_module(&self, name: &str) -> Result<usize> {
        let name = c_name(name, "name")?;
        let mut index = 0;
        check(unsafe { ffi::optima_model_find_module(self.ptr, name.as_ptr(), &mut index) })?;
        Ok(index)
    }

    /// The widths of every layer of module `module`.
    pub fn widths(&self, module: usize) -> Result<Vec<usize>> {
        let mut count = 0;
        check(unsafe { ffi::optima_model_layer_count(self.ptr, module, &mut count) })?;
        (0..count)
            .map(|layer| {
                let mut w = 0;
                check(unsafe { ffi::optima_model_layer_width(self.ptr, module, layer, &mut w) })?;
                Ok(w)
            })
            .collect()
    }

    /// The message of the last call that failed on this model. It takes `&mut self`
    /// because a failing `&self` call on another thread writes that message (status.h's
    /// error rule): exclusive access is what makes reading it race-free. The [`Error`]
    /// a failing call returns carries the same message without that.
    ///
    /// [`Error`]: crate::Error
    pub fn last_error(&mut self) -> String {
        unsafe { text(ffi::optima_model_last_error(self.ptr)) }
    }
}

// SAFETY: a model has no thread affinity (Send). model.h lets its const functions run
// concurrently on one model; a failing one records its message in the thread's slot and,
// under a lock, in the model's (status.h's error rule). Every `&self` method here calls
// only those; the functions that change a model and `last_error`, which reads the model's
// slot without that lock, take `&mut self`, which excludes any concurrent use (Sync).
// `Model<'c>` borrows its `Context`, which is `Sync`.
unsafe impl Send for Model<'_> {}
unsafe impl Sync for Model<'_> {}

impl Drop for Model<'_> {
    fn drop(&mut self) {
        unsafe { ffi::optima_model_destroy(self.ptr) }
    }
}
