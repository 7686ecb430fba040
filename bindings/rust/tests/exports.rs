//! Every function liboptima exports has a raw declaration in src/ffi.rs, or is listed below
//! as deliberately not bound, with the reason: a function added to the library (and so to
//! docs/symbols-in-versions, which another test keeps equal to the exports) fails this
//! test until the crate declares it or says why not.
//!
//! The list of exports is the repository's docs/symbols-in-versions. A packaged crate
//! (`cargo package`) has no docs/ directory: there the test says so and passes without
//! checking, since the check belongs to the repository that ships both.

use std::collections::BTreeSet;
use std::path::Path;

/// Exported functions the crate deliberately does not declare, and why.
const NOT_BOUND: &[&str] = &[
    // Raw callback getters: the crate owns its closures and trampolines, so the C function
    // pointer and user data they return mean nothing to a Rust host.
    "optima_context_get_log",
    "optima_trainer_get_projection_callback",
    "optima_trainer_get_reduction",
    // The stateful loss handle (loss.h): Rust hosts use the stateless losses (`mse`,
    // `cosine`, `kl`, math.h) and configure a trainer's pair losses through the trainer
    // (`Trainer::set_pair_mapping`, `set_pair_weight`); `optima_loss_set_mapping` and
    // `optima_loss_pair_count` are declared for that.
    "optima_layer_mapping",
    "optima_loss_create",
    "optima_loss_create_prediction",
    "optima_loss_destroy",
    "optima_loss_compute",
    "optima_loss_get_kind",
    "optima_loss_set_weight",
    "optima_loss_get_weight",
    "optima_loss_set_layer_weight",
    "optima_loss_get_layer_weight",
    "optima_loss_set_temperature",
    "optima_loss_get_temperature",
    "optima_loss_set_projection_mode",
    "optima_loss_get_projection_mode",
    "optima_loss_init_projections",
    "optima_loss_get_mapping",
    "optima_loss_pair",
    "optima_loss_pair_value",
    "optima_loss_projection",
    "optima_loss_projection_grad",
    "optima_loss_student_grad",
];

/// The names in docs/symbols-in-versions (first word of each non-comment line).
fn exported(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// The functions src/ffi.rs declares (`pub fn optima_...(`).
fn declared(ffi: &str) -> BTreeSet<String> {
    ffi.split("pub fn ")
        .skip(1)
        .filter_map(|rest| rest.split('(').next())
        .map(|name| name.trim().to_string())
        .filter(|name| name.starts_with("optima_"))
        .collect()
}

#[test]
fn every_exported_function_is_declared_or_listed_as_not_bound() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let symbols = crate_dir.join("../../docs/symbols-in-versions");
    let text = match std::fs::read_to_string(&symbols) {
        Ok(text) => text,
        Err(_) => {
            println!("{} is absent (a packaged crate): the export coverage is checked in the \
                      repository only", symbols.display());
            return;
        }
    };
    let exports = exported(&text);
    assert!(exports.len() > 100 && exports.contains("optima_trainer_create"),
            "docs/symbols-in-versions parsed to {} names: the parser is broken", exports.len());
    let ffi = std::fs::read_to_string(crate_dir.join("src/ffi.rs")).unwrap();
    let declared = declared(&ffi);
    assert!(declared.contains("optima_trainer_create") && declared.contains("optima_version_number"));
    let not_bound: BTreeSet<String> = NOT_BOUND.iter().map(|s| s.to_string()).collect();
    assert_eq!(not_bound.len(), NOT_BOUND.len(), "NOT_BOUND lists a name twice");

    let missing: Vec<_> = exports.iter().filter(|n| !declared.contains(*n) && !not_bound.contains(*n)).collect();
    assert!(missing.is_empty(),
            "exported but neither declared in src/ffi.rs nor listed in NOT_BOUND (tests/exports.rs): {:?}",
            missing);
    let unknown: Vec<_> = declared.iter().chain(&not_bound).filter(|n| !exports.contains(*n)).collect();
    assert!(unknown.is_empty(), "declared or listed but not exported (a typo, or a stale entry): {:?}", unknown);
    let both: Vec<_> = declared.intersection(&not_bound).collect();
    assert!(both.is_empty(), "declared in src/ffi.rs and listed in NOT_BOUND: {:?}", both);
}

#[test]
fn the_parsers_read_the_formats_they_are_given() {
    let names = exported("# comment\noptima_a   1.0.0\n\n  optima_b 1.1.0 1.2.0\n");
    assert_eq!(names.into_iter().collect::<Vec<_>>(), vec!["optima_a", "optima_b"]);
    let fns = declared("extern \"C\" {\n    pub fn optima_x(a: i32) -> i32;\n    pub fn optima_y(\n        b: u8,\n    );\n}\npub fn helper() {}\n");
    assert_eq!(fns.into_iter().collect::<Vec<_>>(), vec!["optima_x", "optima_y"]);
}
