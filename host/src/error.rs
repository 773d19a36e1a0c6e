//! capy's error types.

use std::fmt;

use capy_policy::Limit;

/// Why the library could not do what was asked: set up the engine, start a
/// sandbox, or run code in one. A script that fails is not an `Error`; it is
/// reported in [`Outcome::error`](crate::Outcome::error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The guest could not be compiled or loaded into wasmtime.
    #[error("cannot prepare the sandbox guest")]
    Engine(#[source] wasmtime::Error),
    /// A new sandbox could not be instantiated.
    #[error("cannot start a sandbox")]
    Instantiate(#[source] wasmtime::Error),
    /// The blocking API could not start its executor (a current-thread
    /// Tokio runtime) or, when called inside an async runtime, its helper
    /// thread: the system is out of threads, memory or file descriptors.
    /// Nothing ran; the sandbox is unchanged.
    #[error("cannot start the thread or executor that runs the sandbox")]
    GuestThread(#[source] std::io::Error),
    /// A directory grant is unusable; nothing was started.
    #[error(transparent)]
    Grant(#[from] GrantError),
    /// An earlier run of this sandbox ended in a crash or a limit, which
    /// leaves the interpreter's state undefined; make a new sandbox.
    #[error("this sandbox stopped after an earlier failure ({0}); start a new one")]
    Stopped(String),
    /// A plugin's top level or one of its functions failed: it raised, hit
    /// a limit or crashed.
    #[error("{0}")]
    Run(RunError),
    /// The plugin has no callable global of this name.
    #[error("the plugin has no function `{0}`")]
    NoSuchFunction(String),
    /// The arguments do not fit the function (wrong number or names), or
    /// cannot be made into plain data.
    #[error("bad arguments for `{function}`: {message}")]
    BadArguments {
        /// The function called.
        function: String,
        /// What is wrong.
        message: String,
    },
    /// The function's result is not plain data, or does not deserialise
    /// into the type asked for.
    #[error("unusable result from `{function}`: {message}")]
    BadResult {
        /// The function called.
        function: String,
        /// What is wrong.
        message: String,
    },
}

/// Why something could not be granted: a directory, a host function or a
/// standard-library module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GrantError {
    /// The grant's name cannot be a script global (or repeats).
    #[error(transparent)]
    Invalid(capy_policy::GrantError),
    /// The host directory cannot be opened.
    #[error(transparent)]
    Open(capy_capabilities::fs::OpenGrantError),
    /// A hide pattern does not compile.
    #[error(transparent)]
    Hide(capy_policy::HideError),
    /// The policy grants a host function the application did not register.
    #[error("the policy grants host function `{0}`, which the application did not register")]
    UnknownFunction(String),
    /// A standard-library module the sandbox does not have, or one named
    /// twice.
    #[error(transparent)]
    Module(capy_policy::ModuleError),
}

/// How a run failed. Partial output is kept in the [`Outcome`](crate::Outcome).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The script raised an exception it did not catch.
    #[error("{0}")]
    Exception(PythonException),
    /// The run hit a resource limit and was stopped.
    #[error("limit exceeded: {0}")]
    LimitExceeded(Limit),
    /// The guest itself failed (a wasm trap, e.g. an interpreter bug the
    /// script triggered). The sandbox cannot run again; the engine is fine.
    #[error("{0}")]
    Crashed(GuestCrash),
    /// The host ended the run by force
    /// ([`SandboxHandle::terminate`](crate::SandboxHandle::terminate)).
    /// The sandbox cannot run again.
    #[error("the run was terminated by the host")]
    Terminated,
}

/// An uncaught Python exception, as the script would see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonException {
    /// The exception's class name, e.g. `ValueError`.
    pub type_name: String,
    /// `str()` of the exception.
    pub message: String,
    /// A Python-style traceback naming only the script's own file and lines.
    pub traceback: String,
}

impl fmt::Display for PythonException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            f.write_str(&self.type_name)
        } else {
            write!(f, "{}: {}", self.type_name, self.message)
        }
    }
}

/// A guest trap: what wasmtime reported, plus anything the guest printed on
/// its way down (a Rust panic message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestCrash {
    /// wasmtime's description of the trap.
    pub trap: String,
    /// The guest's own last words on its WASI stderr, if any.
    pub guest_message: String,
}

impl fmt::Display for GuestCrash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the sandbox crashed: {}", self.trap)?;
        if !self.guest_message.is_empty() {
            write!(f, " ({})", self.guest_message.trim())?;
        }
        Ok(())
    }
}

/// The error a host function returns to end the run on a limit; found again
/// by downcasting the trap.
#[derive(Debug)]
pub(crate) struct LimitTrap(pub Limit);

impl fmt::Display for LimitTrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "limit exceeded: {}", self.0)
    }
}

impl std::error::Error for LimitTrap {}

/// The trap that ends a run the host terminated.
#[derive(Debug)]
pub(crate) struct Terminated;

impl fmt::Display for Terminated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("terminated by the host")
    }
}

impl std::error::Error for Terminated {}
