//! The #[repr(C)] mirrors of the frozen public structs have the C compiler's layout.
//!
//! The reference numbers come from layout/print_layout.c compiled against the headers:
//! CMake builds it and passes its path in OPTIMA_LAYOUT_PROGRAM; without that variable
//! the test compiles it itself with `cc`, against the repository's headers when the crate
//! sits in it, else those `pkg-config --cflags optima` names (an installed liboptima).
use std::collections::HashMap;
use std::mem::{size_of, MaybeUninit};
use std::path::PathBuf;
use std::process::Command;

use optima::ffi;

fn c_layout() -> HashMap<String, usize> {
    let program = match std::env::var_os("OPTIMA_LAYOUT_PROGRAM") {
        Some(p) => PathBuf::from(p),
        None => {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
            let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("print_layout");
            let status = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
                .arg("-std=c11")
                .args(include_flags(&root))
                .arg(root.join("layout/print_layout.c"))
                .arg("-o")
                .arg(&out)
                .status()
                .expect("run the C compiler");
            assert!(status.success(), "compiling print_layout.c failed");
            out
        }
    };
    let output = Command::new(&program).output().expect("run print_layout");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    text.lines()
        .map(|l| {
            let mut it = l.split_whitespace();
            (it.next().unwrap().to_string(), it.next().unwrap().parse().unwrap())
        })
        .collect()
}

macro_rules! offset {
    ($T:ty, $field:ident) => {{
        let u = MaybeUninit::<$T>::uninit();
        let base = u.as_ptr();
        let field = unsafe { std::ptr::addr_of!((*base).$field) };
        field as usize - base as usize
    }};
}

macro_rules! check_struct {
    ($c:expr, $T:ident, $($field:ident),+) => {{
        let name = stringify!($T);
        assert_eq!(size_of::<ffi::$T>(), $c[name], "size of {}", name);
        $(
            let key = format!("{}.{}", name, stringify!($field));
            assert_eq!(offset!(ffi::$T, $field), $c[&key], "offset of {}", key);
        )+
    }};
}

#[test]
fn frozen_structs_match_the_c_layout() {
    let c = c_layout();
    assert_eq!(c.len(), 4 + 4 + 5 + 4 + 8, "print_layout.c prints every member");
    check_struct!(c, optima_tensor, data, rows, cols, row_stride);
    check_struct!(c, optima_allocator, struct_size, reserved, user, alloc, free);
    check_struct!(c, optima_layer_ref, side, module, layer, width);
    check_struct!(c, optima_callbacks, struct_size, reserved, next_batch, forward, backward,
                  optimizer_step, evaluate, round_end);
}

/// The compiler flags that find the public headers: the repository's `include/` when the
/// crate is in its place there, else pkg-config's (the crate packaged or copied alone).
fn include_flags(root: &std::path::Path) -> Vec<String> {
    let in_tree = root.join("../../include");
    if in_tree.join("optima/optima.h").exists() {
        return vec!["-I".to_string(), in_tree.display().to_string()];
    }
    let program = std::env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".into());
    let output = Command::new(&program).args(["--cflags", "optima"]).output()
        .expect("run pkg-config for the headers");
    assert!(output.status.success(), "pkg-config knows no optima: set PKG_CONFIG_PATH or OPTIMA_LAYOUT_PROGRAM");
    String::from_utf8(output.stdout).unwrap().split_whitespace().map(String::from).collect()
}
