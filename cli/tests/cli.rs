//! The `capy` command line, run as a user would: exit codes, messages and
//! what reaches the terminal.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Once;

/// The compiled-guest cache shared with the library suite (same target dir).
const CACHE_DIR: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/capy-cache");

fn capy() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_capy"));
    command
        .env("CAPY_CACHE_DIR", CACHE_DIR)
        .env_remove("CAPY_LOG");
    command
}

/// Compiles the guest into the cache once, so parallel tests don't all
/// compile it at the same time.
fn warm_cache() {
    static WARM: Once = Once::new();
    WARM.call_once(|| {
        let dir = tempfile::tempdir().unwrap();
        let script = write(dir.path(), "warm.py", "pass");
        assert!(
            capy()
                .arg("run")
                .arg(script)
                .output()
                .unwrap()
                .status
                .success()
        );
    });
}

fn write(dir: &Path, name: &str, source: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, source).unwrap();
    path
}

/// Runs `capy run` on a script with the given source.
fn run_script(name: &str, source: &str) -> Output {
    warm_cache();
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), name, source);
    capy().arg("run").arg(script).output().unwrap()
}

/// Runs `capy run script` with its own compiled-guest cache directory.
fn run_with_cache(cache: &Path, script: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_capy"))
        .env("CAPY_CACHE_DIR", cache)
        .arg("run")
        .arg(script)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn hello_prints_and_exits_zero() {
    let out = run_script("hello.py", "print('hello from capy')");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "hello from capy\n");
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn the_bundled_example_runs() {
    warm_cache();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello.py");
    let out = capy().arg("run").arg(example).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("Hello, capy!\n"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn an_uncaught_exception_prints_a_traceback_and_exits_one() {
    let out = run_script(
        "fails.py",
        "print('before')\n\ndef f(x):\n    return 1 / x\n\nf(0)\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "before\n");
    assert_eq!(
        text(&out.stderr),
        "Traceback (most recent call last):\n  \
           File \"fails.py\", line 6, in <module>\n    f(0)\n  \
           File \"fails.py\", line 4, in f\n    return 1 / x\n\
         ZeroDivisionError: division by zero\n"
    );
}

#[test]
fn tracebacks_show_the_file_name_but_no_host_directory() {
    let out = run_script("where.py", "raise RuntimeError('x')");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("File \"where.py\""), "{stderr}");
    let temp = std::env::temp_dir();
    assert!(!stderr.contains(&*temp.to_string_lossy()), "{stderr}");
}

#[test]
fn a_syntax_error_exits_one_and_says_where() {
    let out = run_script("broken.py", "x = 1\nif x\n    print(x)\n");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("File \"broken.py\", line 2"), "{stderr}");
    assert!(stderr.contains("SyntaxError"), "{stderr}");
}

#[test]
fn a_print_flood_hits_the_output_limit_and_exits_three() {
    let out = run_script("flood.py", "while True:\n    print('flood')\n");
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(out.stdout.len(), 1 << 20, "output up to the limit is kept");
    assert_eq!(text(&out.stderr), "capy: limit exceeded: output 1MiB\n");
}

#[test]
fn max_output_sets_the_limit() {
    warm_cache();
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "f.py", "print('x' * 100)");
    let out = capy()
        .args(["run", "--max-output", "10B"])
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(text(&out.stdout), "xxxxxxxxxx");
    assert_eq!(text(&out.stderr), "capy: limit exceeded: output 10B\n");
}

#[test]
fn a_traceback_counts_against_max_output() {
    warm_cache();
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "f.py", "raise ValueError('T' * 5_000_000)\n");
    let out = capy()
        .args(["run", "--max-output", "1KiB"])
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "the script raised");
    let stderr = text(&out.stderr);
    assert!(stderr.len() < 1500, "{} bytes of stderr", stderr.len());
    assert!(stderr.starts_with("Traceback"), "{stderr}");
    assert!(
        stderr.ends_with("more bytes cut at the output limit of 1024 bytes]\n"),
        "{stderr}"
    );
}

