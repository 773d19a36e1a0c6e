//! [`Sandbox`]: one isolated interpreter, and what a run of it produced.
//! [`SandboxBuilder`] (in `sandbox/builder.rs`) configures one.

mod builder;

use std::sync::Arc;

use wasmtime::Store;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

pub use builder::SandboxBuilder;

use crate::Value;
use crate::bindings;
use crate::bindings::exports::capy::sandbox::runner::{self, Mode};
use crate::boundary::{State, data};
use crate::driver::blocking;
use crate::error::{Error, GuestCrash, LimitTrap, PythonException, RunError, Terminated};
use crate::handle::{Controls, SandboxHandle};
use crate::plugin::Plugin;
use crate::usage::Usage;

/// The file name tracebacks show when a run does not give one.
const DEFAULT_FILENAME: &str = "<script>";

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
    /// Between [`begin`](Self::begin) and [`end`](Self::end): still set at
    /// the next call only if an `_async` call's future was dropped mid-way,
    /// leaving the guest mid-call (issue 23 item 10).
    in_call: bool,
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

    /// [`run`](Self::run) for async hosts. Dropping the future before it
    /// finishes abandons the guest mid-call: the sandbox is then stopped
    /// ([`Error::Stopped`]), as for any `_async` call.
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
        self.stopped.is_some() || self.in_call || self.controls.terminate_requested()
    }

    /// Fails with [`Error::Stopped`] if the sandbox cannot run. A
    /// `terminate` that no run consumed (issued between runs, or during a
    /// run that ended before the next epoch tick) stops the sandbox here:
    /// a terminate means the sandbox is finished, not "kill some later run".
    fn check_running(&mut self) -> Result<(), Error> {
        if self.stopped.is_none() && self.in_call {
            // The guest was left inside a call (its wasm stack abandoned):
            // entering it again would fail as a crash, so it is stopped.
            self.stopped = Some("an earlier call's future was dropped before it finished".into());
        }
        if self.stopped.is_none() && self.controls.terminate_requested() {
            self.stopped = Some(RunError::Terminated.to_string());
        }
        match &self.stopped {
            Some(reason) => Err(Error::Stopped(reason.clone())),
            None => Ok(()),
        }
    }

    /// A run begins: fresh budgets, counters and no stale interrupt.
    fn begin(&mut self) {
        self.in_call = true;
        self.controls.clear_interrupt();
        let state = self.store.data_mut();
        state.clock.start();
        state.output.start_run();
        state.usage = Usage::default();
        if self.time_limits {
            self.store.set_epoch_deadline(1);
        }
    }

    /// A run ended: stop the clocks and say what it cost.
    fn end(&mut self) -> Usage {
        self.in_call = false;
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
                    .unwrap_or_else(|| self.script_raised(exception)),
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
                    .unwrap_or_else(|| self.script_raised(exception));
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

    /// The run's error for an exception the script raised, its text
    /// bounded by what is left of the output limit (the host prints it on
    /// the script's behalf).
    fn script_raised(&mut self, exception: runner::PythonError) -> RunError {
        let exception = python_exception(exception);
        RunError::Exception(self.store.data_mut().output.bound_exception(exception))
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
