//! The capy command-line tool: run an untrusted Python script in the
//! sandbox (`capy run`), explore one interactively (`capy repl`), or check a
//! policy file (`capy check`). Built on the `capy` library.

#![deny(unsafe_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

mod repl;

/// Exit codes, as documented in README.md.
mod exit {
    pub const OK: u8 = 0;
    pub const SCRIPT_RAISED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const LIMIT: u8 = 3;
    pub const SANDBOX_FAILED: u8 = 4;
}

/// capy runs untrusted Python in an object-capability sandbox: the script can
/// touch only what you grant it.
#[derive(Parser)]
#[command(name = "capy", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a Python script in a fresh sandbox.
    Run(RunArgs),
    /// Interactive Python in a sandbox with the same grants and limits as
    /// `run`.
    #[command(long_about = repl::LONG_ABOUT, after_help = repl::AFTER_HELP)]
    Repl(SandboxArgs),
    /// Validate a policy file and print the effective policy.
    Check {
        /// The policy file (TOML).
        policy: PathBuf,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// The script to run.
    script: PathBuf,
    #[command(flatten)]
    sandbox: SandboxArgs,
}

/// What the sandbox is granted and how it is limited: the flags `run` and
/// `repl` share.
#[derive(clap::Args)]
struct SandboxArgs {
    /// A policy file (TOML): limits and grants. Flags override it.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Most bytes the script may print (stdout and stderr together), e.g. 64KiB.
    #[arg(long, value_name = "SIZE", value_parser = capy_policy::parse_size)]
    max_output: Option<u64>,
    /// Most guest CPU time per run, not counting host calls, e.g. 2s or 500ms.
    #[arg(long, value_name = "DURATION", value_parser = capy_policy::parse_duration)]
    cpu: Option<std::time::Duration>,
    /// Most wall-clock time per run, e.g. 30s.
    #[arg(long, value_name = "DURATION", value_parser = capy_policy::parse_duration)]
    timeout: Option<std::time::Duration>,
    /// Most guest memory, e.g. 64MiB.
    #[arg(long, value_name = "SIZE", value_parser = capy_policy::parse_size)]
    memory: Option<u64>,
    /// Grant a directory to the script as the global NAME (read-only unless
    /// `:rw`). Repeatable.
    #[arg(long = "dir", value_name = "NAME=PATH[:ro|:rw]", value_parser = parse_grant)]
    dirs: Vec<capy::DirGrant>,
    /// Append one JSON line per capability call (time, grant, operation,
    /// path, bytes, outcome) to FILE.
    #[arg(long, value_name = "FILE")]
    audit: Option<PathBuf>,
    /// Let the script import this standard-library module. Repeatable;
    /// given at all, only the modules named (plus any the policy lists)
    /// are granted, instead of the default of every module.
    #[arg(long = "module", value_name = "NAME", value_parser = parse_module)]
    modules: Vec<String>,
    /// Deterministic randomness: seed `random` and all of the sandbox's
    /// randomness with N.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// A fixed clock: the script's time stands still at TIME, an RFC 3339
    /// time in UTC (e.g. 2024-01-01T00:00:00Z) or seconds since 1970.
    #[arg(long, value_name = "TIME", value_parser = capy_policy::parse_clock)]
    clock: Option<std::time::SystemTime>,
}

fn parse_grant(spec: &str) -> Result<capy::DirGrant, String> {
    capy::DirGrant::parse_cli(spec).map_err(|e| e.to_string())
}

fn parse_module(name: &str) -> Result<String, String> {
    capy_policy::validate_module_names([name]).map_err(|e| e.to_string())?;
    Ok(name.to_owned())
}

fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Repl(args) => repl::run(&args),
        Command::Check { policy } => check(&policy),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("capy: {err:#}");
            ExitCode::from(
                err.downcast_ref::<Usage>()
                    .map_or(exit::SANDBOX_FAILED, |_| exit::USAGE),
            )
        }
    }
}

/// Marks an error as the user's to fix (exit 2), not the sandbox's.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Usage(String);

