//! [`Usage`]: what a run cost.

use std::time::Duration;

/// The resources one run (or one plugin call) used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Guest execution time: the run's wall time minus time in host calls.
    pub cpu: Duration,
    /// Wall-clock time of the run.
    pub wall: Duration,
    /// Size of the guest's linear memory at the end of the run, in bytes.
    /// Wasm memory never shrinks, so this is also the sandbox's peak.
    pub memory: u64,
    /// File-system calls the script made through its grants.
    pub capability_calls: u64,
    /// Host-function calls the script made.
    pub host_function_calls: u64,
}

impl Usage {
    /// Adds `other` to this total (memory is the larger of the two).
    pub fn add(&mut self, other: &Usage) {
        self.cpu += other.cpu;
        self.wall += other.wall;
        self.memory = self.memory.max(other.memory);
        self.capability_calls += other.capability_calls;
        self.host_function_calls += other.host_function_calls;
    }
}
