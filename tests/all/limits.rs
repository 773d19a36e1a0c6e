//! Resource limits hold against hostile scripts: each ends the run with the
//! limit that was hit (or the exception CPython would raise), and the same
//! engine then runs a normal script correctly.
//!
//! Time bounds here are generous on purpose (the machine is shared and
//! noisy); how closely limits are enforced is measured by the benchmarks.

use std::os::unix::fs::FileTypeExt;
use std::time::{Duration, Instant};

use capy::{Limit, Limits, RunError};

use crate::engine;
use crate::tree::Tree;

/// Tight limits so hostile scripts end quickly.
fn tight() -> Limits {
    Limits::default()
        .cpu(Duration::from_secs(1))
        .wall(Duration::from_secs(20))
        .memory(64 << 20)
}

/// Runs `source` under `limits` (with `tree`'s grant as read-write `out`
/// when given) and returns how the run failed and how long it took.
fn run_limited(
    limits: Limits,
    grant: Option<capy::GrantPolicy>,
    source: &str,
) -> (Option<RunError>, Duration) {
    let mut builder = engine().sandbox().limits(limits);
    if let Some(grant) = grant {
        builder = builder.grant(grant);
    }
    let mut sandbox = builder.build().expect("sandbox starts");
    let started = Instant::now();
    let outcome = sandbox.run(source).expect("run completes");
    (outcome.error, started.elapsed())
}

/// The engine still runs ordinary code after a limit was hit.
#[track_caller]
fn assert_host_survived() {
    let outcome = engine()
        .sandbox()
        .build()
        .unwrap()
        .run("print(sum(range(10)))")
        .unwrap();
    assert_eq!(
        (outcome.stdout_text(), outcome.error),
        ("45\n".to_owned(), None)
    );
}

#[track_caller]
fn assert_limit(error: Option<RunError>, expected: Limit) {
    assert_eq!(error, Some(RunError::LimitExceeded(expected)));
    assert_host_survived();
}

#[track_caller]
fn assert_exception(error: Option<RunError>, type_names: &[&str]) {
    match error {
        Some(RunError::Exception(e)) => assert!(type_names.contains(&e.type_name.as_str()), "{e}"),
        other => panic!("expected one of {type_names:?}, got {other:?}"),
    }
    assert_host_survived();
}

#[test]
fn an_endless_loop_hits_the_cpu_limit() {
    let (error, took) = run_limited(tight(), None, "while True:\n    pass");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(took >= Duration::from_secs(1), "stopped early: {took:?}");
    assert_limit(error, Limit::Cpu(Duration::from_secs(1)));
}

#[test]
fn the_wall_clock_limit_holds_when_cpu_is_plentiful() {
    let limits = tight()
        .cpu(Duration::from_secs(60))
        .wall(Duration::from_secs(1));
    let (error, took) = run_limited(limits, None, "while True:\n    pass");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_limit(error, Limit::Wall(Duration::from_secs(1)));
}

#[test]
fn each_run_gets_a_fresh_budget() {
    let mut sandbox = engine().sandbox().limits(tight()).build().unwrap();
    for _ in 0..3 {
        // ~0.4 s of work each: three runs together pass the 1 s budget,
        // but no single one does.
        let outcome = sandbox.run("sum(i * i for i in range(300000))").unwrap();
        assert_eq!(outcome.error, None);
    }
}

#[test]
fn a_huge_power_is_a_memory_error_not_a_crash() {
    let (error, _) = run_limited(tight(), None, "10**10**10");
    assert_exception(error, &["MemoryError"]);
}

#[test]
fn a_huge_string_is_refused() {
    let (error, _) = run_limited(tight(), None, "x = 'a' * 10**10");
    assert_exception(error, &["OverflowError", "MemoryError"]);
    let (error, _) = run_limited(tight(), None, "x = 'a' * 10**9");
    assert_limit(error, Limit::Memory(64 << 20));
}

#[test]
fn a_list_that_grows_forever_hits_the_memory_limit() {
    let limits = tight().cpu(Duration::from_secs(30));
    let (error, _) = run_limited(
        limits,
        None,
        "l = []\nwhile True:\n    l.append('x' * 1000)",
    );
    assert_limit(error, Limit::Memory(64 << 20));
}

#[test]
fn an_endless_generator_consumed_by_list_is_stopped() {
    let (error, _) = run_limited(tight(), None, "list(iter(int, 1))");
    match &error {
        Some(RunError::LimitExceeded(Limit::Memory(_) | Limit::Cpu(_))) => {}
        other => panic!("expected a memory or cpu limit, got {other:?}"),
    }
    assert_host_survived();
}

#[test]
fn unbounded_recursion_is_a_recursion_error() {
    let (error, _) = run_limited(tight(), None, "def f(n):\n    return f(n + 1)\nf(0)");
    assert_exception(error, &["RecursionError"]);
}

