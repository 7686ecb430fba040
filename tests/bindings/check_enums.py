"""The bindings' enums against the public headers, their one source of truth.

Every `enum optima_* { OPTIMA_* = n, ... };` of include/optima/*.h must be
- a Python `enum.IntEnum` class of the package (the table below) holding exactly the
  header's values, named without the common prefix (OPTIMA_POLICY_ROUND_ROBIN ->
  Policy.ROUND_ROBIN);
- a raw constant of bindings/rust/src/ffi.rs for every value (`pub const OPTIMA_X: i32 = n;`);
- for the enums the safe Rust API takes or returns (the table below), referenced in full
  by that type: its enum (`Variant = ffi::OPTIMA_X`) or impl block (`Status(ffi::OPTIMA_X)`).

A new header enum without an entry in the table fails too, and so does a crate version
(Cargo.toml) other than the library's (version.h). The sources are parsed, not imported:
the check needs neither the library nor a Rust toolchain.

Usage: check_enums.py SOURCE_DIR
       check_enums.py --self-test SOURCE_DIR   (breaking a scratch copy must fail the check)
"""

import ast
import glob
import os
import re
import sys

# header enum -> (Python module in bindings/python/optima, class, Rust file in
# bindings/rust/src or None, safe Rust type or None)
BINDINGS = {
    "optima_status_code": ("_errors.py", "Status", "error.rs", "Status"),
    "optima_log_level": ("context.py", "LogLevel", None, None),
    "optima_loss_kind": ("loss.py", "LossKind", "trainer.rs", "LossKind"),
    "optima_projection_init": ("loss.py", "ProjectionInit", None, None),
    "optima_projection_mode": ("loss.py", "ProjectionMode", None, None),
    "optima_mapping_style": ("loss.py", "Mapping", "trainer.rs", "Mapping"),
    "optima_policy": ("scheduler.py", "Policy", "scheduler.rs", "Policy"),
    "optima_arm_set": ("scheduler.py", "ArmSet", "scheduler.rs", "ArmSet"),
    "optima_history": ("scheduler.py", "History", "scheduler.rs", "History"),
    "optima_side": ("trainer.py", "Side", "trainer.rs", "Side"),
    "optima_reward_kind": ("trainer.py", "RewardKind", "trainer.rs", "RewardKind"),
    "optima_reward_trend": ("trainer.py", "RewardTrend", "trainer.rs", "RewardTrend"),
    "optima_reward_source": ("trainer.py", "RewardSource", "trainer.rs", "RewardSource"),
    "optima_optimizer_kind": ("trainer.py", "Optimizer", "trainer.rs", "Optimizer"),
    "optima_log_format": ("trainer.py", "LogFormat", "trainer.rs", "LogFormat"),
    "optima_trainer_mode": ("trainer.py", "TrainerMode", "trainer.rs", "TrainerMode"),
    "optima_dtype": ("trainer.py", "DType", None, None),
    "optima_reduce_what": ("trainer.py", "Reduce", "trainer.rs", "Reduce"),
}


def strip_comments(text):
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", " ", text, flags=re.S))


def header_enums(include_dir):
    """{enum name: [(constant, value)]} of every public header, implicit values counted."""
    enums = {}
    for path in sorted(glob.glob(os.path.join(include_dir, "*.h"))):
        text = strip_comments(open(path, encoding="utf-8").read())
        for name, body in re.findall(r"\benum\s+(optima_\w+)\s*\{(.*?)\}", text, re.S):
            values, next_value = [], 0
            for item in filter(None, (i.strip() for i in body.split(","))):
                found = re.fullmatch(r"(OPTIMA_\w+)(?:\s*=\s*(\d+))?", item)
                if found is None:
                    raise SystemExit("%s: enum %s: cannot read %r" % (path, name, item))
                if found.group(2) is not None:
                    next_value = int(found.group(2))
                values.append((found.group(1), next_value))
                next_value += 1
            enums[name] = values
    return enums


def common_prefix(names):
    prefix = os.path.commonprefix(names)
    return prefix[:prefix.rfind("_") + 1]


def python_enum(path, class_name):
    """{member: value} of the IntEnum ``class_name`` defined in ``path``."""
    tree = ast.parse(open(path, encoding="utf-8").read())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            return {t.id: stmt.value.value for stmt in node.body
                    if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant)
                    for t in stmt.targets if isinstance(t, ast.Name)}
    return None


def rust_item_body(text, type_name):
    """The bodies of `enum T {...}` and `impl T {...}` in ``text``, concatenated."""
    bodies = []
    for found in re.finditer(r"\b(?:enum|impl)\s+%s\s*\{" % re.escape(type_name), text):
        depth, i = 1, found.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        bodies.append(text[found.end():i])
    return "".join(bodies)


