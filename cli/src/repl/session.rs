//! One REPL session: the sandbox every input runs in, started again with
//! the same policy if a failure stops it, and the Ctrl-C handling that
//! reaches whichever sandbox is current.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context as _;

use crate::exit;

/// How one input went. Tracebacks and messages about the session going on
/// are already printed; a stopped sandbox is the caller's to report.
#[derive(Debug)]
pub enum Ran {
    /// It ran to the end.
    Ok,
    /// It raised (traceback printed).
    Raised,
    /// It hit the CPU or wall-clock limit and unwound; the session goes on
    /// (message printed).
    LimitSurvived,
    /// The host could not run it (message printed); the session is intact.
    Failed,
    /// The sandbox stopped and its state is gone: a limit that ends the
    /// run by force, a crash, or Ctrl-C pressed twice.
    Stopped {
        /// The exit code this failure has in `capy run`.
        code: u8,
        /// What happened, e.g. `limit exceeded: memory 256MiB`.
        reason: String,
    },
}

impl Ran {
    /// The exit code `capy run` would give this outcome.
    pub fn code(&self) -> u8 {
        match self {
            Ran::Ok => exit::OK,
            Ran::Raised => exit::SCRIPT_RAISED,
            Ran::LimitSurvived => exit::LIMIT,
            Ran::Failed => exit::SANDBOX_FAILED,
            Ran::Stopped { code, .. } => *code,
        }
    }
}

/// The sandbox of a session, and what it takes to start another like it.
pub struct Session {
    engine: capy::Engine,
    policy: capy::Policy,
    audit: Option<std::fs::File>,
    sandbox: capy::Sandbox,
    ctrl_c: Arc<CtrlC>,
    /// Why the sandbox stopped outside a run (during a completion), to be
    /// reported and repaired before the next input.
    stopped: Option<String>,
}

impl Session {
    /// Starts the first sandbox. A grant that cannot be opened is a usage
    /// error, as for `capy run`.
    pub fn start(
        engine: capy::Engine,
        policy: capy::Policy,
        audit: Option<std::fs::File>,
        ctrl_c: Arc<CtrlC>,
    ) -> anyhow::Result<Session> {
        let sandbox = build(&engine, &policy, audit.as_ref())?;
        Ok(Session {
            engine,
            policy,
            audit,
            sandbox,
            ctrl_c,
            stopped: None,
        })
    }

    /// The policy every sandbox of this session gets.
    pub fn policy(&self) -> &capy::Policy {
        &self.policy
    }

    /// Replaces the sandbox with a fresh one with the same policy.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.sandbox = build(&self.engine, &self.policy, self.audit.as_ref())
            .context("cannot start a fresh sandbox")?;
        self.stopped = None;
        Ok(())
    }

    /// Runs one complete interactive statement, its output streamed to the
    /// terminal as it is written.
    pub fn run(&mut self, source: &str) -> anyhow::Result<Ran> {
        if let Some(reason) = self.stopped.take() {
            eprintln!("capy: the sandbox stopped during a completion ({reason})");
            self.restart()?;
            eprintln!("{RESTARTED}");
        }
        self.ctrl_c.begin(self.sandbox.handle());
        let result = self.sandbox.run_interactive(source);
        let forced = self.ctrl_c.end();
        let _ = std::io::stdout().flush();

        let ran = match result {
            Ok(outcome) => match outcome.error {
                None => Ran::Ok,
                Some(capy::RunError::Exception(exception)) => {
                    let traceback = exception.traceback;
                    if traceback.ends_with('\n') {
                        eprint!("{traceback}");
                    } else {
                        eprintln!("{traceback}");
                    }
                    Ran::Raised
                }
                Some(capy::RunError::LimitExceeded(limit)) => {
                    if !forced && self.is_running() {
                        eprintln!("capy: limit exceeded: {limit} (the session continues)");
                        Ran::LimitSurvived
                    } else {
                        Ran::Stopped {
                            code: exit::LIMIT,
                            reason: format!("limit exceeded: {limit}"),
                        }
                    }
                }
                Some(capy::RunError::Terminated) => Ran::Stopped {
                    code: exit::SANDBOX_FAILED,
                    reason: "the run was ended by force".to_owned(),
                },
                Some(error) => Ran::Stopped {
                    code: exit::SANDBOX_FAILED,
                    reason: error.to_string(),
                },
            },
            Err(capy::Error::Stopped(reason)) => Ran::Stopped {
                code: exit::SANDBOX_FAILED,
                reason,
            },
            Err(error) => {
                eprintln!("capy: {error:#}");
                Ran::Failed
            }
        };
        // A terminate request that came as the run was ending still stops
        // the sandbox's next run: treat the sandbox as stopped now.
        Ok(match ran {
            Ran::Stopped { .. } => ran,
            _ if forced => Ran::Stopped {
                code: exit::SANDBOX_FAILED,
                reason: "the run was ended by force".to_owned(),
            },
            _ => ran,
        })
    }

    /// Completions of a name or dotted path (see [`capy::Sandbox::complete`]);
    /// none if the sandbox cannot answer.
    pub fn complete(&mut self, text: &str) -> Vec<String> {
        if self.stopped.is_some() {
            return Vec::new();
        }
        match self.sandbox.complete(text) {
            Ok(found) => found,
            Err(capy::Error::Stopped(reason)) => {
                self.stopped = Some(reason);
                Vec::new()
            }
            Err(capy::Error::Run(error)) => {
                self.stopped = Some(error.to_string());
                Vec::new()
            }
            Err(error) => {
                tracing::debug!("completion failed: {error}");
                Vec::new()
            }
        }
    }

    /// Whether the sandbox can still run, after a run that hit a limit:
    /// CPU and wall-clock limits normally unwind inside Python and leave it
    /// usable, unless the script ignored the exception and was ended by
    /// force.
    fn is_running(&self) -> bool {
        !self.sandbox.is_stopped()
    }
}

