//! [`Engine`]: the compiled guest, built once and shared by every sandbox.

use std::path::PathBuf;
use std::sync::Arc;

use crate::bindings;
use crate::boundary::{self, State};
use crate::cache::{self, Source};
use crate::error::Error;
use crate::sandbox::SandboxBuilder;

/// The compiled capy guest with everything needed to start sandboxes fast.
///
/// Building an engine compiles the guest (seconds) or loads it from the
/// on-disk cache (milliseconds). Build one per process and share it: it is
/// cheap to clone, `Send` and `Sync`, and each [`Sandbox`](crate::Sandbox)
/// made from it is isolated from the others.
///
/// ```
/// # fn main() -> Result<(), capy::Error> {
/// let engine = capy::Engine::new()?;
/// let mut first = engine.sandbox().build()?;
/// let mut second = engine.sandbox().build()?;
/// first.run("x = 1")?;
/// let outcome = second.run("print(x)")?; // NameError: sandboxes share nothing
/// assert!(outcome.error.is_some());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

struct EngineInner {
    wasmtime: wasmtime::Engine,
    pre: bindings::SandboxPre<State>,
    source: Source,
    time_limits: bool,
}

impl Engine {
    /// An engine with the default settings: the compiled guest is cached in
    /// the user's cache directory (`~/.cache/capy` on Linux).
    pub fn new() -> Result<Engine, Error> {
        EngineBuilder::default().build()
    }

    /// Starts configuring an engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Starts configuring a new sandbox.
    pub fn sandbox(&self) -> SandboxBuilder {
        SandboxBuilder::new(self.clone())
    }

    /// Whether the guest was loaded from the cache (`false`: compiled now).
    pub fn loaded_from_cache(&self) -> bool {
        self.inner.source == Source::Cache
    }

    pub(crate) fn wasmtime(&self) -> &wasmtime::Engine {
        &self.inner.wasmtime
    }

    /// Whether runs can be interrupted (see [`EngineBuilder::without_time_limits`]).
    pub(crate) fn time_limits(&self) -> bool {
        self.inner.time_limits
    }

    pub(crate) fn pre(&self) -> &bindings::SandboxPre<State> {
        &self.inner.pre
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("loaded_from_cache", &self.loaded_from_cache())
            .finish()
    }
}

/// Configures an [`Engine`].
pub struct EngineBuilder {
    cache_dir: Option<PathBuf>,
    on_compile: Option<Box<dyn FnMut()>>,
    time_limits: bool,
    max_sandboxes: u32,
    pooling: bool,
}

/// How many sandboxes of one pooling engine may exist at once, unless
/// [`EngineBuilder::max_sandboxes`] says otherwise.
pub const DEFAULT_MAX_SANDBOXES: u32 = 1000;

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            cache_dir: dirs::cache_dir().map(|dir| dir.join("capy")),
            on_compile: None,
            time_limits: true,
            max_sandboxes: DEFAULT_MAX_SANDBOXES,
            pooling: false,
        }
    }
}

impl EngineBuilder {
    /// Keeps the compiled guest in `dir` instead of the user's cache directory.
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Compiles the guest every time and stores nothing on disk.
    pub fn no_cache(mut self) -> Self {
        self.cache_dir = None;
        self
    }

    /// Calls `callback` just before compiling the guest (a cache miss), so an
    /// application can say why this start is slow.
    pub fn on_compile(mut self, callback: impl FnMut() + 'static) -> Self {
        self.on_compile = Some(Box::new(callback));
        self
    }

    /// Compiles the guest without the checks that enforce CPU and wall-clock
    /// limits, so scripts run a little faster but **cannot be stopped**: the
    /// `cpu` and `wall` limits of its sandboxes are ignored. Only for trusted
    /// code and for measuring what the time limits cost
    /// (`cargo bench -p capy`).
    pub fn without_time_limits(mut self) -> Self {
        self.time_limits = false;
        self
    }

    /// Takes sandboxes from slots reserved when the engine is built
    /// (wasmtime's pooling allocator) instead of mapping each one's memory
    /// when it is built. Off by default: with the pre-initialised guest
    /// mapped copy-on-write, a new sandbox costs the same either way on one
    /// thread (about 0.5 ms; `cargo bench -p capy --bench footprint`), and
    /// the pool reserves address space up front (gigabytes per slot) and
    /// caps how many sandboxes exist at once. Turn it on for hosts that
    /// build sandboxes from many threads at once, where it spares the
    /// kernel's `mmap`/`munmap` lock; see [`max_sandboxes`](Self::max_sandboxes).
    pub fn pooling(mut self, enabled: bool) -> Self {
        self.pooling = enabled;
        self
    }

