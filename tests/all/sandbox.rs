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

#[test]
fn unknown_or_repeated_modules_fail_the_build() {
    let Err(err) = engine().sandbox().modules(["json", "os"]).build() else {
        panic!("a sandbox with module `os` was built")
    };
    assert!(
        matches!(
            &err,
            capy::Error::Grant(capy::GrantError::Module(capy::ModuleError::Unknown { name, .. }))
                if name == "os"
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("unknown module `os`; the sandbox can grant: __future__, abc, "),
        "{err}"
    );

    let Err(err) = engine().sandbox().modules(["re", "re"]).build() else {
        panic!("a sandbox with `re` twice was built")
    };
    assert_eq!(err.to_string(), "module `re` is listed twice");

    let policy = capy::Policy {
        modules: Some(vec!["jsn".into()]),
        ..capy::Policy::default()
    };
    let Err(err) = engine().sandbox().policy(&policy).build() else {
        panic!("a sandbox with module `jsn` was built")
    };
    assert!(err.to_string().contains("(did you mean `json`?)"), "{err}");

    let no_modules: [&str; 0] = [];
    engine().sandbox().modules(no_modules).build().unwrap();
}

#[test]
fn a_seed_and_a_fixed_clock_make_runs_repeat() {
    let jan_1 = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_704_067_200);
    let source = "import random, time\n\
                  t0 = time.monotonic()\n\
                  print(time.time(), time.monotonic() - t0)\n\
                  print(random.random(), random.randrange(10**9), hash('capy'))";
    let run = |seed: u64| {
        let policy = capy::Policy {
            determinism: capy::Determinism {
                random_seed: Some(seed),
                clock: Some(jan_1),
            },
            ..capy::Policy::default()
        };
        let mut sandbox = engine().sandbox().policy(&policy).build().unwrap();
        let outcome = sandbox.run(source).unwrap();
        assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
        outcome.stdout_text()
    };
    let first = run(42);
    assert!(first.starts_with("1704067200.0 0.0\n"), "{first}");
    assert_eq!(run(42), first, "the same seed draws the same numbers");
    assert_ne!(run(43), first, "another seed draws others");
}

/// A pooling engine holds at most `max_sandboxes` at once, says so when
/// full, and hands a freed slot to the next sandbox wiped clean.
#[test]
fn a_pooling_engine_caps_live_sandboxes_and_reuses_slots_clean() {
    let engine = capy::Engine::builder()
        .cache_dir(concat!(env!("CARGO_TARGET_TMPDIR"), "/capy-cache"))
        .pooling(true)
        .max_sandboxes(2)
        .build()
        .expect("a pooling engine builds");
    let mut first = engine.sandbox().build().expect("slot 1");
    let mut second = engine.sandbox().build().expect("slot 2");
    for sandbox in [&mut first, &mut second] {
        let outcome = sandbox.run("secret = 'left behind'\nprint(6 * 7)").unwrap();
        assert_eq!(outcome.stdout_text(), "42\n");
    }
    assert!(
        matches!(engine.sandbox().build(), Err(capy::Error::Instantiate(_))),
        "a third sandbox must not fit in two slots"
    );
    drop(first);
    let mut third = engine.sandbox().build().expect("a freed slot is reused");
    let outcome = third.run("print('secret' in globals(), 1 + 1)").unwrap();
    assert_eq!(outcome.error, None, "stderr: {}", outcome.stderr_text());
    assert_eq!(outcome.stdout_text(), "False 2\n");
}
