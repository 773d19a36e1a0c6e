//! `capy-preinit GUEST.wasm OUT.wasm`: pre-initialises the capy guest.
//!
//! Starting a sandbox used to begin with RustPython building its
//! interpreter, hardening it and loading the standard-library catalog:
//! tens of milliseconds of work that is the same in every sandbox. This
//! tool runs that work once, at build time (`host/build.rs` calls it), and
//! writes a component whose memory already holds the result, using
//! wasmtime-wizer: instrument the guest, run its `wizer-initialize` export,
//! snapshot memories and globals into data segments.
//!
//! The start-up code may call WASI's clocks and randomness (the interpreter
//! draws its string-hash secret, so every sandbox of one guest shares that
//! secret; SECURITY.md says why that is acceptable) and nothing else: no
//! directory is preopened, and every `capy:sandbox` import traps. What
//! must differ between sandboxes (grants, host functions, modules, the
//! `random` seed) happens on the first call into each sandbox instead.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sha2::{Digest, Sha256};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{
    Component, Instance, Lift, Linker, ResourceTable, ResourceType, WasmList,
};
use wasmtime::{Config, Engine, OptLevel, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wizer::{ComponentInstanceState, Wizer};

/// The guest's start-up export (`world guest` in `contract/wit/capy.wit`).
const INIT_FUNC: &str = "wizer-initialize";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("capy-preinit: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [input, output] = args.as_slice() else {
        bail!("usage: capy-preinit GUEST.wasm OUT.wasm");
    };
    let wasm =
        std::fs::read(input).with_context(|| format!("reading the guest {}", input.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let snapshot = runtime.block_on(preinitialize(&wasm))?;
    std::fs::write(output, snapshot).with_context(|| format!("writing {}", output.display()))?;
    Ok(())
}

/// Runs the guest's start-up and returns the component with its result
/// baked in.
async fn preinitialize(wasm: &[u8]) -> Result<Vec<u8>> {
    let mut wizer = Wizer::new();
    wizer.init_func(INIT_FUNC);
    // Dropping the export would leave the component's lifting of it
    // pointing at a core export wizer removed (invalid wasm, wasmtime-wizer
    // 48). Kept, it is harmless: hosts bind `sandbox`, which does not have
    // it, and the guest's start-up runs only once per instance anyway.
    wizer.keep_init_func(true);
    let (context, instrumented) = wizer
        .instrument_component(wasm)
        .map_err(anyhow::Error::from)
        .context("instrumenting the guest")?;

    let mut config = Config::new();
    config.wasm_component_model(true);
    // The instrumented guest runs once, for well under a second: compiling
    // it quickly matters more than running it quickly.
    config.cranelift_opt_level(OptLevel::None);
    // The interpreter recurses deeply while it loads modules.
    config.max_wasm_stack(8 << 20);
    config.async_stack_size(9 << 20);
    let engine = Engine::new(&config).map_err(anyhow::Error::from)?;
    let component = Component::new(&engine, &instrumented)
        .map_err(anyhow::Error::from)
        .context("compiling the instrumented guest")?;

    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(anyhow::Error::from)?;
    // Start-up must not talk to a host: every capy import traps.
    define_capy_imports_as_traps(&engine, &component, &mut linker)?;
    // Whatever start-up draws from WASI (the interpreter's string-hash
    // secret, `random`'s first seed, replaced per sandbox) comes from the
    // guest's own hash: the same guest always gives the same snapshot
    // (reproducible builds, and deterministic mode repeats across builds of
    // one guest), and a changed guest gets a new secret.
    let seed = seed_of(wasm);
    let state = StartUp {
        // Nothing granted; the guest's own stderr (a panic message) is
        // passed through so a failed build says why.
        wasi: WasiCtxBuilder::new()
            .inherit_stderr()
            .secure_random(StdRng::seed_from_u64(seed))
            .insecure_random(StdRng::seed_from_u64(seed))
            .insecure_random_seed(u128::from(seed))
            .build(),
        table: ResourceTable::new(),
    };
    let mut store = Store::new(&engine, state);
    let instance = linker
        .instantiate_async(&mut store, &component)
        .await
        .map_err(anyhow::Error::from)
        .context("instantiating the instrumented guest")?;
    let init = instance
        .get_typed_func::<(), ()>(&mut store, INIT_FUNC)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("the guest has no `{INIT_FUNC}` export"))?;
    init.call_async(&mut store, ())
        .await
        .map_err(anyhow::Error::from)
        .context("the guest's start-up failed")?;

    let snapshot = wizer
        .snapshot_component(
            &context,
            &mut Snapshotter {
                store: &mut store,
                instance,
            },
        )
        .await
        .map_err(anyhow::Error::from)
        .context("snapshotting the guest")?;
    Ok(snapshot)
}

/// The first eight bytes of the guest's SHA-256.
fn seed_of(wasm: &[u8]) -> u64 {
    let digest = Sha256::digest(wasm);
    u64::from_le_bytes(digest[..8].try_into().expect("a SHA-256 has 32 bytes"))
}

/// Defines every function of the guest's `capy:` imports as a trap, and
/// its resources as placeholders.
///
/// Not `Linker::define_unknown_imports_as_traps`: it matches names exactly,
/// so it would also stub the WASI interfaces that the linker serves under
/// another patch version (`@0.2.12` against wasmtime-wasi's own), and the
/// stubbed `pollable` would clash with the real one.
fn define_capy_imports_as_traps(
    engine: &Engine,
    component: &Component,
    linker: &mut Linker<StartUp>,
) -> Result<()> {
    for (name, item) in component.component_type().imports(engine) {
        if !name.starts_with("capy:") {
            continue;
        }
        let ComponentItem::ComponentInstance(instance_type) = item.ty else {
            bail!("unexpected import `{name}`: capy imports are interfaces");
        };
        let mut instance = linker.instance(name).map_err(anyhow::Error::from)?;
        for (export, export_item) in instance_type.exports(engine) {
            match export_item.ty {
                ComponentItem::ComponentFunc(_) => {
                    let qualified = format!("{name}#{export}");
                    instance
                        .func_new(export, move |_, _, _, _| {
                            wasmtime::bail!("`{qualified}` called while pre-initialising")
                        })
                        .map_err(anyhow::Error::from)?;
                }
                ComponentItem::Resource(_) => instance
                    .resource(export, ResourceType::host::<()>(), |_, _| Ok(()))
                    .map_err(anyhow::Error::from)?,
                _ => {}
            }
        }
    }
    Ok(())
}

/// The store's data while the guest starts up.
struct StartUp {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for StartUp {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Reads the started guest's state through the accessor functions that
/// wizer's instrumentation exported (the `wasmtime` feature of
/// wasmtime-wizer has the same, but see Cargo.toml for why it is off).
struct Snapshotter<'a> {
    store: &'a mut Store<StartUp>,
    instance: Instance,
}

impl Snapshotter<'_> {
    async fn call<R: Lift + Send + Sync + 'static, Out>(
        &mut self,
        instance: &str,
        func: &str,
        use_result: impl FnOnce(&mut Store<StartUp>, R) -> Out,
    ) -> Out {
        // Wizer's own accessors on the component it just instrumented: a
        // failure here is a bug in wizer, which its trait gives no way to
        // report but a panic.
        let (_, exported) = self
            .instance
            .get_export(&mut *self.store, None, instance)
            .unwrap_or_else(|| panic!("wizer's accessor instance `{instance}` is missing"));
        let (_, func_index) = self
            .instance
            .get_export(&mut *self.store, Some(&exported), func)
            .unwrap_or_else(|| panic!("wizer's accessor `{instance}#{func}` is missing"));
        let typed = self
            .instance
            .get_typed_func::<(), (R,)>(&mut *self.store, func_index)
            .unwrap_or_else(|e| panic!("wizer's accessor `{func}` has another type: {e}"));
        let (result,) = typed
            .call_async(&mut *self.store, ())
            .await
            .unwrap_or_else(|e| panic!("wizer's accessor `{func}` trapped: {e}"));
        use_result(&mut *self.store, result)
    }
}

impl ComponentInstanceState for Snapshotter<'_> {
    async fn call_func_ret_list_u8(
        &mut self,
        instance: &str,
        func: &str,
        contents: impl FnOnce(&[u8]) + Send,
    ) {
        self.call(instance, func, |store, list: WasmList<u8>| {
            contents(list.as_le_slice(&*store));
        })
        .await
    }

    async fn call_func_ret_s32(&mut self, instance: &str, func: &str) -> i32 {
        self.call(instance, func, |_, value| value).await
    }

    async fn call_func_ret_s64(&mut self, instance: &str, func: &str) -> i64 {
        self.call(instance, func, |_, value| value).await
    }

    async fn call_func_ret_f32(&mut self, instance: &str, func: &str) -> u32 {
        self.call(instance, func, |_, value: f32| value.to_bits())
            .await
    }

    async fn call_func_ret_f64(&mut self, instance: &str, func: &str) -> u64 {
        self.call(instance, func, |_, value: f64| value.to_bits())
            .await
    }
}
