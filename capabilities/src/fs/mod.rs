//! The host side of directory capabilities, built on cap-std.
//!
//! A [`Grant`] is one host directory the operator shared with the guest; a
//! [`DirCap`] is the guest's handle on it (with or without write rights) and
//! a [`FileCap`] an open file inside it. Every guest path is validated
//! lexically before any syscall, and all file-system work goes through the
//! grant's `cap_std::fs::Dir`, so neither `..` nor symlinks can reach outside
//! the granted directory. Errors ([`FsError`]) name only the guest's virtual
//! path, never a host path.

mod dir;
mod error;
mod file;
mod open;
mod path;
#[cfg(test)]
mod tests;

use std::fmt;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use cap_std::AmbientAuthority;
pub use cap_std::ambient_authority;

pub use dir::DirCap;
pub use error::{FsError, FsErrorKind};
pub use file::FileCap;

/// A predicate over normalized relative paths (`"sub/a.txt"`); `true` means
/// hidden: the path behaves as if it did not exist.
pub type HideFn = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Largest file [`DirCap::read`] returns in one piece, so a guest cannot make
/// the host buffer an arbitrarily large file.
pub const MAX_WHOLE_READ: u64 = 64 << 20;

/// Most entries [`DirCap::rename`] walks beneath a directory to check that
/// the move changes no entry's hidden status (only on grants with hide rules).
pub const MAX_RENAME_WALK: usize = 10_000;

/// Largest chunk [`FileCap::read`] returns per call; larger requests are clamped.
pub const MAX_CHUNK: u64 = 16 << 20;

/// Per-grant limits, so a guest cannot fill the host's disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quotas {
    /// Total bytes the guest may write through this grant (`None` = unlimited).
    pub max_bytes_written: Option<u64>,
    /// Total files and directories the guest may create (`None` = unlimited).
    pub max_files_created: Option<u64>,
}

/// A host directory could not be granted; for the host operator, so it may
/// carry the host error.
#[derive(Debug, thiserror::Error)]
#[error("cannot open the directory granted as `{name}`: {source}")]
pub struct OpenGrantError {
    /// The grant's name.
    pub name: String,
    /// Why opening failed.
    #[source]
    pub source: io::Error,
}

/// One host directory shared with the guest, with its quotas, usage counters
/// and hide policy. Shared (via `Arc`) by every capability derived from it, so
/// quotas hold across all of them.
pub struct Grant {
    name: String,
    dir: cap_std::fs::Dir,
    quotas: Quotas,
    bytes_written: AtomicU64,
    files_created: AtomicU64,
    hide: Option<HideFn>,
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The host path is deliberately not printed: Debug output may end up
        // in guest-visible places.
        f.debug_struct("Grant")
            .field("name", &self.name)
            .field("quotas", &self.quotas)
            .field("bytes_written", &self.bytes_written())
            .field("files_created", &self.files_created())
            .field("hide", &self.hide.is_some())
            .finish_non_exhaustive()
    }
}

impl Grant {
    /// Opens the host directory at `path` as the grant `name`.
    ///
    /// This is the only place that uses ambient authority; afterwards all
    /// access is relative to the opened directory handle.
    pub fn open(
        name: &str,
        path: &std::path::Path,
        quotas: Quotas,
        hide: Option<HideFn>,
        ambient: AmbientAuthority,
    ) -> Result<Arc<Grant>, OpenGrantError> {
        let fail = |source| OpenGrantError {
            name: name.to_owned(),
            source,
        };
        let dir = cap_std::fs::Dir::open_ambient_dir(path, ambient).map_err(fail)?;
        let meta = dir.dir_metadata().map_err(fail)?;
        if !meta.is_dir() {
            return Err(fail(io::Error::new(
                io::ErrorKind::NotADirectory,
                "not a directory",
            )));
        }
        Ok(Arc::new(Grant {
            name: name.to_owned(),
            dir,
            quotas,
            bytes_written: AtomicU64::new(0),
            files_created: AtomicU64::new(0),
            hide,
        }))
    }

    /// The grant's quotas.
    pub fn quotas(&self) -> Quotas {
        self.quotas
    }

    /// The name the grant was opened under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Bytes written through this grant so far (counted against the quota).
    pub fn bytes_written(&self) -> u64 {
        self.bytes_written.load(Ordering::SeqCst)
    }

    /// Files and directories created through this grant so far.
    pub fn files_created(&self) -> u64 {
        self.files_created.load(Ordering::SeqCst)
    }

    /// Validates a guest path: lexical normalization plus the hide policy.
    pub(crate) fn resolve(&self, raw: &str) -> Result<String, FsError> {
        let norm = path::normalize(raw)?;
        if self.is_hidden(&norm) {
            return Err(FsError::new(FsErrorKind::NotFound, norm));
        }
        Ok(norm)
    }

