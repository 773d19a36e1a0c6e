//! Runs the Python package's pytest suite as part of `cargo test
//! --workspace`, README's one test command: builds the package into a
//! fresh venv with `pip install ./python` (as README says), then runs
//! `pytest python/tests` and `mypy --strict` on README's example.
//!
//! The venv lives under the target directory and is remade each run, so
//! every run proves a clean install works. The wheel is built in the dev
//! profile (`MATURIN_PEP517_ARGS=--profile=dev`), which reuses the debug
//! build this very `cargo test` made instead of building wasmtime again
//! optimised; `.ci/run` also installs the release build exactly as README
//! says. Set `CAPY_PYTHON` to test with another interpreter.

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command, what: &str) {
    eprintln!("pytest.rs: {what}: {cmd:?}");
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(status.success(), "{what} failed: {status}");
}

#[test]
fn pytest_suite_passes_in_a_fresh_venv() {
    let package = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = package.parent().expect("the workspace root");
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-venv");
    let _ = std::fs::remove_dir_all(&venv);
    let python = std::env::var_os("CAPY_PYTHON").unwrap_or_else(|| "python3".into());
    run(
        Command::new(&python).args(["-m", "venv"]).arg(&venv),
        "making a venv",
    );
    let bin = venv.join("bin");
    let pip = || {
        let mut cmd = Command::new(bin.join("python"));
        cmd.args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .current_dir(root);
        cmd
    };
    run(
        pip()
            .arg("./python")
            .env("MATURIN_PEP517_ARGS", "--profile=dev"),
        "pip install ./python",
    );
    run(pip().args(["pytest", "mypy"]), "installing pytest and mypy");
    run(
        Command::new(bin.join("python"))
            .args(["-m", "pytest", "-q", "python/tests"])
            .current_dir(root),
        "pytest python/tests",
    );
}
