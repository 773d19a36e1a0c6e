//! Builds the guest (`guest/`, RustPython for `wasm32-wasip2`),
//! pre-initialises it (`preinit/`, a wasmtime-wizer snapshot of its
//! start-up) and hands its bytes and content hash to the library.
//!
//! Both are built by a nested cargo, each with a target directory of its
//! own (`guest/target` and `preinit/target`, or beneath
//! `$CARGO_TARGET_DIR`) shared by every host profile, so debug and release
//! host builds reuse one guest and one tool.

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
    for watched in ["src", "Cargo.toml"] {
        println!(
            "cargo:rerun-if-changed={}",
            root.join("preinit").join(watched).display()
        );
    }
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
    // The guest depends on capy-contract (the WIT and the constants both
    // sides share).
    println!("cargo:rerun-if-changed={}", root.join("contract").display());
    println!("cargo:rerun-if-env-changed=CAPY_GUEST_WASM");
    println!("cargo:rerun-if-env-changed=CAPY_GUEST_PREINIT");

    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    // An escape hatch for packagers and for quick guest builds
    // (DEVELOPERS.md): a prebuilt guest, as `guest/` builds it, instead of
    // building one. It is pre-initialised all the same.
    let wasm = match env::var_os("CAPY_GUEST_WASM") {
        Some(path) => PathBuf::from(path),
        None => build_guest(&guest_dir, &target_dir(&root, "guest")),
    };
    // `CAPY_GUEST_PREINIT=0` embeds the guest as built, which then starts
    // up in every sandbox: for measuring what the snapshot saves, and for
    // debugging start-up itself.
    let wasm = if env::var_os("CAPY_GUEST_PREINIT").is_some_and(|v| v == "0") {
        wasm
    } else {
        preinitialize(&root, &wasm, &out_dir.join("guest-preinitialised.wasm"))
    };
    let bytes =
        fs::read(&wasm).unwrap_or_else(|e| panic!("reading the guest at {}: {e}", wasm.display()));
    let hash = Sha256::digest(&bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    fs::write(out_dir.join("guest.wasm"), &bytes).expect("copy the guest into OUT_DIR");
    println!("cargo:rustc-env=CAPY_GUEST_SHA256={hex}");
}

/// A nested build's target directory: `$CARGO_TARGET_DIR/<name>` if set,
/// else `<name>/target`.
fn target_dir(root: &Path, name: &str) -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(base) => PathBuf::from(base).join(name),
        None => root.join(name).join("target"),
    }
}

fn build_guest(guest_dir: &Path, target_dir: &Path) -> PathBuf {
    ensure_wasm_target();
    let mut cmd = nested_cargo();
    cmd.current_dir(guest_dir)
        .args(["build", "--release", "--locked", "--target", GUEST_TARGET])
        // RustPython 0.6.0's parser crates (rustpython-ruff_* 0.16.5)
        // declare rust-version 1.96 but build with the pinned 1.95; the
        // guest's Cargo.lock holds them at the versions RustPython's own
        // release was built with (see guest/vendor/README.md).
        .arg("--ignore-rust-version")
        .arg("--target-dir")
        .arg(target_dir);
    // The guest's panic locations and debug strings would otherwise carry
    // the build machine's absolute paths (the cargo registry, this
    // checkout): the guest must not depend on who built it.
    cmd.env(
        "CARGO_ENCODED_RUSTFLAGS",
        remap_path_flags(guest_dir).join("\x1f"),
    );
    run(&mut cmd, "building the guest");
    target_dir
        .join(GUEST_TARGET)
        .join("release")
        .join("capy_guest.wasm")
}

