//! `capy:sandbox/fs`: the guest's directory and file handles, served with
//! the capabilities of `capy-capabilities`.
//!
//! This is glue only: every rights and path decision is made by
//! [`DirCap`]/[`FileCap`]. What this layer adds is the handle table (the
//! guest's `dir` and `file` resources are entries of the store's
//! `ResourceTable` holding the capabilities themselves; the guest never
//! sees a host object), a cap on how many handles a guest may hold,
//! revocation, the audit log, and the translation of errors into the
//! contract's plain `fs-error`.

use std::io::SeekFrom;

use capy_capabilities::fs::{self as cap, DirCap, FileCap};
use capy_contract::virtual_path;
use capy_policy::Limit;
use wasmtime::component::{HasData, Resource, ResourceTable};

use crate::audit::{AuditLog, AuditRecord};
use crate::bindings::capy::sandbox::fs as wit;
use crate::budget::RunClock;
use crate::error::LimitTrap;
use crate::handle::Controls;
use crate::usage::Usage;

/// Most handles (directories and open files together) a guest may hold at
/// once; past it a call traps. Keeps a looping `readonly()` from growing
/// the host's table without bound.
const MAX_LIVE_HANDLES: usize = 4096;
const _: () = assert!(MAX_LIVE_HANDLES <= u32::MAX as usize);

/// What `capy:sandbox/fs` sees of a sandbox's state.
pub(crate) struct FsView<'a> {
    pub(crate) table: &'a mut ResourceTable,
    pub(crate) fs: &'a mut FsState,
    pub(crate) audit: &'a mut Option<AuditLog>,
    pub(crate) usage: &'a mut Usage,
    pub(crate) clock: &'a mut RunClock,
    pub(crate) controls: &'a Controls,
}

/// Links `capy:sandbox/fs` through [`FsView`].
pub(crate) struct Fs;

impl HasData for Fs {
    type Data<'a> = FsView<'a>;
}

/// The file-system part of a sandbox's host state.
#[derive(Default)]
pub(crate) struct FsState {
    /// The grants, in the order the host made them.
    grants: Vec<DirCap>,
    live_handles: usize,
    open_files: u32,
    max_open_files: u32,
}

impl FsState {
    pub fn new(grants: Vec<DirCap>, max_open_files: u32) -> FsState {
        FsState {
            grants,
            live_handles: 0,
            open_files: 0,
            max_open_files,
        }
    }

    /// Ends the run with [`Limit::Handles`] if the guest already holds
    /// [`MAX_LIVE_HANDLES`] (a named limit, not a crash: issue 23 item 7).
    fn check_handle_room(&self) -> wasmtime::Result<()> {
        if self.live_handles >= MAX_LIVE_HANDLES {
            return Err(LimitTrap(Limit::Handles(MAX_LIVE_HANDLES as u32)).into());
        }
        Ok(())
    }

    fn take_handle(&mut self) -> wasmtime::Result<()> {
        self.check_handle_room()?;
        self.live_handles += 1;
        Ok(())
    }
}

/// Writes the audit record of one file-system call; a spent audit budget
/// ends the run.
fn audit(
    log: &mut Option<AuditLog>,
    grant: &str,
    op: &str,
    path: &str,
    bytes: Option<u64>,
    outcome: Result<(), cap::FsErrorKind>,
) -> Result<(), LimitTrap> {
    if let Some(log) = log {
        log.record(AuditRecord {
            grant: Some(grant),
            op,
            path: Some(virtual_path(grant, path)),
            bytes,
            outcome: match outcome {
                Ok(()) => "ok",
                Err(kind) => kind_name(kind),
            },
            ..AuditRecord::default()
        })?;
    }
    Ok(())
}

fn kind_name(kind: cap::FsErrorKind) -> &'static str {
    use cap::FsErrorKind as K;
    match kind {
        K::NotFound => "not-found",
        K::PermissionDenied => "permission-denied",
        K::IsADirectory => "is-a-directory",
        K::NotADirectory => "not-a-directory",
        K::AlreadyExists => "already-exists",
        K::NotEmpty => "not-empty",
        K::InvalidInput => "invalid-input",
        K::TooLarge => "too-large",
        K::BytesQuotaExceeded | K::FilesQuotaExceeded => "quota-exceeded",
        K::NotReadable => "not-readable",
        K::NotWritable => "not-writable",
        K::Other => "other",
    }
}

