//! `Error`, status codes, and the one place statuses become `Result`s.

use std::ffi::CStr;
use std::fmt;
use std::os::raw::c_char;

use crate::ffi;

/// Status codes (status.h); values are fixed forever.
///
/// A newtype over the C code rather than an enum: a newer 1.x library may return a code
/// this crate does not know yet, and an [`Error`] must still carry it. Compare with the
/// constants (`err.status == Status::EINVAL`); the values are `ffi`'s, which a test
/// checks against the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Status(pub i32);

impl Status {
    pub const OK: Status = Status(ffi::OPTIMA_OK);
    pub const EINVAL: Status = Status(ffi::OPTIMA_EINVAL);
    pub const ENOMEM: Status = Status(ffi::OPTIMA_ENOMEM);
    pub const EOVERFLOW: Status = Status(ffi::OPTIMA_EOVERFLOW);
    pub const ESHAPE: Status = Status(ffi::OPTIMA_ESHAPE);
    pub const ENONFINITE: Status = Status(ffi::OPTIMA_ENONFINITE);
    pub const ESTATE: Status = Status(ffi::OPTIMA_ESTATE);
    pub const ECALLBACK: Status = Status(ffi::OPTIMA_ECALLBACK);
    pub const EIO: Status = Status(ffi::OPTIMA_EIO);
    pub const EFORMAT: Status = Status(ffi::OPTIMA_EFORMAT);
    pub const ECHECKSUM: Status = Status(ffi::OPTIMA_ECHECKSUM);
    pub const EVERSION: Status = Status(ffi::OPTIMA_EVERSION);
    pub const EMISMATCH: Status = Status(ffi::OPTIMA_EMISMATCH);
    pub const ENOTFOUND: Status = Status(ffi::OPTIMA_ENOTFOUND);
    pub const EUNSUPPORTED: Status = Status(ffi::OPTIMA_EUNSUPPORTED);
    pub const EINTERNAL: Status = Status(ffi::OPTIMA_EINTERNAL);

    /// The library's short name for the code, e.g. "invalid argument".
    pub fn name(self) -> String {
        unsafe { text(ffi::optima_status_string(self.0)) }
    }
}

/// A failed call: the status code and the message naming the function and argument.
#[derive(Debug)]
pub struct Error {
    pub status: Status,
    pub message: String,
    /// For `ECALLBACK` raised by a Rust callback: the callback's own error or panic text.
    pub callback: Option<String>,
}

/// `std::result::Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error detected by the binding itself (before reaching C).
    pub fn binding(status: Status, message: String) -> Error {
        Error { status, message, callback: None }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.status.name())?;
        if let Some(cb) = &self.callback {
            write!(f, ": {}", cb)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Copies a C string owned by the library (NULL gives "").
pub(crate) unsafe fn text(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// Turns a status into a `Result`, with the calling thread's last message (every failing
/// call records one there, status.h).
pub(crate) fn check(status: ffi::optima_status) -> Result<()> {
    if status == 0 {
        return Ok(());
    }
    let message = unsafe { text(ffi::optima_last_error()) };
    Err(Error { status: Status(status), message, callback: None })
}

/// A `CString` for a name, refusing interior NULs like the library refuses bad names.
pub(crate) fn c_name(name: &str, arg: &str) -> Result<std::ffi::CString> {
    std::ffi::CString::new(name).map_err(|_| {
        Error::binding(Status::EINVAL, format!("argument '{}' must not contain NUL bytes", arg))
    })
}