#[test]
fn a_print_flood_hits_the_output_limit() {
    let (error, _) = run_limited(
        tight().output(10_000),
        None,
        "while True:\n    print('x' * 100)",
    );
    assert_limit(error, Limit::Output(10_000));
}

/// What the host reports for a script that raised also counts: a traceback
/// (with the message in it) is cut at what is left of the output limit.
#[track_caller]
fn assert_cut_at_the_limit(error: Option<RunError>, limit: usize) {
    let Some(RunError::Exception(exception)) = error else {
        panic!("expected the script's exception, got {error:?}");
    };
    let marker = "more bytes cut at the output limit";
    for text in [&exception.traceback, &exception.message] {
        let (kept, rest) = text.split_once("[capy: ").expect("a cut marker");
        assert!(kept.len() <= limit + 1, "{} bytes kept", kept.len());
        assert!(rest.contains(marker), "{rest}");
        assert!(text.len() < limit + 200, "{} bytes reported", text.len());
    }
}

#[test]
fn a_huge_exception_message_is_cut_at_the_output_limit() {
    let (error, _) = run_limited(
        tight().output(1024),
        None,
        "print('x' * 100)\nraise ValueError('T' * 5_000_000)",
    );
    // 101 bytes were printed: the traceback gets what is left.
    assert_cut_at_the_limit(error, 1024 - 101);
}

#[test]
fn a_huge_source_line_in_a_traceback_is_cut_at_the_output_limit() {
    let source = format!("x = '{}'; 1 / 0\n", "S".repeat(2_000_000));
    let (error, _) = run_limited(tight().output(1024), None, &source);
    let Some(RunError::Exception(exception)) = &error else {
        panic!("expected ZeroDivisionError, got {error:?}");
    };
    assert!(
        exception.traceback.len() < 1300,
        "{}",
        exception.traceback.len()
    );
    assert!(exception.traceback.contains("cut at the output limit"));
}

#[test]
fn a_plugin_call_that_raises_a_huge_exception_is_cut_at_the_output_limit() {
    let mut plugin = engine()
        .sandbox()
        .limits(tight().output(1024))
        .build()
        .unwrap()
        .load("def boom():\n    raise KeyError('K' * 3_000_000)\n")
        .unwrap();
    let error = plugin
        .call_values("boom", capy::Value::List(vec![]), capy::Value::Dict(vec![]))
        .unwrap_err();
    match error {
        capy::Error::Run(error) => assert_cut_at_the_limit(Some(error), 1024),
        other => panic!("expected the script's exception, got {other:?}"),
    }
}

#[test]
fn a_traceback_within_the_limit_is_whole() {
    let (error, _) = run_limited(tight().output(1024), None, "raise ValueError('small')");
    let Some(RunError::Exception(exception)) = error else {
        panic!("expected ValueError");
    };
    assert_eq!(exception.message, "small");
    assert!(
        exception.traceback.ends_with("ValueError: small\n"),
        "{}",
        exception.traceback
    );
}

fn quota_grant(tree: &Tree, bytes: Option<u64>, files: Option<u64>) -> capy::GrantPolicy {
    let mut grant = capy::GrantPolicy::new(capy::DirGrant {
        name: "out".into(),
        path: tree.path("other"),
        access: capy::Access::ReadWrite,
    });
    grant.max_bytes_written = bytes;
    grant.max_files_created = files;
    grant
}

#[test]
fn a_write_loop_hits_the_byte_quota() {
    let tree = Tree::new();
    let grant = quota_grant(&tree, Some(10_000), None);
    let (error, _) = run_limited(
        tight(),
        Some(grant),
        "with (out / 'big.bin').open('wb') as f:\n    while True:\n        f.write(b'x' * 1000)",
    );
    assert_limit(
        error,
        Limit::BytesWritten {
            grant: "out".into(),
            max: 10_000,
        },
    );
    assert_eq!(
        std::fs::metadata(tree.path("other/big.bin")).unwrap().len(),
        10_000
    );
}

#[test]
fn creating_files_past_the_quota_is_stopped() {
    let tree = Tree::new();
    let grant = quota_grant(&tree, None, Some(5));
    let (error, _) = run_limited(
        tight(),
        Some(grant),
        "i = 0\nwhile True:\n    (out / f'f{i}.txt').touch()\n    i += 1",
    );
    assert_limit(
        error,
        Limit::FilesCreated {
            grant: "out".into(),
            max: 5,
        },
    );
    assert_eq!(std::fs::read_dir(tree.path("other")).unwrap().count(), 5);
}