fn to_wit_error(error: cap::FsError) -> wit::FsError {
    use cap::FsErrorKind as K;
    use wit::ErrorKind as W;
    let kind = match error.kind {
        K::NotFound => W::NotFound,
        K::PermissionDenied => W::PermissionDenied,
        K::IsADirectory => W::IsADirectory,
        K::NotADirectory => W::NotADirectory,
        K::AlreadyExists => W::AlreadyExists,
        K::NotEmpty => W::NotEmpty,
        K::InvalidInput => W::InvalidInput,
        K::TooLarge => W::TooLarge,
        // Never sent: a used-up quota ends the run before the guest gets
        // an answer (see `quota_limit`), so the contract has no such kind.
        K::BytesQuotaExceeded | K::FilesQuotaExceeded => W::Other,
        K::NotReadable => W::NotReadable,
        K::NotWritable => W::NotWritable,
        K::Other => W::Other,
    };
    wit::FsError {
        kind,
        path: error.path,
    }
}

fn to_wit_kind(kind: cap::EntryKind) -> wit::EntryKind {
    match kind {
        cap::EntryKind::File => wit::EntryKind::File,
        cap::EntryKind::Dir => wit::EntryKind::Dir,
        cap::EntryKind::Symlink => wit::EntryKind::Symlink,
        cap::EntryKind::Other => wit::EntryKind::Other,
    }
}

fn to_wit_metadata(metadata: cap::Metadata) -> wit::Metadata {
    wit::Metadata {
        kind: to_wit_kind(metadata.kind),
        size: metadata.size,
        modified_ns: metadata.modified_ns,
        mode: metadata.mode,
    }
}

type FsResult<T> = wasmtime::Result<Result<T, wit::FsError>>;

/// A quota is a limit: using it up ends the run (exit 3 in the CLI) rather
/// than handing the script an error it might ignore and retry.
fn quota_limit(error: &cap::FsError, grant: &cap::Grant) -> Option<LimitTrap> {
    let quotas = grant.quotas();
    match error.kind {
        cap::FsErrorKind::BytesQuotaExceeded => Some(LimitTrap(Limit::BytesWritten {
            grant: grant.name().to_owned(),
            max: quotas.max_bytes_written.unwrap_or(0),
        })),
        cap::FsErrorKind::FilesQuotaExceeded => Some(LimitTrap(Limit::FilesCreated {
            grant: grant.name().to_owned(),
            max: quotas.max_files_created.unwrap_or(0),
        })),
        _ => None,
    }
}

impl FsView<'_> {
    /// Runs a directory operation and audits it. `bytes` says how much data
    /// a successful call moved.
    fn dir_op<T>(
        &mut self,
        dir: &Resource<DirCap>,
        op: &str,
        path: &str,
        call: impl FnOnce(&DirCap) -> Result<T, cap::FsError>,
        bytes: impl FnOnce(&T) -> Option<u64>,
    ) -> FsResult<T> {
        let cap = self.table.get(dir)?.clone();
        self.usage.capability_calls += 1;
        if self.controls.is_grant_revoked(cap.grant_name()) {
            audit(
                self.audit,
                cap.grant_name(),
                op,
                path,
                None,
                Err(cap::FsErrorKind::PermissionDenied),
            )?;
            return Ok(Err(revoked_error(path)));
        }
        let started = std::time::Instant::now();
        let result = call(&cap);
        self.clock.add_host_time(started.elapsed());
        let (moved, outcome) = match &result {
            Ok(value) => (bytes(value), Ok(())),
            Err(error) => (None, Err(error.kind)),
        };
        audit(self.audit, cap.grant_name(), op, path, moved, outcome)?;
        if let Err(error) = &result
            && let Some(limit) = quota_limit(error, cap.grant())
        {
            return Err(limit.into());
        }
        Ok(result.map_err(to_wit_error))
    }

    /// Runs an open-file operation and audits it.
    fn file_op<T>(
        &mut self,
        file: &Resource<FileCap>,
        op: &str,
        call: impl FnOnce(&mut FileCap) -> Result<T, cap::FsError>,
        bytes: impl FnOnce(&T) -> Option<u64>,
    ) -> FsResult<T> {
        let file = self.table.get_mut(file)?;
        self.usage.capability_calls += 1;
        if self.controls.is_grant_revoked(file.grant().name()) {
            let (grant, path) = (file.grant().name().to_owned(), file.path().to_owned());
            audit(
                self.audit,
                &grant,
                op,
                &path,
                None,
                Err(cap::FsErrorKind::PermissionDenied),
            )?;
            return Ok(Err(revoked_error(&path)));
        }
        let started = std::time::Instant::now();
        let result = call(file);
        let (grant, path) = (file.grant().name().to_owned(), file.path().to_owned());
        let limit = result
            .as_ref()
            .err()
            .and_then(|error| quota_limit(error, file.grant()));
        self.clock.add_host_time(started.elapsed());
        let (moved, outcome) = match &result {
            Ok(value) => (bytes(value), Ok(())),
            Err(error) => (None, Err(error.kind)),
        };
        audit(self.audit, &grant, op, &path, moved, outcome)?;
        if let Some(limit) = limit {
            return Err(limit.into());
        }
        Ok(result.map_err(to_wit_error))
    }
}