fn run(args: RunArgs) -> anyhow::Result<u8> {
    let source = read_script(&args.script)?;
    let filename = args.script.file_name().map_or_else(
        || "<script>".to_owned(),
        |name| name.to_string_lossy().into_owned(),
    );

    let policy = effective_policy(&args.sandbox)?;
    let engine = engine()?;
    let mut builder = engine.sandbox().policy(&policy);
    if let Some(path) = &args.sandbox.audit {
        builder = builder.audit(open_audit(path)?);
    }
    let mut sandbox = builder
        .stream_output(|stream, data| {
            // The script's output is the user's; a closed pipe is not our error.
            let _ = match stream {
                capy::Stream::Stdout => std::io::stdout().write_all(data),
                capy::Stream::Stderr => std::io::stderr().write_all(data),
            };
        })
        .build()
        .map_err(|err| grant_usage(err, &policy))?;
    let outcome = sandbox.run_named(&source, &filename)?;
    let _ = std::io::stdout().flush();
    let (code, message) = exit_code(outcome.error.as_ref());
    eprint!("{message}");
    Ok(code)
}

/// The exit code of a run that ended with `error`, and what to print on
/// stderr for it.
fn exit_code(error: Option<&capy::RunError>) -> (u8, String) {
    match error {
        None => (exit::OK, String::new()),
        Some(capy::RunError::Exception(exception)) => {
            (exit::SCRIPT_RAISED, exception.traceback.clone())
        }
        Some(capy::RunError::LimitExceeded(limit)) => {
            (exit::LIMIT, format!("capy: limit exceeded: {limit}\n"))
        }
        Some(error) => (exit::SANDBOX_FAILED, format!("capy: {error}\n")),
    }
}

/// Opens the `--audit` log for appending.
fn open_audit(path: &Path) -> anyhow::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|err| {
            Usage(format!(
                "cannot open audit log {}: {}",
                path.display(),
                io_reason(&err)
            ))
            .into()
        })
}

/// A grant the user got wrong is a usage error (exit 2) naming the host
/// path; anything else stays a sandbox failure.
fn grant_usage(err: capy::Error, policy: &capy::Policy) -> anyhow::Error {
    match err {
        capy::Error::Grant(capy::GrantError::Open(open)) => {
            let path = policy
                .grants
                .iter()
                .find(|g| g.grant.name == open.name)
                .map_or_else(String::new, |g| format!(" ({})", g.grant.path.display()));
            Usage(format!(
                "cannot grant directory `{}`{path}: {}",
                open.name,
                io_reason(&open.source)
            ))
            .into()
        }
        capy::Error::Grant(invalid) => Usage(invalid.to_string()).into(),
        other => other.into(),
    }
}

/// The policy file (if any) with the command line's flags applied on top.
fn effective_policy(args: &SandboxArgs) -> anyhow::Result<capy::Policy> {
    let mut policy = match &args.policy {
        Some(path) => capy::Policy::load(path).map_err(|e| Usage(e.to_string()))?,
        None => capy::Policy::default(),
    };
    capy_policy::validate_names(args.dirs.iter().map(|g| g.name.as_str()))
        .map_err(|e| Usage(e.to_string()))?;
    let overrides = capy_policy::Overrides {
        grants: args.dirs.iter().cloned().map(Into::into).collect(),
        modules: (!args.modules.is_empty()).then(|| args.modules.clone()),
        random_seed: args.seed,
        clock: args.clock,
        max_output: args.max_output,
        cpu: args.cpu,
        wall: args.timeout,
        memory: args.memory,
        ..Default::default()
    };
    policy.apply(overrides).map_err(|e| Usage(e.to_string()))?;
    Ok(policy)
}

/// `capy check`: validates a policy and prints it as capy will apply it.
fn check(path: &Path) -> anyhow::Result<u8> {
    let policy = capy::Policy::load(path).map_err(|e| Usage(e.to_string()))?;
    print!("{}", policy.to_toml());
    Ok(exit::OK)
}

fn read_script(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).map_err(|err| {
        Usage(format!(
            "cannot read script {}: {}",
            path.display(),
            io_reason(&err)
        ))
    })?;
    String::from_utf8(bytes)
        .map_err(|_| Usage(format!("script {} is not valid UTF-8", path.display())).into())
}

/// `std::io::Error`'s text without the "(os error N)" suffix.
fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::IsADirectory => "it is a directory".to_owned(),
        std::io::ErrorKind::NotADirectory => "not a directory".to_owned(),
        _ => err.to_string(),
    }
}

