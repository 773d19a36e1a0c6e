//! capy's contract between the sandboxed guest and the host.
//!
//! The WIT world in `wit/capy.wit` ([`WIT_DIR`]) is the whole boundary: the
//! host library and the guest both generate their bindings from it, so the
//! two cannot drift apart. This crate adds the few facts that WIT cannot
//! say but both sides must agree on, so that each is written once: the
//! modules a policy may grant, how deep plain data may nest, Python's
//! keywords, how a path is shown to a script, and how deeply source text
//! may nest before the parser sees it ([`nesting`]). The host workspace and
//! the guest (built for `wasm32-wasip2`) both depend on it; it has no
//! dependencies of its own.

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod nesting;

/// The directory holding the contract's WIT files (`capy:sandbox`).
pub const WIT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/wit");

/// Every standard-library module a policy can grant, sorted. The host
/// validates `modules = [...]` against this list; the guest's catalog
/// loads exactly these at start-up (and fails the build if it cannot).
/// Each is pure: it computes, and reaches nothing outside the interpreter
/// (`time` reads only the clock, which deterministic mode can fix).
pub const MODULES: &[&str] = &[
    "__future__",
    "abc",
    "array",
    "base64",
    "binascii",
    "bisect",
    "cmath",
    "collections",
    "colorsys",
    "contextlib",
    "copy",
    "copyreg",
    "csv",
    "dataclasses",
    "datetime",
    "decimal",
    "difflib",
    "enum",
    "fnmatch",
    "fractions",
    "functools",
    "graphlib",
    "hashlib",
    "heapq",
    "hmac",
    "html",
    "io",
    "ipaddress",
    "itertools",
    "json",
    "keyword",
    "logging",
    "math",
    "numbers",
    "operator",
    "pickle",
    "pprint",
    "random",
    "re",
    "reprlib",
    "secrets",
    "shlex",
    "statistics",
    "string",
    "struct",
    "sys",
    "textwrap",
    "time",
    "tomllib",
    "traceback",
    "types",
    "typing",
    "unicodedata",
    "urllib",
    "uuid",
    "warnings",
    "weakref",
    "zlib",
];

/// The deepest nesting of lists and dicts in plain data that crosses the
/// boundary (`capy:sandbox/data`): a scalar has depth 0, `[1]` depth 1,
/// `[[1]]` depth 2. Both sides refuse deeper values, so neither recurses
/// without bound on the other's data.
pub const MAX_VALUE_DEPTH: usize = 256;

/// Python's keywords (3.11, hard keywords only): no grant or host function
/// may be named like one, and the REPL completes them.
pub const PYTHON_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// A path as the script sees it: `/grant/rel`, or `/grant` for the grant's
/// root. `rel` is the contract's relative path (already normalised, no
/// leading `/`). Error messages, tracebacks and audit records all show
/// paths this way; host paths never appear.
pub fn virtual_path(grant: &str, rel: &str) -> String {
    if rel.is_empty() {
        format!("/{grant}")
    } else {
        format!("/{grant}/{rel}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_sorted_and_unique() {
        assert!(MODULES.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn keywords_are_sorted_like_python_keyword_kwlist() {
        // keyword.kwlist is sorted with the capitalised constants first.
        assert!(PYTHON_KEYWORDS.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(PYTHON_KEYWORDS.len(), 35);
    }

    #[test]
    fn virtual_paths_name_the_grant_first() {
        assert_eq!(virtual_path("data", ""), "/data");
        assert_eq!(virtual_path("data", "sub/a.txt"), "/data/sub/a.txt");
    }

    #[test]
    fn the_wit_world_is_where_the_bindings_look() {
        let wit = std::path::Path::new(WIT_DIR).join("capy.wit");
        let text = std::fs::read_to_string(&wit).expect("contract/wit/capy.wit");
        assert!(text.contains("package capy:sandbox@"));
    }
}
