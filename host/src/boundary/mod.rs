//! The host's half of the boundary: every call a guest can make into the
//! host, one file per interface of the contract (`contract/wit/capy.wit`).
//!
//! A guest request is untrusted input. Each interface is linked through its
//! own narrow view of the sandbox's [`State`] (as `wasmtime-wasi` links
//! each WASI interface through its own view), so what an interface can
//! touch is written in its view's fields:
//!
//! | interface | file | sees |
//! |---|---|---|
//! | `capy:sandbox/output` | [`output`] | output capture, clock |
//! | `capy:sandbox/fs` | [`fs`] | handle table, grants, audit, usage, clock, revocations |
//! | `capy:sandbox/host` | [`host`] | host functions, audit, usage, clock, revocations |
//! | `capy:sandbox/control` | [`control`] | interrupts, clock |
//! | `capy:sandbox/settings` | [`settings`] | the sandbox's module grants and seed |
//! | `capy:sandbox/data` | [`data`] | nothing (types only) |
//!
//! WASI itself is linked with a context that grants nothing (`crate::wasi`).

pub(crate) mod control;
pub(crate) mod data;
pub(crate) mod fs;
pub(crate) mod host;
pub(crate) mod output;
pub(crate) mod settings;

use std::sync::Arc;

use wasmtime::component::{Linker, ResourceTable};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::audit::AuditLog;
use crate::bindings::capy::sandbox as wit;
use crate::budget::{MemoryLimiter, RunClock};
use crate::handle::Controls;
use crate::hostfn::HostFunctions;
use crate::output::OutputCapture;
use crate::usage::Usage;

/// Per-sandbox host state: the store's data, reachable from every host
/// call of its instance, each interface through its own view.
pub(crate) struct State {
    pub(crate) wasi: WasiCtx,
    /// Host objects behind the guest's resource handles (`dir`, `file`).
    pub(crate) table: ResourceTable,
    pub(crate) output: OutputCapture,
    pub(crate) fs: fs::FsState,
    pub(crate) audit: Option<AuditLog>,
    pub(crate) functions: HostFunctions,
    pub(crate) controls: Arc<Controls>,
    /// Counters of the current run.
    pub(crate) usage: Usage,
    /// The current run's CPU and wall-clock budgets.
    pub(crate) clock: RunClock,
    pub(crate) memory: MemoryLimiter,
    /// What `capy:sandbox/settings` answers.
    pub(crate) settings: settings::GuestSettings,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// What a guest may import: WASI with nothing granted (no preopens, no
/// environment, no arguments, no sockets; see `crate::wasi`), and capy's own
/// interfaces, each through its view.
pub(crate) fn linker(engine: &wasmtime::Engine) -> wasmtime::Result<Linker<State>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wit::output::add_to_linker::<State, output::Output>(&mut linker, |state| output::OutputView {
        output: &mut state.output,
        clock: &mut state.clock,
    })?;
    wit::fs::add_to_linker::<State, fs::Fs>(&mut linker, |state| fs::FsView {
        table: &mut state.table,
        fs: &mut state.fs,
        audit: &mut state.audit,
        usage: &mut state.usage,
        clock: &mut state.clock,
        controls: &state.controls,
    })?;
    wit::data::add_to_linker::<State, data::Data>(&mut linker, |_| data::DataView)?;
    wit::host::add_to_linker::<State, host::Host>(&mut linker, |state| host::HostView {
        functions: &state.functions,
        audit: &mut state.audit,
        usage: &mut state.usage,
        clock: &mut state.clock,
        controls: &state.controls,
    })?;
    wit::control::add_to_linker::<State, control::Control>(&mut linker, |state| {
        control::ControlView {
            controls: &state.controls,
            clock: &mut state.clock,
        }
    })?;
    wit::settings::add_to_linker::<State, settings::Settings>(&mut linker, |state| {
        settings::SettingsView(&state.settings)
    })?;
    Ok(linker)
}
