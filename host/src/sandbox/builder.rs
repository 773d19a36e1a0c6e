//! [`SandboxBuilder`]: grants, limits, host functions and modules, checked
//! and opened when the sandbox is built.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use capy_capabilities::fs::{DirCap, Grant, Quotas, ambient_authority};
use capy_policy::{Access, DEFAULT_MODULES, Determinism, DirGrant, GrantPolicy, Limits, Policy};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasmtime::Store;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

use super::Sandbox;
use crate::audit::{AuditLog, AuditSink};
use crate::boundary::State;
use crate::boundary::fs::FsState;
use crate::boundary::settings::GuestSettings;
use crate::budget::{MemoryLimiter, RunClock};
use crate::driver::{block_on, sync_runtime};
use crate::engine::Engine;
use crate::error::{Error, GrantError, Terminated};
use crate::handle::Controls;
use crate::hostfn::{HostError, HostFn, HostFunctions};
use crate::output::{OutputCapture, Stream, StreamFn};
use crate::usage::Usage;
use crate::wasi::wasi_ctx;

/// How much of the guest's own WASI stderr (Rust panic messages) is kept.
const GUEST_DIAGNOSTICS_BYTES: usize = 64 << 10;

/// Configures a [`Sandbox`]; made by [`Engine::sandbox`].
pub struct SandboxBuilder {
    engine: Engine,
    limits: Limits,
    stream: Option<StreamFn>,
    grants: Vec<GrantPolicy>,
    audit: Option<AuditSink>,
    functions: HostFunctions,
    allowed_functions: Option<Vec<String>>,
    modules: Vec<String>,
    determinism: Determinism,
}

impl SandboxBuilder {
    pub(crate) fn new(engine: Engine) -> Self {
        SandboxBuilder {
            engine,
            limits: Limits::default(),
            stream: None,
            grants: Vec::new(),
            audit: None,
            functions: HostFunctions::new(),
            allowed_functions: None,
            modules: DEFAULT_MODULES
                .iter()
                .map(|&name| name.to_owned())
                .collect(),
            determinism: Determinism::default(),
        }
    }
    /// Grants the host directory `path` to the script as the global `name`
    /// (a `pathlib.Path`-like object rooted there), read-only or
    /// read-write. The directory is opened when the sandbox is built; the
    /// script can reach nothing outside it.
    pub fn dir(self, name: impl Into<String>, path: impl Into<PathBuf>, access: Access) -> Self {
        self.grant(DirGrant {
            name: name.into(),
            path: path.into(),
            access,
        })
    }

    /// Adds a directory grant (see [`dir`](SandboxBuilder::dir)), with its
    /// quotas and hidden paths if it is a [`GrantPolicy`]. A grant of the
    /// same name replaces an earlier one.
    pub fn grant(mut self, grant: impl Into<GrantPolicy>) -> Self {
        let grant = grant.into();
        self.grants.retain(|g| g.grant.name != grant.grant.name);
        self.grants.push(grant);
        self
    }

    /// Applies a whole policy: its limits, its grants (added to any
    /// already given), and, where it sets them, which of the registered
    /// host functions the sandbox gets, its standard-library modules, its
    /// random seed and its clock.
    pub fn policy(mut self, policy: &Policy) -> Self {
        self.limits = policy.limits.clone();
        for grant in &policy.grants {
            self = self.grant(grant.clone());
        }
        self.allowed_functions = policy.functions.clone();
        if let Some(modules) = &policy.modules {
            self.modules = modules.clone();
        }
        if let Some(seed) = policy.determinism.random_seed {
            self.determinism.random_seed = Some(seed);
        }
        if let Some(clock) = policy.determinism.clock {
            self.determinism.clock = Some(clock);
        }
        self
    }

