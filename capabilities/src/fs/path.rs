//! Lexical validation of guest paths, done before any syscall.
//!
//! cap-std already refuses escapes, but checking lexically first means a
//! hostile path never reaches the kernel at all, and gives every call one
//! canonical virtual path to report in errors and to test against the hide
//! policy.

use super::error::{FsError, FsErrorKind};

/// How much of a rejected raw path is echoed back: enough to recognise it,
/// not enough to let a guest make the host hold huge error strings.
const MAX_ECHO_CHARS: usize = 200;

/// Shortens a raw guest path for use in an error message.
fn echo(raw: &str) -> String {
    raw.chars().take(MAX_ECHO_CHARS).collect()
}

/// Normalizes `raw` to a relative path without `.`/`..`/empty components.
///
/// `""` means the grant root. Absolute paths, NUL bytes and `..` that would
/// climb above the root are refused with `PermissionDenied`.
pub(crate) fn normalize(raw: &str) -> Result<String, FsError> {
    if raw.starts_with('/') || raw.contains('\0') {
        return Err(FsError::new(FsErrorKind::PermissionDenied, echo(raw)));
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(FsError::new(FsErrorKind::PermissionDenied, echo(raw)));
                }
            }
            name => parts.push(name),
        }
    }
    Ok(parts.join("/"))
}

/// True if `norm` or any of its ancestors is hidden by `hide`.
///
/// Checking every prefix makes a hidden directory hide its whole subtree.
pub(crate) fn is_hidden(norm: &str, hide: &dyn Fn(&str) -> bool) -> bool {
    if norm.is_empty() {
        return false;
    }
    let mut end = 0;
    for part in norm.split('/') {
        end += part.len();
        // `end` always sits on a '/' boundary; `get` keeps that panic-free anyway.
        if norm.get(..end).is_some_and(hide) {
            return true;
        }
        end += 1; // the separator
    }
    false
}

/// Joins a normalized directory path and an entry name.
pub(crate) fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// The path to hand cap-std: it wants `.` rather than `""` for the root.
pub(crate) fn host_rel(norm: &str) -> &str {
    if norm.is_empty() { "." } else { norm }
}
