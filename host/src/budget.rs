//! Time and memory budgets of a sandbox, enforced from outside the guest.
//!
//! CPU and wall-clock limits use wasmtime's epoch interruption: one ticker
//! thread per engine advances the epoch every [`TICK`], and at each tick a
//! running guest calls back into [`RunClock::check`], which ends the run
//! with a [`LimitTrap`] once a budget is spent. "CPU" is the guest's own
//! running time: the run's elapsed time minus the time spent inside host
//! calls (file I/O, output), so a slow disk or a blocked stdout does not
//! count against the script. Memory is capped by a `ResourceLimiter` on
//! the guest's linear memory.

use std::time::{Duration, Instant};

use capy_policy::Limit;

use crate::error::LimitTrap;

/// How often the epoch advances, and so the granularity (and worst-case
/// overshoot) of the CPU and wall-clock limits.
pub(crate) const TICK: Duration = Duration::from_millis(10);

/// Starts the thread that advances `engine`'s epoch every [`TICK`]. It
/// stops by itself once the engine is dropped.
pub(crate) fn start_ticker(engine: &wasmtime::Engine) {
    let weak = engine.weak();
    let spawned = std::thread::Builder::new()
        .name("capy-epoch".to_owned())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(TICK);
            }
        });
    if let Err(error) = spawned {
        // Without a ticker no run can be interrupted; every run would then
        // be unbounded, so say so loudly.
        tracing::error!(
            "cannot start the epoch ticker thread, CPU and wall limits will not hold: {error}"
        );
    }
}

/// The clock of the current run.
#[derive(Debug)]
pub(crate) struct RunClock {
    cpu: Duration,
    wall: Duration,
    started: Option<Instant>,
    host_time: Duration,
}

impl RunClock {
    pub fn new(cpu: Duration, wall: Duration) -> RunClock {
        RunClock {
            cpu,
            wall,
            started: None,
            host_time: Duration::ZERO,
        }
    }

    /// A run begins: both budgets are full again.
    pub fn start(&mut self) {
        self.started = Some(Instant::now());
        self.host_time = Duration::ZERO;
    }

    /// The run ended; until the next one, nothing is charged.
    pub fn stop(&mut self) {
        self.started = None;
    }

    /// Charges `spent` to the host rather than the guest.
    pub fn add_host_time(&mut self, spent: Duration) {
        self.host_time += spent;
    }

    /// Fails once the run has used up its CPU or wall-clock budget.
    pub fn check(&self) -> Result<(), LimitTrap> {
        let Some(started) = self.started else {
            return Ok(());
        };
        let elapsed = started.elapsed();
        if elapsed > self.wall {
            return Err(LimitTrap(Limit::Wall(self.wall)));
        }
        if elapsed.saturating_sub(self.host_time) > self.cpu {
            return Err(LimitTrap(Limit::Cpu(self.cpu)));
        }
        Ok(())
    }
}

/// Caps the guest's linear memory; growing past the cap ends the run with
/// a memory limit rather than letting the guest's allocator abort.
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    max: u64,
}

/// Most table elements a guest may have (its function table is fixed at
/// build time; this only stops a runaway `table.grow`).
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

impl MemoryLimiter {
    pub fn new(max: u64) -> MemoryLimiter {
        MemoryLimiter { max }
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired as u64 > self.max {
            return Err(LimitTrap(Limit::Memory(self.max)).into());
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}
