//! `capy:sandbox/control`: the guest's poll, every 16384 bytecode
//! instructions, for an interrupt to raise in the running frame (Ctrl-C,
//! `SandboxHandle::interrupt`, a spent CPU or wall-clock budget).

use wasmtime::component::HasData;

use crate::bindings::capy::sandbox::control as wit;
use crate::budget::RunClock;
use crate::handle::Controls;

/// What `capy:sandbox/control` sees of a sandbox's state.
pub(crate) struct ControlView<'a> {
    pub(crate) controls: &'a Controls,
    pub(crate) clock: &'a mut RunClock,
}

/// Links `capy:sandbox/control` through [`ControlView`].
pub(crate) struct Control;

impl HasData for Control {
    type Data<'a> = ControlView<'a>;
}

impl wit::Host for ControlView<'_> {
    fn poll(&mut self) -> wasmtime::Result<Option<wit::Interrupt>> {
        if self.controls.take_interrupt() {
            return Ok(Some(wit::Interrupt::Keyboard));
        }
        if self.clock.signal() {
            return Ok(Some(wit::Interrupt::TimeLimit));
        }
        Ok(None)
    }
}