/// Makes sure the toolchain building us has the wasm target, installing it
/// with rustup if it does not.
///
/// `rust-toolchain.toml` lists the target, but rustup installs listed
/// targets only when it installs the toolchain itself, and not at all where
/// `RUSTUP_AUTO_INSTALL=0`: a machine that already had the pinned toolchain
/// lacks the target, and a newcomer's first `cargo run` would fail.
fn ensure_wasm_target() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    let installed = |sysroot: &Path| {
        sysroot
            .join("lib")
            .join("rustlib")
            .join(GUEST_TARGET)
            .join("lib")
            .is_dir()
    };
    if sysroot.as_deref().is_some_and(installed) {
        return;
    }
    // Under rustup, RUSTUP_TOOLCHAIN names the toolchain this build runs
    // with (the one rust-toolchain.toml pins); install into that one.
    let Some(toolchain) = env::var_os("RUSTUP_TOOLCHAIN") else {
        fail(&format!(
            "the Rust target {GUEST_TARGET} is not installed, and this toolchain is not \
             managed by rustup. Install the target for your toolchain (with rustup: \
             `rustup target add {GUEST_TARGET}`), then build again."
        ));
    };
    let toolchain = toolchain.to_string_lossy().into_owned();
    // Cargo shows a build script's own output only when it fails; a
    // warning reaches the terminal at once.
    println!(
        "cargo:warning=installing the Rust target {GUEST_TARGET} for toolchain {toolchain} \
         (one time; the guest is built for it)"
    );
    let rustup = env::var_os("RUSTUP").unwrap_or_else(|| "rustup".into());
    let status = Command::new(&rustup)
        .args(["target", "add", GUEST_TARGET, "--toolchain", &toolchain])
        .status();
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => fail(&format!(
            "`rustup target add {GUEST_TARGET} --toolchain {toolchain}` failed ({status}); \
             run it yourself to see why, then build again."
        )),
        Err(e) => fail(&format!(
            "the Rust target {GUEST_TARGET} is not installed and rustup could not be run \
             ({e}). Run `rustup target add {GUEST_TARGET} --toolchain {toolchain}`, then \
             build again."
        )),
    }
}

/// `--remap-path-prefix` flags that turn the build machine's absolute paths
/// into fixed relative names: the cargo home (registry sources), the
/// checkout, and rustup's toolchain directory.
fn remap_path_flags(guest_dir: &Path) -> Vec<String> {
    let mut prefixes: Vec<(PathBuf, &str)> = Vec::new();
    if let Some(root) = guest_dir.parent() {
        prefixes.push((root.to_path_buf(), "capy"));
    }
    let home = env::var_os("HOME").map(PathBuf::from);
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".cargo")));
    if let Some(cargo_home) = cargo_home {
        prefixes.push((cargo_home, "cargo"));
    }
    let rustup_home = env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".rustup")));
    if let Some(rustup_home) = rustup_home {
        prefixes.push((rustup_home, "rustup"));
    }
    // rustc applies the last matching flag, so the longest prefix goes last
    // (the checkout may lie inside the home directory, or the other way round).
    // Each as given and as the file system resolves it, in case a link
    // lies on the way.
    let resolved: Vec<(PathBuf, &str)> = prefixes
        .iter()
        .filter_map(|(from, to)| Some((fs::canonicalize(from).ok()?, *to)))
        .collect();
    prefixes.extend(resolved);
    prefixes.sort_by_key(|(from, _)| from.as_os_str().len());
    prefixes.dedup();
    prefixes
        .iter()
        .map(|(from, to)| format!("--remap-path-prefix={}={to}", from.display()))
        .collect()
}

/// Fails the build with one line saying what to do.
fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}

/// Runs `capy-preinit` on `guest`, writing the pre-initialised guest to
/// `output`.
fn preinitialize(root: &Path, guest: &Path, output: &Path) -> PathBuf {
    let preinit = build_preinit(root, &target_dir(root, "preinit"));
    run(
        Command::new(&preinit).arg(guest).arg(output),
        "pre-initialising the guest",
    );
    output.to_path_buf()
}

/// Builds `capy-preinit`, a member of this workspace, in the dev profile
/// (its Cranelift crates are optimised there too; see the workspace's
/// Cargo.toml) and returns the path of its binary.
fn build_preinit(root: &Path, target_dir: &Path) -> PathBuf {
    let mut cmd = nested_cargo();
    cmd.current_dir(root)
        .args(["build", "--locked", "-p", "capy-preinit"])
        .arg("--target-dir")
        .arg(target_dir);
    run(&mut cmd, "building capy-preinit");
    target_dir
        .join("debug")
        .join(format!("capy-preinit{}", env::consts::EXE_SUFFIX))
}

/// Runs `cmd` for the step `what`, failing the build with one line if it
/// cannot start or does not succeed (its own output above says why).
fn run(cmd: &mut Command, what: &str) {
    match cmd.status() {
        Ok(status) if status.success() => {}
        Ok(status) => fail(&format!(
            "{what} failed ({status}); its output above says why"
        )),
        Err(e) => fail(&format!(
            "{what}: could not run {:?}: {e}",
            cmd.get_program()
        )),
    }
}

/// A cargo command for a nested build, without the outer build's settings.
fn nested_cargo() -> Command {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    // The outer build's flags are for its own target and profile; they must
    // not leak into the wasm build (e.g. `-C target-cpu=native`) or turn
    // the tool's build into a clippy run.
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
    cmd
}
