//! Interrupts from the host between instructions (`capy:sandbox/control`).
//!
//! The interpreter polls the host every [`POLL_INTERVAL`] instructions
//! (a hook in the vendored `rustpython-vm`; see `vendor/README.md`). A
//! pending interrupt is raised in the running frame: `KeyboardInterrupt`
//! when the host application asks (Ctrl-C at the REPL), `LimitExceeded`
//! (a `BaseException`, so `except Exception` does not swallow it) when the
//! run's time is spent. Unwinding this way keeps the interpreter intact for
//! the next run, where a wasm trap would not.

use std::cell::OnceCell;

use rustpython_vm::{PyResult, VirtualMachine, builtins::PyTypeRef};

use crate::capy::sandbox::control::{Interrupt, poll};

/// Instructions between two polls: a poll costs one host call (well under a
/// microsecond), so this keeps the overhead negligible while the host
/// waits at most a fraction of a millisecond.
const POLL_INTERVAL: u32 = 16 * 1024;

thread_local! {
    static LIMIT_EXCEEDED: OnceCell<PyTypeRef> = const { OnceCell::new() };
}

/// Creates `LimitExceeded` (before `lockdown`). Polling starts later, with
/// [`start_polling`]: this runs in the build-time snapshot, where there is
/// no host to poll.
pub fn init(vm: &VirtualMachine) {
    let class = vm.ctx.new_exception_type(
        "builtins",
        "LimitExceeded",
        Some(vec![vm.ctx.exceptions.base_exception_type.to_owned()]),
    );
    LIMIT_EXCEEDED.with(|cell| {
        let _ = cell.set(class);
    });
}

/// Installs the poll hook, so the host can interrupt running code.
pub fn start_polling() {
    rustpython_vm::signal::set_poll_hook(on_poll, POLL_INTERVAL);
}

fn on_poll(vm: &VirtualMachine) -> PyResult<()> {
    match poll() {
        None => Ok(()),
        Some(Interrupt::Keyboard) => {
            Err(vm.new_exception(vm.ctx.exceptions.keyboard_interrupt.to_owned(), vec![]))
        }
        Some(Interrupt::TimeLimit) => {
            let class = LIMIT_EXCEEDED.with(|cell| cell.get().cloned());
            let class = class.unwrap_or_else(|| vm.ctx.exceptions.base_exception_type.to_owned());
            Err(vm.new_exception_msg(class, "the run's time limit is spent".into()))
        }
    }
}