#[test]
fn a_bad_size_is_a_usage_error() {
    let out = capy()
        .args(["run", "--max-output", "lots", "x.py"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("invalid size \"lots\""),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_missing_script_is_a_one_line_usage_error() {
    let out = capy().args(["run", "no/such/script.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "capy: cannot read script no/such/script.py: no such file\n"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn holding_handles_without_end_exits_three_naming_the_limit() {
    // It used to exhaust the guest's resource table: a crash, exit 4
    // (issue 23 item 7). No script is known to crash the guest now; the
    // exit-4 path is `exit_code`'s unit test in `src/main.rs`.
    let dir = tempfile::tempdir().unwrap();
    let grant = format!("data={}", dir.path().display());
    let source = "keep = []\nwhile True:\n    keep.append(data.readonly())\n";
    let out = run_script_with(&["--dir", &grant], source);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "capy: limit exceeded: file-system handles 4096\n"
    );
}

#[test]
fn deep_recursion_is_a_recursion_error_not_a_crash() {
    let out = run_script("deep.py", "def r(n):\n    return r(n + 1)\nr(0)\n");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("RecursionError: maximum recursion depth exceeded"),
        "{stderr}"
    );
    assert!(
        stderr.contains("more frames"),
        "long tracebacks are shortened: {stderr}"
    );
}

#[test]
fn the_first_run_compiles_once_and_says_so() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "a.py", "print(1)");
    let run = || run_with_cache(cache.path(), &script);
    let first = run();
    assert_eq!(
        text(&first.stderr),
        "capy: compiling the sandbox (one time)…\n"
    );
    assert_eq!(text(&first.stdout), "1\n");
    let second = run();
    assert_eq!(text(&second.stderr), "", "the second run loads the cache");
    assert_eq!(text(&second.stdout), "1\n");
}

#[test]
fn a_corrupt_cache_is_recompiled_not_fatal() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "a.py", "print(2)");
    let run = || run_with_cache(cache.path(), &script);
    assert!(run().status.success());
    for entry in std::fs::read_dir(cache.path()).unwrap() {
        std::fs::write(entry.unwrap().path(), b"not a compiled module").unwrap();
    }
    let out = run();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "2\n");
    assert!(
        text(&out.stderr).contains("compiling the sandbox"),
        "{}",
        text(&out.stderr)
    );
}

/// Runs `capy run` with extra arguments before the script.
fn run_script_with(args: &[&str], source: &str) -> Output {
    warm_cache();
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "script.py", source);
    capy().arg("run").args(args).arg(script).output().unwrap()
}

#[test]
fn dir_grants_appear_as_globals_read_only_by_default() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("in")).unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("in/a.txt"), "from the host").unwrap();
    let input = format!("data={}", dir.path().join("in").display());
    let output = format!("out={}:rw", dir.path().join("out").display());
    let out = run_script_with(
        &["--dir", &input, "--dir", &output],
        "text = (data / 'a.txt').read_text()\n\
         (out / 'b.txt').write_text(text.upper())\n\
         print(data, out)\n\
         (data / 'c.txt').write_text('no')",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "/data /out\n");
    let stderr = text(&out.stderr);
    assert!(
        stderr.ends_with("PermissionError: [Errno 13] Permission denied: '/data/c.txt'\n"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(&dir.path().display().to_string()),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/b.txt")).unwrap(),
        "FROM THE HOST"
    );
    assert!(!dir.path().join("in/c.txt").exists());
}

#[test]
fn bad_dir_grants_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("data={}", dir.path().join("nope").display());
    let out = run_script_with(&["--dir", &missing], "pass");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("grant `data`.path"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("does not exist"),
        "{}",
        text(&out.stderr)
    );

    for (spec, message) in [
        ("data", "expected NAME=PATH"),
        ("print=.", "shadow the Python builtin"),
        ("my-data=.", "not a Python identifier"),
    ] {
        let out = run_script_with(&["--dir", spec], "pass");
        assert_eq!(out.status.code(), Some(2), "{spec}");
        assert!(
            text(&out.stderr).contains(message),
            "{spec}: {}",
            text(&out.stderr)
        );
    }
    let here = format!("d={}", dir.path().display());
    let out = run_script_with(&["--dir", &here, "--dir", &here], "pass");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("used twice"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn audit_writes_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "12345").unwrap();
    let audit = dir.path().join("audit.jsonl");
    let grant = format!("data={}", dir.path().display());
    let out = run_script_with(
        &["--dir", &grant, "--audit", audit.to_str().unwrap()],
        "(data / 'a.txt').read_bytes()\n(data / 'gone').exists()",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let log = std::fs::read_to_string(&audit).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].contains(r#""op":"read","path":"/data/a.txt","bytes":5,"outcome":"ok""#),
        "{log}"
    );
    assert!(
        lines[1].contains(r#""op":"stat","path":"/data/gone","outcome":"not-found""#),
        "{log}"
    );
}

