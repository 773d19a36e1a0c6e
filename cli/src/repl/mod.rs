//! `capy repl`: interactive Python whose only authority is what was
//! granted, with the same policy code path (and so the same hardening) as
//! `capy run`.
//!
//! One sandbox per session keeps state across inputs. The main thread
//! reads lines (rustyline at a terminal, plain lines from a pipe), groups
//! them into statements ([`statement`]) and runs each with
//! [`capy::Sandbox::run_interactive`], streaming output as it comes. A
//! SIGINT handler on its own thread reaches the running sandbox through
//! its [`capy::SandboxHandle`] ([`session::CtrlC`]). Tab completion asks
//! the sandbox itself, from rustyline's callback on the main thread.

mod caps;
mod complete;
mod session;
mod statement;

use std::cell::RefCell;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use anyhow::Context as _;
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{CompletionType, Config, Editor};

use self::complete::ReplHelper;
use self::session::{CtrlC, RESTARTED, Ran, Session};
use self::statement::Statements;
use crate::{SandboxArgs, exit};

/// The exit code when Ctrl-C ends a piped session (128 + SIGINT, as a
/// shell reports a process SIGINT ended).
pub const INTERRUPTED: u8 = 130;

/// `capy repl --help`, before the options.
pub const LONG_ABOUT: &str = "\
Interactive Python in a sandbox whose only authority is what you grant: the \
same flags, policy file and hardening as `capy run`. One sandbox serves the \
whole session, so definitions persist from one input to the next; the cpu, \
wall and output limits apply to each input.";

/// `capy repl --help`, after the options.
pub const AFTER_HELP: &str = "\
At the prompt:
  %caps    list the grants and limits in force and the modules (also shown
           at start)
  %help    list these commands
  Tab      complete names and attributes, proxies' methods included
  Ctrl-C   interrupt running code; pressed again while it still runs, end it
           by force (the sandbox is then replaced and its state lost);
           at the prompt, discard the input
  Ctrl-D   exit

A block (def, class, for, if, ...) ends at a blank line, or where a line
starts again at the left margin (other than else, elif, except, finally).
History is kept in the user data directory (e.g.
~/.local/share/capy/history), readable only by you.

When standard input is not a terminal (capy repl < input.py), lines are read
without prompts or banner and run as typed at the prompt: expression values
are echoed to stdout, tracebacks go to stderr and later inputs still run.
Exit code: 0 if every input ran cleanly, else the highest of 1 (an input
raised or did not compile), 3 (a limit was hit) and 4 (the sandbox failed). A failure that stops the sandbox (the
memory, output or a quota limit, a crash) ends the input there. Ctrl-C ends a
piped session with exit code 130.";

