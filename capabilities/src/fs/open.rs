//! The one way this crate opens a file: without blocking, and only if the
//! opened descriptor is a regular file (or, where asked, a directory).
//!
//! Checking the type first and opening after is a race a host process can
//! win: it swaps a regular file for a FIFO between the two, and `openat` then
//! waits for a writer forever, past any time limit (the host thread is in a
//! syscall, not in the guest). So every open here passes `O_NONBLOCK` (a FIFO
//! then opens at once, or fails with `ENXIO`), the type is checked on the
//! descriptor itself (`fstat`), anything else is closed and refused, and
//! `O_NONBLOCK` is cleared again before the file is used.

use super::EntryKind;
use super::error::{FsError, FsErrorKind, map_io};

/// What the opened descriptor may be besides a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accept {
    /// Regular files only; a directory is `IsADirectory`.
    File,
    /// Regular files and directories (`touch` sets a directory's time).
    FileOrDir,
}

/// Opens `norm` beneath `dir` with `options`, never blocking on a FIFO or a
/// device, and returns the file with what it is. Anything but a regular file
/// (or a directory, if `accept` allows) is refused: a directory as
/// `IsADirectory`, FIFOs, sockets and devices as `Other`.
pub(crate) fn open_checked(
    dir: &cap_std::fs::Dir,
    norm: &str,
    mut options: cap_std::fs::OpenOptions,
    accept: Accept,
) -> Result<(cap_std::fs::File, EntryKind), FsError> {
    set_nonblocking_open(&mut options);
    let file = dir
        .open_with(super::path::host_rel(norm), &options)
        .map_err(|e| map_io(e, norm))?;
    let meta = file.metadata().map_err(|e| map_io(e, norm))?;
    let ft = meta.file_type();
    let kind = if ft.is_file() {
        EntryKind::File
    } else if ft.is_dir() && accept == Accept::FileOrDir {
        EntryKind::Dir
    } else if ft.is_dir() {
        return Err(FsError::new(FsErrorKind::IsADirectory, norm));
    } else {
        return Err(FsError::new(FsErrorKind::Other, norm));
    };
    clear_nonblocking(&file).map_err(|e| map_io(e, norm))?;
    Ok((file, kind))
}

#[cfg(unix)]
fn set_nonblocking_open(options: &mut cap_std::fs::OpenOptions) {
    use cap_std::fs::OpenOptionsExt;
    // The flag's bits fit an `i32` on every Unix (`O_NONBLOCK` is small).
    let flag = i32::try_from(rustix::fs::OFlags::NONBLOCK.bits()).unwrap_or(0);
    options.custom_flags(flag);
}

#[cfg(not(unix))]
fn set_nonblocking_open(_options: &mut cap_std::fs::OpenOptions) {}

/// Clears `O_NONBLOCK` on an opened regular file or directory, so reads and
/// writes behave as they would have without it.
#[cfg(unix)]
fn clear_nonblocking(file: &cap_std::fs::File) -> std::io::Result<()> {
    use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
    let flags = fcntl_getfl(file)?;
    if flags.contains(OFlags::NONBLOCK) {
        fcntl_setfl(file, flags - OFlags::NONBLOCK)?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn clear_nonblocking(_file: &cap_std::fs::File) -> std::io::Result<()> {
    Ok(())
}
