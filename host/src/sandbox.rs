//! [`Sandbox`]: one isolated interpreter, and what a run of it produced.

use std::path::PathBuf;

use capy_policy::{Access, DirGrant, GrantPolicy, Limits, Policy};
use capy_proxies::fs::{DirCap, Grant, Quotas, ambient_authority};
use wasmtime::Store;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::audit::{AuditLog, AuditSink};
use crate::bindings::{self, capy::sandbox::output::Channel};
use crate::budget::{MemoryLimiter, RunClock};
use crate::engine::{Engine, MAX_WASM_STACK};
use crate::error::{Error, GrantError, GuestCrash, LimitTrap, PythonException, RunError};
use crate::fs::FsState;
use crate::output::{OutputCapture, Stream, StreamFn};

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
}

impl SandboxBuilder {
    pub(crate) fn new(engine: Engine) -> Self {
        SandboxBuilder {
            engine,
            limits: Limits::default(),
            stream: None,
            grants: Vec::new(),
            audit: None,
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

    /// Applies a whole policy: its limits and its grants (added to any
    /// already given).
    pub fn policy(mut self, policy: &Policy) -> Self {
        self.limits = policy.limits.clone();
        for grant in &policy.grants {
            self = self.grant(grant.clone());
        }
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
    /// global or its directory cannot be opened.
    pub fn build(self) -> Result<Sandbox, Error> {
        let grants = open_grants(&self.grants)?;
        let guest_diagnostics = MemoryOutputPipe::new(GUEST_DIAGNOSTICS_BYTES);
        let state = State {
            wasi: wasi_ctx(&guest_diagnostics),
            table: ResourceTable::new(),
            output: OutputCapture::new(self.limits.max_output, self.stream),
            fs: FsState::new(
                grants,
                self.audit.map(AuditLog::new),
                self.limits.open_files,
            ),
            clock: RunClock::new(self.limits.cpu, self.limits.wall),
            memory: MemoryLimiter::new(self.limits.memory),
        };
        let mut store = Store::new(self.engine.wasmtime(), state);
        store.limiter(|state| &mut state.memory);
        // Between runs nothing executes; during a run, every epoch tick
        // checks the run's CPU and wall-clock budgets.
        if self.engine.time_limits() {
            store.set_epoch_deadline(u64::MAX / 2);
            store.epoch_deadline_callback(|store| {
                store.data().clock.check()?;
                Ok(wasmtime::UpdateDeadline::Continue(1))
            });
        }
        let instance = self
            .engine
            .pre()
            .instantiate(&mut store)
            .map_err(Error::Instantiate)?;
        Ok(Sandbox {
            time_limits: self.engine.time_limits(),
            store,
            instance,
            guest_diagnostics,
            stopped: None,
        })
    }
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
/// `capy:sandbox/output`) are kept only for crash diagnostics.
fn wasi_ctx(guest_diagnostics: &MemoryOutputPipe) -> WasiCtx {
    let mut builder = WasiCtxBuilder::new();
    builder
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .stdout(guest_diagnostics.clone())
        .stderr(guest_diagnostics.clone());
    builder.build()
}

/// One isolated Python interpreter in its own wasm instance.
///
/// Globals persist between [`run`](Sandbox::run) calls, as at a REPL. If a
/// run crashes the guest or hits a limit, the interpreter may be left
/// mid-operation, so the sandbox refuses further runs
/// ([`Error::Stopped`]); other sandboxes of the same engine are unaffected.
pub struct Sandbox {
    time_limits: bool,
    store: Store<State>,
    instance: bindings::Sandbox,
    guest_diagnostics: MemoryOutputPipe,
    stopped: Option<String>,
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

impl Sandbox {
    /// Runs `source` as the module `__main__` (file name `<script>` in
    /// tracebacks).
    pub fn run(&mut self, source: &str) -> Result<Outcome, Error> {
        self.run_named(source, DEFAULT_FILENAME)
    }

    /// Runs `source` as `__main__`, naming it `filename` in tracebacks and
    /// syntax errors.
    pub fn run_named(&mut self, source: &str, filename: &str) -> Result<Outcome, Error> {
        if let Some(reason) = &self.stopped {
            return Err(Error::Stopped(reason.clone()));
        }
        let (instance, store) = (&self.instance, &mut self.store);
        store.data_mut().clock.start();
        if self.time_limits {
            store.set_epoch_deadline(1);
        }
        let result = on_guest_thread(|| {
            instance
                .capy_sandbox_runner()
                .call_run(&mut *store, source, filename)
        });
        store.data_mut().clock.stop();
        if self.time_limits {
            store.set_epoch_deadline(u64::MAX / 2);
        }
        let result = result.map_err(Error::GuestThread)?;
        let error = match result {
            Ok(Ok(())) => None,
            Ok(Err(exception)) => Some(RunError::Exception(PythonException {
                type_name: exception.type_name,
                message: exception.message,
                traceback: exception.traceback,
            })),
            Err(trap) => {
                let error = self.classify_trap(trap);
                self.stopped = Some(error.to_string());
                Some(error)
            }
        };
        let (stdout, stderr) = self.store.data_mut().output.take();
        Ok(Outcome {
            stdout,
            stderr,
            error,
        })
    }

    fn classify_trap(&self, trap: wasmtime::Error) -> RunError {
        if let Some(LimitTrap(limit)) = trap.downcast_ref::<LimitTrap>() {
            return RunError::LimitExceeded(limit.clone());
        }
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
    }
}

/// Stack of the thread guest code runs on: wasmtime's stack budget for the
/// guest plus room for the host frames beneath it.
const GUEST_THREAD_STACK: usize = MAX_WASM_STACK + (2 << 20);

/// Runs `call` on a fresh thread with a known, large stack.
///
/// wasmtime executes guest code on the calling thread's stack. The caller
/// may be an application thread with a small stack (Rust's spawned threads
/// get 2 MiB), too small for the guest's allowance, and a native stack
/// overflow would abort the whole process. A scoped thread costs tens of
/// microseconds per run and makes the guest's stack independent of the
/// caller's.
/// Fails only if the OS cannot make a thread (then nothing ran).
fn on_guest_thread<R: Send>(call: impl FnOnce() -> R + Send) -> std::io::Result<R> {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("capy-guest".to_owned())
            .stack_size(GUEST_THREAD_STACK)
            .spawn_scoped(scope, call)?;
        match worker.join() {
            Ok(result) => Ok(result),
            // A panic in capy's own host code: re-raise it where it belongs.
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Per-sandbox host state, reachable from every host call of its instance.
pub(crate) struct State {
    wasi: WasiCtx,
    /// Host objects behind the guest's resource handles.
    pub(crate) table: ResourceTable,
    output: OutputCapture,
    pub(crate) fs: FsState,
    /// The current run's CPU and wall-clock budgets.
    pub(crate) clock: RunClock,
    memory: MemoryLimiter,
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
