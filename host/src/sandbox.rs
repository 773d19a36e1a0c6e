//! [`Sandbox`]: one isolated interpreter, and what a run of it produced.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use capy_policy::{Access, DEFAULT_MODULES, Determinism, DirGrant, GrantPolicy, Limits, Policy};
use capy_proxies::fs::{DirCap, Grant, Quotas, ambient_authority};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasmtime::Store;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::audit::{AuditLog, AuditSink};
use crate::bindings::exports::capy::sandbox::runner::{self, Mode};
use crate::bindings::{self, capy::sandbox::control, capy::sandbox::output::Channel};
use crate::budget::{MemoryLimiter, RunClock};
use crate::engine::Engine;
use crate::error::{
    Error, GrantError, GuestCrash, LimitTrap, PythonException, RunError, Terminated,
};
use crate::fs::FsState;
use crate::handle::{Controls, SandboxHandle};
use crate::hostfn::{HostError, HostFn, HostFunctions};
use crate::library::{self, LibrarySettings};
use crate::output::{OutputCapture, Stream, StreamFn};
use crate::plugin::Plugin;
use crate::usage::Usage;
use crate::{Value, data};

/// The file name tracebacks show when a run does not give one.
const DEFAULT_FILENAME: &str = "<script>";
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
    /// ```no_run
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
    ///
    /// ```no_run
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

    /// Like [`function`](Self::function), for an async host function: the
    /// script waits for it while the host's executor runs other tasks
    /// (with [`Sandbox::run_async`] and friends; the blocking methods poll
    /// it on a small Tokio runtime of their own).
    ///
    /// ```no_run
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
    /// collecting it in [`Outcome::stdout`] and [`Outcome::stderr`]. The
    /// output limit applies either way.
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
            clock: RunClock::new(self.limits.cpu, self.limits.wall, self.limits.total_cpu),
            memory: MemoryLimiter::new(self.limits.memory),
            library: LibrarySettings {
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

/// The guest's WASI context: nothing granted. No preopened directories, no
/// environment variables, no arguments, no sockets or name lookups, no stdin.
/// The guest's own stdout/stderr (not the script's: that goes through
/// `capy:sandbox/output`) are kept only for crash diagnostics. In
/// deterministic mode its randomness is seeded and its clocks stand still.
fn wasi_ctx(guest_diagnostics: &MemoryOutputPipe, determinism: &Determinism) -> WasiCtx {
    let mut builder = WasiCtxBuilder::new();
    builder
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .stdout(guest_diagnostics.clone())
        .stderr(guest_diagnostics.clone());
    if let Some(seed) = determinism.random_seed {
        library::seed_random(&mut builder, seed);
    }
    if let Some(time) = determinism.clock {
        library::fix_clocks(&mut builder, time);
    }
    builder.build()
}

/// One isolated Python interpreter in its own wasm instance.
///
/// Globals persist between [`run`](Sandbox::run) calls, as at a REPL. A
/// run that hits its CPU or wall-clock limit is unwound inside Python and
/// the sandbox stays usable. If a run crashes the guest, hits another limit
/// (memory, output, quotas) or is [terminated](SandboxHandle::terminate),
/// the interpreter may be left mid-operation, so the sandbox refuses further
/// runs ([`Error::Stopped`]); other sandboxes of the same engine are
/// unaffected.
///
/// Every method has a blocking form and an `_async` form. The blocking
/// forms may be called from any thread, including inside an async runtime
/// (they then run the guest on a helper thread); the `_async` forms yield
/// to the executor at every epoch tick (10 ms) and while async host
/// functions wait.
pub struct Sandbox {
    time_limits: bool,
    store: Store<State>,
    instance: bindings::Sandbox,
    guest_diagnostics: MemoryOutputPipe,
    stopped: Option<String>,
    controls: Arc<Controls>,
    /// The executor of the blocking API, made on first use.
    pub(crate) runtime: Option<tokio::runtime::Runtime>,
    /// Interactive inputs run so far (they are numbered in tracebacks).
    interactive_inputs: u64,
}

/// What a run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Bytes the script wrote to stdout (empty when output is streamed).
    pub stdout: Vec<u8>,
    /// Bytes the script wrote to stderr (empty when output is streamed).
    pub stderr: Vec<u8>,
    /// How the run failed, if it did.
    pub error: Option<RunError>,
    /// What the run cost.
    pub usage: Usage,
}