#[test]
fn the_report_example_reads_its_grant() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let grant = format!("data={}", examples.join("data").display());
    let out = run_script_with(
        &["--dir", &grant],
        &std::fs::read_to_string(examples.join("report.py")).unwrap(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("/data/2024/trips.csv: 2 cities, 8 visits\n"),
        "{stdout}"
    );
    assert!(stdout.contains("total: 10 visits\n"), "{stdout}");
    assert_eq!(stdout.matches("refused:").count(), 2, "{stdout}");
}

#[test]
fn an_endless_loop_exits_three_naming_the_cpu_limit() {
    let out = run_script_with(&["--cpu", "1s"], "while True:\n    pass");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "capy: limit exceeded: cpu 1s\n");
}

#[test]
fn a_policy_file_sets_grants_and_limits_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let policy = write(
        dir.path(),
        "policy.toml",
        "[limits]\noutput = \"1KiB\"\n\n[[grant]]\nname = \"out\"\npath = \"out\"\naccess = \"rw\"\nmax_files_created = 2\n",
    );
    let policy = policy.to_str().unwrap();
    let out = run_script_with(
        &["--policy", policy],
        "for i in range(10):\n    (out / f'{i}.txt').touch()",
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "capy: limit exceeded: files created in `out` 2\n"
    );

    let out = run_script_with(&["--policy", policy], "print('x' * 2000)");
    assert_eq!(out.status.code(), Some(3));
    let out = run_script_with(
        &["--policy", policy, "--max-output", "1MiB"],
        "print('x' * 2000)",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn check_prints_the_effective_policy_or_says_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    let good = write(
        dir.path(),
        "good.toml",
        "[limits]\ncpu = \"2s\"\n\n[[grant]]\nname = \"data\"\npath = \"data\"\n",
    );
    let out = capy().arg("check").arg(&good).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(printed.contains("cpu = \"2s\""), "{printed}");
    assert!(printed.contains("memory = \"256MiB\""), "{printed}");
    assert!(printed.contains("access = \"ro\""), "{printed}");

    for (body, needle) in [
        ("[limits]\ncpux = \"2s\"\n", "unknown field `cpux`"),
        ("[limits]\nmemory = \"12 parsecs\"\n", "limits.memory"),
        (
            "[[grant]]\nname = \"data\"\npath = \"missing\"\n",
            "does not exist",
        ),
        ("[[grant]]\nname = \"print\"\npath = \"data\"\n", "shadow"),
    ] {
        let bad = write(dir.path(), "bad.toml", body);
        let out = capy().arg("check").arg(&bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{body}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(needle), "{body}: {stderr}");
        assert!(stderr.contains("line"), "{body}: {stderr}");
    }
}

#[test]
fn check_prints_modules_and_determinism_and_names_bad_modules() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(
        dir.path(),
        "good.toml",
        "modules = [\"json\", \"re\"]\n\n[determinism]\nrandom_seed = 42\nclock = 1704067200\n",
    );
    let out = capy().arg("check").arg(&good).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(
        printed.starts_with("modules = [\"json\", \"re\"]\n"),
        "{printed}"
    );
    assert!(
        printed.contains("[determinism]\nrandom_seed = 42\nclock = \"2024-01-01T00:00:00Z\"\n"),
        "{printed}"
    );

    for (body, needle) in [
        (
            "modules = [\"json\",\n  \"os\"]\n",
            "modules[2]: unknown module `os`; the sandbox can grant: __future__, abc, array, base64",
        ),
        ("modules = [\"jsn\"]\n", "(did you mean `json`?)"),
        (
            "modules = [\"re\", \"re\"]\n",
            "module `re` is listed twice",
        ),
        (
            "[determinism]\nclock = \"noon\"\n",
            "invalid clock \"noon\"",
        ),
    ] {
        let bad = write(dir.path(), "bad.toml", body);
        let out = capy().arg("check").arg(&bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{body}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(needle), "{body}: {stderr}");
        assert!(stderr.contains("line"), "{body}: {stderr}");
    }
}

