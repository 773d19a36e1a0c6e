//! [`DirCap`]: the guest's handle on a grant root, with or without write rights.

use std::fmt;
use std::io::{Read, Write};
use std::sync::Arc;

use super::error::{FsError, FsErrorKind, map_io};
use super::file::FileCap;
use super::open::{Accept, open_checked};
use super::path::{self, host_rel, join};
use super::{
    DirEntry, EntryKind, Grant, MAX_RENAME_WALK, MAX_WHOLE_READ, Metadata, OpenOptions, WriteMode,
    convert_metadata,
};

/// A capability on the root of a [`Grant`]: what the guest holds to reach a
/// shared directory. Cloning shares the grant (and so its quotas).
#[derive(Clone)]
pub struct DirCap {
    grant: Arc<Grant>,
    writable: bool,
}

impl fmt::Debug for DirCap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DirCap")
            .field("grant", &self.grant.name())
            .field("writable", &self.writable)
            .finish()
    }
}

/// What a path currently names, following symlinks; `None` if nothing
/// (including a dangling symlink, whose target a create would make).
type Probe = Option<EntryKind>;

impl DirCap {
    /// Wraps a grant; `writable` decides whether write operations are allowed.
    pub fn new(grant: Arc<Grant>, writable: bool) -> DirCap {
        DirCap { grant, writable }
    }

    /// A read-only view of the same grant, for handing out weaker rights.
    pub fn readonly(&self) -> DirCap {
        DirCap {
            grant: Arc::clone(&self.grant),
            writable: false,
        }
    }

    /// Whether write operations are allowed through this capability.
    pub fn is_writable(&self) -> bool {
        self.writable
    }

    /// The grant this capability descends from.
    pub fn grant(&self) -> &Arc<Grant> {
        &self.grant
    }

    /// The name of the underlying grant.
    pub fn grant_name(&self) -> &str {
        self.grant.name()
    }

    /// True if both capabilities are on the same grant (same directory handle).
    pub fn same_grant(&self, other: &DirCap) -> bool {
        Arc::ptr_eq(&self.grant, &other.grant)
    }

    /// Metadata of `path`; `follow` decides whether a final symlink is followed.
    pub fn stat(&self, path: &str, follow: bool) -> Result<Metadata, FsError> {
        let norm = self.grant.resolve(path)?;
        let dir = &self.grant.dir;
        let meta = if norm.is_empty() {
            dir.dir_metadata()
        } else if follow {
            dir.metadata(&norm)
        } else {
            dir.symlink_metadata(&norm)
        }
        .map_err(|e| map_io(e, &norm))?;
        Ok(convert_metadata(&meta, self.writable))
    }

    /// Lists a directory: sorted by name, hidden and non-UTF-8 names left out.
    pub fn list(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let norm = self.grant.resolve(path)?;
        let dir = &self.grant.dir;
        let entries = if norm.is_empty() {
            dir.entries()
        } else {
            dir.read_dir(&norm)
        }
        .map_err(|e| map_io(e, &norm))?;
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| map_io(e, &norm))?;
            // Non-UTF-8 names cannot be represented to the guest faithfully.
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if name == "." || name == ".." || self.grant.is_hidden(&join(&norm, &name)) {
                continue;
            }
            let kind = match entry.file_type() {
                Ok(ft) if ft.is_symlink() => EntryKind::Symlink,
                Ok(ft) if ft.is_dir() => EntryKind::Dir,
                Ok(ft) if ft.is_file() => EntryKind::File,
                _ => EntryKind::Other,
            };
            out.push(DirEntry { name, kind });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Reads a whole file, refusing files larger than [`MAX_WHOLE_READ`].
    pub fn read(&self, path: &str) -> Result<Vec<u8>, FsError> {
        let norm = self.grant.resolve(path)?;
        let mut options = cap_std::fs::OpenOptions::new();
        options.read(true);
        // The type and size are checked on the opened descriptor, not on the
        // path: a swap between a check and the open cannot slip anything in.
        let (file, _) = open_checked(&self.grant.dir, &norm, options, Accept::File)?;
        let meta = file.metadata().map_err(|e| map_io(e, &norm))?;
        if meta.len() > MAX_WHOLE_READ {
            return Err(FsError::new(FsErrorKind::TooLarge, norm));
        }
        let mut buf = Vec::new();
        file.take(MAX_WHOLE_READ + 1)
            .read_to_end(&mut buf)
            .map_err(|e| map_io(e, &norm))?;
        if buf.len() as u64 > MAX_WHOLE_READ {
            return Err(FsError::new(FsErrorKind::TooLarge, norm));
        }
        Ok(buf)
    }