    /// True if the normalized path (or an ancestor) is hidden.
    pub(crate) fn is_hidden(&self, norm: &str) -> bool {
        match &self.hide {
            Some(hide) => path::is_hidden(norm, hide.as_ref()),
            None => false,
        }
    }

    /// Reserves `n` bytes of write quota, or fails without reserving anything.
    pub(crate) fn reserve_bytes(&self, n: u64, path: &str) -> Result<(), FsError> {
        reserve(&self.bytes_written, self.quotas.max_bytes_written, n)
            .map_err(|()| FsError::new(FsErrorKind::BytesQuotaExceeded, path))
    }

    /// Returns bytes reserved by a write that then failed.
    pub(crate) fn release_bytes(&self, n: u64) {
        release(&self.bytes_written, n);
    }

    /// Reserves one file creation, or fails without reserving anything.
    pub(crate) fn reserve_file(&self, path: &str) -> Result<(), FsError> {
        reserve(&self.files_created, self.quotas.max_files_created, 1)
            .map_err(|()| FsError::new(FsErrorKind::FilesQuotaExceeded, path))
    }

    /// Returns a file creation reserved by an operation that then failed.
    pub(crate) fn release_file(&self) {
        release(&self.files_created, 1);
    }
}

/// Atomically adds `n` to `counter` unless that would pass `limit`, so
/// concurrent writers can never jointly exceed a quota.
fn reserve(counter: &AtomicU64, limit: Option<u64>, n: u64) -> Result<(), ()> {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |cur| match limit {
            Some(limit) => cur.checked_add(n).filter(|&new| new <= limit),
            None => Some(cur.saturating_add(n)),
        })
        .map(|_| ())
        .map_err(|_| ())
}

/// Undoes a [`reserve`]; saturating so a bookkeeping slip can never wrap.
fn release(counter: &AtomicU64, n: u64) {
    let _ = counter.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |cur| {
        Some(cur.saturating_sub(n))
    });
}

/// What kind of thing a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (only reported when not following links).
    Symlink,
    /// Anything else: FIFOs, sockets, devices.
    Other,
}

/// The guest-visible subset of a file's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// What the path names.
    pub kind: EntryKind,
    /// Size in bytes; 0 for a directory (whose size would count hidden
    /// entries).
    pub size: u64,
    /// Modification time in nanoseconds since the Unix epoch, if known.
    pub modified_ns: Option<i64>,
    /// Unix permission bits (`& 0o7777`); write bits cleared when the
    /// capability is read-only, so the guest sees what it may actually do.
    pub mode: u32,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's name (no slashes).
    pub name: String,
    /// What it is, without following symlinks.
    pub kind: EntryKind,
}

/// How [`DirCap::write`] treats an existing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Create or replace the content.
    Truncate,
    /// Create or add to the end.
    Append,
    /// Create; fail with `AlreadyExists` if the path exists.
    CreateNew,
}

/// How [`DirCap::open`] opens a file; mirrors `std::fs::OpenOptions`.
///
/// `append`, `create`, `create_new` and `truncate` imply `write`; nothing at
/// all means read-only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// Open for reading.
    pub read: bool,
    /// Open for writing.
    pub write: bool,
    /// Writes go to the end of the file.
    pub append: bool,
    /// Create the file if missing.
    pub create: bool,
    /// Create the file; fail if it exists.
    pub create_new: bool,
    /// Empty the file on open.
    pub truncate: bool,
}

impl OpenOptions {
    /// True if these options modify the file system or the file.
    pub(crate) fn wants_write(&self) -> bool {
        self.write || self.append || self.create || self.create_new || self.truncate
    }
}

/// Converts cap-std metadata into the guest view.
pub(crate) fn convert_metadata(meta: &cap_std::fs::Metadata, writable: bool) -> Metadata {
    let ft = meta.file_type();
    let kind = if ft.is_symlink() {
        EntryKind::Symlink
    } else if ft.is_dir() {
        EntryKind::Dir
    } else if ft.is_file() {
        EntryKind::File
    } else {
        EntryKind::Other
    };
    let modified_ns = meta.modified().ok().and_then(|t| {
        let t = t.into_std();
        match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_nanos()).ok(),
            Err(before) => i64::try_from(before.duration().as_nanos()).ok().map(|n| -n),
        }
    });
    #[cfg(unix)]
    let mut mode = {
        use cap_std::fs::PermissionsExt;
        meta.permissions().mode() & 0o7777
    };
    #[cfg(not(unix))]
    let mut mode = if meta.permissions().readonly() {
        0o444
    } else {
        0o666
    };
    if !writable {
        mode &= !0o222;
    }
    // A directory's size is the file system's bookkeeping for its entries,
    // hidden ones included: it would grow with every hidden file, so it is
    // reported as 0 on every grant.
    let size = if kind == EntryKind::Dir {
        0
    } else {
        meta.len()
    };
    Metadata {
        kind,
        size,
        modified_ns,
        mode,
    }
}
