//! Sandboxes: isolated from each other, stateful across runs, and stopped
//! cleanly when their guest fails.

use crate::engine;

#[test]
fn globals_persist_between_runs_of_one_sandbox() {
    let mut sandbox = engine().sandbox().build().unwrap();
    assert_eq!(
        sandbox
            .run("x = 41\ndef inc(v):\n    return v + 1")
            .unwrap()
            .error,
        None
    );
    assert_eq!(sandbox.run("print(inc(x))").unwrap().stdout_text(), "42\n");
}

#[test]
fn sandboxes_of_one_engine_share_nothing() {
    let mut first = engine().sandbox().build().unwrap();
    let mut second = engine().sandbox().build().unwrap();
    first
        .run("secret = 'first'\nclass Mine: pass\nint.__doc__")
        .unwrap();
    let outcome = second.run("print(secret)").unwrap();
    match outcome.error {
        Some(capy::RunError::Exception(e)) => assert_eq!(e.type_name, "NameError"),
        other => panic!("expected NameError, got {other:?}"),
    }
}

#[test]
fn a_limit_stops_the_sandbox_but_not_the_engine() {
    let mut sandbox = engine()
        .sandbox()
        .limits(capy::Limits::default().output(5))
        .build()
        .unwrap();
    let outcome = sandbox.run("print('too long')").unwrap();
    assert!(matches!(
        outcome.error,
        Some(capy::RunError::LimitExceeded(_))
    ));
    let err = sandbox.run("print(1)").unwrap_err();
    assert!(matches!(err, capy::Error::Stopped(_)), "{err}");
    assert!(err.to_string().contains("start a new one"), "{err}");
    let mut fresh = engine().sandbox().build().unwrap();
    assert_eq!(fresh.run("print('fine')").unwrap().stdout_text(), "fine\n");
}

#[test]
fn each_run_names_its_file_in_tracebacks() {
    let mut sandbox = engine().sandbox().build().unwrap();
    let outcome = sandbox
        .run_named("\n\nraise ValueError('boom')", "plugin.py")
        .unwrap();
    let Some(capy::RunError::Exception(exception)) = outcome.error else {
        panic!()
    };
    assert!(
        exception
            .traceback
            .contains("File \"plugin.py\", line 3, in <module>")
    );
    assert!(exception.traceback.contains("raise ValueError('boom')"));
}