    /// Writes a whole file, creating it if needed, per `mode`.
    pub fn write(&self, path: &str, data: &[u8], mode: WriteMode) -> Result<(), FsError> {
        let norm = self.resolve_mut(path)?;
        let existing = self.probe(&norm)?;
        if existing.is_some() && mode == WriteMode::CreateNew {
            return Err(FsError::new(FsErrorKind::AlreadyExists, norm));
        }
        let mut options = cap_std::fs::OpenOptions::new();
        options.write(true);
        match mode {
            WriteMode::Truncate => options.create(true).truncate(true),
            WriteMode::Append => options.create(true).append(true),
            WriteMode::CreateNew => options.create_new(true),
        };
        let len = data.len() as u64;
        let creating = existing.is_none();
        self.reserve(creating, len, &norm)?;
        let result = open_checked(&self.grant.dir, &norm, options, Accept::File)
            .and_then(|(mut file, _)| file.write_all(data).map_err(|e| map_io(e, &norm)));
        if result.is_err() {
            self.unreserve(creating, len);
        }
        result
    }

    /// Opens a file; any write-ish option needs a writable capability.
    pub fn open(&self, path: &str, options: OpenOptions) -> Result<FileCap, FsError> {
        let wants_write = options.wants_write();
        let norm = if wants_write {
            self.resolve_mut(path)?
        } else {
            self.grant.resolve(path)?
        };
        let existing = self.probe(&norm)?;
        if norm.is_empty() || existing == Some(EntryKind::Dir) {
            return Err(FsError::new(FsErrorKind::IsADirectory, norm));
        }
        let creates = options.create || options.create_new;
        if existing.is_some() && options.create_new {
            return Err(FsError::new(FsErrorKind::AlreadyExists, norm));
        }
        if existing.is_none() && !creates {
            return Err(FsError::new(FsErrorKind::NotFound, norm));
        }
        let readable = options.read || !wants_write;
        let writable = wants_write;
        let append = options.append;
        let mut host = cap_std::fs::OpenOptions::new();
        host.read(readable)
            .write(writable && !append)
            .append(append)
            .create(options.create)
            .create_new(options.create_new)
            .truncate(options.truncate);
        let creating = creates && existing.is_none();
        self.reserve(creating, 0, &norm)?;
        let file = match open_checked(&self.grant.dir, &norm, host, Accept::File) {
            Ok((file, _)) => file,
            Err(e) => {
                self.unreserve(creating, 0);
                return Err(e);
            }
        };
        Ok(FileCap::new(
            file,
            readable,
            writable,
            append,
            Arc::clone(&self.grant),
            norm,
        ))
    }

    /// Creates one directory level (counts as one file created).
    pub fn mkdir(&self, path: &str) -> Result<(), FsError> {
        let norm = self.resolve_mut(path)?;
        // An existing path is reported as such, not as a quota failure.
        if self.grant.dir.symlink_metadata(&norm).is_ok() {
            return Err(FsError::new(FsErrorKind::AlreadyExists, norm));
        }
        self.reserve(true, 0, &norm)?;
        if let Err(e) = self.grant.dir.create_dir(&norm) {
            self.unreserve(true, 0);
            return Err(map_io(e, &norm));
        }
        Ok(())
    }

    /// Removes a file (or a symlink, not its target).
    pub fn remove_file(&self, path: &str) -> Result<(), FsError> {
        let norm = self.resolve_mut(path)?;
        self.grant
            .dir
            .remove_file(&norm)
            .map_err(|e| map_io(e, &norm))
    }

    /// Removes an empty directory.
    pub fn remove_dir(&self, path: &str) -> Result<(), FsError> {
        let norm = self.resolve_mut(path)?;
        self.grant
            .dir
            .remove_dir(&norm)
            .map_err(|e| map_io(e, &norm))
    }

    /// Creates an empty file if missing, else sets its modification time to now.
    pub fn touch(&self, path: &str) -> Result<(), FsError> {
        let norm = self.resolve_mut(path)?;
        let dir = &self.grant.dir;
        let mut options = cap_std::fs::OpenOptions::new();
        let creating = match self.probe(&norm)? {
            None => {
                self.reserve(true, 0, &norm)?;
                options.write(true).create(true);
                true
            }
            // Not `open_dir`: its handle may be `O_PATH`, which cannot set times.
            Some(EntryKind::Dir) => {
                options.read(true);
                false
            }
            Some(_) => {
                options.append(true);
                false
            }
        };
        // What the path names is decided by the opened descriptor: it may have
        // been swapped since the probe.
        let opened = match open_checked(dir, &norm, options, Accept::FileOrDir) {
            Ok(opened) => opened,
            Err(e) => {
                self.unreserve(creating, 0);
                return Err(e);
            }
        };
        if creating {
            return Ok(());
        }
        opened
            .0
            .into_std()
            .set_modified(std::time::SystemTime::now())
            .map_err(|e| map_io(e, &norm))
    }

