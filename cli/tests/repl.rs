//! `capy repl`, driven as a user would: through a pseudo-terminal for the
//! interactive prompt, and through a pipe for the quiet mode.
//!
//! The PTY tests wait for what the REPL prints, never for fixed times.
//! Outputs they look for are chosen not to appear in the typed input
//! (which the line editor echoes): `add(20, 22)` is checked by `42`.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Once;

/// The compiled-guest cache shared with the other suites (same target dir).
const CACHE_DIR: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/capy-cache");

/// `capy` with the shared cache, no log filter, and a private data
/// directory so history never touches the user's.
fn capy(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_capy"));
    command
        .env("CAPY_CACHE_DIR", CACHE_DIR)
        .env_remove("CAPY_LOG")
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data-home"));
    command
}

/// Compiles the guest into the cache once, so tests don't each compile it.
fn warm_cache() {
    static WARM: Once = Once::new();
    WARM.call_once(|| {
        let home = tempfile::tempdir().unwrap();
        let out = piped(home.path(), &[], "pass\n");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    });
}

/// Runs `capy repl ARGS` with `input` on a pipe.
fn piped(home: &Path, args: &[&str], input: &str) -> Output {
    let mut child = capy(home)
        .arg("repl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A REPL that refuses its flags exits before reading: a closed pipe
    // is then expected, and what it printed is the point of the test.
    if let Err(err) = child.stdin.take().unwrap().write_all(input.as_bytes()) {
        assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe, "{err}");
    }
    child.wait_with_output().unwrap()
}

fn run_piped(args: &[&str], input: &str) -> Output {
    warm_cache();
    let home = tempfile::tempdir().unwrap();
    piped(home.path(), args, input)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A data directory with one file, `hello.txt`.
fn data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hello.txt"), "hello from the grant\n").unwrap();
    dir
}

fn grant(name: &str, dir: &Path, access: &str) -> String {
    format!("{name}={}:{access}", dir.display())
}

