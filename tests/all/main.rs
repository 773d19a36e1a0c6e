//! capy's integration suite: one binary (so wasmtime is linked once), one
//! module per topic, and one compiled [`capy::Engine`] shared by every test.

mod escape;
mod escapes;
mod fs;
mod hardening;
mod language;
mod limits;
mod modules;
mod output;
mod plugin;
mod sandbox;
mod soundness;
mod sweep;
mod traversal;
mod tree;

use std::sync::LazyLock;

/// The engine every test uses. Its compiled guest is cached under cargo's
/// target directory, so only the first test run after a guest change compiles.
pub fn engine() -> &'static capy::Engine {
    static ENGINE: LazyLock<capy::Engine> = LazyLock::new(|| {
        capy::Engine::builder()
            .cache_dir(concat!(env!("CARGO_TARGET_TMPDIR"), "/capy-cache"))
            .build()
            .expect("the test engine builds")
    });
    &ENGINE
}

/// Runs `source` in a fresh sandbox with default limits.
pub fn run(source: &str) -> capy::Outcome {
    engine()
        .sandbox()
        .build()
        .expect("sandbox starts")
        .run(source)
        .expect("run completes")
}

/// Runs `source`, asserts it succeeded, and returns its stdout.
#[track_caller]
pub fn stdout_of(source: &str) -> String {
    let outcome = run(source);
    assert_eq!(outcome.error, None, "stderr: {}", outcome.stderr_text());
    outcome.stdout_text()
}

/// Runs `source`, asserts it raised, and returns the exception.
#[track_caller]
pub fn exception_of(source: &str) -> capy::PythonException {
    match run(source).error {
        Some(capy::RunError::Exception(exception)) => exception,
        other => panic!("expected a Python exception, got {other:?}"),
    }
}

/// Runs `source` in a fresh sandbox with `tree`'s grant as a read-only
/// `data` and a read-write `out` (both `tree.grant()`), plus `other`
/// read-write.
pub fn run_granted(tree: &tree::Tree, source: &str) -> capy::Outcome {
    engine()
        .sandbox()
        .dir("data", tree.grant(), capy::Access::ReadOnly)
        .dir("out", tree.grant(), capy::Access::ReadWrite)
        .dir("other", tree.path("other"), capy::Access::ReadWrite)
        .build()
        .expect("sandbox starts")
        .run(source)
        .expect("run completes")
}

/// [`run_granted`], asserting success; returns stdout, which must not
/// mention the tree's host path.
#[track_caller]
pub fn granted_stdout(tree: &tree::Tree, source: &str) -> String {
    let outcome = run_granted(tree, source);
    assert_eq!(outcome.error, None, "stderr: {}", outcome.stderr_text());
    let stdout = outcome.stdout_text();
    assert!(
        !stdout.contains(&tree.host_prefix()),
        "host path leaked: {stdout}"
    );
    stdout
}