impl Outcome {
    /// [`stdout`](Outcome::stdout) as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// [`stderr`](Outcome::stderr) as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Runs a blocking-API method's future on `runtime`, from a helper thread
/// if the caller is itself inside an async runtime (whose thread must not
/// block on another runtime).
pub(crate) fn block_on<F>(runtime: &tokio::runtime::Runtime, future: F) -> Result<F::Output, Error>
where
    F: Future + Send,
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_err() {
        return Ok(runtime.block_on(future));
    }
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("capy-blocking".to_owned())
            .spawn_scoped(scope, || runtime.block_on(future))
            .map_err(Error::GuestThread)?;
        match worker.join() {
            Ok(result) => Ok(result),
            // A panic in capy's own host code: re-raise it where it belongs.
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// The executor of the blocking API: one current-thread Tokio runtime per
/// sandbox (timers enabled for async host functions). Guest code itself
/// runs on wasmtime's fiber stack (see `engine.rs`), not this thread's.
pub(crate) fn sync_runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(Error::GuestThread)
}

/// Generates a blocking method from its `_async` twin.
macro_rules! blocking {
    ($slot:expr, $future:expr) => {{
        let runtime = match $slot.take() {
            Some(runtime) => runtime,
            None => $crate::sandbox::sync_runtime()?,
        };
        let result = $crate::sandbox::block_on(&runtime, $future);
        $slot = Some(runtime);
        result?
    }};
}
pub(crate) use blocking;

impl Sandbox {
    /// Runs `source` as the module `__main__` (file name `<script>` in
    /// tracebacks).
    pub fn run(&mut self, source: &str) -> Result<Outcome, Error> {
        blocking!(
            self.runtime,
            self.run_source(source, DEFAULT_FILENAME, Mode::Exec)
        )
    }

    /// Runs `source` as `__main__`, naming it `filename` in tracebacks and
    /// syntax errors.
    pub fn run_named(&mut self, source: &str, filename: &str) -> Result<Outcome, Error> {
        blocking!(self.runtime, self.run_source(source, filename, Mode::Exec))
    }

    /// Runs one interactive statement, as typed at a `>>>` prompt: the
    /// value of an expression statement is printed with `repr` (unless it
    /// is `None`) and kept as `_`. Each input gets its own file name,
    /// `<python-input-N>` as in CPython 3.13, so tracebacks through
    /// functions defined in earlier inputs show the right lines.
    pub fn run_interactive(&mut self, source: &str) -> Result<Outcome, Error> {
        let filename = format!("<python-input-{}>", self.interactive_inputs);
        self.interactive_inputs += 1;
        blocking!(
            self.runtime,
            self.run_source(source, &filename, Mode::Interactive)
        )
    }

    /// [`run`](Self::run) for async hosts.
    pub async fn run_async(&mut self, source: &str) -> Result<Outcome, Error> {
        self.run_source(source, DEFAULT_FILENAME, Mode::Exec).await
    }

    /// [`run_named`](Self::run_named) for async hosts.
    pub async fn run_named_async(
        &mut self,
        source: &str,
        filename: &str,
    ) -> Result<Outcome, Error> {
        self.run_source(source, filename, Mode::Exec).await
    }

    /// Runs `source` as a plugin: its top level runs once (defining its
    /// functions and state) and the returned [`Plugin`] calls its functions
    /// by name. Fails with [`Error::Run`] if the top level raises or hits a
    /// limit.
    pub fn load(mut self, source: &str) -> Result<Plugin, Error> {
        let outcome = self.run_named(source, "<plugin>")?;
        Plugin::loaded(self, outcome)
    }

    /// [`load`](Self::load) for async hosts.
    pub async fn load_async(mut self, source: &str) -> Result<Plugin, Error> {
        let outcome = self.run_source(source, "<plugin>", Mode::Exec).await?;
        Plugin::loaded(self, outcome)
    }

