//! The native-callable sweep (issue 22): every native callable a script
//! can reach, called with hostile arguments, must raise or return, never
//! trap the guest. `cargo test` runs a sample of arguments per callable;
//! `CAPY_SWEEP=long` runs every pair of a larger set (tens of minutes).
//!
//! The sweep script (`tests/sweep/native_callables.py`) prints `CALL <i>`
//! before target `i`. When a run traps, the culprit is the last target
//! printed; the next run starts after it, so one test finds every trap,
//! not just the first.

use std::time::Duration;

use crate::engine;

/// What one sweep found.
#[derive(Debug, Default)]
struct SweepReport {
    /// Labels of the targets whose calls trapped the guest, with the trap.
    traps: Vec<String>,
    /// Labels of the targets that ran past the CPU limit (not a failure: a
    /// hostile size may take long; the limit ends it, as it should).
    slow: Vec<String>,
    /// How many targets and calls the completed runs made.
    targets: usize,
    calls: usize,
}

/// The last `CALL <index> <label>` line of `stdout`.
fn last_call(stdout: &str) -> Option<(usize, String)> {
    let line = stdout.lines().rev().find(|l| l.starts_with("CALL "))?;
    let mut parts = line.splitn(3, ' ').skip(1);
    let index = parts.next()?.parse().ok()?;
    Some((index, parts.next().unwrap_or("?").to_owned()))
}

/// Sweeps every reachable native callable, or, if `extra` (Python source
/// defining a list `EXTRA` of `(label, callable)`) is given, just those.
fn sweep(long: bool, extra: &str, cpu: Duration) -> SweepReport {
    let script = include_str!("../sweep/native_callables.py");
    let imports: String = capy::AVAILABLE_MODULES
        .iter()
        .map(|m| format!("import {m}\n"))
        .collect();
    let mut report = SweepReport::default();
    let mut start = 0;
    // Bounded: each restart skips at least one target.
    for _ in 0..200 {
        let source = format!(
            "{imports}START = {start}\nLONG = {}\nEXTRA = []\n{extra}\n{script}",
            if long { "True" } else { "False" }
        );
        let outcome = engine()
            .sandbox()
            .modules(capy::AVAILABLE_MODULES.iter().copied())
            .limits(
                capy::Limits::default()
                    .cpu(cpu)
                    .wall(cpu * 2)
                    .output(256 << 20),
            )
            .build()
            .expect("sandbox starts")
            .run(&source)
            .expect("run completes");
        let stdout = outcome.stdout_text();
        match outcome.error {
            None => {
                let done = stdout
                    .lines()
                    .find_map(|l| l.strip_prefix("DONE "))
                    .expect("a finished sweep says DONE");
                let mut numbers = done.split_whitespace().map(|n| n.parse::<usize>().unwrap());
                report.targets = numbers.next().unwrap();
                report.calls += numbers.next().unwrap();
                return report;
            }
            Some(error) => {
                let (index, label) = last_call(&stdout)
                    .unwrap_or_else(|| panic!("the sweep failed before its first call: {error}"));
                match error {
                    capy::RunError::Crashed(crash) => {
                        report.traps.push(format!("{label}: {crash}"));
                    }
                    capy::RunError::LimitExceeded(_) => report.slow.push(label),
                    other => panic!("the sweep itself failed at {label}: {other}"),
                }
                start = index + 1;
            }
        }
    }
    panic!("the sweep restarted 200 times: {report:?}");
}

#[test]
fn no_native_callable_traps_the_guest_on_hostile_arguments() {
    let long = std::env::var("CAPY_SWEEP").is_ok_and(|v| v == "long");
    let cpu = Duration::from_secs(if long { 3000 } else { 300 });
    let report = sweep(long, "", cpu);
    eprintln!(
        "sweep: {} targets, {} calls, {} traps, {} slow",
        report.targets,
        report.calls,
        report.traps.len(),
        report.slow.len()
    );
    assert!(
        report.traps.is_empty(),
        "traps:\n{}",
        report.traps.join("\n")
    );
    // The sweep reached the whole surface: builtins, types, modules.
    assert!(report.targets > 5000, "{report:?}");
    assert!(report.calls > 100_000, "{report:?}");
}

#[test]
fn the_sweep_names_each_stopped_target_and_goes_on_past_it() {
    // No native callable is known to trap any more, so the harness's own
    // test stops the run another way: a native loop that runs past the CPU
    // limit (a trap, once the hard limit hits, that the host reports as a
    // limit). A crash takes the same restart path.
    let extra = "import itertools\n\
                 def spin(*_):\n    sum(itertools.repeat(1, 2**31 - 1))\n\
                 EXTRA = [('fine', abs), ('spin', spin), ('after', len)]";
    let report = sweep(false, extra, Duration::from_secs(2));
    assert_eq!(report.targets, 3, "{report:?}");
    assert_eq!(report.slow, ["spin"], "{report:?}");
    assert!(report.traps.is_empty(), "{report:?}");
    assert!(report.calls > 0, "{report:?}");
}
