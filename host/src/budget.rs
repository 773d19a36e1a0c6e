//! Time and memory budgets of a sandbox, enforced from outside the guest.
//!
//! CPU and wall-clock limits use wasmtime's epoch interruption: one ticker
//! thread per engine advances the epoch every [`TICK`]. When a budget is
//! spent, the guest's next poll (every few thousand bytecode instructions)
//! raises `LimitExceeded` in the script, which unwinds and leaves the
//! sandbox usable; if the run is still going [`GRACE`] later, an epoch
//! tick ends it by force with a [`LimitTrap`]. "CPU" is the guest's own
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

/// After a time budget is spent, the script gets this long to unwind from
/// the `LimitExceeded` exception it is sent before the run is ended by
/// force (a trap, which stops the sandbox). Python code notices within a
/// fraction of a millisecond; only a long native operation (a huge `sum`,
/// a giant regex) or a script that swallows the exception needs the trap.
pub(crate) const GRACE: Duration = Duration::from_millis(200);

/// The clock of the current run, and the CPU used by all runs so far.
#[derive(Debug)]
pub(crate) struct RunClock {
    cpu: Duration,
    wall: Duration,
    total_cpu: Option<Duration>,
    /// CPU used by finished runs, against `total_cpu`.
    used_cpu: Duration,
    /// The current run's CPU budget and the limit it stands for: `cpu`, or
    /// what is left of `total_cpu` if that is less.
    budget: (Duration, Limit),
    started: Option<Instant>,
    host_time: Duration,
    /// Whether the engine enforces these budgets at all (see
    /// `EngineBuilder::without_time_limits`).
    enforced: bool,
    /// The limit the script was told about (by `control.poll`), if any,
    /// and when: its [`GRACE`] to unwind counts from then.
    signalled: Option<(Limit, Instant)>,
}

impl RunClock {
    pub fn new(
        cpu: Duration,
        wall: Duration,
        total_cpu: Option<Duration>,
        enforced: bool,
    ) -> RunClock {
        RunClock {
            enforced,
            cpu,
            wall,
            total_cpu,
            used_cpu: Duration::ZERO,
            budget: (cpu, Limit::Cpu(cpu)),
            started: None,
            host_time: Duration::ZERO,
            signalled: None,
        }
    }

    /// A run begins: the per-run budgets are full again.
    pub fn start(&mut self) {
        self.budget = match self.total_cpu {
            Some(total) if total.saturating_sub(self.used_cpu) < self.cpu => {
                (total.saturating_sub(self.used_cpu), Limit::TotalCpu(total))
            }
            _ => (self.cpu, Limit::Cpu(self.cpu)),
        };
        self.started = Some(Instant::now());
        self.host_time = Duration::ZERO;
        self.signalled = None;
    }

    /// The run ended; returns its CPU and wall time. Until the next run,
    /// nothing is charged.
    pub fn stop(&mut self) -> (Duration, Duration) {
        let Some(started) = self.started.take() else {
            return (Duration::ZERO, Duration::ZERO);
        };
        let wall = started.elapsed();
        let cpu = wall.saturating_sub(self.host_time);
        self.used_cpu += cpu;
        (cpu, wall)
    }

    /// Charges `spent` to the host rather than the guest.
    pub fn add_host_time(&mut self, spent: Duration) {
        self.host_time += spent;
    }

    /// The limit the current run has passed, if any.
    fn passed(&self, slack: Duration) -> Option<Limit> {
        let started = self.started?;
        let elapsed = started.elapsed();
        if elapsed > self.wall.saturating_add(slack) {
            return Some(Limit::Wall(self.wall));
        }
        if elapsed.saturating_sub(self.host_time) > self.budget.0.saturating_add(slack) {
            return Some(self.budget.1.clone());
        }
        None
    }

    /// Whether the script should be told its time is spent; remembers
    /// that it was.
    pub fn signal(&mut self) -> bool {
        if self.signalled.is_none() {
            self.signalled = self
                .passed(Duration::ZERO)
                .map(|limit| (limit, Instant::now()));
        }
        self.signalled.is_some()
    }

    /// The limit the script was told about in this run, if any.
    pub fn signalled(&self) -> Option<&Limit> {
        self.signalled.as_ref().map(|(limit, _)| limit)
    }

    /// When the run's wall-clock budget runs out (a host call still
    /// pending then is abandoned); `None` between runs and when limits
    /// are not enforced.
    pub fn wall_deadline(&self) -> Option<Instant> {
        let started = self.started.filter(|_| self.enforced)?;
        started.checked_add(self.wall)
    }

    /// Fails (ending the run by force) once a budget is spent and the
    /// [`GRACE`] after it too. A script told late (it was inside a long
    /// host call when the budget ran out) still gets its whole grace.
    pub fn check(&self) -> Result<(), LimitTrap> {
        match (self.passed(GRACE), &self.signalled) {
            (Some(_), Some((_, told))) if told.elapsed() <= GRACE => Ok(()),
            (Some(limit), _) => Err(LimitTrap(limit)),
            (None, _) => Ok(()),
        }
    }
}

/// Caps the guest's linear memory; growing past the cap ends the run with
/// a memory limit rather than letting the guest's allocator abort.
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    max: u64,
    /// The memory's current size in bytes.
    size: u64,
}

/// Most table elements a guest may have (its function table is fixed at
/// build time; this only stops a runaway `table.grow`).
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

impl MemoryLimiter {
    pub fn new(max: u64) -> MemoryLimiter {
        MemoryLimiter { max, size: 0 }
    }

    /// The guest memory's current size in bytes.
    pub fn size(&self) -> u64 {
        self.size
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
        self.size = desired as u64;
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
