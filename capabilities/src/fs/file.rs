//! [`FileCap`]: an open file inside a grant.

use std::fmt;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::Arc;

use super::error::{FsError, FsErrorKind, map_io};
use super::{Grant, MAX_CHUNK, Metadata, convert_metadata};

/// An open file inside a grant, with the rights it was opened with. It keeps
/// the grant alive so writes keep counting against the grant's quota.
pub struct FileCap {
    file: cap_std::fs::File,
    readable: bool,
    writable: bool,
    append: bool,
    grant: Arc<Grant>,
    path: String,
}

impl fmt::Debug for FileCap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileCap")
            .field("grant", &self.grant.name())
            .field("path", &self.path)
            .field("readable", &self.readable)
            .field("writable", &self.writable)
            .field("append", &self.append)
            .finish()
    }
}

impl FileCap {
    /// Wraps a file opened by [`super::DirCap::open`].
    pub(crate) fn new(
        file: cap_std::fs::File,
        readable: bool,
        writable: bool,
        append: bool,
        grant: Arc<Grant>,
        path: String,
    ) -> FileCap {
        FileCap {
            file,
            readable,
            writable,
            append,
            grant,
            path,
        }
    }

    /// Reads up to `max` bytes (clamped to [`MAX_CHUNK`]); empty at end of file.
    ///
    /// The buffer grows with what is actually read, so a huge `max` from the
    /// guest cannot make the host allocate that much up front.
    pub fn read(&mut self, max: u64) -> Result<Vec<u8>, FsError> {
        if !self.readable {
            return Err(FsError::new(FsErrorKind::NotReadable, self.path.as_str()));
        }
        let max = max.min(MAX_CHUNK);
        let mut buf = Vec::new();
        Read::by_ref(&mut self.file)
            .take(max)
            .read_to_end(&mut buf)
            .map_err(|e| map_io(e, &self.path))?;
        Ok(buf)
    }

    /// Writes all of `data`, returning how many bytes were written.
    ///
    /// The write is counted against the grant's quota before anything is
    /// written, so a write that would pass it writes nothing. What counts is
    /// the larger of the bytes written and how much the file grows: a write
    /// past the end (after a `seek`) grows the file by the hole too, and a
    /// sparse hole still becomes a file that size for whoever reads it.
    pub fn write(&mut self, data: &[u8]) -> Result<u64, FsError> {
        if !self.writable {
            return Err(FsError::new(FsErrorKind::NotWritable, self.path.as_str()));
        }
        let len = data.len() as u64;
        if len == 0 {
            return Ok(0);
        }
        let io = |e| map_io(e, &self.path);
        let size = self.file.metadata().map_err(io)?.len();
        let offset = if self.append {
            size
        } else {
            self.file.stream_position().map_err(io)?
        };
        let end = offset
            .checked_add(len)
            .ok_or_else(|| FsError::new(FsErrorKind::TooLarge, self.path.as_str()))?;
        let charge = len.max(end.saturating_sub(size));
        self.grant.reserve_bytes(charge, &self.path)?;
        if let Err(e) = self.file.write_all(data) {
            self.grant.release_bytes(charge);
            // A partial write past the end must not leave the file grown.
            if self.file.metadata().is_ok_and(|m| m.len() > size) {
                let _ = self.file.set_len(size);
            }
            return Err(map_io(e, &self.path));
        }
        Ok(len)
    }

    /// Moves the file position; returns the new position from the start.
    pub fn seek(&mut self, pos: SeekFrom) -> Result<u64, FsError> {
        self.file.seek(pos).map_err(|e| map_io(e, &self.path))
    }

    /// Metadata of the open file (write bits cleared if opened read-only).
    pub fn stat(&self) -> Result<Metadata, FsError> {
        let meta = self.file.metadata().map_err(|e| map_io(e, &self.path))?;
        Ok(convert_metadata(&meta, self.writable))
    }

    /// The grant the file was opened beneath.
    pub fn grant(&self) -> &Arc<Grant> {
        &self.grant
    }

    /// The guest's path of this file, relative to its grant.
    pub fn path(&self) -> &str {
        &self.path
    }
}
