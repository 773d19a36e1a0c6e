//! Policy files: limits, grants, host functions, standard-library modules
//! and deterministic mode, read from TOML.
//!
//! ```toml
//! functions = ["notify", "lookup"]  # host functions the sandbox gets (default: all)
//! modules = ["json", "re", "math"]  # standard-library modules it may import (default: all)
//!
//! [limits]
//! cpu = "2s"          # per run; a duration, or an integer number of seconds
//! total_cpu = "30s"   # summed over every run of the sandbox (default: unlimited)
//! wall = "5s"
//! memory = "64MiB"    # a size, or an integer number of bytes
//! output = "1MiB"
//! open_files = 64
//!
//! [determinism]       # reproducible runs (default: neither)
//! random_seed = 42    # seeds `random` and every other source of randomness
//! clock = "2024-01-01T00:00:00Z"  # a clock that stands still; or integer seconds since 1970
//!
//! [[grant]]
//! name = "data"
//! path = "./data"     # relative to the policy file's directory
//! access = "ro"       # ro | rw (default ro)
//! max_bytes_written = "10MiB"
//! max_files_created = 100
//! hide = [".git", "*.key", "secrets/**"]
//! ```
//!
//! Every key is optional, and unknown keys are errors, so a typo cannot
//! silently leave a limit at its default. Top-level keys (`functions`,
//! `modules`) come before the first table, as TOML requires.

use std::collections::HashSet;
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::determinism::{Determinism, clock_in_range, format_clock, parse_clock};
use crate::grant::{Access, DirGrant, GrantError, validate_function_name, validate_name};
use crate::hide::compile_hide;
use crate::limits::Limits;
use crate::modules::{DEFAULT_MODULES, ModuleError, validate_module_name};
use crate::units::{format_duration, format_size, parse_duration, parse_size};

/// A whole sandbox policy: resource limits, directory grants, which host
/// functions and standard-library modules the sandbox gets, and whether it
/// runs deterministically.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// Resource limits (defaults for keys the file leaves out).
    pub limits: Limits,
    /// Directory grants, in file order.
    pub grants: Vec<GrantPolicy>,
    /// The host functions (registered by the host application in Rust) that
    /// the sandbox gets: `None`, the default, for every registered function;
    /// `Some(names)` for only those (so `Some(vec![])` for none).
    pub functions: Option<Vec<String>>,
    /// The standard-library modules the script may import: `None`, the
    /// default, for [`DEFAULT_MODULES`]; `Some(names)` for only those (see
    /// [`modules`](Self::modules)).
    pub modules: Option<Vec<String>>,
    /// A fixed random seed and clock, if any (default: neither).
    pub determinism: Determinism,
}

/// One directory grant with its quotas and hidden entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantPolicy {
    /// The name, host path and access.
    pub grant: DirGrant,
    /// Bytes the script may write beneath the directory per run, if capped.
    pub max_bytes_written: Option<u64>,
    /// Files and directories the script may create per run, if capped.
    pub max_files_created: Option<u64>,
    /// Hide patterns (see [`compile_hide`](crate::compile_hide)).
    pub hide: Vec<String>,
}

impl From<DirGrant> for GrantPolicy {
    fn from(grant: DirGrant) -> GrantPolicy {
        GrantPolicy::new(grant)
    }
}

impl GrantPolicy {
    /// A grant with no quotas and nothing hidden.
    pub fn new(grant: DirGrant) -> GrantPolicy {
        GrantPolicy {
            grant,
            max_bytes_written: None,
            max_files_created: None,
            hide: Vec::new(),
        }
    }
}

/// Why a policy could not be loaded or is not acceptable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The policy file could not be read.
    #[error("cannot read policy {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the policy format; the
    /// message is toml's, which names the line, column and problem.
    #[error("{}{message}", file_prefix(file.as_deref()))]
    Parse {
        /// The file, when parsing one.
        file: Option<PathBuf>,
        /// toml's message.
        message: String,
    },
    /// A value that parses but is not acceptable.
    #[error("{key}: {message}{}", line_suffix(*line))]
    Invalid {
        /// The offending key, e.g. `limits.memory`, ``grant `data`.path`` or
        /// `grant[2].name` (1-based).
        key: String,
        /// The 1-based line of the key in the policy file, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
}

fn file_prefix(file: Option<&Path>) -> String {
    file.map(|f| format!("{}: ", f.display()))
        .unwrap_or_default()
}

fn line_suffix(line: Option<usize>) -> String {
    line.map(|n| format!(" (line {n})")).unwrap_or_default()
}

impl Policy {
    /// Parses TOML; relative grant paths are joined onto `base_dir`. Does
    /// not touch the file system (see [`validate`](Self::validate)).
    pub fn from_toml_str(text: &str, base_dir: &Path) -> Result<Policy, PolicyError> {
        let raw: RawPolicy = toml::from_str(text).map_err(|e| PolicyError::Parse {
            file: None,
            message: e.to_string().trim_end().to_owned(),
        })?;
        let limits = Limits::default();
        let RawLimits {
            cpu,
            total_cpu,
            wall,
            memory,
            output,
            open_files,
        } = raw.limits;
        let limits = Limits {
            max_output: output.unwrap_or(limits.max_output),
            cpu: cpu.unwrap_or(limits.cpu),
            total_cpu: total_cpu.or(limits.total_cpu),
            wall: wall.unwrap_or(limits.wall),
            memory: memory.unwrap_or(limits.memory),
            open_files: open_files.unwrap_or(limits.open_files),
        };
        let mut grants = Vec::with_capacity(raw.grant.len());
        for (index, g) in raw.grant.into_iter().enumerate() {
            if g.path.as_os_str().is_empty() {
                return Err(Problem {
                    key: format!("grant[{}].path", index + 1),
                    loc: Loc::Grant(index, "path"),
                    message: "the path is empty".to_owned(),
                }
                .into_error(Some(text)));
            }
            grants.push(GrantPolicy {
                grant: DirGrant {
                    name: g.name,
                    path: resolve(base_dir, &g.path),
                    access: g.access,
                },
                max_bytes_written: g.max_bytes_written,
                max_files_created: g.max_files_created,
                hide: g.hide,
            });
        }
        Ok(Policy {
            limits,
            grants,
            functions: raw.functions,
            modules: raw.modules,
            determinism: Determinism {
                random_seed: raw.determinism.random_seed,
                clock: raw.determinism.clock,
            },
        })
    }