#[test]
fn opening_handles_without_closing_hits_the_open_files_limit() {
    let tree = Tree::new();
    let grant = quota_grant(&tree, None, None);
    std::fs::write(tree.path("other/a.txt"), "a").unwrap();
    let (error, _) = run_limited(
        tight().open_files(16),
        Some(grant),
        "keep = []\nwhile True:\n    keep.append((out / 'a.txt').open())",
    );
    assert_limit(error, Limit::OpenFiles(16));
}

#[test]
fn closed_files_do_not_count_against_the_open_files_limit() {
    let tree = Tree::new();
    let grant = quota_grant(&tree, None, None);
    std::fs::write(tree.path("other/a.txt"), "a").unwrap();
    let (error, _) = run_limited(
        tight().open_files(4),
        Some(grant),
        "for _ in range(100):\n    with (out / 'a.txt').open() as f:\n        f.read()\nfor _ in range(100):\n    (out / 'a.txt').open().read()",
    );
    assert_eq!(error, None);
}

#[test]
fn hidden_paths_behave_as_if_they_did_not_exist() {
    let tree = Tree::new();
    tree.file("other/.git/config", "secret");
    tree.file("other/keys/server.key", "secret");
    tree.file("other/visible.txt", "ok");
    let mut grant = quota_grant(&tree, None, None);
    grant.hide = vec![".git".into(), "*.key".into()];
    let mut sandbox = engine().sandbox().grant(grant).build().unwrap();
    let outcome = sandbox
        .run(
            r#"
print(sorted(str(p) for p in out.rglob("*")))
for attempt in [
    lambda: (out / ".git" / "config").read_text(),
    lambda: (out / "keys" / "server.key").read_text(),
    lambda: (out / "new.key").write_text("x"),
    lambda: (out / ".git").mkdir(),
]:
    try:
        print("allowed:", attempt())
    except FileNotFoundError:
        print("FileNotFoundError")
"#,
        )
        .unwrap();
    assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
    assert_eq!(
        outcome.stdout_text(),
        "['/out/keys', '/out/visible.txt']\n".to_owned() + &"FileNotFoundError\n".repeat(4)
    );
    assert!(!tree.path("other/new.key").exists());
}

/// Issue 23 item 12, from a script: on a read-only grant a write fails with
/// the same `PermissionError` at a hidden name as anywhere else, and a
/// directory holding only hidden files looks empty (size 0, no entries)
/// but is not removable.
#[test]
fn hidden_entries_reveal_neither_names_nor_patterns() {
    let tree = Tree::new();
    tree.file("other/server.key", "secret");
    tree.file("other/vault/a.key", "secret");
    tree.file("other/vault/b.key", "secret");
    std::fs::create_dir(tree.path("other/empty")).unwrap();
    let mut grant = quota_grant(&tree, None, None);
    grant.hide = vec!["*.key".into()];
    let mut sandbox = engine().sandbox().grant(grant).build().unwrap();
    let outcome = sandbox
        .run(
            r#"
ro = out.readonly()
for name in ["server.key", "absent.key", "visible-but-missing"]:
    try:
        (ro / name).write_text("x")
    except OSError as e:
        print(name, type(e).__name__)
print([p.name for p in (out / "vault").iterdir()])
print((out / "vault").stat().st_size == (out / "empty").stat().st_size == 0)
try:
    (out / "vault").rmdir()
except OSError as e:
    print(type(e).__name__, e.errno)
"#,
        )
        .unwrap();
    assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
    assert_eq!(
        outcome.stdout_text(),
        "server.key PermissionError\nabsent.key PermissionError\n\
         visible-but-missing PermissionError\n[]\nTrue\nOSError 39\n"
    );
    assert_eq!(
        std::fs::read(tree.path("other/vault/a.key")).unwrap(),
        b"secret"
    );
}

/// The least memory a policy may set is enough to start a sandbox and use
/// a module: the snapshot the guest starts from must fit beneath it.
#[test]
fn the_least_memory_a_policy_allows_runs_a_script() {
    let limits = Limits::default().memory(Limits::MIN_MEMORY);
    let mut sandbox = engine()
        .sandbox()
        .limits(limits)
        .build()
        .expect("sandbox starts");
    let outcome = sandbox
        .run("import json\nprint(json.dumps({'n': sum(range(100))}))")
        .expect("run completes");
    assert_eq!(outcome.error, None, "stderr: {}", outcome.stderr_text());
    assert_eq!(outcome.stdout_text(), "{\"n\": 4950}\n");
}

