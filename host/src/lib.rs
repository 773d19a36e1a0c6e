//! capy: an object-capability sandbox for Python.
//!
//! Untrusted Python runs in RustPython compiled to WebAssembly, under
//! wasmtime with no ambient authority: no files, no environment, no network.
//! It can touch only what the host hands it.
//!
//! The API follows wasmtime's split of configuration, shared compiled state
//! and per-instance state:
//!
//! - [`Limits`] (from `capy-policy`) is plain configuration;
//! - an [`Engine`] holds the compiled guest; build it once and share it
//!   (it is cheap to clone and `Send + Sync`);
//! - a [`Sandbox`] is one isolated interpreter, made by [`Engine::sandbox`].
//!
//! ```
//! # fn main() -> Result<(), capy::Error> {
//! let engine = capy::Engine::new()?;
//! let mut sandbox = engine.sandbox().build()?;
//! let outcome = sandbox.run("print(sum(i * i for i in range(10)))")?;
//! assert_eq!(outcome.stdout_text(), "285\n");
//! assert!(outcome.error.is_none());
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod audit;
mod bindings;
mod boundary;
mod budget;
mod cache;
mod driver;
mod engine;
mod error;
mod handle;
mod hostfn;
mod output;
mod plugin;
mod sandbox;
mod usage;
mod wasi;
mod watch;

pub use capy_policy::{
    AVAILABLE_MODULES, Access, DEFAULT_MODULES, Determinism, DirGrant, GrantPolicy, Limit, Limits,
    ModuleError, Policy, PolicyError,
};
pub use capy_value::{self as value, BigInt, Value, ValueError, from_value, to_value};
pub use engine::{DEFAULT_MAX_SANDBOXES, Engine, EngineBuilder};
pub use error::{Error, GrantError, GuestCrash, PythonException, RunError};
pub use handle::SandboxHandle;
pub use hostfn::{HostError, HostErrorKind};
pub use output::Stream;
pub use plugin::Plugin;
pub use sandbox::{Outcome, Sandbox, SandboxBuilder};
pub use usage::Usage;
