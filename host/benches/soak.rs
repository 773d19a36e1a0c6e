//! A bounded soak of the embedding API (`cargo bench -p capy --bench soak`):
//! sandboxes churned over several threads with a mix of outcomes, plus an
//! interrupt and terminate storm, checking that every outcome is one the
//! mix allows and that nothing leaks.
//!
//! `CAPY_SOAK_SECS` sets how long it runs (default 20). Prints sandboxes
//! per second, outcomes by kind, and resident memory and open file
//! descriptors at the start, half-way and the end; exits non-zero on any
//! unexpected outcome (a crash above all) or when memory or descriptors
//! keep growing.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use capy::{Error, HostError, Limit, RunError};

mod common;

/// Worker threads churning sandboxes (more than this machine's 2 cores, so
/// runs are pre-empted at arbitrary points).
const WORKERS: usize = 4;

/// One kind of run in the mix, and what may come of it.
#[derive(Clone, Copy, Debug)]
enum Case {
    /// `print`: only success.
    Prints,
    /// An uncaught exception.
    Raises,
    /// A CPU-bound loop under a 20 ms CPU limit.
    CpuLimit,
    /// An async host function that never finishes, under a 20 ms wall limit.
    PendingHostCall,
    /// Output past a 1 KiB limit.
    OutputLimit,
    /// Allocation past the memory limit (traps; the sandbox stops).
    MemoryLimit,
    /// A host function that panics (a RuntimeError in the script).
    PanickingHostFunction,
    /// File writes and reads through a grant (descriptors must be closed).
    Files,
    /// A first run interrupted at a random moment, set-up included.
    InterruptStorm,
    /// A first run terminated at a random moment.
    TerminateStorm,
}

const CASES: [Case; 10] = [
    Case::Prints,
    Case::Raises,
    Case::CpuLimit,
    Case::PendingHostCall,
    Case::OutputLimit,
    Case::MemoryLimit,
    Case::PanickingHostFunction,
    Case::Files,
    Case::InterruptStorm,
    Case::TerminateStorm,
];

/// How a run ended, coarsely, for the report and the check.
fn kind(result: &Result<capy::Outcome, Error>) -> String {
    match result {
        Ok(outcome) => match &outcome.error {
            None => "ok".into(),
            Some(RunError::Exception(e)) => format!("raised {}", e.type_name),
            Some(RunError::LimitExceeded(limit)) => format!("limit {}", limit_name(limit)),
            Some(RunError::Terminated) => "terminated".into(),
            Some(other) => format!("UNEXPECTED {other}"),
        },
        Err(Error::Stopped(_)) => "stopped".into(),
        Err(other) => format!("UNEXPECTED {other}"),
    }
}

fn limit_name(limit: &Limit) -> &'static str {
    match limit {
        Limit::Cpu(_) => "cpu",
        Limit::Wall(_) => "wall",
        Limit::Output(_) => "output",
        Limit::Memory(_) => "memory",
        _ => "other",
    }
}

/// The outcomes `case` may have.
fn allowed(case: Case, kind: &str) -> bool {
    match case {
        Case::Prints | Case::Files => kind == "ok",
        Case::Raises => kind == "raised ValueError",
        Case::CpuLimit => kind == "limit cpu",
        Case::PendingHostCall => kind == "limit wall",
        Case::OutputLimit => kind == "limit output",
        Case::MemoryLimit => kind == "limit memory",
        Case::PanickingHostFunction => kind == "ok",
        Case::InterruptStorm => kind == "ok" || kind == "raised KeyboardInterrupt",
        Case::TerminateStorm => kind == "ok" || kind == "terminated" || kind == "stopped",
    }
}

/// Runs one `case` in a new sandbox and returns how it ended.
fn run_case(engine: &capy::Engine, case: Case, grant_dir: &std::path::Path, seed: u64) -> String {
    // Time limits are tight only where they are what the case is about:
    // four threads share two cores, and "CPU" is time not spent in host
    // calls, so a pre-empted run is charged for time it waited.
    let (cpu, wall) = match case {
        Case::CpuLimit => (Duration::from_millis(20), Duration::from_secs(2)),
        Case::PendingHostCall => (Duration::from_secs(2), Duration::from_millis(20)),
        _ => (Duration::from_secs(2), Duration::from_secs(2)),
    };
    let limits = capy::Limits::default()
        .cpu(cpu)
        .wall(wall)
        .output(1024)
        .memory(64 << 20);
    let builder = engine
        .sandbox()
        .limits(limits)
        .dir("out", grant_dir, capy::Access::ReadWrite)
        .function_async("never", |(): ()| async {
            std::future::pending::<()>().await;
            Ok::<_, HostError>(())
        })
        .function("boom", |(): ()| -> Result<(), HostError> {
            panic!("soak: an embedder bug")
        });
    let mut sandbox = match builder.build() {
        Ok(sandbox) => sandbox,
        Err(error) => return format!("UNEXPECTED build: {error}"),
    };
    let source = match case {
        Case::Prints => "print(sum(range(100)))".to_owned(),
        Case::Raises => "raise ValueError('soak')".to_owned(),
        Case::CpuLimit => "while True:\n    pass".to_owned(),
        Case::PendingHostCall => "never()".to_owned(),
        Case::OutputLimit => "while True:\n    print('x' * 100)".to_owned(),
        Case::MemoryLimit => {
            "keep = []\nwhile True:\n    keep.append(bytearray(1 << 20))".to_owned()
        }
        Case::PanickingHostFunction => {
            "try:\n    boom()\nexcept RuntimeError:\n    pass".to_owned()
        }
        Case::Files => format!(
            "p = out / 'f{seed}.txt'\nfor i in range(5):\n    p.write_text(str(i))\n    \
             with p.open() as f:\n        assert f.read() == str(i)\np.unlink()"
        ),
        Case::InterruptStorm | Case::TerminateStorm => {
            "x = 0\nfor i in range(20000):\n    x += i".to_owned()
        }
    };
    let storm = match case {
        Case::InterruptStorm | Case::TerminateStorm => {
            let handle = sandbox.handle();
            // 0-1 ms: lands anywhere from set-up to the end of the run.
            let delay = Duration::from_micros(seed % 1000);
            let terminate = matches!(case, Case::TerminateStorm);
            Some(std::thread::spawn(move || {
                std::thread::sleep(delay);
                if terminate {
                    handle.terminate();
                } else {
                    handle.interrupt();
                }
            }))
        }
        _ => None,
    };
    let result = sandbox.run(&source);
    if let Some(storm) = storm {
        let _ = storm.join();
    }
    kind(&result)
}