/// Seeking far past the end and writing one byte would make a huge sparse
/// file: the quota counts the growth, and the file is not grown.
#[test]
fn a_sparse_write_past_the_end_hits_the_byte_quota() {
    let tree = Tree::new();
    let grant = quota_grant(&tree, Some(1000), None);
    let (error, _) = run_limited(
        tight(),
        Some(grant),
        "with (out / 'sparse.bin').open('wb') as f:\n    f.seek(10**12)\n    f.write(b'x')",
    );
    assert_limit(
        error,
        Limit::BytesWritten {
            grant: "out".into(),
            max: 1000,
        },
    );
    assert_eq!(
        std::fs::metadata(tree.path("other/sparse.bin"))
            .unwrap()
            .len(),
        0
    );
}

/// With `docs/*.tmp` hidden, renaming `docs` would expose `docs2/a.tmp`, and
/// renaming a directory holding `planted.tmp` to `docs` would plant a
/// hidden path: both are `PermissionError`s and change nothing.
#[test]
fn renaming_a_parent_cannot_expose_or_plant_hidden_paths() {
    let tree = Tree::new();
    tree.file("other/docs/a.tmp", "hidden");
    tree.file("other/docs/b.txt", "visible");
    let mut grant = quota_grant(&tree, None, None);
    grant.hide = vec!["docs/*.tmp".into()];
    let mut sandbox = engine().sandbox().grant(grant).build().unwrap();
    let outcome = sandbox
        .run(
            r#"
for attempt in [
    lambda: (out / "docs").rename(out / "docs2"),
    lambda: ((out / "staging").mkdir(), (out / "staging" / "planted.tmp").write_text("x"),
             (out / "staging").rename(out / "docs3"), (out / "docs3").rename(out / "docs")),
]:
    try:
        attempt()
        print("allowed")
    except PermissionError:
        print("PermissionError")
print(sorted(str(p) for p in out.rglob("*")))
"#,
        )
        .unwrap();
    assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
    assert_eq!(
        outcome.stdout_text(),
        "PermissionError\nPermissionError\n\
         ['/out/docs', '/out/docs/b.txt', '/out/docs3', '/out/docs3/planted.tmp']\n"
    );
    assert_eq!(
        std::fs::read(tree.path("other/docs/a.tmp")).unwrap(),
        b"hidden"
    );
    assert!(!tree.path("other/docs/planted.tmp").exists());
}

/// A FIFO in a grant is an `OSError` at once for every way of opening it,
/// never an open that waits for a writer past every time limit.
#[test]
fn a_fifo_in_a_grant_is_refused_without_blocking() {
    let tree = Tree::new();
    let fifo = tree.path("other/pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(matches!(made, Ok(s) if s.success()), "mkfifo: {made:?}");
    let grant = quota_grant(&tree, None, None);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let source = r#"
for attempt in [
    lambda: (out / "pipe").read_bytes(),
    lambda: (out / "pipe").open("rb"),
    lambda: (out / "pipe").open("ab"),
    lambda: (out / "pipe").write_text("x"),
    lambda: (out / "pipe").touch(),
]:
    try:
        attempt()
        print("allowed")
    except OSError as e:
        print(type(e).__name__)
"#;
        let mut sandbox = engine().sandbox().grant(grant).build().unwrap();
        let outcome = sandbox.run(source).unwrap();
        let _ = tx.send((outcome.stdout_text(), outcome.error));
    });
    let (stdout, error) = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the run blocked on the FIFO");
    assert_eq!(error, None);
    assert_eq!(stdout, "OSError\n".repeat(5));
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
}

/// An audit sink that counts what it is given and keeps the last line.
#[derive(Clone, Default)]
struct CountingSink(std::sync::Arc<std::sync::Mutex<(u64, Vec<u8>)>>);

impl std::io::Write for CountingSink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let mut state = self.0.lock().unwrap();
        state.0 += data.len() as u64;
        state.1 = data.to_vec();
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn an_audit_flood_hits_the_audit_log_limit() {
    // Issue 23, item 5: long paths in a loop of `exists()` wrote 151 MB of
    // audit log. Paths are cut to 256 characters, and the log's budget
    // (64 MiB per sandbox) is a named limit.
    let tree = Tree::new();
    let sink = CountingSink::default();
    let mut sandbox = engine()
        .sandbox()
        .dir("data", tree.grant(), capy::Access::ReadOnly)
        .audit(sink.clone())
        .limits(
            Limits::default()
                .cpu(Duration::from_secs(60))
                .wall(Duration::from_secs(120)),
        )
        .build()
        .unwrap();
    let outcome = sandbox
        .run("p = data / ('x' * 5_000)\nwhile True:\n    p.exists()\n")
        .unwrap();
    assert_limit(outcome.error, Limit::AuditLog(64 << 20));
    let (written, last) = sink.0.lock().unwrap().clone();
    assert!(written <= (64 << 20) + 200, "{written}");
    assert!(
        String::from_utf8_lossy(&last).contains("\"op\":\"audit-log-full\""),
        "{}",
        String::from_utf8_lossy(&last)
    );
    assert_host_survived();
}
