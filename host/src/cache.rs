//! The compiled-guest cache: Cranelift needs seconds for the multi-megabyte
//! guest, so the compiled artifact is kept on disk and memory-mapped on
//! later starts (milliseconds).
//!
//! The file name carries the guest's SHA-256 and wasmtime's compatibility
//! hash of the engine configuration, so a rebuilt guest or a differently
//! configured engine never picks up a stale artifact; wasmtime itself also
//! checks its version and settings on load, and any load failure falls back
//! to compiling afresh. A broken cache never stops a run: the worst case is
//! a slow start and a warning in the log.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use wasmtime::component::Component;

/// The guest component, compiled into this crate by `build.rs`.
pub(crate) const GUEST_WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/guest.wasm"));
/// SHA-256 of [`GUEST_WASM`], hex.
pub(crate) const GUEST_SHA256: &str = env!("CAPY_GUEST_SHA256");

/// Where the compiled guest for `engine` lives inside `dir`.
pub(crate) fn artifact_path(engine: &wasmtime::Engine, dir: &Path) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let config = hasher.finish();
    dir.join(format!("guest-{}-{config:016x}.cwasm", &GUEST_SHA256[..16]))
}

/// How the guest was obtained, for logs and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// Memory-mapped from the cache.
    Cache,
    /// Compiled now (and written to the cache if there is one).
    Compiled,
}

/// Loads the compiled guest from `dir`, or compiles it (calling
/// `on_compile` first) and stores it there.
pub(crate) fn load_or_compile(
    engine: &wasmtime::Engine,
    dir: Option<&Path>,
    on_compile: Option<&mut dyn FnMut()>,
) -> wasmtime::Result<(Component, Source)> {
    let path = dir.map(|dir| artifact_path(engine, dir));
    if let Some(path) = path.as_deref().filter(|path| path.exists()) {
        // SAFETY: the file is one this module wrote with `Component::serialize`
        // (renamed into place atomically, so never half-written), in a
        // directory of the user's own cache. wasmtime validates its header,
        // version and configuration before use.
        match unsafe { Component::deserialize_file(engine, path) } {
            Ok(component) => {
                tracing::debug!(path = %path.display(), "loaded the compiled guest from the cache");
                return Ok((component, Source::Cache));
            }
            Err(err) => {
                tracing::warn!(path = %path.display(), "ignoring an unusable cached guest: {err:#}");
            }
        }
    }

    if let Some(on_compile) = on_compile {
        on_compile();
    }
    let started = std::time::Instant::now();
    let component = Component::new(engine, GUEST_WASM)?;
    tracing::info!(elapsed = ?started.elapsed(), "compiled the guest");
    if let Some(path) = &path
        && let Err(err) = store(&component, path)
    {
        tracing::warn!(path = %path.display(), "could not cache the compiled guest: {err:#}");
    }
    Ok((component, Source::Compiled))
}

/// Writes the artifact next to its final name, then renames it into place,
/// so concurrent starts never read a partial file.
fn store(component: &Component, path: &Path) -> anyhow::Result<()> {
    let bytes = component.serialize()?;
    let dir = path.parent().expect("artifact paths have a parent");
    fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(&bytes)?;
    file.as_file().sync_all()?;
    file.persist(path)?;
    Ok(())
}