#[test]
fn bad_module_seed_and_clock_flags_are_usage_errors() {
    for (flags, needle) in [
        (&["--module", "os"][..], "unknown module `os`"),
        (&["--seed", "x"], "--seed"),
        (&["--clock", "noon"], "invalid clock \"noon\""),
    ] {
        let out = capy().arg("run").args(flags).arg("x.py").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{flags:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(needle), "{flags:?}: {stderr}");
    }
}

#[test]
fn module_seed_and_clock_flags_reach_the_script() {
    let source = "import time, random\n\
                  print(time.time(), random.random())";
    let flags = [
        "--module",
        "time",
        "--module",
        "random",
        "--seed",
        "42",
        "--clock",
        "2024-01-01T00:00:00Z",
    ];
    let out = run_script_with(&flags, source);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let first = text(&out.stdout);
    assert!(first.starts_with("1704067200.0 "), "{first}");
    assert_eq!(text(&run_script_with(&flags, source).stdout), first);

    let out = run_script_with(&["--module", "time"], "import random");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("'random' is not granted"),
        "{}",
        text(&out.stderr)
    );
}

/// `--dir NAME=PATH` over the policy's grant `NAME` moves it to PATH and
/// keeps what the policy restricted (hide patterns, quotas, read-only);
/// asking to make a read-only grant writable is a usage error.
#[test]
fn a_dir_flag_overriding_a_policy_grant_keeps_its_restrictions() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(elsewhere.join("keys")).unwrap();
    std::fs::write(elsewhere.join("keys/id.key"), "secret").unwrap();
    std::fs::write(elsewhere.join("a.txt"), "a").unwrap();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::fs::create_dir(dir.path().join("ro")).unwrap();
    let policy = write(
        dir.path(),
        "policy.toml",
        "[[grant]]\nname = \"out\"\npath = \"out\"\naccess = \"rw\"\n\
         max_bytes_written = 10\nhide = [\"*.key\"]\n\n\
         [[grant]]\nname = \"data\"\npath = \"ro\"\n",
    );
    let policy = policy.to_str().unwrap();
    let flag = format!("out={}:rw", elsewhere.display());
    let out = run_script_with(
        &["--policy", policy, "--dir", &flag],
        "print(sorted(str(p) for p in out.rglob('*')))\n\
         try:\n    (out / 'keys' / 'id.key').read_text()\nexcept FileNotFoundError:\n    print('hidden')\n\
         (out / 'b.txt').write_text('x' * 11)",
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "['/out/a.txt', '/out/keys']\nhidden\n");
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("capy: limit exceeded: bytes written to `out`"),
        "{stderr}"
    );
    assert!(
        std::fs::read(elsewhere.join("b.txt")).map_or(true, |b| b.is_empty()),
        "the refused write wrote nothing"
    );

    // The policy's read-only grant stays read-only under a plain --dir ...
    let plain = format!("data={}", elsewhere.display());
    let out = run_script_with(
        &["--policy", policy, "--dir", &plain],
        "print((data / 'a.txt').read_text())\n(data / 'c.txt').write_text('no')",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "a\n");
    assert!(
        text(&out.stderr).contains("PermissionError"),
        "{}",
        text(&out.stderr)
    );
    assert!(!elsewhere.join("c.txt").exists());
    // ... and asking for :rw says why it is refused.
    let widen = format!("data={}:rw", elsewhere.display());
    let out = run_script_with(&["--policy", policy, "--dir", &widen], "pass");
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("grant `data`.access"), "{stderr}");
    assert!(stderr.contains("read-only"), "{stderr}");
}