    /// Reads and parses a file (base_dir = its parent directory), then
    /// [`validate`](Self::validate)s. Errors name the file or the line.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.to_owned(),
            source,
        })?;
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        let base_dir = absolute.parent().unwrap_or(Path::new(""));
        let policy = Policy::from_toml_str(&text, base_dir).map_err(|e| match e {
            PolicyError::Parse { message, .. } => PolicyError::Parse {
                file: Some(path.to_owned()),
                message,
            },
            other => other,
        })?;
        policy
            .check()
            .map_err(|problem| problem.into_error(Some(&text)))?;
        Ok(policy)
    }

    /// Checks what parsing can't: grant and function names (Python
    /// identifiers, not keywords or builtins, no duplicates, no function
    /// named like a grant), module names (each one the sandbox has, none
    /// twice), that a fixed clock lies between 1970 and 9999, that each
    /// grant path is an existing directory, that hide patterns compile, and
    /// that limits are non-zero (memory at least [`Limits::MIN_MEMORY`]).
    ///
    /// Whether each listed function is one the host registered is checked
    /// by the host library when it builds the sandbox.
    pub fn validate(&self) -> Result<(), PolicyError> {
        self.check().map_err(|problem| problem.into_error(None))
    }

    /// The effective policy as TOML (for `capy check`), in the policy-file
    /// format; it parses back to an equal policy as long as the grant paths
    /// are absolute and valid UTF-8.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        let limits = &self.limits;
        // Writing to a String cannot fail.
        if let Some(functions) = &self.functions {
            // A top-level key: it must precede the first table.
            let names: Vec<String> = functions.iter().map(|name| quote(name)).collect();
            let _ = writeln!(out, "functions = [{}]", names.join(", "));
        }
        if let Some(modules) = &self.modules {
            let names: Vec<String> = modules.iter().map(|name| quote(name)).collect();
            let _ = writeln!(out, "modules = [{}]", names.join(", "));
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "[limits]");
        let _ = writeln!(out, "cpu = {}", quote(&duration_text(limits.cpu)));
        if let Some(total) = limits.total_cpu {
            let _ = writeln!(out, "total_cpu = {}", quote(&duration_text(total)));
        }
        let _ = writeln!(out, "wall = {}", quote(&duration_text(limits.wall)));
        let _ = writeln!(out, "memory = {}", quote(&format_size(limits.memory)));
        let _ = writeln!(out, "output = {}", quote(&format_size(limits.max_output)));
        let _ = writeln!(out, "open_files = {}", limits.open_files);
        let determinism = &self.determinism;
        if determinism.is_enabled() {
            let _ = writeln!(out, "\n[determinism]");
            match determinism.random_seed {
                // TOML integers are signed 64-bit; larger seeds are strings.
                Some(seed) if i64::try_from(seed).is_ok() => {
                    let _ = writeln!(out, "random_seed = {seed}");
                }
                Some(seed) => {
                    let _ = writeln!(out, "random_seed = \"{seed}\"");
                }
                None => {}
            }
            if let Some(clock) = determinism.clock {
                let _ = writeln!(out, "clock = {}", quote(&format_clock(clock)));
            }
        }
        for g in &self.grants {
            let _ = writeln!(out, "\n[[grant]]");
            let _ = writeln!(out, "name = {}", quote(&g.grant.name));
            let _ = writeln!(out, "path = {}", quote(&g.grant.path.to_string_lossy()));
            let _ = writeln!(out, "access = {}", quote(&g.grant.access.to_string()));
            if let Some(max) = g.max_bytes_written {
                let _ = writeln!(out, "max_bytes_written = {}", quote(&format_size(max)));
            }
            if let Some(max) = g.max_files_created {
                let _ = writeln!(out, "max_files_created = {max}");
            }
            if !g.hide.is_empty() {
                let patterns: Vec<String> = g.hide.iter().map(|p| quote(p)).collect();
                let _ = writeln!(out, "hide = [{}]", patterns.join(", "));
            }
        }
        out
    }

    /// Adds or replaces (by name) a grant, dropping whatever the replaced
    /// grant restricted; a host building a policy in code uses it. Overrides
    /// of a policy file go through [`override_grant`](Self::override_grant),
    /// which keeps the file's restrictions. A replaced grant keeps its
    /// position.
    pub fn add_grant(&mut self, grant: GrantPolicy) {
        match self
            .grants
            .iter_mut()
            .find(|g| g.grant.name == grant.grant.name)
        {
            Some(existing) => *existing = grant,
            None => self.grants.push(grant),
        }
    }

    /// Applies a grant given on top of the file (a CLI `--dir`, a Python
    /// `dirs=` entry). A new name is added. For a name the file already
    /// grants, the override moves the grant to its path and may narrow it,
    /// never widen it: the file's hide patterns are kept (and the
    /// override's added), each quota is the smaller of the two, and
    /// read-only stays read-only. Asking for write access to a grant the file
    /// makes read-only is an error that says so, not a silent downgrade.
    ///
    /// ```
    /// use capy_policy::{DirGrant, GrantPolicy, Policy};
    /// let mut policy = Policy::default();
    /// let mut file = GrantPolicy::new(DirGrant::parse_cli("out=./out:rw").unwrap());
    /// file.hide = vec!["*.key".into()];
    /// file.max_bytes_written = Some(1000);
    /// policy.grants.push(file);
    /// let flag = GrantPolicy::new(DirGrant::parse_cli("out=./elsewhere:rw").unwrap());
    /// policy.override_grant(flag).unwrap();
    /// let out = &policy.grants[0];
    /// assert_eq!(out.grant.path, std::path::Path::new("./elsewhere"));
    /// assert_eq!((out.hide.clone(), out.max_bytes_written), (vec!["*.key".to_owned()], Some(1000)));
    /// ```
    pub fn override_grant(&mut self, grant: GrantPolicy) -> Result<(), PolicyError> {
        let Some(existing) = self
            .grants
            .iter_mut()
            .find(|g| g.grant.name == grant.grant.name)
        else {
            self.grants.push(grant);
            return Ok(());
        };
        if existing.grant.access == Access::ReadOnly && grant.grant.access == Access::ReadWrite {
            return Err(PolicyError::Invalid {
                key: format!("grant `{}`.access", grant.grant.name),
                line: None,
                message: "the policy grants this directory read-only; an override may \
                          change its path but cannot make it writable"
                    .to_owned(),
            });
        }
        let smaller = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        existing.max_bytes_written = smaller(existing.max_bytes_written, grant.max_bytes_written);
        existing.max_files_created = smaller(existing.max_files_created, grant.max_files_created);
        for pattern in grant.hide {
            if !existing.hide.contains(&pattern) {
                existing.hide.push(pattern);
            }
        }
        existing.grant.path = grant.grant.path;
        existing.grant.access = grant.grant.access;
        Ok(())
    }

    /// Whether the sandbox gets the host function `name`: any function the
    /// host registered when [`functions`](Self::functions) is `None`, else
    /// only those listed.
    ///
    /// ```
    /// let mut policy = capy_policy::Policy::default();
    /// assert!(policy.allows_function("notify"), "all by default");
    /// policy.functions = Some(vec!["lookup".into()]);
    /// assert!(policy.allows_function("lookup"));
    /// assert!(!policy.allows_function("notify"));
    /// ```
    pub fn allows_function(&self, name: &str) -> bool {
        self.functions
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n == name))
    }

    /// The standard-library modules the sandbox gets: the
    /// [`modules`](Self::modules) list, or [`DEFAULT_MODULES`] if there is
    /// none.
    ///
    /// ```
    /// let mut policy = capy_policy::Policy::default();
    /// assert_eq!(policy.modules().len(), capy_policy::DEFAULT_MODULES.len());
    /// policy.modules = Some(vec!["json".into()]);
    /// assert_eq!(policy.modules(), ["json"]);
    /// ```
    pub fn modules(&self) -> Vec<String> {
        match &self.modules {
            Some(modules) => modules.clone(),
            None => DEFAULT_MODULES
                .iter()
                .map(|&name| name.to_owned())
                .collect(),
        }
    }

    /// Adds a module given on the command line (`--module`). A policy
    /// without a list starts from an empty one, not from the defaults, so
    /// `--module json` alone grants only `json`. A module already listed is
    /// not added again.
    ///
    /// ```
    /// let mut policy = capy_policy::Policy::default();
    /// policy.add_module("json");
    /// policy.add_module("re");
    /// policy.add_module("json");
    /// assert_eq!(policy.modules(), ["json", "re"]);
    /// ```
    pub fn add_module(&mut self, name: impl Into<String>) {
        let name = name.into();
        let modules = self.modules.get_or_insert_with(Vec::new);
        if !modules.contains(&name) {
            modules.push(name);
        }
    }

    fn check(&self) -> Result<(), Problem> {
        self.check_limits()?;
        let mut seen = HashSet::new();
        for (index, g) in self.grants.iter().enumerate() {
            let name = g.grant.name.as_str();
            let name_problem = |e: GrantError| Problem {
                key: format!("grant[{}].name", index + 1),
                loc: Loc::Grant(index, "name"),
                message: e.to_string(),
            };
            validate_name(name).map_err(name_problem)?;
            if !seen.insert(name) {
                return Err(name_problem(GrantError::Duplicate(name.to_owned())));
            }
        }
        self.check_functions(&seen)?;
        self.check_modules()?;
        self.check_determinism()?;
        for (index, g) in self.grants.iter().enumerate() {
            let problem = |field: &'static str, message: String| Problem {
                key: format!("grant `{}`.{field}", g.grant.name),
                loc: Loc::Grant(index, field),
                message,
            };
            let path = &g.grant.path;
            match std::fs::metadata(path) {
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    return Err(problem(
                        "path",
                        format!("{} is not a directory", path.display()),
                    ));
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                    ) =>
                {
                    return Err(problem(
                        "path",
                        format!("{} does not exist", path.display()),
                    ));
                }
                Err(e) => {
                    return Err(problem(
                        "path",
                        format!("cannot access {}: {e}", path.display()),
                    ));
                }
            }
            compile_hide(&g.hide).map_err(|e| problem("hide", e.to_string()))?;
        }
        Ok(())
    }

    /// The checks of [`validate_function_names`](crate::validate_function_names),
    /// with errors that name the entry; `grants` holds the grant names.
    fn check_functions(&self, grants: &HashSet<&str>) -> Result<(), Problem> {
        let Some(functions) = &self.functions else {
            return Ok(());
        };
        let mut seen = HashSet::new();
        for (index, name) in functions.iter().enumerate() {
            let problem = |message: String| Problem {
                key: format!("functions[{}]", index + 1),
                loc: Loc::Function(index),
                message,
            };
            validate_function_name(name).map_err(|e| problem(e.to_string()))?;
            if !seen.insert(name.as_str()) {
                return Err(problem(
                    GrantError::FunctionDuplicate(name.clone()).to_string(),
                ));
            }
            if grants.contains(name.as_str()) {
                return Err(problem(format!("`{name}` is already the name of a grant")));
            }
        }
        Ok(())
    }

    /// The checks of [`validate_module_names`](crate::validate_module_names),
    /// with errors that name the entry.
    fn check_modules(&self) -> Result<(), Problem> {
        let Some(modules) = &self.modules else {
            return Ok(());
        };
        let mut seen = HashSet::new();
        for (index, name) in modules.iter().enumerate() {
            let problem = |error: ModuleError| Problem {
                key: format!("modules[{}]", index + 1),
                loc: Loc::Module(index),
                message: error.to_string(),
            };
            validate_module_name(name).map_err(problem)?;
            if !seen.insert(name.as_str()) {
                return Err(problem(ModuleError::Duplicate { name: name.clone() }));
            }
        }
        Ok(())
    }

    /// A fixed clock must be one [`parse_clock`] could have produced (only
    /// code, not a file, can set another).
    fn check_determinism(&self) -> Result<(), Problem> {
        match self.determinism.clock {
            Some(clock) if !clock_in_range(clock) => Err(Problem {
                key: "determinism.clock".to_owned(),
                loc: Loc::Determinism("clock"),
                message: format!(
                    "the clock ({}) must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z",
                    format_clock(clock)
                ),
            }),
            _ => Ok(()),
        }
    }

    fn check_limits(&self) -> Result<(), Problem> {
        let limits = &self.limits;
        let problem = |field: &'static str, message: String| Problem {
            key: format!("limits.{field}"),
            loc: Loc::Limits(field),
            message,
        };
        if limits.cpu.is_zero() {
            return Err(problem("cpu", "the CPU budget must be more than 0s".into()));
        }
        if limits.total_cpu.is_some_and(|total| total.is_zero()) {
            return Err(problem(
                "total_cpu",
                "the total CPU budget must be more than 0s; leave it out for no cap".into(),
            ));
        }
        if limits.wall.is_zero() {
            return Err(problem(
                "wall",
                "the wall-clock budget must be more than 0s".into(),
            ));
        }
        if limits.memory < Limits::MIN_MEMORY {
            return Err(problem(
                "memory",
                format!(
                    "{} is too little; the Python interpreter needs at least {}",
                    format_size(limits.memory),
                    format_size(Limits::MIN_MEMORY)
                ),
            ));
        }
        if limits.max_output == 0 {
            return Err(problem(
                "output",
                "the output cap must be more than 0B".into(),
            ));
        }
        if limits.open_files == 0 {
            return Err(problem(
                "open_files",
                "at least 1 open file must be allowed".into(),
            ));
        }
        Ok(())
    }
}

