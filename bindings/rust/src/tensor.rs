//! `Matrix`: a borrowed row-major float32 view, checked against its slice.

use crate::error::{Error, Result, Status};
use crate::ffi;

/// A read-only view of `rows` × `cols` floats in `data`, rows `row_stride` apart.
#[derive(Clone, Copy, Debug)]
pub struct Matrix<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
}

impl<'a> Matrix<'a> {
    /// A dense matrix: `data.len()` must be exactly `rows * cols`.
    pub fn new(data: &'a [f32], rows: usize, cols: usize) -> Result<Matrix<'a>> {
        match rows.checked_mul(cols) {
            Some(n) if n == data.len() => Ok(Matrix { data, rows, cols, row_stride: cols }),
            _ => Err(Error::binding(
                Status::ESHAPE,
                format!("Matrix::new: {} floats cannot be {} x {}", data.len(), rows, cols),
            )),
        }
    }

    /// A padded or sliced matrix: row r starts at `r * row_stride`; the slice must hold the
    /// last row's `cols` elements.
    pub fn with_stride(data: &'a [f32], rows: usize, cols: usize, row_stride: usize) -> Result<Matrix<'a>> {
        let needed = if rows == 0 {
            Some(0)
        } else {
            (rows - 1).checked_mul(row_stride).and_then(|n| n.checked_add(cols))
        };
        if row_stride < cols || needed.map_or(true, |n| n > data.len()) {
            return Err(Error::binding(
                Status::ESHAPE,
                format!("Matrix::with_stride: {} floats cannot hold {} x {} with row stride {}",
                        data.len(), rows, cols, row_stride),
            ));
        }
        Ok(Matrix { data, rows, cols, row_stride })
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The matrix a library view describes. The caller vouches that the data lives, unchanged,
    /// for `'a` (a view it handed over as a `Matrix<'a>`).
    pub(crate) unsafe fn from_raw(t: &ffi::optima_tensor) -> Matrix<'a> {
        let len = if t.rows == 0 { 0 } else { (t.rows - 1) * t.row_stride + t.cols };
        let data = if len == 0 { &[][..] } else { std::slice::from_raw_parts(t.data, len) };
        Matrix { data, rows: t.rows, cols: t.cols, row_stride: t.row_stride }
    }

    pub(crate) fn raw(&self) -> ffi::optima_tensor {
        ffi::optima_tensor {
            data: self.data.as_ptr(),
            rows: self.rows,
            cols: self.cols,
            row_stride: self.row_stride,
        }
    }
}

/// Copies a library-owned view into a dense row-major Vec (empty for an empty view).
pub(crate) unsafe fn copy_view(t: &ffi::optima_tensor) -> Vec<f32> {
    if t.data.is_null() || t.rows == 0 {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(t.rows * t.cols);
    for r in 0..t.rows {
        out.extend_from_slice(std::slice::from_raw_parts(t.data.add(r * t.row_stride), t.cols));
    }
    out
}