    /// Completions of `text` (a name or a dotted attribute path such as
    /// `data.rea`) against the script's globals and builtins, as whole
    /// replacement strings.
    pub fn complete(&mut self, text: &str) -> Result<Vec<String>, Error> {
        blocking!(self.runtime, self.complete_async(text))
    }

    /// [`complete`](Self::complete) for async hosts.
    pub async fn complete_async(&mut self, text: &str) -> Result<Vec<String>, Error> {
        self.check_running()?;
        self.begin();
        let result = self
            .instance
            .capy_sandbox_runner()
            .call_complete(&mut self.store, text)
            .await;
        self.end();
        match result {
            Ok(found) => Ok(found),
            Err(trap) => {
                let error = self.classify_trap(trap);
                Err(Error::Run(error))
            }
        }
    }

    /// A remote control for this sandbox, usable from other threads:
    /// interrupt a run, revoke a grant or a host function.
    pub fn handle(&self) -> SandboxHandle {
        SandboxHandle {
            controls: self.controls.clone(),
        }
    }

    /// Whether an earlier run stopped this sandbox for good (a crash, a
    /// trapping limit, [`terminate`](SandboxHandle::terminate)); every later
    /// call then fails with [`Error::Stopped`]. A CPU or wall-clock limit
    /// that the script unwound from does not stop it.
    pub fn is_stopped(&self) -> bool {
        self.stopped.is_some()
    }

    fn check_running(&self) -> Result<(), Error> {
        match &self.stopped {
            Some(reason) => Err(Error::Stopped(reason.clone())),
            None => Ok(()),
        }
    }

    /// A run begins: fresh budgets, counters and no stale interrupt.
    fn begin(&mut self) {
        self.controls.clear_interrupt();
        let state = self.store.data_mut();
        state.clock.start();
        state.usage = Usage::default();
        if self.time_limits {
            self.store.set_epoch_deadline(1);
        }
    }

    /// A run ended: stop the clocks and say what it cost.
    fn end(&mut self) -> Usage {
        if self.time_limits {
            self.store.set_epoch_deadline(u64::MAX / 2);
        }
        let state = self.store.data_mut();
        let (cpu, wall) = state.clock.stop();
        Usage {
            cpu,
            wall,
            memory: state.memory.size(),
            ..state.usage
        }
    }

    async fn run_source(
        &mut self,
        source: &str,
        filename: &str,
        mode: Mode,
    ) -> Result<Outcome, Error> {
        self.check_running()?;
        self.begin();
        let result = self
            .instance
            .capy_sandbox_runner()
            .call_run(&mut self.store, source, filename, mode)
            .await;
        let usage = self.end();
        let error = match result {
            Ok(Ok(())) => self.time_limit(),
            Ok(Err(exception)) => Some(
                self.time_limit()
                    .unwrap_or(RunError::Exception(python_exception(exception))),
            ),
            Err(trap) => Some(self.classify_trap(trap)),
        };
        let (stdout, stderr) = self.store.data_mut().output.take();
        Ok(Outcome {
            stdout,
            stderr,
            error,
            usage,
        })
    }

