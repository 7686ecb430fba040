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
    sized_mask(mask, rows, "mask", "one per row")
}

/// The pointer of a mask that must hold `len` bytes (the library cannot check a length).
fn sized_mask(mask: Option<&[u8]>, len: usize, arg: &str, what: &str) -> Result<*const u8> {
    match mask {
        None => Ok(ptr::null()),
        Some(m) if m.len() == len => Ok(m.as_ptr()),
        Some(m) => Err(Error::binding(
            Status::ESHAPE,
            format!("argument '{}' must have {} entries ({}), got {}", arg, len, what, m.len()),
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

/// Mean squared error between attention-score maps (TinyBERT style): each matrix holds
/// examples × `heads` × `queries` rows of keys; `query_mask` (examples × queries bytes) and
/// `key_mask` (examples × keys bytes) say which elements count. The value and the
/// gradient wrt `student` ([`KlLoss`]'s shape: rows × keys).
pub fn attention_mse(ctx: &Context, student: &Matrix, teacher: &Matrix, heads: usize, queries: usize,
                     query_mask: Option<&[u8]>, key_mask: Option<&[u8]>) -> Result<KlLoss> {
    // The library refuses zero heads or queries and rows that are no multiple of their
    // product; the masks' lengths are checked here, where the slices are known.
    let examples = heads.checked_mul(queries).filter(|&n| n > 0).map_or(0, |n| student.rows() / n);
    let query_mask = sized_mask(query_mask, examples * queries, "query_mask", "examples x queries")?;
    let key_mask = sized_mask(key_mask, examples * student.cols(), "key_mask", "examples x keys")?;
    let mut grad = vec![0.0f32; student.rows() * student.cols()];
    let mut loss = 0.0;
    check(unsafe {
        ffi::optima_attention_mse(ctx.ptr, &student.raw(), &teacher.raw(), heads, queries, query_mask, key_mask,
                                  &mut loss, grad.as_mut_ptr(), student.cols().max(1))
    })?;
    Ok(KlLoss { loss, grad })
}