/// Joins a relative grant path onto `base_dir`, dropping `.` components so
/// messages show `/etc/capy/data`, not `/etc/capy/./data`.
fn resolve(base_dir: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_owned();
    }
    let relative: PathBuf = path
        .components()
        .filter(|c| *c != std::path::Component::CurDir)
        .collect();
    if relative.as_os_str().is_empty() {
        base_dir.to_owned()
    } else {
        base_dir.join(relative)
    }
}

/// A semantic error before its line is looked up.
struct Problem {
    key: String,
    loc: Loc,
    message: String,
}

/// Where a key lives in the file: `[limits]`, `[determinism]`, the n-th
/// (0-based) `[[grant]]`, or the n-th (0-based) entry of the top-level
/// `functions` or `modules` array.
#[derive(Clone, Copy)]
enum Loc {
    Limits(&'static str),
    Determinism(&'static str),
    Grant(usize, &'static str),
    Function(usize),
    Module(usize),
}

impl Problem {
    fn into_error(self, text: Option<&str>) -> PolicyError {
        PolicyError::Invalid {
            line: text.and_then(|text| find_line(text, self.loc)),
            key: self.key,
            message: self.message,
        }
    }
}

/// Finds the 1-based line of a key (or, failing that, of its table header)
/// by a line-oriented scan; good enough for the plain files people write.
fn find_line(text: &str, loc: Loc) -> Option<usize> {
    #[derive(PartialEq)]
    enum Section {
        Top,
        Limits,
        Determinism,
        Grant(usize),
        Other,
    }
    let (target, field) = match loc {
        Loc::Limits(field) => (Section::Limits, field),
        Loc::Determinism(field) => (Section::Determinism, field),
        Loc::Grant(index, field) => (Section::Grant(index), field),
        Loc::Function(index) => return array_entry_line(text, "functions", index),
        Loc::Module(index) => return array_entry_line(text, "modules", index),
    };
    let mut section = Section::Top;
    let mut grants = 0;
    let mut header = None;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("[[") {
            let name = rest.split("]]").next().unwrap_or("").trim();
            section = if name == "grant" {
                grants += 1;
                Section::Grant(grants - 1)
            } else {
                Section::Other
            };
        } else if let Some(rest) = line.strip_prefix('[') {
            let name = rest.split(']').next().unwrap_or("").trim();
            section = match name {
                "limits" => Section::Limits,
                "determinism" => Section::Determinism,
                _ => Section::Other,
            };
        } else if section == target
            && let Some((key, _)) = line.split_once('=')
            && key.trim().trim_matches(['"', '\'']) == field
        {
            return Some(number + 1);
        } else {
            continue;
        }
        if section == target && header.is_none() {
            header = Some(number + 1);
        }
    }
    header
}

/// Finds the 1-based line of the n-th (0-based) entry of the top-level
/// array `key` (`functions`, `modules`). An array may span lines, so this
/// asks toml for the entry's span instead of scanning for a key.
fn array_entry_line(text: &str, key: &str, index: usize) -> Option<usize> {
    #[derive(Deserialize)]
    struct Spans {
        #[serde(default)]
        functions: Vec<toml::Spanned<toml::Value>>,
        #[serde(default)]
        modules: Vec<toml::Spanned<toml::Value>>,
    }
    let spans: Spans = toml::from_str(text).ok()?;
    let entries = match key {
        "functions" => spans.functions,
        _ => spans.modules,
    };
    let start = entries.get(index)?.span().start;
    Some(text.get(..start)?.matches('\n').count() + 1)
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// [`format_duration`], falling back to exact milliseconds where its
/// rounding would not parse back to the same duration.
fn duration_text(duration: Duration) -> String {
    let text = format_duration(duration);
    if parse_duration(&text) != Ok(duration) && duration.subsec_nanos().is_multiple_of(1_000_000) {
        return format!("{}ms", duration.as_millis());
    }
    text
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    grant: Vec<RawGrant>,
    #[serde(default)]
    functions: Option<Vec<String>>,
    #[serde(default)]
    modules: Option<Vec<String>>,
    #[serde(default)]
    determinism: RawDeterminism,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDeterminism {
    #[serde(default, deserialize_with = "determinism_random_seed")]
    random_seed: Option<u64>,
    #[serde(default, deserialize_with = "determinism_clock")]
    clock: Option<SystemTime>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    #[serde(default, deserialize_with = "limits_cpu")]
    cpu: Option<Duration>,
    #[serde(default, deserialize_with = "limits_total_cpu")]
    total_cpu: Option<Duration>,
    #[serde(default, deserialize_with = "limits_wall")]
    wall: Option<Duration>,
    #[serde(default, deserialize_with = "limits_memory")]
    memory: Option<u64>,
    #[serde(default, deserialize_with = "limits_output")]
    output: Option<u64>,
    #[serde(default)]
    open_files: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrant {
    name: String,
    path: PathBuf,
    #[serde(default, deserialize_with = "grant_access")]
    access: Access,
    #[serde(default, deserialize_with = "grant_max_bytes_written")]
    max_bytes_written: Option<u64>,
    #[serde(default)]
    max_files_created: Option<u64>,
    #[serde(default)]
    hide: Vec<String>,
}

fn limits_cpu<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    d.deserialize_any(DurationVisitor("limits.cpu")).map(Some)
}

fn limits_total_cpu<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    d.deserialize_any(DurationVisitor("limits.total_cpu"))
        .map(Some)
}

fn limits_wall<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    d.deserialize_any(DurationVisitor("limits.wall")).map(Some)
}

fn limits_memory<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_any(SizeVisitor("limits.memory")).map(Some)
}

fn limits_output<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_any(SizeVisitor("limits.output")).map(Some)
}