def check(source_dir):
    errors = []
    enums = header_enums(os.path.join(source_dir, "include", "optima"))
    if len(enums) < 10:
        errors.append("only %d enums found in the headers: the parser is broken" % len(enums))
    python_dir = os.path.join(source_dir, "bindings", "python", "optima")
    rust_dir = os.path.join(source_dir, "bindings", "rust", "src")
    ffi = strip_comments(open(os.path.join(rust_dir, "ffi.rs"), encoding="utf-8").read())
    ffi_consts = {n: int(v) for n, v in
                  re.findall(r"pub const (OPTIMA_\w+)\s*:\s*i32\s*=\s*(\d+)\s*;", ffi)}
    for enum_name, values in sorted(enums.items()):
        if enum_name not in BINDINGS:
            errors.append("header enum %s has no entry in %s's table: bind it in Python "
                          "(and in ffi.rs) and add it" % (enum_name, os.path.basename(__file__)))
            continue
        module, class_name, rust_file, rust_type = BINDINGS[enum_name]
        prefix = common_prefix([n for n, _ in values])
        expected = {n[len(prefix):]: v for n, v in values}
        got = python_enum(os.path.join(python_dir, module), class_name)
        if got is None:
            errors.append("python: no class %s in optima/%s (enum %s)"
                          % (class_name, module, enum_name))
        elif got != expected:
            missing = sorted(set(expected.items()) - set(got.items()))
            extra = sorted(set(got.items()) - set(expected.items()))
            errors.append("python: %s.%s differs from enum %s: missing or wrong %s, not in "
                          "the header %s" % (module, class_name, enum_name, missing, extra))
        for name, value in values:
            if ffi_consts.get(name) != value:
                errors.append("rust: ffi.rs: %s is %s, the header says %d"
                              % (name, ffi_consts.get(name, "missing"), value))
        if rust_type is not None:
            text = strip_comments(open(os.path.join(rust_dir, rust_file), encoding="utf-8").read())
            body = rust_item_body(text, rust_type)
            if not body:
                errors.append("rust: no enum or impl %s in %s" % (rust_type, rust_file))
            for name, _ in values:
                if body and not re.search(r"\bffi::%s\b" % name, body):
                    errors.append("rust: %s (%s) does not use ffi::%s"
                                  % (rust_type, rust_file, name))
    return enums, errors


def cargo_version_errors(source_dir):
    """The crate's version (Cargo.toml) must be the library's (version.h), as Python's is
    by construction (optima/_version.py reads the header)."""
    header = open(os.path.join(source_dir, "include", "optima", "version.h"),
                  encoding="utf-8").read()
    numbers = [re.search(r"^#define OPTIMA_VERSION_%s (\d+)" % p, header, re.M).group(1)
               for p in ("MAJOR", "MINOR", "PATCH")]
    cargo = open(os.path.join(source_dir, "bindings", "rust", "Cargo.toml"),
                 encoding="utf-8").read()
    found = re.search(r'^version\s*=\s*"([^"]+)"', cargo, re.M)
    version = ".".join(numbers)
    if found is None or found.group(1) != version:
        return ["rust: Cargo.toml's version is %s, version.h says %s"
                % (found.group(1) if found else "missing", version)]
    return []


# (what to break, file under SOURCE_DIR, text, replacement, a word the failure must name)
MUTATIONS = [
    ("a Python member", "bindings/python/optima/scheduler.py", "    GLR_UCB = 10\n", "",
     "GLR_UCB"),
    ("an ffi constant", "bindings/rust/src/ffi.rs", "pub const OPTIMA_HISTORY_DISCOUNT: i32 = 1;\n",
     "", "OPTIMA_HISTORY_DISCOUNT"),
    ("a safe Rust variant", "bindings/rust/src/trainer.rs",
     "    Host = ffi::OPTIMA_OPTIMIZER_HOST,\n", "", "OPTIMA_OPTIMIZER_HOST"),
    ("a status in the Rust newtype", "bindings/rust/src/error.rs",
     "    pub const EIO: Status = Status(ffi::OPTIMA_EIO);\n", "", "OPTIMA_EIO"),
    ("a new header value", "include/optima/trainer.h", "OPTIMA_LOG_FORMAT_JSONL = 1",
     "OPTIMA_LOG_FORMAT_JSONL = 1, OPTIMA_LOG_FORMAT_PARQUET = 2", "PARQUET"),
    ("a new header enum", "include/optima/trainer.h", "enum optima_side {",
     "enum optima_colour { OPTIMA_COLOUR_RED = 0, OPTIMA_COLOUR_BLUE = 1 };\nenum optima_side {",
     "optima_colour"),
]


def self_test(source_dir):
    """Each mutation, applied to a scratch copy of the sources, must fail the check naming
    what was broken; the unmodified copy must pass."""
    import shutil
    import tempfile
    failures = []
    with tempfile.TemporaryDirectory() as scratch:
        for part in ("include", "bindings/python/optima", "bindings/rust/src",
                     "bindings/rust/Cargo.toml"):
            src, dst = os.path.join(source_dir, part), os.path.join(scratch, part)
            if os.path.isdir(src):
                shutil.copytree(src, dst)
            else:
                shutil.copy(src, dst)
        if check(scratch)[1]:
            return ["the unmodified copy fails"]
        for what, rel, old, new, name in MUTATIONS:
            path = os.path.join(scratch, rel)
            original = open(path, encoding="utf-8").read()
            if old not in original:
                failures.append("%s: %r not in %s (update MUTATIONS)" % (what, old, rel))
                continue
            open(path, "w", encoding="utf-8").write(original.replace(old, new, 1))
            errors = check(scratch)[1]
            open(path, "w", encoding="utf-8").write(original)
            if not any(name in e for e in errors):
                failures.append("removing/adding %s (%s) passed the check" % (what, name))
            else:
                print("ok: %s is caught: %s" % (what, next(e for e in errors if name in e)))
    return failures


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
        failures = self_test(sys.argv[2] if len(sys.argv) > 2 else ".")
        for f in failures:
            print("FAIL " + f)
        return 1 if failures else 0
    enums, errors = check(sys.argv[1] if len(sys.argv) > 1 else ".")
    errors += cargo_version_errors(sys.argv[1] if len(sys.argv) > 1 else ".")
    for e in errors:
        print("FAIL " + e)
    if errors:
        return 1
    print("ok: %d header enums, %d values, in both bindings"
          % (len(enums), sum(len(v) for v in enums.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
