//! `capy:sandbox/settings`: what the guest asks once, when a sandbox
//! starts: which standard-library modules it may bind, and the seed for
//! `random` in deterministic mode.

use wasmtime::component::HasData;

use crate::bindings::capy::sandbox::settings as wit;

/// A sandbox's answer to `get-settings`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GuestSettings {
    /// The granted modules (already checked against the contract's list).
    pub(crate) modules: Vec<String>,
    /// The seed for `random`, in deterministic mode.
    pub(crate) random_seed: Option<u64>,
}

/// What `capy:sandbox/settings` sees of a sandbox's state.
pub(crate) struct SettingsView<'a>(pub(crate) &'a GuestSettings);

/// Links `capy:sandbox/settings` through [`SettingsView`].
pub(crate) struct Settings;

impl HasData for Settings {
    type Data<'a> = SettingsView<'a>;
}

impl wit::Host for SettingsView<'_> {
    fn get_settings(&mut self) -> wasmtime::Result<wit::Settings> {
        Ok(wit::Settings {
            modules: self.0.modules.clone(),
            random_seed: self.0.random_seed,
        })
    }
}