/// This process's resident set size in MiB.
fn resident_mib() -> f64 {
    common::resident_bytes() as f64 / f64::from(1 << 20)
}

/// Open file descriptors of this process.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |dir| dir.count())
}

fn main() {
    let seconds: u64 = std::env::var("CAPY_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    // The panicking host function is part of the mix: keep its panics
    // quiet, and every other one loud.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .unwrap_or_default();
        if message != "soak: an embedder bug" {
            default_hook(info);
        }
    }));
    let engine = capy::Engine::builder()
        .cache_dir(std::env::temp_dir().join("capy-bench-cache"))
        .build()
        .expect("engine builds");
    let grant = tempfile::tempdir().expect("temp dir");
    // Warm up before the first sample: the first sandboxes fault in code.
    for case in CASES {
        run_case(&engine, case, grant.path(), 0);
    }
    let samples = Mutex::new(vec![("start", resident_mib(), open_fds())]);
    let outcomes: Mutex<BTreeMap<(String, String), u64>> = Mutex::new(BTreeMap::new());
    let unexpected = AtomicU64::new(0);
    let runs = AtomicU64::new(0);
    let half_way_taken = AtomicBool::new(false);
    let started = Instant::now();
    let duration = Duration::from_secs(seconds);
    std::thread::scope(|scope| {
        for worker in 0..WORKERS {
            let (engine, grant, outcomes, unexpected, runs) =
                (&engine, grant.path(), &outcomes, &unexpected, &runs);
            let (samples, half_way_taken) = (&samples, &half_way_taken);
            scope.spawn(move || {
                // Each worker walks the whole mix, from its own place in it.
                let mut i = (worker * 3) as u64;
                while started.elapsed() < duration {
                    let case = CASES[(i % CASES.len() as u64) as usize];
                    let seed = i.wrapping_mul(2_654_435_761) ^ (worker as u64) << 32;
                    let got = run_case(engine, case, grant, seed);
                    if !allowed(case, &got) {
                        unexpected.fetch_add(1, Ordering::Relaxed);
                        eprintln!("unexpected outcome of {case:?}: {got}");
                    }
                    *outcomes
                        .lock()
                        .unwrap()
                        .entry((format!("{case:?}"), got))
                        .or_default() += 1;
                    runs.fetch_add(1, Ordering::Relaxed);
                    if started.elapsed() > duration / 2
                        && !half_way_taken.swap(true, Ordering::SeqCst)
                    {
                        samples
                            .lock()
                            .unwrap()
                            .push(("half-way", resident_mib(), open_fds()));
                    }
                    i += 1;
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let mut samples = samples.into_inner().unwrap();
    samples.push(("end", resident_mib(), open_fds()));
    let runs = runs.load(Ordering::Relaxed);
    println!(
        "soak: {runs} sandboxes in {:.1} s over {WORKERS} threads ({:.0} per second)",
        elapsed.as_secs_f64(),
        runs as f64 / elapsed.as_secs_f64()
    );
    for ((case, got), n) in outcomes.into_inner().unwrap() {
        println!("  {case:<22} {got:<28} {n:>7}");
    }
    for (when, rss, fds) in &samples {
        println!("  {when:<9} resident {rss:>7.1} MiB, {fds} open descriptors");
    }
    let unexpected = unexpected.load(Ordering::Relaxed);
    let (half, end) = (&samples[samples.len() - 2], &samples[samples.len() - 1]);
    // Between half-way and the end the mix is the same, so growth there is
    // a leak (allowing for allocator noise), as is any extra descriptor.
    let leaking_memory = end.1 > half.1 * 1.5 + 64.0;
    let leaking_fds = end.2 > samples[0].2 + 2;
    println!(
        "soak: {unexpected} unexpected outcomes; memory {}, descriptors {}",
        if leaking_memory { "GROWING" } else { "steady" },
        if leaking_fds { "LEAKING" } else { "steady" },
    );
    if unexpected > 0 || leaking_memory || leaking_fds {
        std::process::exit(1);
    }
}