    /// Sets which standard-library modules the script may `import`,
    /// replacing the set so far (by default
    /// [`DEFAULT_MODULES`](crate::DEFAULT_MODULES), every module in
    /// [`AVAILABLE_MODULES`](crate::AVAILABLE_MODULES)). Any other
    /// `import` raises `ImportError`. Names are checked when the sandbox is
    /// built.
    ///
    /// ```
    /// # fn main() -> Result<(), capy::Error> {
    /// let engine = capy::Engine::new()?;
    /// let mut sandbox = engine.sandbox().modules(["json", "re"]).build()?;
    /// let outcome = sandbox.run("import json; print(json.dumps([1]))")?;
    /// assert_eq!(outcome.stdout_text(), "[1]\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn modules(mut self, modules: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.modules = modules.into_iter().map(Into::into).collect();
        self
    }

    /// Deterministic randomness: seeds `random` and every other source of
    /// randomness the sandbox has (WASI's secure and insecure random), so
    /// runs with the same seed draw the same numbers.
    pub fn random_seed(mut self, seed: u64) -> Self {
        self.determinism.random_seed = Some(seed);
        self
    }

    /// A clock that stands still: the script's wall clock (`time.time()`,
    /// `datetime.now()`) always reads `time`, and its monotonic clock
    /// (`time.monotonic()`, `time.perf_counter()`) always the same instant.
    /// Resource limits still use the host's real clock. A time before the
    /// Unix epoch reads as the epoch.
    pub fn clock(mut self, time: SystemTime) -> Self {
        self.determinism.clock = Some(time);
        self
    }

    /// Exposes the host function `f` to the script as the global `name`.
    ///
    /// The script calls it with positional arguments, which arrive
    /// deserialised into `A` (a tuple such as `(String, i64)` for two
    /// arguments, `()` for none, or [`Vec<Value>`](Value) for any); its
    /// result is serialised back into a Python value. An `Err` raises the
    /// [`HostError`]'s exception in the script. Only plain data crosses:
    /// the script can never reach the closure or anything it captures.
    /// A panic in `f` (or in an async function's future) is caught: the
    /// script gets `RuntimeError: host function NAME() panicked`, the panic
    /// is logged with `tracing`, and the sandbox stays usable.
    ///
    /// `f` runs on the thread driving the run, and nothing can pre-empt
    /// it: neither the wall-clock limit nor
    /// [`terminate`](crate::SandboxHandle::terminate) takes effect until it
    /// returns (then at once: the script is told its time is spent and
    /// gets the usual grace to unwind). Its time counts against the wall
    /// limit, not the CPU limit. For work that may block without bound,
    /// register it with [`function_async`](Self::function_async) instead,
    /// for example on `tokio::task::spawn_blocking`: a pending async call
    /// is abandoned when the wall limit passes or the sandbox is
    /// terminated.
    ///
    /// ```
    /// # fn main() -> Result<(), capy::Error> {
    /// use capy::HostError;
    /// let engine = capy::Engine::new()?;
    /// let mut sandbox = engine
    ///     .sandbox()
    ///     .function("add", |(a, b): (i64, i64)| {
    ///         a.checked_add(b).ok_or_else(|| HostError::value("too big"))
    ///     })
    ///     .build()?;
    /// assert_eq!(sandbox.run("print(add(2, 3))")?.stdout_text(), "5\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn function<A, R, F>(mut self, name: impl Into<String>, f: F) -> Self
    where
        A: DeserializeOwned,
        R: Serialize,
        F: Fn(A) -> Result<R, HostError> + Send + Sync + 'static,
    {
        let name = name.into();
        let function = HostFn::sync(&name, f);
        self.functions.insert(name, function);
        self
    }

    /// Like [`function`](Self::function), but `f` gets the positional
    /// arguments as [`Value`](crate::Value)s and returns one, with no serde
    /// in between (serde cannot carry ints wider than 128 bits). For hosts
    /// that hold plain data as `Value`s already, such as the Python package.
    pub fn function_values<F>(mut self, name: impl Into<String>, f: F) -> Self
    where
        F: Fn(Vec<crate::Value>) -> Result<crate::Value, HostError> + Send + Sync + 'static,
    {
        self.functions.insert(name.into(), HostFn::values(f));
        self
    }

    /// Like [`function`](Self::function), for an async host function: the
    /// script waits for it while the host's executor runs other tasks
    /// (with [`Sandbox::run_async`] and friends; the blocking methods poll
    /// it on a small Tokio runtime of their own).
    ///
    /// A call still pending when the run's wall-clock limit passes is
    /// abandoned (its future dropped): the script gets `RuntimeError: host
    /// function NAME() was abandoned: the run's wall-clock limit passed`
    /// and then the limit to unwind from, and the sandbox stays usable. A
    /// [`terminate`](crate::SandboxHandle::terminate) ends a pending call
    /// at once, with the run. So a future that never finishes cannot hang
    /// the run, under any executor.
    ///
    /// ```
    /// # async fn demo() -> Result<(), capy::Error> {
    /// let engine = capy::Engine::new()?;
    /// let mut sandbox = engine
    ///     .sandbox()
    ///     .function_async("fetch", |(key,): (String,)| async move {
    ///         tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    ///         Ok::<_, capy::HostError>(format!("value of {key}"))
    ///     })
    ///     .build_async()
    ///     .await?;
    /// let outcome = sandbox.run_async("print(fetch('k'))").await?;
    /// assert_eq!(outcome.stdout_text(), "value of k\n");
    /// # Ok(())
    /// # }
    /// # tokio::runtime::Builder::new_current_thread()
    /// #     .enable_time()
    /// #     .build()
    /// #     .unwrap()
    /// #     .block_on(demo())
    /// #     .unwrap();
    /// ```
    pub fn function_async<A, R, F, Fut>(mut self, name: impl Into<String>, f: F) -> Self
    where
        A: DeserializeOwned,
        R: Serialize,
        F: Fn(A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, HostError>> + Send + 'static,
    {
        let name = name.into();
        let function = HostFn::asynchronous(&name, f);
        self.functions.insert(name, function);
        self
    }

    /// Writes one JSON line per capability call (time, grant, operation,
    /// virtual path, bytes, outcome) to `sink`.
    pub fn audit(mut self, sink: impl std::io::Write + Send + 'static) -> Self {
        self.audit = Some(Box::new(sink));
        self
    }

    /// Sets the sandbox's resource limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Hands the script's output to `callback` as it is written, instead of
    /// collecting it in [`Outcome::stdout`](crate::Outcome::stdout) and
    /// [`Outcome::stderr`](crate::Outcome::stderr). The output limit
    /// applies either way. If `callback` panics it is dropped (the panic is
    /// logged) and the output from then on, that chunk included, is
    /// collected in the [`Outcome`](crate::Outcome) instead.
    pub fn stream_output(mut self, callback: impl FnMut(Stream, &[u8]) + Send + 'static) -> Self {
        self.stream = Some(Box::new(callback));
        self
    }

    /// Starts the sandbox: a fresh wasm instance with its own memory.
    ///
    /// Fails with [`Error::Grant`] if a grant's name is not a usable Python
    /// global or its directory cannot be opened, if the policy names a
    /// host function that was not registered, or if a module name is not
    /// one the sandbox has ([`GrantError::Module`]) or repeats.
    pub fn build(self) -> Result<Sandbox, Error> {
        let runtime = sync_runtime()?;
        let mut sandbox = block_on(&runtime, self.build_async())??;
        sandbox.runtime = Some(runtime);
        Ok(sandbox)
    }

    /// [`build`](Self::build) for async hosts.
    pub async fn build_async(self) -> Result<Sandbox, Error> {
        capy_policy::validate_module_names(self.modules.iter().map(String::as_str))
            .map_err(|e| Error::Grant(GrantError::Module(e)))?;
        let grants = open_grants(&self.grants)?;
        let functions = select_functions(self.functions, self.allowed_functions.as_deref())?;
        capy_policy::validate_function_names(
            self.grants.iter().map(|g| g.grant.name.as_str()),
            functions.keys().map(String::as_str),
        )
        .map_err(|e| Error::Grant(GrantError::Invalid(e)))?;
        let guest_diagnostics = MemoryOutputPipe::new(GUEST_DIAGNOSTICS_BYTES);
        let controls = Arc::new(Controls::default());
        let time_limits = self.engine.time_limits();
        let state = State {
            wasi: wasi_ctx(&guest_diagnostics, &self.determinism),
            table: ResourceTable::new(),
            output: OutputCapture::new(self.limits.max_output, self.stream),
            fs: FsState::new(grants, self.limits.open_files),
            audit: self.audit.map(AuditLog::new),
            functions,
            controls: controls.clone(),
            usage: Usage::default(),
            clock: RunClock::new(
                self.limits.cpu,
                self.limits.wall,
                self.limits.total_cpu,
                time_limits,
            ),
            memory: MemoryLimiter::new(self.limits.memory),
            settings: GuestSettings {
                modules: self.modules,
                random_seed: self.determinism.random_seed,
            },
        };
        let mut store = Store::new(self.engine.wasmtime(), state);
        store.limiter(|state| &mut state.memory);
        // Between runs nothing executes; during a run, every epoch tick
        // checks the run's CPU and wall-clock budgets and yields to the
        // async executor, so a long script never monopolises its thread.
        if time_limits {
            store.set_epoch_deadline(u64::MAX / 2);
            store.epoch_deadline_callback(|store| {
                let state = store.data();
                if state.controls.terminate_requested() {
                    return Err(Terminated.into());
                }
                state.clock.check()?;
                Ok(wasmtime::UpdateDeadline::Yield(1))
            });
        }
        let instance = self
            .engine
            .pre()
            .instantiate_async(&mut store)
            .await
            .map_err(Error::Instantiate)?;
        Ok(Sandbox {
            time_limits,
            store,
            instance,
            guest_diagnostics,
            stopped: None,
            in_call: false,
            controls,
            runtime: None,
            interactive_inputs: 0,
        })
    }
}

