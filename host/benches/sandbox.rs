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

/// A new sandbox whose script imports one standard-library module: the
/// module's code runs in every new sandbox, which is what a pre-initialised
/// snapshot of the catalog would save (compare `embed/new_sandbox_run_1_plus_1`).
fn imports(c: &mut Criterion) {
    let engine = engine();
    let mut group = c.benchmark_group("imports");
    group.sample_size(20);
    for module in ["math", "re", "json", "dataclasses", "decimal"] {
        let source = format!("import {module}");
        group.bench_function(format!("new_sandbox_import_{module}"), |b| {
            b.iter(|| {
                let mut sandbox = engine.sandbox().build().unwrap();
                let outcome = sandbox.run(&source).unwrap();
                assert!(outcome.error.is_none(), "{:?}", outcome.error);
            })
        });
    }
    group.finish();
}

/// The embedding API's round trips, beside a plain Rust call.
fn embed(c: &mut Criterion) {
    let engine = engine();
    let mut group = c.benchmark_group("embed");
    group.bench_function("new_sandbox_run_1_plus_1", |b| {
        b.iter(|| {
            let mut sandbox = engine.sandbox().build().unwrap();
            sandbox.run("1 + 1").unwrap()
        })
    });
    let mut plugin = engine
        .sandbox()
        .build()
        .unwrap()
        .load("def echo(x):\n    return x\n")
        .unwrap();
    group.bench_function("plugin_call_int", |b| {
        b.iter(|| plugin.call::<i64>("echo", 7).unwrap())
    });
    let record =
        serde_json::json!({"id": 7, "name": "widget", "tags": ["a", "b", "c"], "price": 9.5});
    group.bench_function("plugin_call_small_dict", |b| {
        b.iter(|| plugin.call::<serde_json::Value>("echo", &record).unwrap())
    });
    let mut sandbox = engine
        .sandbox()
        .function("ping", |(x,): (i64,)| Ok(x + 1))
        .build()
        .unwrap();
    let calls = format!("for i in range({CALLS}):\n    ping(i)");
    let baseline =
        format!("def local(x):\n    return x + 1\nfor i in range({CALLS}):\n    local(i)");
    group.bench_function("host_function_x1000", |b| {
        b.iter(|| sandbox.run(&calls).unwrap())
    });
    group.bench_function("python_function_x1000", |b| {
        b.iter(|| sandbox.run(&baseline).unwrap())
    });
    group.bench_function("rust_function_call", |b| {
        b.iter(|| plain_rust(std::hint::black_box(7)))
    });
    group.finish();
}

#[inline(never)]
fn plain_rust(x: i64) -> i64 {
    x + 1
}

criterion_group!(benches, startup, cpu, fs, embed, imports);
criterion_main!(benches);
