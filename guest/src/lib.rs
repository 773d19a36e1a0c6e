//! The capy guest: RustPython compiled to a `wasm32-wasip2` component.
//!
//! The host drives it through the `capy:sandbox/runner` export and it reaches
//! the outside world only through the imports declared in
//! `contract/wit/capy.wit`. Start-up builds one interpreter and runs
//! [`hardening::lockdown`] on it before any untrusted code can run.
//!
//! Start-up has two halves (see [`run`]): the part every sandbox shares
//! runs once at build time and is snapshotted into the component
//! (`wizer-initialize`, driven by `capy-preinit`); the part that makes this
//! sandbox itself (its grants, host functions, modules, seed) runs on the
//! first call from the host.

#![deny(unsafe_code)]

mod catalog_compile;
mod fs;
mod hardening;
mod hostfn;
mod interrupt;
mod introspection;
mod modules;
mod output;
mod run;
mod script_sys;
mod stack;
mod traceback;
mod value;

// The generated glue (canonical-ABI lifting and lowering, the exported
// entry points) is the guest's only `unsafe` code; everything written by
// hand is safe (`#![deny(unsafe_code)]` above).
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../contract/wit",
        world: "guest",
    });
}
use bindings::{Guest, capy, exports};

use capy::sandbox::data::Node;
use exports::capy::sandbox::runner::{CallError, Guest as Runner, Mode, PythonError};

/// The exported component implementation.
struct Capy;

impl Guest for Capy {
    fn wizer_initialize() {
        run::preinitialize();
    }
}

impl Runner for Capy {
    fn run(source: String, filename: String, mode: Mode) -> Result<(), PythonError> {
        run::run_main(&source, &filename, mode)
    }

    fn call(name: String, args: Vec<Node>, kwargs: Vec<Node>) -> Result<Vec<Node>, CallError> {
        run::call_main(&name, &args, &kwargs)
    }

    fn complete(text: String) -> Vec<String> {
        run::complete(&text)
    }
}

#[allow(unsafe_code)]
mod entry_points {
    use super::Capy;
    crate::bindings::export!(Capy with_types_in crate::bindings);
}
