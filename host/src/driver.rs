//! The blocking API's driver: every guest call is async (see `bindings.rs`),
//! and the blocking methods poll those futures on a small Tokio runtime of
//! the sandbox's own, moving to a helper thread when the caller is already
//! inside an async runtime (Tokio forbids nested `block_on`).

use std::future::Future;

use crate::error::Error;

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
            None => $crate::driver::sync_runtime()?,
        };
        let result = $crate::driver::block_on(&runtime, $future);
        $slot = Some(runtime);
        result?
    }};
}
pub(crate) use blocking;
