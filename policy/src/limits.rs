//! Resource limits: how much of the host a sandbox may use.

use std::fmt;
use std::time::Duration;

use crate::units::{format_duration, format_size};

/// The resource limits of one sandbox. Every limit is enforced by the host,
/// never by the script's good will; hitting one ends the run.
///
/// ```
/// use std::time::Duration;
/// let limits = capy_policy::Limits::default()
///     .output(64 << 10)
///     .cpu(Duration::from_secs(2));
/// assert_eq!(limits.max_output, 64 * 1024);
/// assert_eq!(limits.memory, 256 << 20);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Bytes the script may write to stdout and stderr together, per run.
    pub max_output: u64,
    /// Guest execution time per run, not counting time spent in host calls.
    pub cpu: Duration,
    /// Guest execution time summed over every run of a sandbox (a plugin's
    /// load and all its calls), if capped.
    pub total_cpu: Option<Duration>,
    /// Wall-clock time per run, host calls included: a pending async host
    /// call is abandoned when it runs out; a sync host function cannot be
    /// pre-empted, and the run ends at this limit as soon as it returns.
    pub wall: Duration,
    /// Bytes of guest linear memory (the interpreter's whole heap).
    pub memory: u64,
    /// Files the script may hold open at once.
    pub open_files: u32,
}

impl Limits {
    /// The default output cap: 1 MiB.
    pub const DEFAULT_MAX_OUTPUT: u64 = 1 << 20;
    /// The default CPU budget per run: 10 s.
    pub const DEFAULT_CPU: Duration = Duration::from_secs(10);
    /// The default wall-clock budget per run: 30 s.
    pub const DEFAULT_WALL: Duration = Duration::from_secs(30);
    /// The default memory cap: 256 MiB.
    pub const DEFAULT_MEMORY: u64 = 256 << 20;
    /// The default number of files open at once: 64.
    pub const DEFAULT_OPEN_FILES: u32 = 64;
    /// The least memory a policy may set: 32 MiB. The guest starts from a
    /// snapshot of an interpreter with the whole module catalog loaded,
    /// about 24 MiB; the rest is room for a small script.
    pub const MIN_MEMORY: u64 = 32 << 20;

    /// Sets the output cap in bytes (stdout and stderr together, per run).
    pub fn output(mut self, bytes: u64) -> Self {
        self.max_output = bytes;
        self
    }

    /// Sets the guest CPU budget per run.
    pub fn cpu(mut self, cpu: Duration) -> Self {
        self.cpu = cpu;
        self
    }

    /// Caps the guest CPU time summed over every run of the sandbox, on top
    /// of the per-run [`cpu`](Self::cpu) budget.
    ///
    /// ```
    /// use std::time::Duration;
    /// let limits = capy_policy::Limits::default().total_cpu(Duration::from_secs(30));
    /// assert_eq!(limits.total_cpu, Some(Duration::from_secs(30)));
    /// assert_eq!(capy_policy::Limits::default().total_cpu, None, "unlimited by default");
    /// ```
    pub fn total_cpu(mut self, total: Duration) -> Self {
        self.total_cpu = Some(total);
        self
    }

    /// Sets the wall-clock budget per run (see [`Limits::wall`](Self#structfield.wall)).
    pub fn wall(mut self, wall: Duration) -> Self {
        self.wall = wall;
        self
    }

    /// Sets the guest memory cap in bytes.
    pub fn memory(mut self, bytes: u64) -> Self {
        self.memory = bytes;
        self
    }

    /// Sets how many files the script may hold open at once.
    pub fn open_files(mut self, count: u32) -> Self {
        self.open_files = count;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_output: Self::DEFAULT_MAX_OUTPUT,
            cpu: Self::DEFAULT_CPU,
            total_cpu: None,
            wall: Self::DEFAULT_WALL,
            memory: Self::DEFAULT_MEMORY,
            open_files: Self::DEFAULT_OPEN_FILES,
        }
    }
}

/// A limit that a run hit, with the value it had. Its `Display` is the
/// phrase limit messages use: `output 1MiB`, `cpu 2s`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// [`Limits::max_output`], in bytes.
    Output(u64),
    /// [`Limits::cpu`].
    Cpu(Duration),
    /// [`Limits::total_cpu`].
    TotalCpu(Duration),
    /// [`Limits::wall`].
    Wall(Duration),
    /// [`Limits::memory`], in bytes.
    Memory(u64),
    /// [`Limits::open_files`].
    OpenFiles(u32),
    /// A grant's quota of bytes written.
    BytesWritten {
        /// The grant's name.
        grant: String,
        /// The quota in bytes.
        max: u64,
    },
    /// A grant's quota of files and directories created.
    FilesCreated {
        /// The grant's name.
        grant: String,
        /// The quota.
        max: u64,
    },
    /// File-system handles (directories, files, `readonly()` views) the
    /// guest may hold at once.
    Handles(u32),
    /// The audit log's budget of bytes per sandbox: a script making
    /// capability calls without end would otherwise fill the host's disk.
    AuditLog(u64),
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Output(bytes) => write!(f, "output {}", format_size(*bytes)),
            Limit::Cpu(time) => write!(f, "cpu {}", format_duration(*time)),
            Limit::TotalCpu(time) => write!(f, "total cpu {}", format_duration(*time)),
            Limit::Wall(time) => write!(f, "wall {}", format_duration(*time)),
            Limit::Memory(bytes) => write!(f, "memory {}", format_size(*bytes)),
            Limit::OpenFiles(count) => write!(f, "open files {count}"),
            Limit::BytesWritten { grant, max } => {
                write!(f, "bytes written to `{grant}` {}", format_size(*max))
            }
            Limit::FilesCreated { grant, max } => write!(f, "files created in `{grant}` {max}"),
            Limit::Handles(count) => write!(f, "file-system handles {count}"),
            Limit::AuditLog(bytes) => write!(f, "audit log {}", format_size(*bytes)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_name_themselves_with_their_values() {
        assert_eq!(Limit::Output(1 << 20).to_string(), "output 1MiB");
        assert_eq!(Limit::AuditLog(64 << 20).to_string(), "audit log 64MiB");
        assert_eq!(Limit::Handles(4096).to_string(), "file-system handles 4096");
        assert_eq!(Limit::Cpu(Duration::from_secs(2)).to_string(), "cpu 2s");
        assert_eq!(
            Limit::TotalCpu(Duration::from_secs(30)).to_string(),
            "total cpu 30s"
        );
        assert_eq!(
            Limit::Wall(Duration::from_millis(1500)).to_string(),
            "wall 1.5s"
        );
        assert_eq!(Limit::Memory(64 << 20).to_string(), "memory 64MiB");
        assert_eq!(Limit::OpenFiles(64).to_string(), "open files 64");
        assert_eq!(
            Limit::BytesWritten {
                grant: "out".into(),
                max: 1024
            }
            .to_string(),
            "bytes written to `out` 1KiB"
        );
    }
}
