//! Finds liboptima: `OPTIMA_LIB_DIR` if set, else the CMake build trees next to the
//! sources (`build/`, `build/test/`, `build/clang/`). Links it dynamically and adds an
//! rpath so that tests and examples run without `LD_LIBRARY_PATH`.
use std::env;
use std::path::{Path, PathBuf};

fn has_library(dir: &Path) -> bool {
    dir.join("liboptima.so").exists()
}

fn main() {
    println!("cargo:rerun-if-env-changed=OPTIMA_LIB_DIR");
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest.join("..").join("..");
    let dir = match env::var_os("OPTIMA_LIB_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if !has_library(&dir) {
                panic!("OPTIMA_LIB_DIR={} holds no liboptima.so", dir.display());
            }
            dir
        }
        None => {
            let candidates = [root.join("build"), root.join("build/test"), root.join("build/clang")];
            match candidates.iter().find(|d| has_library(d)) {
                Some(dir) => dir.clone(),
                None => panic!(
                    "liboptima.so not found: build it with CMake (cmake -S . -B build && \
                     cmake --build build) or set OPTIMA_LIB_DIR to the directory holding it"
                ),
            }
        }
    };
    let dir = dir.canonicalize().unwrap_or(dir);
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=dylib=optima");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
}
