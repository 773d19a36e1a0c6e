//! The Python layer's first cut: no ambient authority among the builtins,
//! and no imports beyond the standard-library catalog (`modules.rs`).

use crate::{exception_of, stdout_of};

/// Every builtin that gives files, code-from-strings, the terminal or the
/// interpreter's lifetime, plus `__import__` itself.
const REMOVED: &[&str] = &[
    "open",
    "__import__",
    "eval",
    "exec",
    "compile",
    "input",
    "breakpoint",
    "help",
    "exit",
    "quit",
    "copyright",
    "credits",
    "license",
];

#[test]
fn every_removed_builtin_is_a_name_error() {
    for name in REMOVED {
        let exception = exception_of(name);
        assert_eq!(exception.type_name, "NameError", "{name}");
        assert_eq!(exception.message, format!("name '{name}' is not defined"));
    }
}

#[test]
fn removed_builtins_are_absent_from_every_view_of_builtins() {
    let source = r#"
b = __builtins__
names = set(b.keys()) if isinstance(b, dict) else set(dir(b))
print(sorted(names & set(REMOVED)))
print("print" in names, "len" in names)
"#
    .replace("REMOVED", &format!("{REMOVED:?}"));
    assert_eq!(stdout_of(&source), "[]\nTrue True\n");
}

#[test]
fn imports_outside_the_catalog_fail_with_a_sandbox_message() {
    for (statement, module) in [
        ("import os", "os"),
        ("import _io", "_io"),
        ("import builtins", "builtins"),
        ("from os import path", "os"),
        ("import importlib.util", "importlib"),
        ("import posix", "posix"),
    ] {
        let exception = exception_of(statement);
        assert_eq!(exception.type_name, "ModuleNotFoundError", "{statement}");
        assert_eq!(
            exception.message,
            format!("module '{module}' is not available in the sandbox"),
            "{statement}"
        );
    }
}

#[test]
fn relative_imports_fail_in_scripts() {
    let exception = exception_of("from . import sibling");
    assert_eq!(exception.type_name, "ImportError");
    assert_eq!(
        exception.message,
        "relative imports are not available in the sandbox"
    );
}

#[test]
fn import_errors_can_be_caught_like_any_other() {
    let source = "try:\n    import numpy\nexcept ImportError as e:\n    print('fallback:', e)\n";
    assert_eq!(
        stdout_of(source),
        "fallback: module 'numpy' is not available in the sandbox\n"
    );
}

#[test]
fn editing_the_scripts_builtins_does_not_bring_import_back() {
    // The script owns its builtins dict; the VM's import machinery does not
    // read it, so planting names there changes nothing outside the script.
    let source = r#"
__builtins__["__import__"] = lambda *a, **k: "fake"
try:
    import os
except ImportError as e:
    print("still refused")
"#;
    assert_eq!(stdout_of(source), "still refused\n");
}
