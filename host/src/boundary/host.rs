//! `capy:sandbox/host`: the embedding application's host functions, called
//! by name with plain data. The privsep rule holds here: the guest sends
//! only a name and data, and the host decides what the call may do.

use wasmtime::component::HasData;

use crate::audit::{AuditLog, AuditRecord};
use crate::bindings::capy::sandbox::data::Node;
use crate::bindings::capy::sandbox::host as wit;
use crate::boundary::data;
use crate::budget::RunClock;
use crate::error::Terminated;
use crate::handle::Controls;
use crate::hostfn::{HostError, HostErrorKind, HostFn, HostFunctions};
use crate::usage::Usage;
use crate::watch::{Watched, watched};

/// What `capy:sandbox/host` sees of a sandbox's state.
pub(crate) struct HostView<'a> {
    pub(crate) functions: &'a HostFunctions,
    pub(crate) audit: &'a mut Option<AuditLog>,
    pub(crate) usage: &'a mut Usage,
    pub(crate) clock: &'a mut RunClock,
    pub(crate) controls: &'a Controls,
}

/// Links `capy:sandbox/host` through [`HostView`].
pub(crate) struct Host;

impl HasData for Host {
    type Data<'a> = HostView<'a>;
}

fn to_wit_error(error: HostError) -> wit::HostError {
    let kind = match error.kind {
        HostErrorKind::Value => wit::ErrorKind::ValueError,
        HostErrorKind::Type => wit::ErrorKind::TypeError,
        HostErrorKind::Key => wit::ErrorKind::KeyError,
        HostErrorKind::Lookup => wit::ErrorKind::LookupError,
        HostErrorKind::Permission => wit::ErrorKind::PermissionError,
        HostErrorKind::Runtime => wit::ErrorKind::RuntimeError,
    };
    wit::HostError {
        kind,
        message: error.message,
    }
}

impl wit::Host for HostView<'_> {
    fn names(&mut self) -> wasmtime::Result<Vec<String>> {
        Ok(self.functions.keys().cloned().collect())
    }

    async fn call(
        &mut self,
        name: String,
        args: Vec<Node>,
    ) -> wasmtime::Result<Result<Vec<Node>, wit::HostError>> {
        self.usage.host_function_calls += 1;
        let started = std::time::Instant::now();
        let outcome = self.call_host_function(&name, args).await;
        self.clock.add_host_time(started.elapsed());
        // A call that returns after the run's time is spent (a slow sync
        // function, an abandoned async one): the script is told now and
        // gets its whole grace to unwind from then.
        self.clock.signal();
        let outcome = outcome?;
        if let Some(log) = &mut self.audit {
            log.record(AuditRecord {
                function: Some(&name),
                op: "call",
                outcome: match &outcome {
                    Ok(_) => "ok",
                    Err(_) => "error",
                },
                ..AuditRecord::default()
            })?;
        }
        Ok(outcome.map_err(to_wit_error))
    }
}

impl HostView<'_> {
    /// Calls the host function `name`. The outer error ends the run
    /// (`terminate()` during an async call); the inner one is raised in
    /// the script.
    async fn call_host_function(
        &mut self,
        name: &str,
        args: Vec<Node>,
    ) -> wasmtime::Result<Result<Vec<Node>, HostError>> {
        if self.controls.is_function_revoked(name) {
            return Ok(Err(HostError::permission(format!(
                "host function {name}() was revoked"
            ))));
        }
        let Some(function) = self.functions.get(name).cloned() else {
            return Ok(Err(HostError::permission(format!(
                "no host function {name}() was granted"
            ))));
        };
        let args = match data::from_nodes(args) {
            Ok(args) => args,
            Err(e) => return Ok(Err(HostError::value(e))),
        };
        // A host function that panics is the embedder's bug, but it must not
        // unwind out of `run()` and leave the sandbox half-entered (issue 23
        // item 10): the panic is caught and the script gets a RuntimeError,
        // as from a host function that failed. The sandbox stays usable.
        let panicked = |payload: Box<dyn std::any::Any + Send>| {
            let what = panic_message(&*payload);
            tracing::error!("host function {name}() panicked: {what}");
            HostError::runtime(format!("host function {name}() panicked"))
        };
        let result = match function {
            // A sync function runs to its end on this thread: nothing can
            // pre-empt it (see `SandboxBuilder::function`).
            HostFn::Sync(f) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(args)))
                .unwrap_or_else(|payload| Err(panicked(payload))),
            HostFn::Async(f) => {
                let deadline = self.clock.wall_deadline();
                match watched(CatchUnwind(f(args)), deadline, self.controls).await {
                    Watched::Finished(result) => {
                        result.unwrap_or_else(|payload| Err(panicked(payload)))
                    }
                    Watched::Terminated => return Err(Terminated.into()),
                    Watched::PastDeadline => {
                        tracing::debug!("host function {name}() abandoned at the wall limit");
                        Err(HostError::runtime(format!(
                            "host function {name}() was abandoned: the run's wall-clock limit passed"
                        )))
                    }
                }
            }
        };
        Ok(result.and_then(|result| {
            data::to_nodes(&result).map_err(|e| HostError::runtime(format!("{name}(): {e}")))
        }))
    }
}

/// The text of a panic's payload, if it has one.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// A future whose panics while polled come out as `Err(payload)`.
struct CatchUnwind<F>(F);

impl<F: std::future::Future + Unpin> std::future::Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn std::any::Any + Send>>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = std::pin::Pin::new(&mut self.0);
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(std::task::Poll::Ready(output)) => std::task::Poll::Ready(Ok(output)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(payload) => std::task::Poll::Ready(Err(payload)),
        }
    }
}
