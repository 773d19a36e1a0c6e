//! capy's capability contract: the WIT world in `wit/capy.wit` is the whole
//! boundary between the sandboxed guest and the host.
//!
//! The host library generates its bindings from [`WIT_DIR`]; the guest
//! generates its side from the same files, so the two cannot drift apart.

#![warn(missing_docs)]

/// The directory holding the capability contract's WIT files.
pub const WIT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/wit");

pub mod fs;
/// Plain data crossing the boundary (Python literals), to and from Rust types via serde.
pub mod value;