    /// Calls the global function `name` of `__main__` with plain-data
    /// arguments (`args` a list, `kwargs` a dict with string keys).
    pub(crate) async fn call_function(
        &mut self,
        name: &str,
        args: &Value,
        kwargs: &Value,
    ) -> Result<(Value, Outcome), Error> {
        let bad_arguments = |message: String| Error::BadArguments {
            function: name.to_owned(),
            message,
        };
        let args = data::to_nodes(args).map_err(bad_arguments)?;
        let kwargs = data::to_nodes(kwargs).map_err(bad_arguments)?;
        self.check_running()?;
        self.begin();
        let result = self
            .instance
            .capy_sandbox_runner()
            .call_call(&mut self.store, name, &args, &kwargs)
            .await;
        let usage = self.end();
        let (stdout, stderr) = self.store.data_mut().output.take();
        let outcome = |error| Outcome {
            stdout,
            stderr,
            error,
            usage,
        };
        let value = match result {
            Ok(Ok(nodes)) => match self.time_limit() {
                Some(limit) => return Ok((Value::None, outcome(Some(limit)))),
                None => data::from_nodes(nodes).map_err(|message| Error::BadResult {
                    function: name.to_owned(),
                    message,
                })?,
            },
            Ok(Err(runner::CallError::NoSuchFunction)) => {
                return Err(Error::NoSuchFunction(name.to_owned()));
            }
            Ok(Err(runner::CallError::BadArguments(message))) => {
                return Err(bad_arguments(message));
            }
            Ok(Err(runner::CallError::BadResult(message))) => {
                return Err(Error::BadResult {
                    function: name.to_owned(),
                    message,
                });
            }
            Ok(Err(runner::CallError::Exception(exception))) => {
                let error = self
                    .time_limit()
                    .unwrap_or(RunError::Exception(python_exception(exception)));
                return Ok((Value::None, outcome(Some(error))));
            }
            Err(trap) => {
                let error = self.classify_trap(trap);
                return Ok((Value::None, outcome(Some(error))));
            }
        };
        Ok((value, outcome(None)))
    }

    /// The time limit this run was stopped by, if the script was told its
    /// time was spent (whatever it did then, the run counts as stopped).
    fn time_limit(&self) -> Option<RunError> {
        let limit = self.store.data().clock.signalled()?;
        Some(RunError::LimitExceeded(limit.clone()))
    }

    /// Turns a trap into the run's error; the sandbox cannot run again.
    fn classify_trap(&mut self, trap: wasmtime::Error) -> RunError {
        let error = if let Some(LimitTrap(limit)) = trap.downcast_ref::<LimitTrap>() {
            RunError::LimitExceeded(limit.clone())
        } else if trap.downcast_ref::<Terminated>().is_some() {
            RunError::Terminated
        } else {
            let guest_message =
                String::from_utf8_lossy(&self.guest_diagnostics.contents()).into_owned();
            tracing::debug!("guest trapped: {trap:?}");
            let trap = match trap.downcast_ref::<wasmtime::Trap>() {
                Some(code) => code.to_string(),
                None => format!("{trap:#}"),
            };
            RunError::Crashed(GuestCrash {
                trap,
                guest_message,
            })
        };
        self.stopped = Some(error.to_string());
        error
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Tokio refuses to drop a runtime (which may block) on an async
        // executor's thread.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn python_exception(exception: runner::PythonError) -> PythonException {
    PythonException {
        type_name: exception.type_name,
        message: exception.message,
        traceback: exception.traceback,
    }
}

/// Per-sandbox host state, reachable from every host call of its instance.
pub(crate) struct State {
    wasi: WasiCtx,
    /// Host objects behind the guest's resource handles.
    pub(crate) table: ResourceTable,
    pub(crate) output: OutputCapture,
    pub(crate) fs: FsState,
    pub(crate) audit: Option<AuditLog>,
    pub(crate) functions: HostFunctions,
    pub(crate) controls: Arc<Controls>,
    /// Counters of the current run.
    pub(crate) usage: Usage,
    /// The current run's CPU and wall-clock budgets.
    pub(crate) clock: RunClock,
    memory: MemoryLimiter,
    /// What `capy:sandbox/library` answers.
    pub(crate) library: LibrarySettings,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl bindings::capy::sandbox::output::Host for State {
    fn write(&mut self, channel: Channel, data: Vec<u8>) -> wasmtime::Result<()> {
        let stream = match channel {
            Channel::Stdout => Stream::Stdout,
            Channel::Stderr => Stream::Stderr,
        };
        let started = std::time::Instant::now();
        let written = self.output.write(stream, &data);
        self.clock.add_host_time(started.elapsed());
        written?;
        Ok(())
    }
}

impl control::Host for State {
    fn poll(&mut self) -> wasmtime::Result<Option<control::Interrupt>> {
        if self.controls.take_interrupt() {
            return Ok(Some(control::Interrupt::Keyboard));
        }
        if self.clock.signal() {
            return Ok(Some(control::Interrupt::TimeLimit));
        }
        Ok(None)
    }
}
