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
        // The workspace's one `unsafe` (SECURITY.md names it).
        #[allow(unsafe_code)]
        let loaded = unsafe { Component::deserialize_file(engine, path) };
        match loaded {
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

#[cfg(test)]
mod tests {
    use super::GUEST_WASM;

    /// Where `needle` first occurs in `haystack`.
    fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        memchr::memmem::find(haystack, needle)
    }

    /// A few bytes around `at`, for the failure message.
    fn context(haystack: &[u8], at: usize) -> String {
        let start = at.saturating_sub(40);
        let end = (at + 80).min(haystack.len());
        String::from_utf8_lossy(&haystack[start..end]).into_owned()
    }

    /// The guest is the same bytes whoever builds it, and tells a script
    /// nothing about the machine that did: no absolute path of the build
    /// (this checkout, the cargo home with its registry sources, rustup's
    /// toolchains, the home directory) and no value of the build
    /// environment (RustPython's build script used to bake in all of it).
    #[test]
    fn the_guest_carries_no_build_path_and_no_environment_value() {
        let mut paths: Vec<(String, String)> = Vec::new();
        let checkout = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("host/ has a parent");
        paths.push(("the checkout".into(), checkout.display().to_string()));
        if let Ok(resolved) = std::fs::canonicalize(checkout) {
            paths.push(("the checkout".into(), resolved.display().to_string()));
        }
        for key in ["CARGO_HOME", "RUSTUP_HOME", "CARGO_TARGET_DIR"] {
            if let Some(value) = std::env::var_os(key) {
                paths.push((key.into(), value.to_string_lossy().into_owned()));
            }
        }
        if let Some(home) = std::env::var_os("HOME") {
            let home = home.to_string_lossy().into_owned();
            for under in [".cargo", ".rustup"] {
                paths.push((format!("$HOME/{under}"), format!("{home}/{under}")));
            }
        }
        for (what, path) in &paths {
            if let Some(at) = find(GUEST_WASM, path.as_bytes()) {
                panic!(
                    "the guest contains {what} ({path}): ...{}...",
                    context(GUEST_WASM, at)
                );
            }
        }
        // Values of this environment long enough to be distinctive (short
        // ones such as "1" or "C" occur in any binary). The test runs in the
        // environment that built the guest, less what cargo adds per crate.
        for (key, value) in std::env::vars() {
            if value.len() < 16 || key.starts_with("CARGO_PKG_") {
                continue;
            }
            if let Some(at) = find(GUEST_WASM, value.as_bytes()) {
                panic!(
                    "the guest contains the value of ${key}: ...{}...",
                    context(GUEST_WASM, at)
                );
            }
        }
    }
}
