//! capy's policy model: what a sandbox may touch and how much it may use.
//!
//! A policy is plain configuration, the first link of capy's
//! policy → [`Engine`](../capy/struct.Engine.html) → sandbox chain: it holds
//! no handles and opens nothing. The host library turns it into a running
//! sandbox.

#![warn(missing_docs)]

mod grant;
mod hide;
mod library;
mod limits;
mod policy;
mod units;

pub use grant::{
    Access, DirGrant, GrantError, validate_function_names, validate_name, validate_names,
};
pub use hide::{HideError, HidePredicate, compile_hide};
pub use library::{
    AVAILABLE_MODULES, DEFAULT_MODULES, Determinism, ModuleError, ParseClockError, format_clock,
    parse_clock, validate_module_names,
};
pub use limits::{Limit, Limits};
pub use policy::{GrantPolicy, Policy, PolicyError};
pub use units::{ParseUnitError, format_duration, format_size, parse_duration, parse_size};
