//! Directory grants: which host directory a script sees under which name,
//! and with which rights.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// What a grant lets the script do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Access {
    /// List, stat and read only (the default: authority is opt-in).
    #[default]
    ReadOnly,
    /// Also create, write, rename and delete beneath the directory.
    ReadWrite,
}

impl Access {
    /// Whether this access allows changes.
    pub fn is_writable(self) -> bool {
        self == Access::ReadWrite
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::ReadOnly => "ro",
            Access::ReadWrite => "rw",
        })
    }
}

impl FromStr for Access {
    type Err = GrantError;

    fn from_str(s: &str) -> Result<Access, GrantError> {
        match s {
            "ro" | "read-only" => Ok(Access::ReadOnly),
            "rw" | "read-write" => Ok(Access::ReadWrite),
            other => Err(GrantError::BadAccess(other.to_owned())),
        }
    }
}

/// One directory granted to a script: it appears as the global `name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    /// The script's global name for the directory (a Python identifier).
    pub name: String,
    /// The host directory.
    pub path: PathBuf,
    /// Read-only or read-write.
    pub access: Access,
}

impl DirGrant {
    /// Parses the CLI form `NAME=PATH[:ro|:rw]` (read-only by default).
    ///
    /// A path that itself ends in `:ro` or `:rw` can be given with an
    /// explicit suffix, e.g. `d=./odd:rw:ro`.
    pub fn parse_cli(spec: &str) -> Result<DirGrant, GrantError> {
        let (name, rest) = spec
            .split_once('=')
            .ok_or_else(|| GrantError::Syntax(spec.to_owned()))?;
        let (path, access) = match rest.rsplit_once(':') {
            Some((path, access @ ("ro" | "rw"))) => (path, access.parse()?),
            _ => (rest, Access::ReadOnly),
        };
        if path.is_empty() {
            return Err(GrantError::Syntax(spec.to_owned()));
        }
        validate_name(name)?;
        Ok(DirGrant {
            name: name.to_owned(),
            path: PathBuf::from(path),
            access,
        })
    }
}

/// Why a grant is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GrantError {
    /// Not of the form `NAME=PATH[:ro|:rw]`.
    #[error("`{0}` is not a directory grant; expected NAME=PATH[:ro|:rw], e.g. data=./data:ro")]
    Syntax(String),
    /// An access other than `ro` / `rw`.
    #[error("unknown access `{0}`; expected `ro` or `rw`")]
    BadAccess(String),
    /// The name cannot be a Python global.
    #[error("grant name `{0}` is not a Python identifier")]
    NotIdentifier(String),
    /// The name would hide a builtin or is a keyword.
    #[error("grant name `{0}` would shadow the Python {1} of that name")]
    Shadows(String, &'static str),
    /// Two grants share a name.
    #[error("grant name `{0}` is used twice")]
    Duplicate(String),
    /// A host function's name cannot be a Python global.
    #[error("host function name `{0}` is not a Python identifier")]
    FunctionNotIdentifier(String),
    /// A host function's name would hide a builtin or is a keyword.
    #[error("host function name `{0}` would shadow the Python {1} of that name")]
    FunctionShadows(String, &'static str),
    /// Two host functions share a name.
    #[error("host function name `{0}` is used twice")]
    FunctionDuplicate(String),
    /// A grant and a host function share a name: both would be the same
    /// script global.
    #[error("`{0}` is both a grant and a host function")]
    NameClash(String),
}

/// Checks that `name` can be a script global: an ASCII identifier that is
/// neither a keyword nor a builtin (a grant named `print` would break scripts
/// in confusing ways).
pub fn validate_name(name: &str) -> Result<(), GrantError> {
    let mut chars = name.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric());
    if !identifier {
        return Err(GrantError::NotIdentifier(name.to_owned()));
    }
    if capy_contract::PYTHON_KEYWORDS.contains(&name) {
        return Err(GrantError::Shadows(name.to_owned(), "keyword"));
    }
    if PYTHON_BUILTINS.contains(&name) || name.starts_with("__") {
        return Err(GrantError::Shadows(name.to_owned(), "builtin"));
    }
    Ok(())
}

/// Checks every name and that none repeats.
pub fn validate_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<(), GrantError> {
    let mut seen = std::collections::HashSet::new();
    for name in names {
        validate_name(name)?;
        if !seen.insert(name) {
            return Err(GrantError::Duplicate(name.to_owned()));
        }
    }
    Ok(())
}