/// `%help`.
const COMMANDS: &str = "\
%caps    list the grants and limits in force and the modules
%help    list these commands
Tab completes names and attributes; Ctrl-C interrupts running code (twice:
ends it by force, losing the session's state); Ctrl-D exits.
";

/// Runs `capy repl`.
pub fn run(args: &SandboxArgs) -> anyhow::Result<u8> {
    let policy = crate::effective_policy(args)?;
    let audit = args.audit.as_deref().map(crate::open_audit).transpose()?;
    let engine = crate::engine()?;
    let ctrl_c = Arc::new(CtrlC::default());
    let session = Session::start(engine, policy, audit, Arc::clone(&ctrl_c))?;
    if std::io::stdin().is_terminal() {
        interactive(session, &ctrl_c)
    } else {
        ctrl_c.install(true)?;
        piped(session, &ctrl_c)
    }
}

/// What a line typed at `>>> ` that starts with `%` asks for.
enum Command {
    Caps,
    Help,
    Unknown(String),
}

/// The REPL command on `line`, if it is one (only at the start of a
/// statement; no Python statement starts with `%`).
fn command(line: &str) -> Option<Command> {
    let word = line.trim();
    if !word.starts_with('%') {
        return None;
    }
    Some(match word {
        "%caps" => Command::Caps,
        "%help" => Command::Help,
        other => Command::Unknown(other.to_owned()),
    })
}

/// Carries out a REPL command; false if it is unknown.
fn do_command(command: Command, policy: &capy::Policy) -> bool {
    let mut out = std::io::stdout().lock();
    let _ = match command {
        Command::Caps => out.write_all(caps::table(policy).as_bytes()),
        Command::Help => out.write_all(COMMANDS.as_bytes()),
        Command::Unknown(word) => {
            eprintln!("capy: unknown command `{word}`; %help lists the commands");
            return false;
        }
    };
    let _ = out.flush();
    true
}

/// The prompt loop at a terminal.
fn interactive(session: Session, ctrl_c: &Arc<CtrlC>) -> anyhow::Result<u8> {
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .max_history_size(10_000)
        .context("bad history size")?
        .auto_add_history(false)
        .build();
    let session = Rc::new(RefCell::new(session));
    let mut editor: Editor<ReplHelper, FileHistory> =
        Editor::with_config(config).context("cannot set up the terminal")?;
    editor.set_helper(Some(ReplHelper {
        session: Rc::clone(&session),
    }));
    // After the editor, which takes over SIGINT (and SIGWINCH) for as long
    // as it lives; at the prompt its raw mode turns Ctrl-C into a key.
    ctrl_c.install(false)?;
    let history = open_history(&mut editor);

    eprint!(
        "capy {} REPL: Python with only the authority granted below.\n{}\
         %caps shows this again, %help lists the commands, Ctrl-D exits.\n",
        env!("CARGO_PKG_VERSION"),
        caps::table(session.borrow().policy()),
    );

    let mut statements = Statements::new();
    loop {
        let prompt = if statements.is_pending() {
            "... "
        } else {
            ">>> "
        };
        let text = match editor.readline(prompt) {
            Ok(text) => text,
            Err(ReadlineError::Interrupted) => {
                statements.clear();
                eprintln!("\nKeyboardInterrupt");
                continue;
            }
            Err(ReadlineError::Eof) => {
                println!();
                return Ok(exit::OK);
            }
            Err(err) => return Err(err).context("cannot read from the terminal"),
        };
        if !text.trim().is_empty() {
            let _ = editor.add_history_entry(text.as_str());
            if let Some(path) = &history
                && let Err(err) = editor.append_history(path)
            {
                tracing::debug!("cannot save history to {}: {err}", path.display());
            }
        }
        // A paste may bring several lines at once.
        for line in text.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if !statements.is_pending()
                && let Some(command) = command(line)
            {
                do_command(command, session.borrow().policy());
                continue;
            }
            for source in statements.push_line(line) {
                let ran = session.borrow_mut().run(&source)?;
                if let Ran::Stopped { reason, .. } = ran {
                    eprintln!("capy: {reason}; the sandbox stopped");
                    session.borrow_mut().restart()?;
                    eprintln!("{RESTARTED}");
                }
            }
        }
    }
}

/// Input from a pipe or file: no prompts, no banner; the exit code tells
/// whether every input ran cleanly.
fn piped(mut session: Session, ctrl_c: &CtrlC) -> anyhow::Result<u8> {
    let mut stdin = std::io::stdin().lock();
    let mut statements = Statements::new();
    let mut worst = exit::OK;
    let mut raw = Vec::new();
    loop {
        raw.clear();
        let read = stdin
            .read_until(b'\n', &mut raw)
            .context("cannot read standard input")?;
        let sources = if read == 0 {
            statements.finish().into_iter().collect()
        } else {
            let text = String::from_utf8_lossy(&raw);
            let line = text.strip_suffix('\n').unwrap_or(&text);
            let line = line.strip_suffix('\r').unwrap_or(line);
            match command(line) {
                Some(command) if !statements.is_pending() => {
                    if !do_command(command, session.policy()) {
                        worst = worst.max(exit::SCRIPT_RAISED);
                    }
                    continue;
                }
                _ => statements.push_line(line),
            }
        };
        for source in sources {
            let ran = session.run(&source)?;
            worst = worst.max(ran.code());
            if ctrl_c.quit_requested() {
                return Ok(INTERRUPTED);
            }
            if let Ran::Stopped { reason, .. } = ran {
                eprintln!(
                    "capy: {reason}; the sandbox stopped, so the rest of the input was not run"
                );
                return Ok(worst);
            }
        }
        if read == 0 {
            return Ok(worst);
        }
    }
}

/// Loads the history file, creating it (and its directory) private to the
/// user; `None` (history kept in memory only) if there is no usable data
/// directory.
fn open_history(editor: &mut Editor<ReplHelper, FileHistory>) -> Option<PathBuf> {
    let path = dirs::data_dir()?.join("capy").join("history");
    if let Err(err) = create_private(&path) {
        tracing::warn!(
            "history is not saved: cannot create {}: {err}",
            path.display()
        );
        return None;
    }
    if let Err(err) = editor.load_history(&path) {
        tracing::debug!("cannot load history from {}: {err}", path.display());
    }
    Some(path)
}

/// Creates `path`'s directory (mode 0700) and `path` itself (0600) if they
/// do not exist.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut dir = std::fs::DirBuilder::new();
    let mut file = std::fs::OpenOptions::new();
    file.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        dir.mode(0o700);
        file.mode(0o600);
    }
    if let Some(parent) = path.parent() {
        dir.recursive(true).create(parent)?;
    }
    file.open(path).map(drop)
}
