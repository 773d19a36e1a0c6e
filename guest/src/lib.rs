//! The capy guest: RustPython compiled to a `wasm32-wasip2` component.
//!
//! The host drives it through the `capy:sandbox/runner` export and it reaches
//! the outside world only through the imports declared in
//! `proxies/wit/capy.wit`. Start-up builds one interpreter and runs
//! [`hardening::lockdown`] on it before any untrusted code can run.

mod fs;
mod hardening;
mod introspection;
mod output;
mod run;
mod traceback;

wit_bindgen::generate!({
    path: "../proxies/wit",
    world: "sandbox",
});

use exports::capy::sandbox::runner::{Guest, PythonError};

/// The exported component implementation.
struct Capy;

impl Guest for Capy {
    fn run(source: String, filename: String) -> Result<(), PythonError> {
        run::run_main(&source, &filename)
    }
}

export!(Capy);
