//! Start-up cost and resident memory of sandboxes, the two numbers
//! criterion cannot give side by side (`cargo bench -p capy --bench footprint`).
//!
//! Prints, from one warm engine:
//! - the median wall time to build a sandbox, run `print(1 + 1)` in it and
//!   get the output back (issue target: under 1 ms);
//! - the resident memory each idle sandbox adds to this process, measured
//!   over many live sandboxes that have each run that script (target: at
//!   most 10 MiB).

use std::time::Instant;

mod common;
use common::resident_bytes;

/// Samples of the start-up measurement.
const STARTS: usize = 200;
/// Live sandboxes in the memory measurement.
const LIVE: usize = 50;

fn main() {
    // Both allocation strategies, measured alternately in one run.
    let engines = [true, false].map(|pooling| {
        let engine = capy::Engine::builder()
            .cache_dir(std::env::temp_dir().join("capy-bench-cache"))
            .pooling(pooling)
            .build()
            .expect("engine builds");
        (if pooling { "pooling" } else { "on-demand" }, engine)
    });

    // Warm up: the first instantiations fault in the compiled code.
    for (_, engine) in &engines {
        for _ in 0..10 {
            new_sandbox_print(engine);
        }
    }
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..STARTS {
        for ((_, engine), times) in engines.iter().zip(&mut times) {
            let started = Instant::now();
            let sandbox = new_sandbox_print(engine);
            times.push(started.elapsed());
            drop(sandbox);
        }
    }
    for ((name, _), times) in engines.iter().zip(&mut times) {
        times.sort();
        println!(
            "{name:>9}: new sandbox + print(1 + 1): median {:?}, p10 {:?}, p90 {:?} ({STARTS} samples)",
            times[STARTS / 2],
            times[STARTS / 10],
            times[STARTS * 9 / 10],
        );
    }

    for (name, engine) in &engines {
        let before = resident_bytes();
        let live: Vec<capy::Sandbox> = (0..LIVE).map(|_| new_sandbox_print(engine)).collect();
        let added = resident_bytes().saturating_sub(before) as f64 / (1 << 20) as f64;
        println!(
            "{name:>9}: resident memory per idle sandbox: {:.2} MiB ({LIVE} live sandboxes added {added:.1} MiB)",
            added / LIVE as f64,
        );
        drop(live);
    }
}

/// A new sandbox that has run `print(1 + 1)` and returned its output.
fn new_sandbox_print(engine: &capy::Engine) -> capy::Sandbox {
    let mut sandbox = engine.sandbox().build().expect("sandbox builds");
    let outcome = sandbox.run("print(1 + 1)").expect("runs");
    assert_eq!(outcome.stdout_text(), "2\n", "{:?}", outcome.error);
    sandbox
}
