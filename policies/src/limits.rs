//! Resource limits: how much of the host a sandbox may use.

use std::fmt;

use crate::units::format_size;

/// The resource limits of one sandbox. Every limit is enforced by the host,
/// never by the script's good will; hitting one ends the run.
///
/// ```
/// let limits = capy_policy::Limits::default().output(64 << 10);
/// assert_eq!(limits.max_output, 64 * 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Bytes the script may write to stdout and stderr together, per run.
    pub max_output: u64,
}

impl Limits {
    /// The default output cap: 1 MiB.
    pub const DEFAULT_MAX_OUTPUT: u64 = 1 << 20;

    /// Sets the output cap in bytes (stdout and stderr together, per run).
    pub fn output(mut self, bytes: u64) -> Self {
        self.max_output = bytes;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_output: Self::DEFAULT_MAX_OUTPUT,
        }
    }
}

/// A limit that a run hit, with the value it had. Its `Display` is the
/// phrase limit messages use: `output 1MiB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// [`Limits::max_output`], in bytes.
    Output(u64),
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Output(bytes) => write!(f, "output {}", format_size(*bytes)),
        }
    }
}
