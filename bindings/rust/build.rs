//! Finds liboptima, links it dynamically and adds an rpath so that tests and examples run
//! without `LD_LIBRARY_PATH`. Where it looks, in order:
//!
//! 1. `OPTIMA_LIB_DIR`, the directory holding `liboptima.so` (a CMake build tree or an
//!    install's library directory); when set, nothing else is tried;
//! 2. pkg-config: the `libdir` of `optima.pc`, which `cmake --install` writes (set
//!    `PKG_CONFIG_PATH` for a prefix pkg-config does not search; `PKG_CONFIG` names
//!    another pkg-config program).
//!
//! Nothing else: the crate builds the same wherever its sources are (a checkout, a
//! `cargo package` tarball, a vendored copy), and a missing library is a build error that
//! says what to set.
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const LIBRARY: &str = "liboptima.so";

fn has_library(dir: &Path) -> bool {
    dir.join(LIBRARY).exists()
}

/// The `libdir` pkg-config reports for optima, or why there is none.
fn pkg_config_libdir() -> Result<PathBuf, String> {
    let program = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let output = Command::new(&program)
        .args(["--variable=libdir", "optima"])
        .output()
        .map_err(|e| format!("cannot run {}: {}", program, e))?;
    let libdir = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if !output.status.success() || libdir.is_empty() {
        let detail = String::from_utf8_lossy(&output.stderr).trim().to_string();
        let detail = if detail.is_empty() { String::new() } else { format!(": {}", detail) };
        return Err(format!("{} knows no package 'optima'{}", program, detail));
    }
    let dir = PathBuf::from(libdir);
    if !has_library(&dir) {
        return Err(format!("{} says optima's libdir is {}, which holds no {}",
                           program, dir.display(), LIBRARY));
    }
    Ok(dir)
}

fn library_dir() -> Result<PathBuf, String> {
    if let Some(dir) = env::var_os("OPTIMA_LIB_DIR") {
        let dir = PathBuf::from(dir);
        return if has_library(&dir) {
            Ok(dir)
        } else {
            Err(format!("OPTIMA_LIB_DIR={} holds no {}", dir.display(), LIBRARY))
        };
    }
    pkg_config_libdir().map_err(|why| {
        format!(
            "liboptima not found: OPTIMA_LIB_DIR is not set and {}. Set OPTIMA_LIB_DIR to \
             the directory holding {} (e.g. a CMake build tree: cmake -S . -B build && \
             cmake --build build), or install liboptima (cmake --install build) where \
             pkg-config finds optima.pc (PKG_CONFIG_PATH=<prefix>/lib/pkgconfig)",
            why, LIBRARY
        )
    })
}

fn main() {
    println!("cargo:rerun-if-env-changed=OPTIMA_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-changed=build.rs");
    let dir = match library_dir() {
        Ok(dir) => dir,
        Err(message) => {
            eprintln!("error: {}", message);
            panic!("{}", message);
        }
    };
    let dir = dir.canonicalize().unwrap_or(dir);
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=dylib=optima");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
}