/// What a call through a revoked grant gets: the same error as a path
/// outside it.
fn revoked_error(path: &str) -> wit::FsError {
    wit::FsError {
        kind: wit::ErrorKind::PermissionDenied,
        path: path.to_owned(),
    }
}

fn none<T>(_: &T) -> Option<u64> {
    None
}

impl wit::Host for FsView<'_> {
    fn grants(&mut self) -> wasmtime::Result<Vec<(String, Resource<DirCap>)>> {
        let grants = self.fs.grants.clone();
        let mut handles = Vec::with_capacity(grants.len());
        for cap in grants {
            self.fs.take_handle()?;
            let name = cap.grant_name().to_owned();
            handles.push((name, self.table.push(cap)?));
        }
        Ok(handles)
    }
}

impl wit::HostDir for FsView<'_> {
    fn writable(&mut self, dir: Resource<DirCap>) -> wasmtime::Result<bool> {
        Ok(self.table.get(&dir)?.is_writable())
    }

    fn readonly(&mut self, dir: Resource<DirCap>) -> wasmtime::Result<Resource<DirCap>> {
        let weaker = self.table.get(&dir)?.readonly();
        self.fs.take_handle()?;
        Ok(self.table.push(weaker)?)
    }

    fn stat(
        &mut self,
        dir: Resource<DirCap>,
        path: String,
        follow: bool,
    ) -> FsResult<wit::Metadata> {
        let result = self.dir_op(&dir, "stat", &path, |d| d.stat(&path, follow), none)?;
        Ok(result.map(to_wit_metadata))
    }

    fn read_dir(&mut self, dir: Resource<DirCap>, path: String) -> FsResult<Vec<wit::DirEntry>> {
        let result = self.dir_op(&dir, "read-dir", &path, |d| d.list(&path), none)?;
        Ok(result.map(|entries| {
            entries
                .into_iter()
                .map(|e| wit::DirEntry {
                    name: e.name,
                    kind: to_wit_kind(e.kind),
                })
                .collect()
        }))
    }

    fn read(&mut self, dir: Resource<DirCap>, path: String) -> FsResult<Vec<u8>> {
        self.dir_op(
            &dir,
            "read",
            &path,
            |d| d.read(&path),
            |data| Some(data.len() as u64),
        )
    }

    fn write(
        &mut self,
        dir: Resource<DirCap>,
        path: String,
        data: Vec<u8>,
        mode: wit::WriteMode,
    ) -> FsResult<()> {
        let mode = match mode {
            wit::WriteMode::Truncate => cap::WriteMode::Truncate,
            wit::WriteMode::Append => cap::WriteMode::Append,
            wit::WriteMode::CreateNew => cap::WriteMode::CreateNew,
        };
        let len = data.len() as u64;
        self.dir_op(
            &dir,
            "write",
            &path,
            |d| d.write(&path, &data, mode),
            |_| Some(len),
        )
    }

    fn open(
        &mut self,
        dir: Resource<DirCap>,
        path: String,
        options: wit::OpenOptions,
    ) -> FsResult<Resource<FileCap>> {
        let options = cap::OpenOptions {
            read: options.read,
            write: options.write,
            append: options.append,
            create: options.create,
            create_new: options.create_new,
            truncate: options.truncate,
        };
        // Both checks come before the open, so a refused call opens nothing.
        self.fs.check_handle_room()?;
        if self.fs.open_files >= self.fs.max_open_files {
            return Err(LimitTrap(Limit::OpenFiles(self.fs.max_open_files)).into());
        }
        let opened = self.dir_op(&dir, "open", &path, |d| d.open(&path, options), none)?;
        match opened {
            Ok(file) => {
                self.fs.take_handle()?;
                self.fs.open_files += 1;
                Ok(Ok(self.table.push(file)?))
            }
            Err(error) => Ok(Err(error)),
        }
    }

    fn mkdir(&mut self, dir: Resource<DirCap>, path: String) -> FsResult<()> {
        self.dir_op(&dir, "mkdir", &path, |d| d.mkdir(&path), none)
    }

    fn remove_file(&mut self, dir: Resource<DirCap>, path: String) -> FsResult<()> {
        self.dir_op(&dir, "remove-file", &path, |d| d.remove_file(&path), none)
    }

    fn remove_dir(&mut self, dir: Resource<DirCap>, path: String) -> FsResult<()> {
        self.dir_op(&dir, "remove-dir", &path, |d| d.remove_dir(&path), none)
    }

    fn touch(&mut self, dir: Resource<DirCap>, path: String) -> FsResult<()> {
        self.dir_op(&dir, "touch", &path, |d| d.touch(&path), none)
    }

    fn rename(
        &mut self,
        dir: Resource<DirCap>,
        source: String,
        target_dir: Resource<DirCap>,
        target: String,
    ) -> FsResult<()> {
        let target_cap = self.table.get(&target_dir)?.clone();
        let shown = format!(
            "{source} -> {}",
            virtual_path(target_cap.grant_name(), &target)
        );
        self.dir_op(
            &dir,
            "rename",
            &shown,
            |d| d.rename(&source, &target_cap, &target),
            none,
        )
    }

    fn drop(&mut self, dir: Resource<DirCap>) -> wasmtime::Result<()> {
        self.table.delete(dir)?;
        self.fs.live_handles = self.fs.live_handles.saturating_sub(1);
        Ok(())
    }
}