/// The line printed after a fresh sandbox replaced a stopped one.
pub const RESTARTED: &str = "capy: started a fresh session with the same grants and limits; earlier variables and definitions are gone";

/// A sandbox with the session's policy, its output written to the
/// terminal as it comes.
fn build(
    engine: &capy::Engine,
    policy: &capy::Policy,
    audit: Option<&std::fs::File>,
) -> anyhow::Result<capy::Sandbox> {
    let mut builder = engine.sandbox().policy(policy);
    if let Some(file) = audit {
        let file = file.try_clone().context("cannot reopen the audit log")?;
        builder = builder.audit(file);
    }
    builder
        .stream_output(|stream, data| {
            // The script's output is the user's; a closed pipe is not our
            // error. Flushed at once so output appears as it is printed.
            let _ = match stream {
                capy::Stream::Stdout => {
                    let mut out = std::io::stdout().lock();
                    out.write_all(data).and_then(|()| out.flush())
                }
                capy::Stream::Stderr => std::io::stderr().write_all(data),
            };
        })
        .build()
        .map_err(|err| crate::grant_usage(err, policy))
}

/// What Ctrl-C does, shared between the main thread and the signal
/// handler's thread: interrupt the current run, or, pressed again during
/// the same run, end it by force.
#[derive(Debug, Default)]
pub struct CtrlC {
    state: Mutex<CtrlCState>,
}

#[derive(Debug, Default)]
struct CtrlCState {
    /// The handle of the sandbox running an input, while one runs.
    running: Option<capy::SandboxHandle>,
    /// Ctrl-C presses during the current run.
    presses: u32,
    /// The current run was told to end by force.
    terminated: bool,
    /// Ctrl-C was pressed in piped mode: stop after this input.
    quit: bool,
}

impl CtrlC {
    /// Installs the SIGINT handler. `piped`: input is not a terminal, so
    /// Ctrl-C also ends the REPL (exit 130), as it ends a Python script.
    pub fn install(self: &Arc<Self>, piped: bool) -> anyhow::Result<()> {
        let me = Arc::clone(self);
        ctrlc::set_handler(move || me.pressed(piped)).context("cannot install the Ctrl-C handler")
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CtrlCState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn pressed(&self, piped: bool) {
        let mut state = self.lock();
        let Some(handle) = state.running.clone() else {
            if piped {
                // Waiting for input: nothing of the script's to unwind.
                std::process::exit(super::INTERRUPTED.into());
            }
            // At the prompt the terminal is in raw mode and Ctrl-C arrives
            // as a key, not a signal; a stray SIGINT between inputs is
            // ignored.
            return;
        };
        state.quit |= piped;
        state.presses += 1;
        if state.presses == 1 {
            handle.interrupt();
        } else if !state.terminated {
            state.terminated = true;
            handle.terminate();
            eprintln!("\ncapy: Ctrl-C again: ending the run by force");
        }
    }

    /// A run of the sandbox behind `handle` begins.
    fn begin(&self, handle: capy::SandboxHandle) {
        let mut state = self.lock();
        state.running = Some(handle);
        state.presses = 0;
        state.terminated = false;
    }

    /// The run ended; returns whether it was told to end by force.
    fn end(&self) -> bool {
        let mut state = self.lock();
        state.running = None;
        state.terminated
    }

    /// Whether Ctrl-C asked the piped REPL to stop.
    pub fn quit_requested(&self) -> bool {
        self.lock().quit
    }
}