#[test]
fn piped_input_runs_quietly_and_echoes_values() {
    let input = "\
x = 6 * 7
x
def add(a, b):
    return a + b

add(x, 1)
print('printed')
None
for i in range(2):
    print(i)
def sub(a, b):
    return a - b
sub(x, 2)
s = '''two
lines'''
s
";
    let out = run_piped(&[], input);
    assert_eq!(text(&out.stderr), "");
    assert_eq!(
        text(&out.stdout),
        "42\n43\nprinted\n0\n1\n40\n'two\\nlines'\n"
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn piped_errors_print_tracebacks_and_later_inputs_still_run() {
    let input = "\
x = 1
1 / 0
x + 1
undefined_name
x + 2
";
    let out = run_piped(&[], input);
    assert_eq!(text(&out.stdout), "2\n3\n");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("Traceback (most recent call last):"),
        "{stderr}"
    );
    assert!(stderr.contains("ZeroDivisionError"), "{stderr}");
    assert!(stderr.contains("NameError"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "1: an input raised");
}

#[test]
fn piped_syntax_errors_count_as_raised() {
    let out = run_piped(&[], "x = (1,\n2))\nprint('after')\n");
    assert_eq!(text(&out.stdout), "after\n");
    assert!(
        text(&out.stderr).contains("SyntaxError"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn piped_cpu_limit_is_survived_and_exits_three() {
    let input = "\
x = 5
while True:
    pass

x
";
    let out = run_piped(&["--cpu", "200ms"], input);
    assert_eq!(text(&out.stdout), "5\n");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("capy: limit exceeded: cpu 200ms (the session continues)"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn piped_memory_limit_stops_the_rest_of_the_input() {
    let input = "\
print('before')
b = bytearray(1 << 30)
print('after')
";
    let out = run_piped(&["--memory", "64MiB"], input);
    assert_eq!(text(&out.stdout), "before\n");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("limit exceeded: memory 64MiB"), "{stderr}");
    assert!(
        stderr.contains("the rest of the input was not run"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn piped_grants_are_those_of_capy_run() {
    let data = data_dir();
    let out = run_piped(
        &["--dir", &grant("data", data.path(), "ro")],
        "(data / 'hello.txt').read_text()\n(data / 'new.txt').write_text('x')\n",
    );
    assert_eq!(text(&out.stdout), "'hello from the grant\\n'\n");
    assert!(
        text(&out.stderr).contains("PermissionError"),
        "{}",
        text(&out.stderr)
    );
    assert!(!data.path().join("new.txt").exists());
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn piped_caps_prints_the_table() {
    let data = data_dir();
    let out = run_piped(&["--dir", &grant("data", data.path(), "rw")], "%caps\n");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("  data  read-write  /data  "), "{stdout}");
    assert!(stdout.contains("Limits: cpu 10s"), "{stdout}");
    assert!(
        stdout.contains("\nModules: __future__, abc, array, base64, binascii, "),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let out = run_piped(&["--module", "json", "--seed", "7"], "%caps\n");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("\nModules: json\nDeterministic: seed 7\n"),
        "{stdout}"
    );
}

#[test]
fn bad_grants_are_usage_errors_as_for_run() {
    let out = run_piped(&["--dir", "data=/no/such/capy/dir"], "1\n");
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("/no/such/capy/dir does not exist"),
        "{stderr}"
    );
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn help_documents_the_piped_exit_codes() {
    let home = tempfile::tempdir().unwrap();
    let out = capy(home.path()).args(["repl", "--help"]).output().unwrap();
    let help = text(&out.stdout);
    assert!(help.contains("%caps"), "{help}");
    assert!(help.contains("Exit code"), "{help}");
    assert!(help.contains("--dir"), "{help}");
}

#[cfg(unix)]
mod terminal {
    use super::*;
    use std::path::PathBuf;

    use rexpect::process::wait::WaitStatus;
    use rexpect::session::PtySession;

    /// Generous: the first prompt waits for the engine to load.
    const TIMEOUT_MS: u64 = 60_000;

    /// A REPL on a pseudo-terminal, and its private home directory.
    struct Repl {
        pty: PtySession,
        home: tempfile::TempDir,
    }

    impl Repl {
        fn start(args: &[&str]) -> Repl {
            warm_cache();
            let home = tempfile::tempdir().unwrap();
            let mut command = capy(home.path());
            command.arg("repl").args(args).env("TERM", "xterm");
            let pty = rexpect::session::spawn_command(command, Some(TIMEOUT_MS)).unwrap();
            let mut repl = Repl { pty, home };
            repl.prompt();
            repl
        }

        /// Waits for `needle`; returns what came before it.
        fn expect(&mut self, needle: &str) -> String {
            match self.pty.exp_string(needle) {
                Ok(before) => before,
                Err(err) => panic!("waiting for {needle:?}: {err}"),
            }
        }

        fn prompt(&mut self) {
            self.expect(">>> ");
        }

        fn more(&mut self) {
            self.expect("... ");
        }

        /// Types `line` and Enter.
        fn line(&mut self, line: &str) {
            self.pty.send_line(line).unwrap();
        }

        fn ctrl(&mut self, key: char) {
            self.pty.send_control(key).unwrap();
        }

        /// Presses Ctrl-D at the prompt and returns the exit code.
        fn exit(mut self) -> (i32, tempfile::TempDir) {
            self.ctrl('d');
            self.pty.exp_eof().unwrap();
            match self.pty.process().wait().unwrap() {
                WaitStatus::Exited(_, code) => (code, self.home),
                other => panic!("capy repl did not exit: {other:?}"),
            }
        }
    }

    #[test]
    fn a_function_over_two_lines_is_defined_and_called() {
        let mut repl = Repl::start(&[]);
        repl.line("def add(a, b):");
        repl.more();
        // Tab at the start of a line indents.
        repl.line("\treturn a + b");
        repl.more();
        repl.line("");
        repl.prompt();
        repl.line("add(20, 22)");
        repl.expect("42");
        repl.prompt();
        repl.line("None");
        repl.prompt();
        assert_eq!(repl.exit().0, 0);
    }

    #[test]
    fn lines_typed_ahead_are_not_lost() {
        let mut repl = Repl::start(&[]);
        // Both lines reach the terminal before the first has run.
        repl.pty.send("a = 20\nb = 22\n").unwrap();
        repl.pty.flush().unwrap();
        repl.line("a + b");
        repl.expect("42");
        repl.prompt();
        assert_eq!(repl.exit().0, 0);
    }

    #[test]
    fn an_exception_leaves_the_session_alive() {
        let mut repl = Repl::start(&[]);
        repl.line("x = 6 * 7");
        repl.prompt();
        repl.line("1 / 0");
        repl.expect("Traceback (most recent call last):");
        repl.expect("ZeroDivisionError");
        repl.prompt();
        repl.line("x + 1");
        repl.expect("43");
        repl.prompt();
        assert_eq!(repl.exit().0, 0);
    }

    #[test]
    fn ctrl_c_interrupts_running_code_and_keeps_the_session() {
        let mut repl = Repl::start(&[]);
        repl.line("x = 6 * 7");
        repl.prompt();
        repl.line("def spin():");
        repl.more();
        repl.line("    print('spin' + 'ning')");
        repl.more();
        repl.line("    while True: pass");
        repl.more();
        repl.line("");
        repl.prompt();
        repl.line("spin()");
        repl.expect("spinning");
        repl.ctrl('c');
        repl.expect("KeyboardInterrupt");
        repl.prompt();
        repl.line("x + 1");
        repl.expect("43");
        repl.prompt();
        assert_eq!(repl.exit().0, 0);
    }

    #[test]
    fn a_second_ctrl_c_ends_a_stubborn_run_and_starts_afresh() {
        let mut repl = Repl::start(&[]);
        repl.line("x = 1");
        repl.prompt();
        for line in [
            "def stubborn():",
            "    print('stub' + 'born')",
            "    while True:",
            "        try:",
            "            while True: pass",
            "        except KeyboardInterrupt:",
            "            print('ig' + 'nored')",
        ] {
            repl.line(line);
            repl.more();
        }
        repl.line("");
        repl.prompt();
        repl.line("stubborn()");
        // The run's own line, not the echo of the typed call: a Ctrl-C
        // typed before the run starts is input to the line editor.
        repl.expect("\nstubborn\r");
        repl.ctrl('c');
        repl.expect("ignored");
        repl.ctrl('c');
        repl.expect("the run was ended by force; the sandbox stopped");
        repl.expect("started a fresh session");
        repl.prompt();
        repl.line("x");
        repl.expect("NameError");
        repl.prompt();
        assert_eq!(repl.exit().0, 0);
    }

    #[test]
    fn ctrl_c_at_the_prompt_discards_the_input() {
        let mut repl = Repl::start(&[]);
        repl.line("def f():");
        repl.more();
        repl.ctrl('c');
        repl.expect("KeyboardInterrupt");
        repl.prompt();
        repl.line("40 + 2");
        repl.expect("42");
        repl.prompt();
        assert_eq!(repl.exit().0, 0);
    }

    #[test]
    fn a_granted_file_reads_and_a_read_only_grant_refuses_writes() {
        let data = data_dir();
        let mut repl = Repl::start(&["--dir", &grant("data", data.path(), "ro")]);
        repl.line("(data / 'hello.txt').read_text()");
        repl.expect("hello from the grant");
        repl.prompt();
        repl.line("(data / 'new.txt').write_text('x')");
        repl.expect("PermissionError");
        repl.prompt();
        assert!(!data.path().join("new.txt").exists());
        assert_eq!(repl.exit().0, 0);
    }

    #[test]
    fn tab_completes_proxy_attributes() {
        let data = data_dir();
        let mut repl = Repl::start(&["--dir", &grant("data", data.path(), "ro")]);
        repl.line("hello = data / 'hello.txt'");
        repl.prompt();
        // A unique completion: `hello.read_t` becomes `hello.read_text`,
        // which the call then proves.
        repl.pty.send("hello.read_t\t()\n").unwrap();
        repl.pty.flush().unwrap();
        repl.expect("hello from the grant");
        repl.prompt();
        // An ambiguous one: a second Tab lists the choices.
        repl.pty.send("data.read_\t\t").unwrap();
        repl.pty.flush().unwrap();
        repl.expect("read_bytes");
        repl.expect("read_text");
        repl.ctrl('c');
        repl.expect("KeyboardInterrupt");
        repl.prompt();
        assert_eq!(repl.exit().0, 0);
    }

    #[test]
    fn the_banner_and_caps_list_the_grants() {
        let data = data_dir();
        let out = tempfile::tempdir().unwrap();
        warm_cache();
        let home = tempfile::tempdir().unwrap();
        let mut command = capy(home.path());
        command
            .arg("repl")
            .args(["--dir", &grant("data", data.path(), "ro")])
            .args(["--dir", &grant("out", out.path(), "rw")])
            .env("TERM", "xterm");
        let pty = rexpect::session::spawn_command(command, Some(TIMEOUT_MS)).unwrap();
        let mut repl = Repl { pty, home };
        let banner = repl.expect(">>> ");
        assert!(banner.contains("/data"), "{banner}");
        assert!(banner.contains("read-only"), "{banner}");
        assert!(banner.contains("%caps"), "{banner}");
        repl.line("%caps");
        let table = repl.expect(">>> ");
        assert!(table.contains("  data  read-only   /data  "), "{table}");
        assert!(table.contains("  out   read-write  /out   "), "{table}");
        assert!(table.contains("Limits: cpu 10s"), "{table}");
        repl.line("%help");
        repl.expect("list the grants and limits");
        repl.prompt();
        assert_eq!(repl.exit().0, 0);
    }

    #[test]
    fn a_cpu_limit_is_survived() {
        let mut repl = Repl::start(&["--cpu", "300ms"]);
        repl.line("x = 6 * 7");
        repl.prompt();
        repl.line("while True: pass");
        repl.more();
        repl.line("");
        repl.expect("capy: limit exceeded: cpu 300ms (the session continues)");
        repl.prompt();
        repl.line("x + 1");
        repl.expect("43");
        repl.prompt();
        assert_eq!(repl.exit().0, 0);
    }

    #[test]
    fn a_memory_limit_starts_a_fresh_session_and_says_so() {
        let mut repl = Repl::start(&["--memory", "64MiB"]);
        repl.line("x = 1");
        repl.prompt();
        repl.line("b = bytearray(1 << 30)");
        repl.expect("limit exceeded: memory 64MiB; the sandbox stopped");
        repl.expect("earlier variables and definitions are gone");
        repl.prompt();
        repl.line("x");
        repl.expect("NameError");
        repl.prompt();
        repl.line("40 + 2");
        repl.expect("42");
        repl.prompt();
        assert_eq!(repl.exit().0, 0);
    }

    #[test]
    fn ctrl_c_ends_a_piped_session_with_130() {
        warm_cache();
        let home = tempfile::tempdir().unwrap();
        let input = home.path().join("input.py");
        std::fs::write(
            &input,
            // "spinning" comes from inside the input that loops, so the
            // Ctrl-C cannot land between two inputs.
            "def spin():\n    print('spin' + 'ning')\n    while True: pass\n\nspin()\nprint('not reached')\n",
        )
        .unwrap();
        // A terminal for the signal, a file for standard input.
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(r#"exec "$0" repl < "$1""#)
            .arg(env!("CARGO_BIN_EXE_capy"))
            .arg(&input)
            .env("CAPY_CACHE_DIR", CACHE_DIR)
            .env_remove("CAPY_LOG")
            .env("XDG_DATA_HOME", home.path());
        let pty = rexpect::session::spawn_command(command, Some(TIMEOUT_MS)).unwrap();
        let mut repl = Repl { pty, home };
        repl.expect("spinning");
        repl.ctrl('c');
        repl.expect("KeyboardInterrupt");
        let rest = repl.pty.exp_eof().unwrap();
        assert!(!rest.contains("not reached"), "{rest}");
        match repl.pty.process().wait().unwrap() {
            WaitStatus::Exited(_, code) => assert_eq!(code, 130),
            other => panic!("capy repl did not exit: {other:?}"),
        }
    }

    #[test]
    fn ctrl_d_exits_zero_and_history_is_private() {
        let mut repl = Repl::start(&[]);
        repl.line("history_marker = 1");
        repl.prompt();
        let (code, home) = repl.exit();
        assert_eq!(code, 0);
        let file: PathBuf = home.path().join("data-home/capy/history");
        let saved = std::fs::read_to_string(&file).unwrap();
        assert!(saved.contains("history_marker = 1"), "{saved}");
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().unwrap()), 0o700);
    }
}

#[test]
fn a_huge_traceback_is_cut_at_the_output_limit_and_the_session_goes_on() {
    let input = "raise ValueError('T' * 5_000_000)\nprint('after')\n";
    let out = run_piped(&["--max-output", "1KiB"], input);
    let stderr = text(&out.stderr);
    assert!(stderr.len() < 1500, "{} bytes of stderr", stderr.len());
    assert!(stderr.contains("cut at the output limit"), "{stderr}");
    assert_eq!(text(&out.stdout), "after\n");
}
