//! The guest's WASI: a context that grants nothing, and the pieces of
//! deterministic mode that live in WASI (seeded randomness, clocks that
//! stand still).
//!
//! RustPython's standard library needs the WASI interfaces to exist, not
//! to grant anything: no preopened directory, environment variable,
//! argument, socket, name lookup or stdin is ever given.

use std::time::{Duration, SystemTime};

use capy_policy::Determinism;
use rand::SeedableRng as _;
use rand::rngs::StdRng;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder};

/// The guest's WASI context: nothing granted. No preopened directories, no
/// environment variables, no arguments, no sockets or name lookups, no stdin.
/// The guest's own stdout/stderr (not the script's: that goes through
/// `capy:sandbox/output`) are kept only for crash diagnostics. In
/// deterministic mode its randomness is seeded and its clocks stand still.
pub(crate) fn wasi_ctx(guest_diagnostics: &MemoryOutputPipe, determinism: &Determinism) -> WasiCtx {
    let mut builder = WasiCtxBuilder::new();
    builder
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .stdout(guest_diagnostics.clone())
        .stderr(guest_diagnostics.clone());
    if let Some(seed) = determinism.random_seed {
        seed_random(&mut builder, seed);
    }
    if let Some(time) = determinism.clock {
        fix_clocks(&mut builder, time);
    }
    builder.build()
}

/// Makes every source of WASI randomness (secure, insecure and the
/// insecure seed) a function of `seed`, so a run is reproducible. Nothing
/// secret is lost: the seed is the policy's, and the script's own.
fn seed_random(builder: &mut WasiCtxBuilder, seed: u64) {
    builder
        .secure_random(StdRng::seed_from_u64(seed))
        .insecure_random(StdRng::seed_from_u64(seed))
        .insecure_random_seed(u128::from(seed));
}

/// Installs clocks that stand still at `time`: the wall clock always
/// reads `time` and the monotonic clock always the same instant.
fn fix_clocks(builder: &mut WasiCtxBuilder, time: SystemTime) {
    builder
        .wall_clock(FixedWallClock::new(time))
        .monotonic_clock(StoppedMonotonicClock);
}

/// A wall clock that always reads the same time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FixedWallClock {
    /// The time, since the Unix epoch.
    since_epoch: Duration,
}

impl FixedWallClock {
    /// A clock reading `time`; a time before the Unix epoch (WASI's wall
    /// clock cannot express one) reads as the epoch.
    pub(crate) fn new(time: SystemTime) -> FixedWallClock {
        FixedWallClock {
            since_epoch: time
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default(),
        }
    }
}

impl HostWallClock for FixedWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }

    fn now(&self) -> Duration {
        self.since_epoch
    }
}

/// A monotonic clock that never advances: elapsed-time measurements in the
/// script read zero. (Sleeps still take real time; they are not measured
/// by this clock.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoppedMonotonicClock;

impl StoppedMonotonicClock {
    /// The instant it always reads, in nanoseconds: one second, so that
    /// code subtracting a small offset does not go below zero.
    const INSTANT: u64 = 1_000_000_000;
}

impl HostMonotonicClock for StoppedMonotonicClock {
    fn resolution(&self) -> u64 {
        1
    }

    fn now(&self) -> u64 {
        Self::INSTANT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_wall_clock_reads_its_time() {
        let time = SystemTime::UNIX_EPOCH + Duration::new(1_704_067_200, 5);
        let clock = FixedWallClock::new(time);
        assert_eq!(clock.now(), Duration::new(1_704_067_200, 5));
        assert_eq!(clock.now(), clock.now());
        assert_eq!(clock.resolution(), Duration::from_nanos(1));
    }

    #[test]
    fn a_time_before_the_epoch_reads_as_the_epoch() {
        let clock = FixedWallClock::new(SystemTime::UNIX_EPOCH - Duration::from_secs(60));
        assert_eq!(clock.now(), Duration::ZERO);
    }

    #[test]
    fn the_monotonic_clock_stands_still() {
        let clock = StoppedMonotonicClock;
        let first = clock.now();
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(clock.now(), first);
        assert_eq!(clock.resolution(), 1);
    }

    #[test]
    fn seeded_generators_repeat() {
        use rand::Rng as _;
        let mut a = StdRng::seed_from_u64(42);
        let mut b = StdRng::seed_from_u64(42);
        let mut c = StdRng::seed_from_u64(43);
        let (x, y, z) = (a.next_u64(), b.next_u64(), c.next_u64());
        assert_eq!(x, y);
        assert_ne!(x, z);
    }
}
