use std::{env, io::prelude::*, path::PathBuf, process::Command};

fn main() {
    let frozen_libs = if cfg!(feature = "freeze-stdlib") {
        "Lib/*/*.py"
    } else {
        "Lib/python_builtins/*.py"
    };
    for entry in glob::glob(frozen_libs).expect("Lib/ exists?").flatten() {
        let display = entry.display();
        println!("cargo:rerun-if-changed={display}");
    }
    // capy patch: upstream names `../../Lib/importlib/_bootstrap.py`, a
    // path that exists only in RustPython's own repository, so this script
    // re-ran on every build; this file is what it reads.
    println!("cargo:rerun-if-changed=build.rs");

    // capy patch: upstream asks `git` for a hash, tag, branch and timestamp.
    // Run from this vendored copy, git describes capy's own checkout
    // (whichever commit, branch and dirty state the builder had), so the
    // guest's bytes depended on who built it. They describe RustPython's
    // release instead, and the time is the epoch.
    println!("cargo:rustc-env=RUSTPYTHON_GIT_HASH=");
    println!("cargo:rustc-env=RUSTPYTHON_GIT_TIMESTAMP=0");
    println!("cargo:rustc-env=RUSTPYTHON_GIT_TAG=v0.5.0");
    println!("cargo:rustc-env=RUSTPYTHON_GIT_BRANCH=release");
    println!("cargo:rustc-env=RUSTC_VERSION={}", rustc_version());

    println!(
        "cargo:rustc-env=RUSTPYTHON_TARGET_TRIPLE={}",
        env::var("TARGET").unwrap()
    );

    // capy patch: upstream writes the builder's whole environment here
    // (`sysconfig.get_config_vars()` then lists it), baking every variable
    // of the build machine, CARGO_HOME and PATH among them, into the guest.
    // The sandbox has no environment to describe: the list is empty.
    let mut env_path = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    env_path.push("env_vars.rs");
    let mut f = std::fs::File::create(env_path).unwrap();
    write!(f, "sysvars! {{ }}").unwrap();
}

fn rustc_version() -> String {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    command(rustc, &["-V"])
}

fn command(cmd: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> String {
    match Command::new(cmd).args(args).output() {
        Ok(output) => match String::from_utf8(output.stdout) {
            Ok(s) => s,
            Err(err) => format!("(output error: {err})"),
        },
        Err(err) => format!("(command error: {err})"),
    }
}