fn grant_max_bytes_written<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_any(SizeVisitor("grant.max_bytes_written"))
        .map(Some)
}

fn determinism_random_seed<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_any(SeedVisitor).map(Some)
}

/// A clock: a string for [`parse_clock`], a TOML date-time (UTC), or an
/// integer number of seconds since the Unix epoch.
fn determinism_clock<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SystemTime>, D::Error> {
    const KEY: &str = "determinism.clock";
    let text = match toml::Value::deserialize(d)? {
        toml::Value::String(text) => text,
        toml::Value::Datetime(datetime) => datetime.to_string(),
        toml::Value::Integer(seconds) => seconds.to_string(),
        other => {
            return Err(de::Error::custom(format!(
                "{KEY}: expected a time such as \"2024-01-01T00:00:00Z\" or an integer number of seconds since 1970, found {}",
                other.type_str()
            )));
        }
    };
    parse_clock(&text)
        .map(Some)
        .map_err(|e| de::Error::custom(format!("{KEY}: {e}")))
}

fn grant_access<'de, D: Deserializer<'de>>(d: D) -> Result<Access, D::Error> {
    let text = String::deserialize(d)?;
    text.parse()
        .map_err(|e: GrantError| de::Error::custom(format!("grant.access: {e}")))
}

/// A size: a string for [`parse_size`] or an integer number of bytes.
struct SizeVisitor(&'static str);

impl Visitor<'_> for SizeVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "{}: a size such as \"64MiB\" or an integer number of bytes",
            self.0
        )
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        parse_size(v).map_err(|e| E::custom(format!("{}: {e}", self.0)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::custom(format!("{}: a size cannot be negative", self.0)))
    }
}

/// A random seed: a non-negative integer, or a string of digits for seeds
/// beyond TOML's signed 64-bit integers.
struct SeedVisitor;

impl Visitor<'_> for SeedVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("determinism.random_seed: an integer from 0 to 18446744073709551615")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        v.trim().parse().map_err(|_| {
            E::custom(format!(
                "determinism.random_seed: {v:?} is not an integer from 0 to 18446744073709551615"
            ))
        })
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v)
            .map_err(|_| E::custom("determinism.random_seed: a seed cannot be negative"))
    }
}