    /// Renames `from` (in this capability) to `to` (in `target`), replacing an
    /// existing file at `to`. Both must be writable and on the same grant:
    /// moving between grants would let data cross a boundary the operator set.
    pub fn rename(&self, from: &str, target: &DirCap, to: &str) -> Result<(), FsError> {
        let from_norm = self.resolve_mut(from)?;
        let to_norm = target.resolve_mut(to)?;
        if !self.same_grant(target) {
            return Err(FsError::new(FsErrorKind::PermissionDenied, to_norm));
        }
        self.check_rename_keeps_hiding(&from_norm, &to_norm)?;
        self.grant
            .dir
            .rename(&from_norm, &target.grant.dir, &to_norm)
            .map_err(|e| map_io(e, &from_norm))
    }

    /// Refuses a rename that would change whether anything is hidden.
    ///
    /// `from` and `to` themselves are visible (both were resolved), and so is
    /// a file moved from one to the other. A directory carries its subtree,
    /// and a pattern anchored at the root (`docs/*.tmp`) judges each entry by
    /// its whole path: renaming `docs` away would expose `docs/a.tmp`, and
    /// renaming a directory holding `a.tmp` to `docs` would plant a hidden
    /// path. So every entry beneath `from` is checked at its old and its new
    /// path, and any difference refuses the rename (`PermissionDenied`, on
    /// `from`, naming nothing beneath it). An entry hidden at both paths
    /// (`.git` under a name pattern) is not walked into: its subtree is
    /// hidden at both too. The walk is bounded by [`MAX_RENAME_WALK`]
    /// entries; a larger tree cannot be renamed while the grant hides
    /// anything. Without hide rules nothing is walked.
    fn check_rename_keeps_hiding(&self, from: &str, to: &str) -> Result<(), FsError> {
        if self.grant.hide.is_none() {
            return Ok(());
        }
        let refuse = || FsError::new(FsErrorKind::PermissionDenied, from);
        let dir = &self.grant.dir;
        match dir.symlink_metadata(from) {
            Ok(meta) if meta.is_dir() => {}
            // A file or a symlink moves alone; a missing `from` fails in rename.
            _ => return Ok(()),
        }
        let mut seen = 0usize;
        let mut pending = vec![String::new()];
        while let Some(rel) = pending.pop() {
            let here = if rel.is_empty() {
                from.to_owned()
            } else {
                join(from, &rel)
            };
            let entries = dir.read_dir(here).map_err(|e| map_io(e, from))?;
            for entry in entries {
                let entry = entry.map_err(|e| map_io(e, from))?;
                seen += 1;
                if seen > MAX_RENAME_WALK {
                    return Err(refuse());
                }
                // A non-UTF-8 name is unreachable by the guest wherever it is.
                let Ok(name) = entry.file_name().into_string() else {
                    continue;
                };
                let rel = join(&rel, &name);
                let hidden = self.grant.is_hidden(&join(from, &rel));
                if hidden != self.grant.is_hidden(&join(to, &rel)) {
                    return Err(refuse());
                }
                let is_dir = entry.file_type().map_err(|e| map_io(e, from))?.is_dir();
                if is_dir && !hidden {
                    pending.push(rel);
                }
            }
        }
        Ok(())
    }

    /// Resolves a path for a modifying operation: needs write rights, and the
    /// root itself can never be written, removed or renamed.
    fn resolve_mut(&self, path: &str) -> Result<String, FsError> {
        // The right is checked before the hide rules: on a read-only
        // capability every write fails alike, hidden name or not, so the
        // error cannot tell the script which names the rules match.
        let norm = path::normalize(path)?;
        if !self.writable || norm.is_empty() {
            return Err(FsError::new(FsErrorKind::PermissionDenied, norm));
        }
        self.grant.resolve(&norm)
    }

    /// Finds out what `norm` names before acting on it, so FIFOs and devices
    /// are refused before an open could block on them, and creations can be
    /// counted against the quota. Racy, which only affects accounting.
    fn probe(&self, norm: &str) -> Result<Probe, FsError> {
        let dir = &self.grant.dir;
        let meta = match dir.symlink_metadata(host_rel(norm)) {
            Ok(meta) if meta.file_type().is_symlink() => match dir.metadata(norm) {
                Ok(meta) => meta,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(map_io(e, norm)),
            },
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(map_io(e, norm)),
        };
        let kind = convert_metadata(&meta, false).kind;
        match kind {
            EntryKind::File | EntryKind::Dir => Ok(Some(kind)),
            _ => Err(FsError::new(FsErrorKind::Other, norm)),
        }
    }

    /// Reserves quota for an operation: a file creation and/or `bytes` bytes.
    fn reserve(&self, creating: bool, bytes: u64, norm: &str) -> Result<(), FsError> {
        if creating {
            self.grant.reserve_file(norm)?;
        }
        if bytes > 0
            && let Err(e) = self.grant.reserve_bytes(bytes, norm)
        {
            if creating {
                self.grant.release_file();
            }
            return Err(e);
        }
        Ok(())
    }

    /// Gives back what [`DirCap::reserve`] took when the operation failed.
    fn unreserve(&self, creating: bool, bytes: u64) {
        if creating {
            self.grant.release_file();
        }
        if bytes > 0 {
            self.grant.release_bytes(bytes);
        }
    }
}
