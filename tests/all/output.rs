//! Stdout and stderr are captured by the host, within the output limit.

use crate::engine;

#[test]
fn print_goes_to_the_captured_stdout() {
    let mut sandbox = engine().sandbox().build().unwrap();
    let outcome = sandbox
        .run("print('out', 1, sep='-', end='!')\nprint()")
        .unwrap();
    assert_eq!(outcome.stdout_text(), "out-1!\n");
    assert_eq!(outcome.stderr_text(), "");
}

#[test]
fn a_print_flood_stops_at_the_output_limit() {
    let limits = capy::Limits::default().output(10_000);
    let mut sandbox = engine().sandbox().limits(limits).build().unwrap();
    let outcome = sandbox
        .run("while True:\n    print('flood' * 10)\n")
        .unwrap();
    assert_eq!(
        outcome.error,
        Some(capy::RunError::LimitExceeded(capy::Limit::Output(10_000)))
    );
    // Output up to the limit is kept, nothing past it.
    assert_eq!(outcome.stdout.len(), 10_000);
    assert!(outcome.stdout.starts_with(b"floodflood"));
}

#[test]
fn the_default_output_limit_is_one_mebibyte() {
    let mut sandbox = engine().sandbox().build().unwrap();
    let outcome = sandbox
        .run("s = 'x' * 1023\nwhile True:\n    print(s)\n")
        .unwrap();
    assert_eq!(
        outcome.error,
        Some(capy::RunError::LimitExceeded(capy::Limit::Output(1 << 20)))
    );
    assert_eq!(outcome.stdout.len(), 1 << 20);
    assert_eq!(
        capy::RunError::LimitExceeded(capy::Limit::Output(1 << 20)).to_string(),
        "limit exceeded: output 1MiB"
    );
}

#[test]
fn streamed_output_arrives_in_order_and_counts_against_the_limit() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    let mut sandbox = engine()
        .sandbox()
        .limits(capy::Limits::default().output(12))
        .stream_output(move |stream, data| sink.lock().unwrap().push((stream, data.to_vec())))
        .build()
        .unwrap();
    let outcome = sandbox
        .run("print('one')\nprint('two')\nprint('three')\n")
        .unwrap();
    assert_eq!(
        outcome.error,
        Some(capy::RunError::LimitExceeded(capy::Limit::Output(12)))
    );
    assert!(
        outcome.stdout.is_empty(),
        "streamed output is not also captured"
    );
    let text: Vec<u8> = seen
        .lock()
        .unwrap()
        .iter()
        .flat_map(|(_, d)| d.clone())
        .collect();
    assert_eq!(text, b"one\ntwo\nthre");
}