/// The engine, from the cache in `$CAPY_CACHE_DIR` (default: the user's
/// cache directory), compiling the guest on a miss.
fn engine() -> anyhow::Result<capy::Engine> {
    let mut builder = capy::Engine::builder().on_compile(|| {
        eprintln!("capy: compiling the sandbox (one time)…");
    });
    if let Some(dir) = std::env::var_os("CAPY_CACHE_DIR") {
        builder = builder.cache_dir(dir);
    }
    builder
        .build()
        .context("the sandbox engine failed to start")
}

/// Logs go to stderr, filtered by `CAPY_LOG` (e.g. `CAPY_LOG=debug`); warnings by default.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CAPY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guest_crash_exits_four_with_one_message() {
        let crash = capy::RunError::Crashed(capy::GuestCrash {
            trap: "wasm trap: call stack exhausted".into(),
            guest_message: String::new(),
        });
        let (code, message) = exit_code(Some(&crash));
        assert_eq!(code, exit::SANDBOX_FAILED);
        assert_eq!(
            message,
            "capy: the sandbox crashed: wasm trap: call stack exhausted\n"
        );
        assert_eq!(exit_code(None), (exit::OK, String::new()));
        let limit = capy::RunError::LimitExceeded(capy::Limit::Handles(4096));
        assert_eq!(exit_code(Some(&limit)).0, exit::LIMIT);
    }

    /// The `SandboxArgs` of `capy repl ARGS...`.
    fn sandbox_args(args: &[&str]) -> Result<SandboxArgs, clap::Error> {
        let cli = Cli::try_parse_from(["capy", "repl"].iter().chain(args))?;
        match cli.command {
            Command::Repl(args) => Ok(args),
            _ => unreachable!("parsed as repl"),
        }
    }

    #[test]
    fn module_flags_replace_the_default_set() {
        let policy = effective_policy(&sandbox_args(&[]).unwrap()).unwrap();
        assert_eq!(policy.modules, None);
        assert_eq!(policy.modules(), capy::DEFAULT_MODULES);

        let args =
            sandbox_args(&["--module", "json", "--module", "re", "--module", "json"]).unwrap();
        let policy = effective_policy(&args).unwrap();
        assert_eq!(policy.modules(), ["json", "re"]);
    }

    #[test]
    fn module_flags_add_to_the_policy_files_list() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("policy.toml");
        std::fs::write(
            &file,
            "modules = [\"math\"]\n[determinism]\nrandom_seed = 1\n",
        )
        .unwrap();
        let file = file.to_str().unwrap();
        let args = sandbox_args(&["--policy", file, "--module", "json", "--seed", "7"]).unwrap();
        let policy = effective_policy(&args).unwrap();
        assert_eq!(policy.modules(), ["math", "json"]);
        assert_eq!(policy.determinism.random_seed, Some(7), "the flag wins");
    }

    #[test]
    fn seed_and_clock_flags_set_deterministic_mode() {
        let args = sandbox_args(&["--seed", "42", "--clock", "2024-01-01T00:00:00Z"]).unwrap();
        let policy = effective_policy(&args).unwrap();
        let jan_1 = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_704_067_200);
        assert_eq!(
            policy.determinism,
            capy::Determinism {
                random_seed: Some(42),
                clock: Some(jan_1),
            }
        );
        let args = sandbox_args(&["--clock", "1704067200"]).unwrap();
        let policy = effective_policy(&args).unwrap();
        assert_eq!(policy.determinism.clock, Some(jan_1));
        assert_eq!(policy.determinism.random_seed, None);
    }

    #[test]
    fn bad_module_seed_and_clock_flags_are_usage_errors() {
        for (args, expected) in [
            (
                &["--module", "os"][..],
                "unknown module `os`; the sandbox can grant: __future__, abc, array, base64",
            ),
            (&["--module", "jsn"], "(did you mean `json`?)"),
            (&["--seed", "-1"], "unexpected argument '-1'"),
            (&["--seed", "many"], "invalid digit"),
            (&["--clock", "tomorrow"], "invalid clock \"tomorrow\""),
            (&["--clock", "2024-01-01T00:00:00+02:00"], "only UTC times"),
        ] {
            let err = match sandbox_args(args) {
                Err(err) => err,
                Ok(_) => panic!("{args:?} parsed"),
            };
            // clap exits with 2 on usage errors, as capy's own do.
            assert_eq!(err.exit_code(), i32::from(exit::USAGE), "{args:?}");
            let message = err.to_string();
            assert!(message.contains(expected), "{args:?}: {message}");
        }
    }
}
