//! capy's policy model: what a sandbox may touch and how much it may use.
//!
//! A policy is plain configuration, the first link of capy's
//! policy → [`Engine`](../capy/struct.Engine.html) → sandbox chain: it holds
//! no handles and opens nothing. The host library turns it into a running
//! sandbox.

#![warn(missing_docs)]

mod determinism;
mod grant;
mod hide;
mod limits;
mod modules;
mod overrides;
mod policy;
mod units;

pub use determinism::{Determinism, ParseClockError, format_clock, parse_clock};
pub use grant::{
    Access, DirGrant, GrantError, validate_function_names, validate_name, validate_names,
};
pub use hide::{HideError, HidePredicate, compile_hide};
pub use limits::{Limit, Limits};
pub use modules::{AVAILABLE_MODULES, DEFAULT_MODULES, ModuleError, validate_module_names};
pub use overrides::Overrides;
pub use policy::{GrantPolicy, Policy, PolicyError};
pub use units::{ParseUnitError, format_duration, format_size, parse_duration, parse_size};