/// Checks host function names the way [`validate_names`] checks grant
/// names (each a script global: an identifier, not a keyword or builtin, no
/// repeats), and that no function shares a name with a grant. The grant
/// names themselves are not checked here; see [`validate_names`].
///
/// ```
/// use capy_policy::{GrantError, validate_function_names};
/// assert_eq!(validate_function_names(["data"], ["notify", "lookup"]), Ok(()));
/// assert_eq!(
///     validate_function_names(["data"], ["notify", "data"]),
///     Err(GrantError::NameClash("data".into()))
/// );
/// ```
pub fn validate_function_names<'a>(
    grants: impl IntoIterator<Item = &'a str>,
    functions: impl IntoIterator<Item = &'a str>,
) -> Result<(), GrantError> {
    let grants: std::collections::HashSet<&str> = grants.into_iter().collect();
    let mut seen = std::collections::HashSet::new();
    for name in functions {
        validate_function_name(name)?;
        if !seen.insert(name) {
            return Err(GrantError::FunctionDuplicate(name.to_owned()));
        }
        if grants.contains(name) {
            return Err(GrantError::NameClash(name.to_owned()));
        }
    }
    Ok(())
}

/// [`validate_name`] for a host function: the same rules, with errors that
/// say "host function".
pub(crate) fn validate_function_name(name: &str) -> Result<(), GrantError> {
    validate_name(name).map_err(|e| match e {
        GrantError::NotIdentifier(name) => GrantError::FunctionNotIdentifier(name),
        GrantError::Shadows(name, what) => GrantError::FunctionShadows(name, what),
        other => other,
    })
}

const PYTHON_BUILTINS: &[&str] = &[
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "copyright",
    "credits",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "exit",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "license",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "quit",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_grants_default_to_read_only() {
        let grant = DirGrant::parse_cli("data=./data").unwrap();
        assert_eq!(grant.name, "data");
        assert_eq!(grant.path, PathBuf::from("./data"));
        assert_eq!(grant.access, Access::ReadOnly);
        assert_eq!(
            DirGrant::parse_cli("out=/tmp/o:rw").unwrap().access,
            Access::ReadWrite
        );
        assert_eq!(
            DirGrant::parse_cli("out=/tmp/o:ro").unwrap().access,
            Access::ReadOnly
        );
        // Only the last `:ro`/`:rw` is an access suffix.
        let odd = DirGrant::parse_cli("d=./x:rw:ro").unwrap();
        assert_eq!(
            (odd.path, odd.access),
            (PathBuf::from("./x:rw"), Access::ReadOnly)
        );
        assert_eq!(
            DirGrant::parse_cli("d=c:/x").unwrap().path,
            PathBuf::from("c:/x")
        );
    }

    #[test]
    fn bad_cli_grants_say_what_is_wrong() {
        assert_eq!(
            DirGrant::parse_cli("data"),
            Err(GrantError::Syntax("data".into()))
        );
        assert_eq!(
            DirGrant::parse_cli("data="),
            Err(GrantError::Syntax("data=".into()))
        );
        assert_eq!(
            DirGrant::parse_cli("my-data=./d"),
            Err(GrantError::NotIdentifier("my-data".into()))
        );
        assert_eq!(
            DirGrant::parse_cli("print=./d"),
            Err(GrantError::Shadows("print".into(), "builtin"))
        );
        assert_eq!(
            DirGrant::parse_cli("class=./d"),
            Err(GrantError::Shadows("class".into(), "keyword"))
        );
        assert_eq!(
            validate_names(["a", "b", "a"]),
            Err(GrantError::Duplicate("a".into()))
        );
        assert!(
            DirGrant::parse_cli("1x=./d")
                .unwrap_err()
                .to_string()
                .contains("not a Python identifier")
        );
    }

    #[test]
    fn function_names_are_checked_like_grant_names() {
        assert_eq!(validate_function_names([], []), Ok(()));
        assert_eq!(
            validate_function_names(["data", "out"], ["notify", "lookup"]),
            Ok(())
        );
        assert_eq!(
            validate_function_names([], ["notify", "my-fn"]),
            Err(GrantError::FunctionNotIdentifier("my-fn".into()))
        );
        assert_eq!(
            validate_function_names([], ["print"]),
            Err(GrantError::FunctionShadows("print".into(), "builtin"))
        );
        assert_eq!(
            validate_function_names([], ["lambda"]),
            Err(GrantError::FunctionShadows("lambda".into(), "keyword"))
        );
        assert_eq!(
            validate_function_names([], ["a", "b", "a"]),
            Err(GrantError::FunctionDuplicate("a".into()))
        );
        let clash = validate_function_names(["data", "out"], ["notify", "out"]).unwrap_err();
        assert_eq!(clash, GrantError::NameClash("out".into()));
        assert_eq!(
            clash.to_string(),
            "`out` is both a grant and a host function"
        );
        assert_eq!(
            GrantError::FunctionShadows("print".into(), "builtin").to_string(),
            "host function name `print` would shadow the Python builtin of that name"
        );
    }

    #[test]
    fn repeated_grant_names_are_not_a_clash() {
        // Repeats among the grants are validate_names' business.
        assert_eq!(validate_function_names(["a", "a"], ["f"]), Ok(()));
    }
}