/// A duration: a string for [`parse_duration`] or an integer number of seconds.
struct DurationVisitor(&'static str);

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "{}: a duration such as \"2s\" or \"500ms\", or an integer number of seconds",
            self.0
        )
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
        parse_duration(v).map_err(|e| E::custom(format!("{}: {e}", self.0)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
        Ok(Duration::from_secs(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
        u64::try_from(v)
            .map(Duration::from_secs)
            .map_err(|_| E::custom(format!("{}: a duration cannot be negative", self.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
functions = ["notify", "lookup"]

[limits]
cpu = "2s"
total_cpu = "30s"
wall = "5s"
memory = "64MiB"
output = "1MiB"
open_files = 32

[[grant]]
name = "data"
path = "./data"
access = "ro"
max_bytes_written = "10MiB"
max_files_created = 100
hide = [".git", "*.key", "secrets/**"]

[[grant]]
name = "out"
path = "/abs/out"
access = "rw"
"#;

    fn parse(text: &str) -> Result<Policy, PolicyError> {
        Policy::from_toml_str(text, Path::new("/base"))
    }

    fn parse_err(text: &str) -> String {
        let err = parse(text).unwrap_err();
        assert!(matches!(err, PolicyError::Parse { .. }), "{err:?}");
        err.to_string()
    }

    /// A policy granting `dir/data` as `data`, followed by `extra` lines.
    fn policy_in(dir: &Path, extra: &str) -> String {
        std::fs::create_dir_all(dir.join("data")).unwrap();
        format!("[[grant]]\nname = \"data\"\npath = \"data\"\n{extra}")
    }

    fn invalid(err: PolicyError) -> (String, Option<usize>, String) {
        match err {
            PolicyError::Invalid { key, line, message } => (key, line, message),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn the_full_example_parses_field_by_field() {
        let policy = parse(EXAMPLE).unwrap();
        assert_eq!(
            policy.limits,
            Limits {
                max_output: 1 << 20,
                cpu: Duration::from_secs(2),
                total_cpu: Some(Duration::from_secs(30)),
                wall: Duration::from_secs(5),
                memory: 64 << 20,
                open_files: 32,
            }
        );
        assert_eq!(
            policy.functions,
            Some(vec!["notify".to_owned(), "lookup".to_owned()])
        );
        assert_eq!(policy.grants.len(), 2);
        let data = &policy.grants[0];
        assert_eq!(data.grant.name, "data");
        assert_eq!(data.grant.path.to_str(), Some("/base/data"));
        assert_eq!(data.grant.access, Access::ReadOnly);
        assert_eq!(data.max_bytes_written, Some(10 << 20));
        assert_eq!(data.max_files_created, Some(100));
        assert_eq!(data.hide, [".git", "*.key", "secrets/**"]);
        let out = &policy.grants[1];
        assert_eq!(out.grant.name, "out");
        assert_eq!(out.grant.path, PathBuf::from("/abs/out"));
        assert_eq!(out.grant.access, Access::ReadWrite);
        assert_eq!(out.max_bytes_written, None);
        assert_eq!(out.max_files_created, None);
        assert!(out.hide.is_empty());
    }

    #[test]
    fn absent_keys_take_defaults() {
        assert_eq!(parse("").unwrap(), Policy::default());
        assert_eq!(parse("[limits]\n").unwrap(), Policy::default());
        let defaults = Policy::default();
        assert_eq!(defaults.limits.total_cpu, None, "no total CPU cap");
        assert_eq!(defaults.functions, None, "every host function");
        let policy =
            parse("[limits]\ncpu = \"1s\"\n[[grant]]\nname = \"d\"\npath = \"x\"").unwrap();
        assert_eq!(policy.limits, Limits::default().cpu(Duration::from_secs(1)));
        assert_eq!(
            policy.grants,
            [GrantPolicy::new(DirGrant {
                name: "d".into(),
                path: PathBuf::from("/base/x"),
                access: Access::ReadOnly,
            })]
        );
    }

    #[test]
    fn integers_are_bytes_and_seconds() {
        let policy = parse(
            "[limits]\ncpu = 3\nwall = 7\nmemory = 33554432\noutput = 1000\n\
             [[grant]]\nname = \"d\"\npath = \"/d\"\nmax_bytes_written = 4096",
        )
        .unwrap();
        assert_eq!(policy.limits.cpu, Duration::from_secs(3));
        assert_eq!(
            parse("[limits]\ntotal_cpu = 60").unwrap().limits.total_cpu,
            Some(Duration::from_secs(60))
        );
        assert_eq!(policy.limits.wall, Duration::from_secs(7));
        assert_eq!(policy.limits.memory, 32 << 20);
        assert_eq!(policy.limits.max_output, 1000);
        assert_eq!(policy.grants[0].max_bytes_written, Some(4096));
    }

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let err = parse_err("cpu = \"1s\"\n");
        assert!(err.contains("line 1"), "{err}");
        assert!(err.contains("unknown field `cpu`"), "{err}");

        let err = parse_err("[limits]\ncpu = \"1s\"\ncpux = \"2s\"\n");
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("unknown field `cpux`"), "{err}");
        assert!(err.contains("`open_files`"), "lists the known keys: {err}");

        let err = parse_err("[[grant]]\nname = \"d\"\npath = \"/d\"\nacess = \"rw\"\n");
        assert!(err.contains("line 4"), "{err}");
        assert!(err.contains("unknown field `acess`"), "{err}");

        let err = parse_err("\nfunction = [\"notify\"]\n");
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("unknown field `function`"), "{err}");
        assert!(err.contains("`functions`"), "lists the known keys: {err}");

        let err = parse_err("[limits]\ntotalcpu = \"30s\"\n");
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("`total_cpu`"), "lists the known keys: {err}");

        // After a table header, `functions` belongs to that table.
        let err = parse_err("[limits]\nfunctions = [\"notify\"]\n");
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("unknown field `functions`"), "{err}");
    }

    #[test]
    fn bad_values_are_named_with_their_line() {
        let err = parse_err("[limits]\nmemory = \"12 parsecs\"\n");
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("limits.memory"), "{err}");
        assert!(err.contains("\"12 parsecs\""), "{err}");
        assert!(err.contains("64MiB"), "{err}");

        let err = parse_err("[limits]\noutput = -5\n");
        assert!(
            err.contains("limits.output: a size cannot be negative"),
            "{err}"
        );

        let err = parse_err("[limits]\n\nwall = \"2 fortnights\"\n");
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("limits.wall"), "{err}");
        assert!(err.contains("invalid duration"), "{err}");

        let err = parse_err("[limits]\ncpu = true\n");
        assert!(err.contains("limits.cpu"), "{err}");

        let err = parse_err("[limits]\ncpu = \"1s\"\ntotal_cpu = \"a while\"\n");
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("limits.total_cpu"), "{err}");
        assert!(err.contains("invalid duration"), "{err}");

        let err = parse_err("[limits]\ntotal_cpu = -30\n");
        assert!(
            err.contains("limits.total_cpu: a duration cannot be negative"),
            "{err}"
        );

        let err = parse_err("functions = \"notify\"\n");
        assert!(err.contains("line 1"), "{err}");
        assert!(err.contains("invalid type"), "{err}");

        let err = parse_err("\nfunctions = [\"notify\", 2]\n");
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("invalid type"), "{err}");

        let err = parse_err("[[grant]]\nname = \"d\"\npath = \"/d\"\naccess = \"rx\"\n");
        assert!(err.contains("line 4"), "{err}");
        assert!(err.contains("unknown access `rx`"), "{err}");

        let err =
            parse_err("[[grant]]\nname = \"d\"\npath = \"/d\"\nmax_bytes_written = \"lots\"\n");
        assert!(err.contains("line 4"), "{err}");
        assert!(err.contains("max_bytes_written"), "{err}");

        let err = parse_err("[[grant]]\nname = \"d\"\n");
        assert!(err.contains("missing field `path`"), "{err}");

        let (key, line, _) = invalid(parse("[[grant]]\nname = \"d\"\npath = \"\"\n").unwrap_err());
        assert_eq!((key.as_str(), line), ("grant[1].path", Some(3)));
    }

    #[test]
    fn relative_paths_resolve_against_the_base_dir() {
        let policy = Policy::from_toml_str(
            "[[grant]]\nname = \"a\"\npath = \"sub/dir\"\n[[grant]]\nname = \"b\"\npath = \"/abs\"\n",
            Path::new("/etc/capy"),
        )
        .unwrap();
        assert_eq!(
            policy.grants[0].grant.path,
            PathBuf::from("/etc/capy/sub/dir")
        );
        assert_eq!(policy.grants[1].grant.path, PathBuf::from("/abs"));
    }

    #[test]
    fn load_resolves_paths_and_validates() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("policy.toml");
        std::fs::write(&file, policy_in(dir.path(), "hide = [\".git\"]\n")).unwrap();
        let policy = Policy::load(&file).unwrap();
        assert_eq!(policy.grants[0].grant.path, dir.path().join("data"));
        assert!(
            std::fs::metadata(&policy.grants[0].grant.path)
                .unwrap()
                .is_dir()
        );
    }

    #[test]
    fn load_errors_name_the_file_or_line() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        let err = Policy::load(&missing).unwrap_err();
        assert!(matches!(err, PolicyError::Read { .. }), "{err:?}");
        assert!(err.to_string().contains("nope.toml"), "{err}");

        let file = dir.path().join("policy.toml");
        std::fs::write(&file, "[limits]\ncpux = 1\n").unwrap();
        let err = Policy::load(&file).unwrap_err();
        assert!(
            matches!(&err, PolicyError::Parse { file: Some(f), .. } if *f == file),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("policy.toml: TOML parse error at line 2"),
            "{err}"
        );

        std::fs::write(
            &file,
            "[limits]\ncpu = \"1s\"\n\n[[grant]]\nname = \"data\"\n\npath = \"missing\"\n",
        )
        .unwrap();
        let (key, line, message) = invalid(Policy::load(&file).unwrap_err());
        assert_eq!(key, "grant `data`.path");
        assert_eq!(line, Some(7));
        assert_eq!(
            message,
            format!("{} does not exist", dir.path().join("missing").display())
        );
    }

    #[test]
    fn grant_paths_must_be_existing_directories() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        let text = "[[grant]]\nname = \"data\"\npath = \"a-file\"\n";
        let err = Policy::from_toml_str(text, dir.path())
            .unwrap()
            .validate()
            .unwrap_err();
        let shown = err.to_string();
        let (key, line, message) = invalid(err);
        assert_eq!(key, "grant `data`.path");
        assert_eq!(line, None, "validate has no source text");
        assert_eq!(message, format!("{} is not a directory", file.display()));
        assert_eq!(
            shown,
            format!("grant `data`.path: {} is not a directory", file.display())
        );

        let text = "[[grant]]\nname = \"data\"\npath = \"a-file/below\"\n";
        let (_, _, message) = invalid(
            Policy::from_toml_str(text, dir.path())
                .unwrap()
                .validate()
                .unwrap_err(),
        );
        assert!(message.ends_with("does not exist"), "{message}");
    }

    #[test]
    fn grant_names_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let check = |names: &[&str]| {
            let mut text = String::new();
            for name in names {
                text += &format!("[[grant]]\nname = \"{name}\"\npath = \".\"\n");
            }
            let policy = Policy::from_toml_str(&text, dir.path()).unwrap();
            policy.validate().map(|_| policy)
        };
        check(&["a", "b"]).unwrap();

        let err = check(&["a", "b", "a"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "grant[3].name: grant name `a` is used twice"
        );
        let err = check(&["my-data"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "grant[1].name: grant name `my-data` is not a Python identifier"
        );
        let err = check(&["ok", "print"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "grant[2].name: grant name `print` would shadow the Python builtin of that name"
        );
        let err = check(&["class"]).unwrap_err();
        assert!(err.to_string().contains("keyword"), "{err}");
    }

    #[test]
    fn duplicate_names_in_a_file_point_at_the_second() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        std::fs::write(
            &file,
            "[[grant]]\nname = \"a\"\npath = \".\"\n\n[[grant]]\npath = \".\"\nname = \"a\"\n",
        )
        .unwrap();
        let (key, line, _) = invalid(Policy::load(&file).unwrap_err());
        assert_eq!((key.as_str(), line), ("grant[2].name", Some(7)));
    }

    #[test]
    fn bad_hide_patterns_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        std::fs::write(&file, policy_in(dir.path(), "hide = [\"ok\", \"[abc\"]\n")).unwrap();
        let err = Policy::load(&file).unwrap_err();
        let shown = err.to_string();
        let (key, line, message) = invalid(err);
        assert_eq!(key, "grant `data`.hide");
        assert_eq!(line, Some(4));
        assert!(
            message.starts_with("hide pattern `[abc` is invalid"),
            "{message}"
        );
        assert!(shown.ends_with("(line 4)"), "{shown}");
    }

    #[test]
    fn limits_must_be_positive() {
        let cases = [
            ("cpu = 0", "limits.cpu"),
            ("total_cpu = \"0ms\"", "limits.total_cpu"),
            ("wall = \"0s\"", "limits.wall"),
            ("memory = 0", "limits.memory"),
            ("output = \"0B\"", "limits.output"),
            ("open_files = 0", "limits.open_files"),
        ];
        for (line, expected) in cases {
            let text = format!("# limits\n[limits]\n{line}\n");
            let policy = parse(&text).unwrap();
            let (key, _, message) = invalid(policy.validate().unwrap_err());
            assert_eq!(key, expected, "{message}");

            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("p.toml");
            std::fs::write(&file, &text).unwrap();
            let (_, line, _) = invalid(Policy::load(&file).unwrap_err());
            assert_eq!(line, Some(3), "{text}");
        }
        let policy = parse("[limits]\nmemory = \"8MiB\"").unwrap();
        let err = policy.validate().unwrap_err().to_string();
        assert_eq!(
            err,
            "limits.memory: 8MiB is too little; the Python interpreter needs at least 32MiB"
        );
        parse("[limits]\nmemory = \"32MiB\"")
            .unwrap()
            .validate()
            .unwrap();
        let err = parse("[limits]\ntotal_cpu = 0")
            .unwrap()
            .validate()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "limits.total_cpu: the total CPU budget must be more than 0s; leave it out for no cap"
        );
        parse("[limits]\ntotal_cpu = \"1ms\"")
            .unwrap()
            .validate()
            .unwrap();
    }

    #[test]
    fn function_names_are_checked() {
        let check = |functions: &str| {
            let text =
                format!("functions = {functions}\n[[grant]]\nname = \"data\"\npath = \"/\"\n");
            parse(&text).unwrap().validate()
        };
        check("[]").unwrap();
        check("[\"notify\", \"lookup\", \"_private\"]").unwrap();

        let cases = [
            (
                "[\"notify\", \"data\"]",
                "functions[2]: `data` is already the name of a grant",
            ),
            (
                "[\"a\", \"b\", \"a\"]",
                "functions[3]: host function name `a` is used twice",
            ),
            (
                "[\"send-mail\"]",
                "functions[1]: host function name `send-mail` is not a Python identifier",
            ),
            (
                "[\"ok\", \"\"]",
                "functions[2]: host function name `` is not a Python identifier",
            ),
            (
                "[\"open\"]",
                "functions[1]: host function name `open` would shadow the Python builtin of that name",
            ),
            (
                "[\"ok\", \"return\"]",
                "functions[2]: host function name `return` would shadow the Python keyword of that name",
            ),
            (
                "[\"__import__\"]",
                "functions[1]: host function name `__import__` would shadow the Python builtin of that name",
            ),
        ];
        for (functions, expected) in cases {
            let err = check(functions).unwrap_err();
            assert_eq!(err.to_string(), expected);
            assert_eq!(invalid(err).1, None, "validate has no source text");
        }
    }

    #[test]
    fn grant_names_are_checked_before_function_names() {
        let text = "functions = [\"print\"]\n[[grant]]\nname = \"my-data\"\npath = \"/\"\n";
        let (key, _, _) = invalid(parse(text).unwrap().validate().unwrap_err());
        assert_eq!(key, "grant[1].name");
    }

    #[test]
    fn function_name_errors_point_at_the_entry() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        let load = |text: &str| {
            std::fs::write(
                &file,
                policy_in(dir.path(), "").replace("[[grant]]", &format!("{text}\n[[grant]]")),
            )
            .unwrap();
            invalid(Policy::load(&file).unwrap_err())
        };
        assert_eq!(
            load("# host functions\nfunctions = [\"notify\", \"data\"]\n"),
            (
                "functions[2]".to_owned(),
                Some(2),
                "`data` is already the name of a grant".to_owned()
            )
        );
        // One entry a line: the line of the entry, not of the key.
        let (key, line, message) =
            load("functions = [\n  \"notify\",  # mail the owner\n  \"lookup\",\n  'notify',\n]\n");
        assert_eq!((key.as_str(), line), ("functions[3]", Some(4)), "{message}");
        let (key, line, _) = load("functions = [\n  \"ok\", \"print\",\n]\n");
        assert_eq!((key.as_str(), line), ("functions[2]", Some(2)));
    }

    #[test]
    fn allows_function_follows_the_list() {
        let all = parse("").unwrap();
        assert!(all.allows_function("notify"));
        assert!(all.allows_function("anything"));

        let some = parse("functions = [\"notify\", \"lookup\"]").unwrap();
        assert!(some.allows_function("notify"));
        assert!(some.allows_function("lookup"));
        assert!(!some.allows_function("delete"));
        assert!(!some.allows_function("Notify"), "names are case-sensitive");

        let none = parse("functions = []").unwrap();
        assert_eq!(none.functions, Some(vec![]));
        assert!(!none.allows_function("notify"));
    }

    #[test]
    fn to_toml_round_trips() {
        let mut policy = parse(EXAMPLE).unwrap();
        policy.limits.wall = Duration::from_millis(1500);
        policy.limits.cpu = Duration::from_millis(250);
        policy.limits.max_output = 1500;
        policy.limits.total_cpu = Some(Duration::from_millis(90_500));
        policy.functions = Some(vec!["notify".into(), "odd \"name\"\n".into()]);
        policy.add_grant(GrantPolicy {
            grant: DirGrant {
                name: "odd".into(),
                path: PathBuf::from("/with \"quotes\"\\and\ttabs"),
                access: Access::ReadWrite,
            },
            max_bytes_written: Some(0),
            max_files_created: Some(0),
            hide: vec!["a\"b".into()],
        });
        let text = policy.to_toml();
        assert!(text.contains("memory = \"64MiB\""), "{text}");
        assert!(text.contains("wall = \"1.5s\""), "{text}");
        assert!(text.contains("cpu = \"250ms\""), "{text}");
        assert!(text.contains("total_cpu = \"90.5s\""), "{text}");
        assert!(text.starts_with("functions = [\"notify\", "), "{text}");
        assert_eq!(parse(&text).unwrap(), policy, "{text}");

        let defaults = Policy::default().to_toml();
        assert!(!defaults.contains("total_cpu"), "{defaults}");
        assert!(!defaults.contains("functions"), "{defaults}");
        assert_eq!(parse(&defaults).unwrap(), Policy::default());

        let no_functions = Policy {
            functions: Some(vec![]),
            ..Policy::default()
        };
        let text = no_functions.to_toml();
        assert!(text.starts_with("functions = []\n"), "{text}");
        assert_eq!(parse(&text).unwrap(), no_functions);
    }

    #[test]
    fn modules_parse_and_default_to_all() {
        let policy = parse("modules = [\"json\", \"re\"]\n[limits]\ncpu = 1\n").unwrap();
        assert_eq!(policy.modules, Some(vec!["json".into(), "re".into()]));
        assert_eq!(policy.modules(), ["json", "re"]);
        policy.validate().unwrap();

        let default = parse("").unwrap();
        assert_eq!(default.modules, None);
        assert_eq!(default.modules(), crate::DEFAULT_MODULES);

        let none = parse("modules = []").unwrap();
        assert_eq!(none.modules, Some(vec![]));
        assert!(none.modules().is_empty());
        none.validate().unwrap();

        let err = parse_err("modules = \"json\"\n");
        assert!(err.contains("line 1"), "{err}");
        assert!(err.contains("invalid type"), "{err}");
        let err = parse_err("[limits]\nmodules = [\"json\"]\n");
        assert!(err.contains("unknown field `modules`"), "{err}");
        let err = parse_err("module = [\"json\"]\n");
        assert!(err.contains("`modules`"), "lists the known keys: {err}");
    }

    #[test]
    fn module_names_are_checked() {
        let check = |modules: &str| parse(&format!("modules = {modules}\n")).unwrap().validate();
        check("[\"json\", \"re\", \"math\"]").unwrap();

        let err = check("[\"json\", \"os\"]").unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.starts_with(
                "modules[2]: unknown module `os`; the sandbox can grant: __future__, abc, "
            ),
            "{shown}"
        );
        assert_eq!(invalid(err).1, None, "validate has no source text");

        let err = check("[\"jsn\"]").unwrap_err().to_string();
        assert!(
            err.starts_with("modules[1]: unknown module `jsn` (did you mean `json`?); "),
            "{err}"
        );

        let err = check("[\"re\", \"json\", \"re\"]").unwrap_err();
        assert_eq!(err.to_string(), "modules[3]: module `re` is listed twice");
    }

    #[test]
    fn module_name_errors_point_at_the_entry() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        let load = |text: &str| {
            std::fs::write(&file, text).unwrap();
            invalid(Policy::load(&file).unwrap_err())
        };
        let (key, line, message) =
            load("# modules\nfunctions = []\nmodules = [\"json\", \"posix\"]\n");
        assert_eq!((key.as_str(), line), ("modules[2]", Some(3)), "{message}");
        assert!(message.starts_with("unknown module `posix`"), "{message}");
        let (key, line, message) =
            load("modules = [\n  \"json\",\n  \"re\",  # regexes\n  \"json\",\n]\n");
        assert_eq!((key.as_str(), line), ("modules[3]", Some(4)));
        assert_eq!(message, "module `json` is listed twice");
    }

    #[test]
    fn add_module_starts_from_an_empty_list() {
        let mut policy = Policy::default();
        policy.add_module("json");
        assert_eq!(policy.modules, Some(vec!["json".to_owned()]));
        policy.add_module("re");
        policy.add_module("json");
        assert_eq!(policy.modules(), ["json", "re"], "no duplicates");

        let mut from_file = parse("modules = [\"math\"]").unwrap();
        from_file.add_module(String::from("json"));
        assert_eq!(
            from_file.modules(),
            ["math", "json"],
            "adds to the file's list"
        );
    }

    #[test]
    fn determinism_parses_in_every_form() {
        let policy =
            parse("[determinism]\nrandom_seed = 42\nclock = \"2024-01-01T00:00:00Z\"\n").unwrap();
        let jan_1 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200);
        assert_eq!(
            policy.determinism,
            Determinism {
                random_seed: Some(42),
                clock: Some(jan_1),
            }
        );
        policy.validate().unwrap();
        assert_eq!(parse("").unwrap().determinism, Determinism::default());

        for clock in [
            "1704067200",
            "\"1704067200\"",
            "2024-01-01T00:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01 00:00:00Z",
        ] {
            let policy = parse(&format!("[determinism]\nclock = {clock}\n")).unwrap();
            assert_eq!(policy.determinism.clock, Some(jan_1), "{clock}");
            assert_eq!(policy.determinism.random_seed, None);
        }
        let big = parse("[determinism]\nrandom_seed = \"18446744073709551615\"\n").unwrap();
        assert_eq!(big.determinism.random_seed, Some(u64::MAX));
        let zero = parse("[determinism]\nrandom_seed = 0\n").unwrap();
        assert_eq!(zero.determinism.random_seed, Some(0));
    }

    #[test]
    fn bad_determinism_is_named_with_its_line() {
        let cases = [
            (
                "[determinism]\nrandom_seed = -1\n",
                2,
                "determinism.random_seed: a seed cannot be negative",
            ),
            (
                "[determinism]\n\nrandom_seed = 1.5\n",
                3,
                "determinism.random_seed",
            ),
            (
                "[determinism]\nrandom_seed = \"lots\"\n",
                2,
                "determinism.random_seed: \"lots\" is not an integer",
            ),
            (
                "[determinism]\nclock = \"tomorrow\"\n",
                2,
                "determinism.clock: invalid clock \"tomorrow\": expected an RFC 3339 time",
            ),
            (
                "[determinism]\nclock = 2024-01-01T00:00:00+02:00\n",
                2,
                "only UTC times are accepted",
            ),
            (
                "[determinism]\nclock = 2024-01-01\n",
                2,
                "determinism.clock",
            ),
            ("[determinism]\nclock = -5\n", 2, "before the Unix epoch"),
            ("[determinism]\nclock = true\n", 2, "found boolean"),
            ("[determinism]\nseed = 42\n", 2, "unknown field `seed`"),
        ];
        for (text, line, expected) in cases {
            let err = parse_err(text);
            assert!(err.contains(&format!("line {line}")), "{text}: {err}");
            assert!(err.contains(expected), "{text}: {err}");
        }
        let err = parse_err("[determinism]\nsede = 42\n");
        assert!(err.contains("`random_seed`"), "lists the known keys: {err}");
    }

    #[test]
    fn clocks_set_from_code_are_range_checked() {
        let mut policy = Policy::default();
        policy.determinism.clock = Some(SystemTime::UNIX_EPOCH - Duration::from_secs(1));
        let err = policy.validate().unwrap_err();
        assert_eq!(
            err.to_string(),
            "determinism.clock: the clock (1s before the Unix epoch) must be between \
             1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z"
        );
        policy.determinism.clock = Some(SystemTime::UNIX_EPOCH);
        policy.validate().unwrap();
    }

    #[test]
    fn to_toml_round_trips_modules_and_determinism() {
        let mut policy = parse(EXAMPLE).unwrap();
        policy.modules = Some(vec!["json".into(), "re".into()]);
        policy.determinism = Determinism {
            random_seed: Some(42),
            clock: Some(SystemTime::UNIX_EPOCH + Duration::new(1_704_067_200, 500_000_000)),
        };
        let text = policy.to_toml();
        assert!(
            text.starts_with(
                "functions = [\"notify\", \"lookup\"]\nmodules = [\"json\", \"re\"]\n\n[limits]\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "\n[determinism]\nrandom_seed = 42\nclock = \"2024-01-01T00:00:00.5Z\"\n"
            ),
            "{text}"
        );
        assert_eq!(parse(&text).unwrap(), policy, "{text}");

        for determinism in [
            Determinism {
                random_seed: Some(u64::MAX),
                clock: None,
            },
            Determinism {
                random_seed: None,
                clock: Some(SystemTime::UNIX_EPOCH),
            },
        ] {
            let policy = Policy {
                modules: Some(vec![]),
                determinism,
                ..Policy::default()
            };
            let text = policy.to_toml();
            assert!(text.starts_with("modules = []\n\n[limits]"), "{text}");
            assert_eq!(parse(&text).unwrap(), policy, "{text}");
        }
        let defaults = Policy::default().to_toml();
        assert!(!defaults.contains("modules"), "{defaults}");
        assert!(!defaults.contains("determinism"), "{defaults}");
    }

    /// An override of a file's grant (`--dir data=...`) changes the path
    /// and keeps every restriction: hide patterns, quotas, read-only.
    #[test]
    fn override_grant_keeps_the_files_restrictions() {
        let mut policy = parse(EXAMPLE).unwrap();
        let file_data = policy.grants[0].clone();
        let cli = GrantPolicy::new(DirGrant::parse_cli("data=/elsewhere").unwrap());
        policy.override_grant(cli).unwrap();
        assert_eq!(policy.grants.len(), 2);
        let data = &policy.grants[0];
        assert_eq!(data.grant.path, Path::new("/elsewhere"));
        assert_eq!(data.grant.access, Access::ReadOnly);
        assert_eq!(data.hide, file_data.hide);
        assert_eq!(data.max_bytes_written, Some(10 << 20));
        assert_eq!(data.max_files_created, Some(100));

        // Widening a read-only grant is an error naming the grant.
        let rw = GrantPolicy::new(DirGrant::parse_cli("data=/elsewhere:rw").unwrap());
        let err = policy.override_grant(rw).unwrap_err().to_string();
        assert!(err.contains("grant `data`.access"), "{err}");
        assert!(err.contains("read-only"), "{err}");
        assert_eq!(policy.grants[0].grant.access, Access::ReadOnly);

        // An override's own restrictions add to the file's; quotas take the
        // smaller; a read-write grant may be narrowed to read-only.
        let mut narrower = GrantPolicy::new(DirGrant::parse_cli("out=/o2:ro").unwrap());
        narrower.hide = vec!["*.tmp".into()];
        narrower.max_bytes_written = Some(5);
        policy.override_grant(narrower).unwrap();
        let out = &policy.grants[1];
        assert_eq!(out.grant.path, Path::new("/o2"));
        assert_eq!(out.grant.access, Access::ReadOnly);
        assert_eq!(out.hide, ["*.tmp"]);
        assert_eq!(
            (out.max_bytes_written, out.max_files_created),
            (Some(5), None)
        );
        let mut looser = GrantPolicy::new(DirGrant::parse_cli("data=/e3").unwrap());
        looser.max_bytes_written = Some(u64::MAX);
        looser.hide = vec![".git".into(), "new".into()];
        policy.override_grant(looser).unwrap();
        let data = &policy.grants[0];
        assert_eq!(data.max_bytes_written, Some(10 << 20));
        assert_eq!(data.hide, [".git", "*.key", "secrets/**", "new"]);

        // A new name is simply added.
        let extra = GrantPolicy::new(DirGrant::parse_cli("extra=/x:rw").unwrap());
        policy.override_grant(extra.clone()).unwrap();
        assert_eq!(policy.grants[2], extra);
    }

    /// `apply` (the CLI's flags, the Python package's keywords) overrides
    /// grants the same way, and reports a widening as invalid.
    #[test]
    fn apply_overrides_grants_without_dropping_restrictions() {
        let mut policy = parse(EXAMPLE).unwrap();
        let flags = crate::Overrides {
            grants: vec![GrantPolicy::new(
                DirGrant::parse_cli("data=/elsewhere:rw").unwrap(),
            )],
            ..Default::default()
        };
        let err = policy.apply(flags).unwrap_err();
        assert!(
            matches!(&err, PolicyError::Invalid { key, .. } if key == "grant `data`.access"),
            "{err}"
        );
        assert_eq!(policy.grants[0].hide, [".git", "*.key", "secrets/**"]);
    }

    #[test]
    fn add_grant_replaces_by_name() {
        let mut policy = parse(EXAMPLE).unwrap();
        let cli = GrantPolicy::new(DirGrant::parse_cli("data=/elsewhere:rw").unwrap());
        policy.add_grant(cli.clone());
        assert_eq!(policy.grants.len(), 2);
        assert_eq!(
            policy.grants[0], cli,
            "replaced in place, quotas and hide dropped"
        );
        assert_eq!(policy.grants[1].grant.name, "out");
        let new = GrantPolicy::new(DirGrant::parse_cli("extra=/x").unwrap());
        policy.add_grant(new.clone());
        assert_eq!(policy.grants.len(), 3);
        assert_eq!(policy.grants[2], new);
    }
}
