//! Guest-facing file-system errors.
//!
//! An [`FsError`] crosses the sandbox boundary, so it carries only a coarse
//! kind and the *virtual* path the guest itself passed: never a host path and
//! never the text of a host `io::Error` (which could reveal host layout).

use std::fmt;
use std::io;

/// What went wrong, coarse enough to reveal nothing about the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsErrorKind {
    /// The path does not exist (or is hidden by the grant's policy).
    NotFound,
    /// The capability does not allow this, or the path leads outside the grant.
    PermissionDenied,
    /// A file was expected but the path names a directory.
    IsADirectory,
    /// A directory was expected but the path (or one of its parents) is not one.
    NotADirectory,
    /// The path already exists.
    AlreadyExists,
    /// The directory to remove is not empty.
    NotEmpty,
    /// The request itself is malformed (bad options, name too long, ...).
    InvalidInput,
    /// The file is too big to be read in one piece.
    TooLarge,
    /// The grant's quota of bytes written would be exceeded.
    BytesQuotaExceeded,
    /// The grant's quota of files (and directories) created would be exceeded.
    FilesQuotaExceeded,
    /// The file handle was not opened for reading.
    NotReadable,
    /// The file handle was not opened for writing.
    NotWritable,
    /// Anything else; the host logs the real cause.
    Other,
}

impl fmt::Display for FsErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FsErrorKind::NotFound => "not found",
            FsErrorKind::PermissionDenied => "permission denied",
            FsErrorKind::IsADirectory => "is a directory",
            FsErrorKind::NotADirectory => "not a directory",
            FsErrorKind::AlreadyExists => "already exists",
            FsErrorKind::NotEmpty => "directory not empty",
            FsErrorKind::InvalidInput => "invalid input",
            FsErrorKind::TooLarge => "too large",
            FsErrorKind::BytesQuotaExceeded => "write quota exceeded",
            FsErrorKind::FilesQuotaExceeded => "file quota exceeded",
            FsErrorKind::NotReadable => "not open for reading",
            FsErrorKind::NotWritable => "not open for writing",
            FsErrorKind::Other => "i/o error",
        })
    }
}

/// A file-system error as the guest sees it: a kind plus the guest's own
/// (normalized, virtual) path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {path}")]
pub struct FsError {
    /// What went wrong.
    pub kind: FsErrorKind,
    /// The virtual path relative to the grant root, as the guest named it.
    pub path: String,
}

impl FsError {
    /// Builds an error; a constructor keeps call sites short.
    pub fn new(kind: FsErrorKind, path: impl Into<String>) -> FsError {
        FsError {
            kind,
            path: path.into(),
        }
    }
}

/// Whether `err` is `ELOOP` (too many symlinks). Stable `io::ErrorKind`
/// has no variant for it; rustix (already beneath cap-std) knows the number
/// on every Unix.
#[cfg(unix)]
fn is_symlink_loop(err: &io::Error) -> bool {
    err.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
}

#[cfg(not(unix))]
fn is_symlink_loop(_err: &io::Error) -> bool {
    false
}

/// Translates a host `io::Error` into a guest-safe [`FsError`].
///
/// The host error text never reaches the guest; unexpected errors are logged
/// on the host (at debug level) so an operator can still diagnose them.
pub(crate) fn map_io(err: io::Error, path: &str) -> FsError {
    use io::ErrorKind as K;
    if is_symlink_loop(&err) {
        // Symlink loops are how cap-std sometimes reports a refused escape.
        return FsError::new(FsErrorKind::PermissionDenied, path);
    }
    let kind = match err.kind() {
        K::NotFound => FsErrorKind::NotFound,
        // Includes cap-std's "a path led outside of the filesystem".
        K::PermissionDenied | K::ReadOnlyFilesystem => FsErrorKind::PermissionDenied,
        K::AlreadyExists => FsErrorKind::AlreadyExists,
        K::IsADirectory => FsErrorKind::IsADirectory,
        K::NotADirectory => FsErrorKind::NotADirectory,
        K::DirectoryNotEmpty => FsErrorKind::NotEmpty,
        K::InvalidInput | K::InvalidFilename => FsErrorKind::InvalidInput,
        K::FileTooLarge => FsErrorKind::TooLarge,
        _ => {
            tracing::debug!(error = %err, path, "unmapped file-system error");
            FsErrorKind::Other
        }
    };
    FsError::new(kind, path)
}