    /// With [`pooling`](Self::pooling), how many sandboxes of this engine
    /// may exist at the same time (default [`DEFAULT_MAX_SANDBOXES`]).
    /// Building one while every slot is taken fails with
    /// [`Error::Instantiate`]; dropping one frees its slot. Without pooling
    /// there is no such cap.
    pub fn max_sandboxes(mut self, count: u32) -> Self {
        self.max_sandboxes = count.max(1);
        self
    }

    /// Compiles or loads the guest and links it against the host.
    pub fn build(mut self) -> Result<Engine, Error> {
        let pool = self.pooling.then_some(self.max_sandboxes);
        let config = wasmtime_config(self.time_limits, pool);
        let wasmtime = wasmtime::Engine::new(&config).map_err(Error::Engine)?;
        if self.time_limits {
            crate::budget::start_ticker(&wasmtime);
        }
        let on_compile = self
            .on_compile
            .as_deref_mut()
            .map(|f| f as &mut dyn FnMut());
        let (component, source) =
            cache::load_or_compile(&wasmtime, self.cache_dir.as_deref(), on_compile)
                .map_err(Error::Engine)?;
        let linker = boundary::linker(&wasmtime).map_err(Error::Engine)?;
        let pre = linker.instantiate_pre(&component).map_err(Error::Engine)?;
        let pre = bindings::SandboxPre::new(pre).map_err(Error::Engine)?;
        Ok(Engine {
            inner: Arc::new(EngineInner {
                wasmtime,
                pre,
                source,
                time_limits: self.time_limits,
            }),
        })
    }
}

/// The wasmtime settings every capy engine uses. They are part of the cache
/// key: a change here recompiles the guest.
fn wasmtime_config(time_limits: bool, pool: Option<u32>) -> wasmtime::Config {
    let mut config = wasmtime::Config::new();
    if let Some(max_sandboxes) = pool {
        config.allocation_strategy(pooling(max_sandboxes));
    }
    // A new instance's memory maps the guest's initial memory image (the
    // pre-initialised interpreter, tens of MiB) copy-on-write: nothing is
    // copied up front, and a sandbox makes resident only the pages it
    // touches. (wasmtime's default; stated because start-up relies on it.)
    config.memory_init_cow(true);
    config.wasm_component_model(true);
    // Epoch interruption lets the host stop a guest at any loop back-edge
    // (CPU and wall-clock limits) for a few percent of speed, much cheaper
    // than fuel.
    config.epoch_interruption(time_limits);
    config.cranelift_opt_level(wasmtime::OptLevel::Speed);
    // Deep Python recursion is deep native recursion in the interpreter.
    // Guest code always runs on a wasmtime fiber (every call is async; see
    // `bindings.rs`) whose stack is `async_stack_size`, never on the
    // caller's, so this can be generous without risking the embedding
    // application's threads (Rust's spawned threads get 2 MiB). The extra
    // MiB is room for host calls made from the guest.
    config.max_wasm_stack(MAX_WASM_STACK);
    config.async_stack_size(MAX_WASM_STACK + (1 << 20));
    config
}

/// The pooling allocator: every instance, memory, table and fiber stack a
/// sandbox needs comes from slots reserved when the engine is built, so
/// building a sandbox maps no new memory, and dropping one resets its slot
/// for the next (`madvise`, keeping the copy-on-write image mapped).
fn pooling(max_sandboxes: u32) -> wasmtime::InstanceAllocationStrategy {
    // Per sandbox: the guest component has a few core instances (RustPython,
    // the WASI adapter, wit-bindgen's shims), each with at most one memory
    // and one table; these bounds leave room to spare.
    const CORE_INSTANCES: u32 = 8;
    const MEMORIES: u32 = 2;
    const TABLES: u32 = 4;
    let mut pool = wasmtime::PoolingAllocationConfig::new();
    pool.total_component_instances(max_sandboxes)
        .total_core_instances(max_sandboxes.saturating_mul(CORE_INSTANCES))
        .total_memories(max_sandboxes.saturating_mul(MEMORIES))
        .total_tables(max_sandboxes.saturating_mul(TABLES))
        // One fiber stack per sandbox that is running.
        .total_stacks(max_sandboxes)
        // RustPython's function table is larger than the default
        // (20,000) allows.
        .table_elements(GUEST_TABLE_ELEMENTS)
        // The memory limit is the store's (`budget::MemoryLimiter`); the
        // pool allows what 32-bit wasm can address.
        .max_memory_size(1 << 32);
    wasmtime::InstanceAllocationStrategy::Pooling(pool)
}

/// Room in each pooled table for the guest's function table.
const GUEST_TABLE_ELEMENTS: usize = 100_000;

/// Native stack the guest's compiled code may use.
pub(crate) const MAX_WASM_STACK: usize = 8 << 20;
