//! [`SandboxHandle`]: reaching a sandbox from other threads while it runs.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Waker;

/// A cheap, cloneable remote control for one [`Sandbox`](crate::Sandbox):
/// interrupt what it is running, or take back a grant or a host function.
/// It can be used from any thread, also while the sandbox runs.
///
/// ```
/// # fn main() -> Result<(), capy::Error> {
/// let engine = capy::Engine::new()?;
/// let mut sandbox = engine.sandbox().dir("data", ".", capy::Access::ReadOnly).build()?;
/// let handle = sandbox.handle();
/// std::thread::spawn(move || {
///     std::thread::sleep(std::time::Duration::from_millis(100));
///     handle.interrupt();
/// });
/// let outcome = sandbox.run("while True: pass")?;
/// let raised = |outcome: &capy::Outcome| match &outcome.error {
///     Some(capy::RunError::Exception(exception)) => exception.type_name.clone(),
///     other => format!("{other:?}"),
/// };
/// assert_eq!(raised(&outcome), "KeyboardInterrupt");
/// sandbox.handle().revoke_grant("data");
/// let outcome = sandbox.run("(data / 'Cargo.toml').read_text()")?;
/// assert_eq!(raised(&outcome), "PermissionError");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct SandboxHandle {
    pub(crate) controls: Arc<Controls>,
}

impl SandboxHandle {
    /// Raises `KeyboardInterrupt` in the running script at its next
    /// bytecode instruction (within a fraction of a millisecond). The
    /// sandbox stays usable. A script that catches it, or a single native
    /// operation that runs long without executing bytecode, is not
    /// stopped by this; see [`terminate`](Self::terminate).
    pub fn interrupt(&self) {
        self.controls.interrupt.store(true, Ordering::Relaxed);
    }

    /// Ends the current run by force (a trap within one epoch tick, 10 ms)
    /// and finishes the sandbox: it cannot run again afterwards, also when
    /// this is issued between runs or the run ended first
    /// ([`Sandbox::is_stopped`](crate::Sandbox::is_stopped) is true at
    /// once). Its engine is unaffected.
    pub fn terminate(&self) {
        self.controls.request_terminate();
    }

    /// Takes back the directory grant `name`: from now on every call
    /// through it, or through a path or file derived from it, fails with
    /// `PermissionError`. Revoking cannot be undone.
    pub fn revoke_grant(&self, name: &str) {
        self.controls.revoke(&self.controls.revoked_grants, name);
    }

    /// Takes back the host function `name`: later calls raise
    /// `PermissionError` in the script. Revoking cannot be undone.
    pub fn revoke_function(&self, name: &str) {
        self.controls.revoke(&self.controls.revoked_functions, name);
    }
}

/// The shared state behind [`SandboxHandle`]s, read by the sandbox's host
/// calls.
#[derive(Debug, Default)]
pub(crate) struct Controls {
    interrupt: AtomicBool,
    terminate: AtomicBool,
    /// Whether anything was ever revoked, so the common case costs one
    /// atomic load per capability call instead of a lock.
    any_revoked: AtomicBool,
    revoked_grants: Mutex<HashSet<String>>,
    revoked_functions: Mutex<HashSet<String>>,
    /// Who to wake when `terminate` is asked while an async host function
    /// is pending.
    host_call_waker: Mutex<Option<Waker>>,
}

impl Controls {
    fn revoke(&self, set: &Mutex<HashSet<String>>, name: &str) {
        set.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.to_owned());
        self.any_revoked.store(true, Ordering::Release);
    }

    fn is_in(&self, set: &Mutex<HashSet<String>>, name: &str) -> bool {
        self.any_revoked.load(Ordering::Acquire)
            && set
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(name)
    }

    /// Whether the grant `name` was revoked.
    pub fn is_grant_revoked(&self, name: &str) -> bool {
        self.is_in(&self.revoked_grants, name)
    }

    /// Whether the host function `name` was revoked.
    pub fn is_function_revoked(&self, name: &str) -> bool {
        self.is_in(&self.revoked_functions, name)
    }

    /// Takes a pending interrupt request, if any.
    pub fn take_interrupt(&self) -> bool {
        self.interrupt.swap(false, Ordering::Relaxed)
    }

    /// Forgets an interrupt requested while nothing ran.
    pub fn clear_interrupt(&self) {
        self.interrupt.store(false, Ordering::Relaxed);
    }

    /// Whether the host asked to end the run by force.
    pub fn terminate_requested(&self) -> bool {
        self.terminate.load(Ordering::Relaxed)
    }

    /// Asks to end the run by force (see [`SandboxHandle::terminate`]).
    fn request_terminate(&self) {
        self.terminate.store(true, Ordering::SeqCst);
        // A run waiting on an async host function is not executing guest
        // code, so no epoch tick can end it: wake the wait instead.
        let waker = self
            .host_call_waker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Asks `terminate` to wake `waker`, and says whether it was asked
    /// already. Registering before reading the flag means a terminate can
    /// never fall between the two unseen.
    pub fn wake_on_terminate(&self, waker: &Waker) -> bool {
        *self
            .host_call_waker
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(waker.clone());
        self.terminate.load(Ordering::SeqCst)
    }
}
