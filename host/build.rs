//! Builds the guest (`guest/`, RustPython for `wasm32-wasip2`) and hands its
//! bytes and content hash to the library.
//!
//! The guest is its own cargo workspace with its own target directory
//! (`guest/target`, or `$CARGO_TARGET_DIR/guest`), shared by every host
//! profile, so debug and release host builds reuse one guest build.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

const GUEST_TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir
        .parent()
        .expect("host/ has a parent")
        .to_path_buf();
    let guest_dir = root.join("guest");
    for watched in [
        "src",
        "vendor",
        "pylib",
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
    ] {
        println!(
            "cargo:rerun-if-changed={}",
            guest_dir.join(watched).display()
        );
    }
    println!(
        "cargo:rerun-if-changed={}",
        root.join("proxies/wit").display()
    );
    println!("cargo:rerun-if-env-changed=CAPY_GUEST_WASM");

    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    // An escape hatch for packagers: a prebuilt guest instead of building one.
    let wasm = match env::var_os("CAPY_GUEST_WASM") {
        Some(path) => PathBuf::from(path),
        None => build_guest(&guest_dir, &target_dir(&root)),
    };
    let bytes =
        fs::read(&wasm).unwrap_or_else(|e| panic!("reading the guest at {}: {e}", wasm.display()));
    let hash = Sha256::digest(&bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    fs::write(out_dir.join("guest.wasm"), &bytes).expect("copy the guest into OUT_DIR");
    println!("cargo:rustc-env=CAPY_GUEST_SHA256={hex}");
}

/// The guest's target directory: `$CARGO_TARGET_DIR/guest` if set, else `guest/target`.
fn target_dir(root: &Path) -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(base) => PathBuf::from(base).join("guest"),
        None => root.join("guest").join("target"),
    }
}

fn build_guest(guest_dir: &Path, target_dir: &Path) -> PathBuf {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(guest_dir)
        .args(["build", "--release", "--locked", "--target", GUEST_TARGET])
        .arg("--target-dir")
        .arg(target_dir);
    // The outer build's flags are for the host target; they must not leak into
    // the wasm build (e.g. `-C target-cpu=native`).
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        cmd.env_remove(var);
    }
    for (key, _) in env::vars_os() {
        if key.to_string_lossy().starts_with("CARGO_PROFILE_") {
            cmd.env_remove(key);
        }
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("could not run cargo to build the guest: {e}"));
    if !status.success() {
        panic!(
            "building the guest failed ({status}). Is the wasm target installed? \
             Run `rustup target add {GUEST_TARGET}` (rust-toolchain.toml asks rustup for it)."
        );
    }
    target_dir
        .join(GUEST_TARGET)
        .join("release")
        .join("capy_guest.wasm")
}