/// The registered host functions the policy lets this sandbox have.
fn select_functions(
    mut registered: HostFunctions,
    allowed: Option<&[String]>,
) -> Result<HostFunctions, Error> {
    let Some(allowed) = allowed else {
        return Ok(registered);
    };
    let mut selected = HostFunctions::new();
    for name in allowed {
        match registered.remove(name) {
            Some(function) => {
                selected.insert(name.clone(), function);
            }
            None => return Err(Error::Grant(GrantError::UnknownFunction(name.clone()))),
        }
    }
    Ok(selected)
}

/// Opens every granted directory, once, as a capability.
fn open_grants(grants: &[GrantPolicy]) -> Result<Vec<DirCap>, Error> {
    capy_policy::validate_names(grants.iter().map(|g| g.grant.name.as_str()))
        .map_err(|e| Error::Grant(GrantError::Invalid(e)))?;
    grants
        .iter()
        .map(|policy| {
            let grant = &policy.grant;
            let hide = capy_policy::compile_hide(&policy.hide)
                .map_err(|e| Error::Grant(GrantError::Hide(e)))?;
            let quotas = Quotas {
                max_bytes_written: policy.max_bytes_written,
                max_files_created: policy.max_files_created,
            };
            // The one place capy uses ambient authority: the host operator
            // named this directory.
            let opened = Grant::open(&grant.name, &grant.path, quotas, hide, ambient_authority())
                .map_err(|e| Error::Grant(GrantError::Open(e)))?;
            Ok(DirCap::new(opened, grant.access == Access::ReadWrite))
        })
        .collect()
}