impl wit::HostFile for FsView<'_> {
    fn read(&mut self, file: Resource<FileCap>, max: u64) -> FsResult<Vec<u8>> {
        self.file_op(
            &file,
            "file-read",
            |f| f.read(max),
            |data| Some(data.len() as u64),
        )
    }

    fn write(&mut self, file: Resource<FileCap>, data: Vec<u8>) -> FsResult<u64> {
        self.file_op(&file, "file-write", |f| f.write(&data), |n| Some(*n))
    }

    fn seek(&mut self, file: Resource<FileCap>, offset: i64, whence: wit::Whence) -> FsResult<u64> {
        let position = match whence {
            wit::Whence::Start => match u64::try_from(offset) {
                Ok(offset) => SeekFrom::Start(offset),
                Err(_) => {
                    let path = self.table.get(&file)?.path().to_owned();
                    return Ok(Err(wit::FsError {
                        kind: wit::ErrorKind::InvalidInput,
                        path,
                    }));
                }
            },
            wit::Whence::Current => SeekFrom::Current(offset),
            wit::Whence::End => SeekFrom::End(offset),
        };
        // Seeks are frequent and move no data: not audited.
        let file = self.table.get_mut(&file)?;
        Ok(file.seek(position).map_err(to_wit_error))
    }

    fn stat(&mut self, file: Resource<FileCap>) -> FsResult<wit::Metadata> {
        let result = self.file_op(&file, "file-stat", |f| f.stat(), none)?;
        Ok(result.map(to_wit_metadata))
    }

    fn drop(&mut self, file: Resource<FileCap>) -> wasmtime::Result<()> {
        self.table.delete(file)?;
        self.fs.live_handles = self.fs.live_handles.saturating_sub(1);
        self.fs.open_files = self.fs.open_files.saturating_sub(1);
        Ok(())
    }
}
