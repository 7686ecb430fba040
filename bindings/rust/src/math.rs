//! The stateless losses (math.h): value and gradients into new vectors.

use std::ptr;

use crate::context::Context;
use crate::error::{check, Error, Result, Status};
use crate::ffi;
use crate::tensor::Matrix;

/// Value and gradients of [`mse`] or [`cosine`] (row-major, dense).
#[derive(Debug, Clone)]
pub struct HiddenLoss {
    pub loss: f64,
    /// rows × student width.
    pub grad_student: Vec<f32>,
    /// student width × teacher width; `None` without a projection.
    pub grad_projection: Option<Vec<f32>>,
}

/// Value and gradient of [`kl`].
#[derive(Debug, Clone)]
pub struct KlLoss {
    pub loss: f64,
    /// rows × classes.
    pub grad: Vec<f32>,
}

type HiddenFn = unsafe extern "C" fn(
    *const ffi::optima_context,
    *const ffi::optima_tensor,
    *const ffi::optima_tensor,
    *const ffi::optima_tensor,
    *const u8,
    *mut f64,
    *mut f32,
    usize,
    *mut f32,
    usize,
) -> ffi::optima_status;

fn mask_ptr(mask: Option<&[u8]>, rows: usize) -> Result<*const u8> {
    match mask {
        None => Ok(ptr::null()),
        Some(m) if m.len() == rows => Ok(m.as_ptr()),
        Some(m) => Err(Error::binding(
            Status::ESHAPE,
            format!("argument 'mask' must have {} entries (one per row), got {}", rows, m.len()),
        )),
    }
}

fn hidden(
    f: HiddenFn,
    ctx: &Context,
    student: &Matrix,
    teacher: &Matrix,
    projection: Option<&Matrix>,
    mask: Option<&[u8]>,
) -> Result<HiddenLoss> {
    let mask = mask_ptr(mask, student.rows())?;
    let (ds, dt) = (student.cols(), teacher.cols());
    let mut grad_student = vec![0.0f32; student.rows() * ds];
    let mut grad_projection = projection.map(|_| vec![0.0f32; ds * dt]);
    let p = projection.map(|p| p.raw());
    let mut loss = 0.0;
    let (gp, gp_stride) = match grad_projection.as_mut() {
        Some(g) => (g.as_mut_ptr(), dt),
        None => (ptr::null_mut(), 0),
    };
    check(unsafe {
        f(ctx.ptr, &student.raw(), &teacher.raw(), p.as_ref().map_or(ptr::null(), |p| p as *const _),
          mask, &mut loss, grad_student.as_mut_ptr(), ds, gp, gp_stride)
    })?;
    Ok(HiddenLoss { loss, grad_student, grad_projection })
}

/// Mean squared error between `student · projection` (or `student`) and `teacher`.
pub fn mse(ctx: &Context, student: &Matrix, teacher: &Matrix, projection: Option<&Matrix>,
           mask: Option<&[u8]>) -> Result<HiddenLoss> {
    hidden(ffi::optima_mse, ctx, student, teacher, projection, mask)
}

/// Mean over rows of 1 − cos(`student · projection`, `teacher`).
pub fn cosine(ctx: &Context, student: &Matrix, teacher: &Matrix, projection: Option<&Matrix>,
              mask: Option<&[u8]>) -> Result<HiddenLoss> {
    hidden(ffi::optima_cosine, ctx, student, teacher, projection, mask)
}

/// T² · mean over rows of KL(softmax(teacher/T) ‖ softmax(student/T)).
pub fn kl(ctx: &Context, student_logits: &Matrix, teacher_logits: &Matrix, temperature: f64,
          mask: Option<&[u8]>) -> Result<KlLoss> {
    let mask = mask_ptr(mask, student_logits.rows())?;
    let mut grad = vec![0.0f32; student_logits.rows() * student_logits.cols()];
    let mut loss = 0.0;
    check(unsafe {
        ffi::optima_kl(ctx.ptr, &student_logits.raw(), &teacher_logits.raw(), temperature, mask,
                       &mut loss, grad.as_mut_ptr(), student_logits.cols())
    })?;
    Ok(KlLoss { loss, grad })
}
