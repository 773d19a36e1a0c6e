//! capy's speed targets, measured with criterion (`cargo bench -p capy`).
//!
//! Each benchmark has a CPython counterpart in `bench/cpython.sh`, so a
//! report can give ratios measured side by side on the same machine.

use criterion::{Criterion, criterion_group, criterion_main};

/// Iterations of the per-call loops; per-call cost is
/// (loop time - empty loop time) / CALLS.
const CALLS: usize = 1000;

fn engine() -> capy::Engine {
    capy::Engine::builder()
        .cache_dir(std::env::temp_dir().join("capy-bench-cache"))
        .build()
        .expect("engine builds")
}

fn startup(c: &mut Criterion) {
    let engine = engine();
    c.bench_function("startup/new_sandbox_run_pass", |b| {
        b.iter(|| {
            let mut sandbox = engine.sandbox().build().unwrap();
            sandbox.run("pass").unwrap()
        })
    });
}

/// The same loop with and without the epoch checks that enforce the CPU
/// and wall-clock limits: what the limits cost.
fn cpu(c: &mut Criterion) {
    let limited = engine();
    let unlimited = capy::Engine::builder()
        .cache_dir(std::env::temp_dir().join("capy-bench-cache"))
        .without_time_limits()
        .build()
        .expect("engine builds");
    report_interleaved(&limited, &unlimited);
    let mut group = c.benchmark_group("cpu");
    group.sample_size(10);
    for (name, engine) in [
        ("sum_squares_1e6", &limited),
        ("sum_squares_1e6_no_time_limits", &unlimited),
    ] {
        let mut sandbox = engine.sandbox().build().unwrap();
        group.bench_function(name, |b| {
            b.iter(|| sandbox.run("sum(i * i for i in range(10**6))").unwrap())
        });
    }
    group.finish();
}

/// Runs the two engines alternately and prints the median of each and their
/// ratio: on a shared, noisy machine, criterion's back-to-back groups can
/// differ by more than what is being measured.
fn report_interleaved(limited: &capy::Engine, unlimited: &capy::Engine) {
    const PAIRS: usize = 15;
    let source = "sum(i * i for i in range(10**6))";
    let mut with = limited.sandbox().build().unwrap();
    let mut without = unlimited.sandbox().build().unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..PAIRS {
        let t = std::time::Instant::now();
        with.run(source).unwrap();
        a.push(t.elapsed());
        let t = std::time::Instant::now();
        without.run(source).unwrap();
        b.push(t.elapsed());
    }
    a.sort();
    b.sort();
    let (a, b) = (a[PAIRS / 2], b[PAIRS / 2]);
    eprintln!(
        "cpu/interleaved medians: with time limits {a:?}, without {b:?}, ratio {:.3}",
        a.as_secs_f64() / b.as_secs_f64()
    );
}

fn fs(c: &mut Criterion) {
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.txt"), "x".repeat(1024)).unwrap();
    let mut sandbox = engine
        .sandbox()
        .dir("data", dir.path(), capy::Access::ReadOnly)
        .build()
        .unwrap();
    let read_loop = format!("p = data / 'k.txt'\nfor _ in range({CALLS}):\n    p.read_text()");
    let empty_loop = format!("p = data / 'k.txt'\nfor _ in range({CALLS}):\n    p.name");
    let open_loop = format!(
        "p = data / 'k.txt'\nfor _ in range({CALLS}):\n    with p.open() as f:\n        f.read()"
    );
    let mut group = c.benchmark_group("fs");
    group.bench_function("read_text_1KiB_x1000", |b| {
        b.iter(|| sandbox.run(&read_loop).unwrap())
    });
    group.bench_function("open_read_1KiB_x1000", |b| {
        b.iter(|| sandbox.run(&open_loop).unwrap())
    });
    group.bench_function("baseline_loop_x1000", |b| {
        b.iter(|| sandbox.run(&empty_loop).unwrap())
    });
    group.finish();
}

criterion_group!(benches, startup, cpu, fs);
criterion_main!(benches);
