//! capy's capability layer: what a granted directory lets a script do.
//!
//! A [`fs::Grant`] is a host directory opened once, as a `cap_std::fs::Dir`;
//! a [`fs::DirCap`] is a view of it with rights (read-only or read-write),
//! and a [`fs::FileCap`] an open file beneath it. Every operation checks its
//! rights and the grant's hide rules and quotas, then runs beneath the
//! handle, so no path (`..`, an absolute path, a symlink) can lead out.
//! Paths in and out are the contract's relative paths; errors are plain
//! [`fs::FsError`]s that carry no host path.
//!
//! This crate knows nothing of wasm or Python: the host library serves the
//! guest's `capy:sandbox/fs` calls with it.

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod fs;
