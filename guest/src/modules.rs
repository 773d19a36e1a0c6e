//! Standard-library modules without import machinery.
//!
//! A script's `import json` reaches capy's own `__import__` ([`install`]),
//! which knows one fixed catalog and nothing else: pure-Python modules
//! frozen into the guest at build time (`guest/pylib`, compiled by
//! `py_freeze!`; nothing is read from any file system at run time), native
//! modules of RustPython on an allow-list ([`NATIVE_MODULES`]), and a few
//! stubs that stand in for modules the library code expects (`sys`, `os`,
//! `builtins`, `io`) with only harmless data and functions in them.
//!
//! Who asks decides what may be imported:
//! - the script (any frame whose globals are not a catalog module's) gets
//!   only the modules its policy grants ([`GRANTABLE`]), and their
//!   submodules;
//! - catalog code (a frame running a catalog module's code) gets any
//!   catalog module, since `json` needs `re` whether or not `re` is granted.
//!
//! The asker is the interpreter's current frame, never the `globals` an
//! `__import__` call passes in (a script could pass any dict). There is no
//! `sys.modules`, no finder or loader, and `__import__` itself is absent
//! from every builtins namespace Python code can see.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use rustpython_vm::{
    AsObject, PyObjectRef, PyRef, PyResult, VirtualMachine,
    builtins::{PyDictRef, PyModule, PyModuleDef, PyStr, PyType},
    frozen::FrozenModule,
    function::{FuncArgs, OptionalArg},
    import::import_builtin,
    scope::Scope,
};

/// Modules a policy can grant: the contract's list, which the host
/// validates policies against. [`preload`] loads every one of them when
/// the snapshot is made, so a name the catalog cannot load fails the build.
pub const GRANTABLE: &[&str] = capy_contract::MODULES;

/// RustPython's native modules the catalog may load: the grantable ones
/// written in Rust and the accelerators the Python modules import. Anything
/// else RustPython has (`posix`, `_io`, `_imp`, `sys`, `_thread`'s threads,
/// sockets, ...) is never loaded for Python code.
pub const NATIVE_MODULES: &[&str] = &[
    // Grantable, written in Rust.
    "math",
    "cmath",
    "itertools",
    "array",
    "binascii",
    "unicodedata",
    "zlib",
    "time",
    // Accelerators and building blocks of the Python modules.
    "_abc",
    "_bisect",
    "_blake2",
    "_codecs",
    "_collections",
    "_contextvars",
    "_csv",
    "_functools",
    "_hashlib",
    "_heapq",
    "_json",
    "_md5",
    "_operator",
    "_random",
    "_sha1",
    "_sha256",
    "_sha3",
    "_sha512",
    "_sre",
    "_statistics",
    "_string",
    "_struct",
    "_thread",
    "_typing",
    "_types",
    "_weakref",
    "_ast",
];

/// Names a `time` module keeps from a script: blocking the guest is not a
/// clock, and the wall-clock limit is the host's business.
const TIME_REMOVED: &[&str] = &["sleep"];

/// The frozen pure-Python modules (`guest/pylib`).
fn frozen_library() -> &'static HashMap<&'static str, FrozenModule> {
    static LIBRARY: std::sync::OnceLock<HashMap<&'static str, FrozenModule>> =
        std::sync::OnceLock::new();
    LIBRARY.get_or_init(|| {
        rustpython_vm::py_freeze!(dir = "../pylib")
            .decode()
            .collect::<HashMap<_, _>>()
    })
}

/// The import state of this instance (a wasm instance is single-threaded).
#[derive(Default)]
struct Registry {
    /// Top-level modules the script may import.
    granted: HashSet<String>,
    /// Every module loaded so far, by full name.
    loaded: HashMap<String, PyObjectRef>,
    /// Ids of the globals dicts of loaded Python modules: frames with these
    /// globals run catalog code.
    library_globals: HashSet<usize>,
    /// The builtins namespace of catalog code (the hardened builtins
    /// without `__import__`).
    builtins: Option<PyDictRef>,
    /// The `sys` stub's `modules` dict, kept in step with `loaded`.
    stub_sys_modules: Option<PyDictRef>,
    /// What the script got for each module it imported: a view of the
    /// module's public interface ([`script_view`]), by full name.
    views: HashMap<String, PyObjectRef>,
    /// The script's `__main__` module (its globals).
    main: Option<PyObjectRef>,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = RefCell::new(Registry::default());
}

/// The native module definitions the interpreter must be built with
/// (RustPython's own `builtin_module_defs` are always there).
pub fn stdlib_module_defs(ctx: &rustpython_vm::Context) -> Vec<&'static PyModuleDef> {
    rustpython_stdlib::stdlib_module_defs(ctx)
        .into_iter()
        .filter(|def| NATIVE_MODULES.contains(&def.name.as_str()))
        .collect()
}

/// Replaces the VM's `__import__` with the catalog's. Runs once, after
/// [`lockdown`](crate::hardening::lockdown) (the catalog's builtins are a
/// copy of the hardened ones). The script may import nothing until
/// [`grant`] says what.
pub fn install(vm: &VirtualMachine) -> PyResult<()> {
    let import = vm.new_function("__import__", capy_import);
    vm.builtins
        .dict()
        .set_item("__import__", import.into(), vm)?;
    // Catalog code's builtins: the script's (no `__import__` either), and
    // a `compile` of source text for `typing`'s string annotations.
    let builtins = crate::hardening::script_builtins(vm)?;
    crate::catalog_compile::install(&builtins, vm)?;
    REGISTRY.with(|registry| registry.borrow_mut().builtins = Some(builtins));
    // Latin-1 and UTF-16/32 for `bytes.decode` and `re`'s bytes patterns.
    load(vm, "_capy_codecs")?;
    Ok(())
}

/// Loads every grantable module, so that an `import` in a sandbox is a
/// lookup. Runs at build time, in the snapshot every sandbox starts from.
/// A loaded module is still importable only where [`grant`] allows it, and
/// its classes are hidden from `__subclasses__()`, so that nothing but an
/// import reaches it.
pub fn preload(vm: &VirtualMachine) -> PyResult<()> {
    let known = crate::hardening::discoverable_classes(vm);
    for name in GRANTABLE {
        load(vm, name)?;
    }
    crate::hardening::hide_classes_since(&known, vm);
    Ok(())
}

/// Makes `granted` importable by the script and seeds `random`: from
/// `random_seed` in deterministic mode, else from this sandbox's own
/// randomness (a snapshot's generator state would be the same in every
/// sandbox). Runs once per sandbox, before any script.
pub fn grant(vm: &VirtualMachine, granted: &[String], random_seed: Option<u64>) -> PyResult<()> {
    let random = REGISTRY.with(|registry| {
        let mut registry = registry.borrow_mut();
        registry.granted = granted
            .iter()
            .filter(|name| GRANTABLE.contains(&name.as_str()))
            .cloned()
            .collect();
        registry.loaded.get("random").cloned()
    });
    if let Some(random) = random {
        seed_random(vm, &random, random_seed)?;
    }
    Ok(())
}

/// `random.seed(seed)`; with no seed, `random.seed()` draws from
/// `os.urandom` (this sandbox's WASI randomness).
fn seed_random(vm: &VirtualMachine, random: &PyObjectRef, seed: Option<u64>) -> PyResult<()> {
    let seed: PyObjectRef = match seed {
        Some(seed) => vm.ctx.new_int(seed).into(),
        None => vm.ctx.none(),
    };
    random.get_attr("seed", vm)?.call((seed,), vm)?;
    Ok(())
}

/// Whether the running frame executes catalog code.
fn caller_is_library(vm: &VirtualMachine) -> bool {
    let Some(frame) = vm.current_frame() else {
        // No Python frame at all: the guest itself (start-up).
        return true;
    };
    let id = frame.f_globals().get_id();
    REGISTRY.with(|r| r.borrow().library_globals.contains(&id))
}

/// `__import__(name, globals=None, locals=None, fromlist=(), level=0)`.
fn capy_import(args: FuncArgs, vm: &VirtualMachine) -> PyResult {
    let name: PyRef<PyStr> = args
        .args
        .first()
        .cloned()
        .ok_or_else(|| vm.new_type_error("__import__() missing required argument 'name'"))?
        .downcast()
        .map_err(|_| vm.new_type_error("__import__() argument 1 must be str"))?;
    let name = name.to_string_lossy().into_owned();
    let fromlist = args
        .args
        .get(3)
        .cloned()
        .or_else(|| args.kwargs.get("fromlist").cloned());
    let level = match args.args.get(4).or_else(|| args.kwargs.get("level")) {
        Some(level) => level.try_to_value::<i64>(vm)?,
        None => 0,
    };
    let fromlist: Vec<String> = match fromlist {
        Some(list) if !vm.is_none(&list) => vm.extract_elements_with(&list, |item| {
            item.downcast::<PyStr>()
                .map(|s| s.to_string_lossy().into_owned())
                .map_err(|_| vm.new_type_error("fromlist items must be str"))
        })?,
        _ => Vec::new(),
    };
    // The interpreter's own Rust code importing (`typing` for `Generic[T]`,
    // `functools`, `re`) is the library's, whichever frame is running: it
    // needs the real module, private helpers included, not the script's
    // view. Only fixed names are imported that way, and the module itself
    // is never handed to the script.
    let library = rustpython_vm::VirtualMachine::take_native_import() || caller_is_library(vm);

    let absolute = if level > 0 {
        if !library {
            return Err(vm.new_import_error(
                "relative imports are not available in the sandbox",
                vm.ctx.new_str(name),
            ));
        }
        resolve_relative(vm, &name, level)?
    } else {
        if name.is_empty() {
            return Err(vm.new_value_error("Empty module name"));
        }
        name.clone()
    };

    if !library {
        check_script_may_import(vm, &absolute)?;
        return script_import(vm, &absolute, &fromlist);
    }
    let module = load(vm, &absolute)?;

    if fromlist.is_empty() {
        if level > 0 {
            return Ok(module);
        }
        // `import a.b` binds `a`.
        let top = absolute.split('.').next().unwrap_or(&absolute);
        return load(vm, top);
    }
    // `from package import submodule`: load submodules named in fromlist.
    if is_package(&module, vm) {
        for item in fromlist.iter().filter(|item| item.as_str() != "*") {
            let key = vm.ctx.new_str(item.as_str());
            let present = module.get_attr(&key, vm).is_ok();
            if !present {
                let sub = format!("{absolute}.{item}");
                if library || check_script_may_import(vm, &sub).is_ok() {
                    // A missing submodule leaves the ImportError to
                    // `from ... import`, which names the attribute.
                    let _ = load(vm, &sub);
                }
            }
        }
    }
    Ok(module)
}

/// An import by the script: the modules are loaded as for catalog code, but
/// what the script gets back are their views ([`script_view`]).
fn script_import(vm: &VirtualMachine, absolute: &str, fromlist: &[String]) -> PyResult {
    load(vm, absolute)?;
    link_views(vm, absolute)?;
    if fromlist.is_empty() {
        // `import a.b` binds `a`.
        let top = absolute.split('.').next().unwrap_or(absolute);
        return script_view(vm, top);
    }
    // `from package import submodule`: load submodules named in fromlist.
    for item in fromlist.iter().filter(|item| item.as_str() != "*") {
        let sub = format!("{absolute}.{item}");
        if in_catalog(&sub) && check_script_may_import(vm, &sub).is_ok() {
            // A missing submodule leaves the ImportError to `from ...
            // import`, which names the attribute.
            if load(vm, &sub).is_ok() {
                link_views(vm, &sub)?;
            }
        }
    }
    script_view(vm, absolute)
}

/// Names a module view carries although they start with an underscore.
const VIEW_DUNDERS: &[&str] = &["__doc__", "__all__", "__version__"];

/// The script's view of the catalog module `name`: a new module holding the
/// module's public names (those without a leading underscore, and those its
/// `__all__` lists), where a submodule is the submodule's view and any other
/// module is left out.
///
/// A grant is a boundary of reach, not only of `import`: with only `json`
/// granted, `json.decoder.re` would otherwise hand out `re`, and from it
/// `re.enum.sys` and every other module the catalog has loaded. The view
/// holds the module's own functions and classes, so they work as ever
/// (their globals are the real module's, which the introspection guards keep
/// from the script); assigning to a view changes only the view.
fn script_view(vm: &VirtualMachine, name: &str) -> PyResult {
    if let Some(view) = REGISTRY.with(|r| r.borrow().views.get(name).cloned()) {
        return Ok(view);
    }
    if name == "sys" {
        // Not a view of the catalog's stand-in (whose `modules` holds the
        // real modules): a `sys` of the script's own.
        let string_io = load(vm, "io")?.get_attr("StringIO", vm)?;
        let stdin = string_io.call(("",), vm)?;
        let sys = crate::script_sys::build(vm, stdin)?;
        let main = REGISTRY.with(|r| {
            let mut r = r.borrow_mut();
            r.views.insert(name.to_owned(), sys.clone());
            r.main.clone()
        });
        if let Some(main) = main {
            crate::script_sys::note_import("__main__", &main, vm);
        }
        return Ok(sys);
    }
    let module = load(vm, name)?;
    let view_dict = vm.ctx.new_dict();
    let view: PyObjectRef = vm.new_module(name, view_dict.clone(), None).into();
    // Registered first: a package and its submodules refer to each other.
    REGISTRY.with(|r| r.borrow_mut().views.insert(name.to_owned(), view.clone()));
    crate::script_sys::note_import(name, &view, vm);
    let Some(source) = module.dict() else {
        return Ok(view);
    };
    let listed: HashSet<String> = match source.get_item_opt("__all__", vm)? {
        Some(all) => vm
            .extract_elements_with(&all, |item| {
                Ok(item
                    .downcast::<PyStr>()
                    .map(|s| s.to_string_lossy().into_owned())
                    .ok())
            })
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect(),
        None => HashSet::new(),
    };
    for (key, value) in source.clone().into_iter() {
        let Some(key_str) = key.downcast_ref::<PyStr>() else {
            continue;
        };
        let key_name = key_str.to_string_lossy();
        let public = !key_name.starts_with('_')
            || listed.contains(key_name.as_ref())
            || VIEW_DUNDERS.contains(&key_name.as_ref());
        if !public {
            continue;
        }
        let value = if value.downcast_ref::<PyModule>().is_some() {
            let sub = format!("{name}.{key_name}");
            if !in_catalog(&sub) {
                continue;
            }
            script_view(vm, &sub)?
        } else {
            value
        };
        view_dict.set_item(&*key, value, vm)?;
    }
    // Names a module makes on demand (PEP 562's module `__getattr__`, as
    // `typing.ForwardRef` and `typing.Pattern` are): the view has no
    // `__getattr__` of its own, so the exported ones are made now.
    if source.get_item_opt("__getattr__", vm)?.is_some() {
        let mut missing: Vec<&String> = listed.iter().collect();
        missing.sort();
        for name in missing {
            if view_dict.get_item_opt(name.as_str(), vm)?.is_some() {
                continue;
            }
            match module.get_attr(vm.ctx.intern_str(name.as_str()), vm) {
                Ok(value) if value.downcast_ref::<PyModule>().is_none() => {
                    view_dict.set_item(name.as_str(), value, vm)?;
                }
                _ => {}
            }
        }
    }
    Ok(view)
}

/// Makes every view along `a.b.c` hold the next one (`a`'s view gets `b`),
/// for submodules loaded after their package's view was made.
fn link_views(vm: &VirtualMachine, absolute: &str) -> PyResult<()> {
    let mut parent: Option<PyObjectRef> = None;
    let mut prefix = String::new();
    for part in absolute.split('.') {
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(part);
        let view = script_view(vm, &prefix)?;
        if let Some(parent) = parent {
            parent.set_attr(vm.ctx.intern_str(part), view.clone(), vm)?;
        }
        parent = Some(view);
    }
    Ok(())
}

/// What the script may see in place of `module`, a real catalog module
/// that reached it some other way than `import` (an `AttributeError`'s
/// `obj`): its view if the script imported it, else nothing. A view is
/// already what the script sees.
pub fn as_seen_by_script(module: &PyObjectRef) -> Option<PyObjectRef> {
    REGISTRY.with(|r| {
        let r = r.borrow();
        if r.views.values().any(|view| view.is(module)) {
            return Some(module.clone());
        }
        let name = r
            .loaded
            .iter()
            .find(|(_, loaded)| loaded.is(module))
            .map(|(name, _)| name.clone())?;
        r.views.get(&name).cloned()
    })
}

/// The absolute name of a relative import made by catalog code.
fn resolve_relative(vm: &VirtualMachine, name: &str, level: i64) -> PyResult<String> {
    let frame = vm.current_frame().ok_or_else(|| {
        vm.new_import_error("relative import outside a module", vm.ctx.new_str(name))
    })?;
    let package = frame
        .f_globals()
        .get_item_opt("__package__", vm)?
        .and_then(|p| p.downcast::<PyStr>().ok())
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut parts: Vec<&str> = package.split('.').filter(|p| !p.is_empty()).collect();
    for _ in 1..level {
        parts.pop();
    }
    if parts.is_empty() {
        return Err(vm.new_import_error(
            "attempted relative import with no known parent package",
            vm.ctx.new_str(name),
        ));
    }
    let mut absolute = parts.join(".");
    if !name.is_empty() {
        absolute.push('.');
        absolute.push_str(name);
    }
    Ok(absolute)
}

/// A script may import a granted module and the catalog submodules of one.
fn check_script_may_import(vm: &VirtualMachine, name: &str) -> PyResult<()> {
    let top = name.split('.').next().unwrap_or(name);
    let granted = REGISTRY.with(|r| r.borrow().granted.contains(top));
    if granted && (name == top || in_catalog(name)) {
        return Ok(());
    }
    let message = if GRANTABLE.contains(&top) {
        if granted {
            format!("No module named '{name}'")
        } else {
            format!("module '{top}' is not granted to this sandbox")
        }
    } else {
        format!("module '{top}' is not available in the sandbox")
    };
    Err(not_found(vm, name, message))
}

fn in_catalog(name: &str) -> bool {
    frozen_library().contains_key(name)
        || NATIVE_MODULES.contains(&name)
        || name == "collections.abc"
}

fn is_package(module: &PyObjectRef, vm: &VirtualMachine) -> bool {
    module.get_attr("__path__", vm).is_ok()
}

fn not_found(
    vm: &VirtualMachine,
    name: &str,
    message: String,
) -> rustpython_vm::builtins::PyBaseExceptionRef {
    let exc = vm.new_exception_msg(
        vm.ctx.exceptions.module_not_found_error.to_owned(),
        message.into(),
    );
    let _ = exc.as_object().set_attr("name", vm.ctx.new_str(name), vm);
    exc
}

/// The module `name` from the catalog, loading it (and its parent
/// packages) on first use.
fn load(vm: &VirtualMachine, name: &str) -> PyResult {
    if let Some(module) = REGISTRY.with(|r| r.borrow().loaded.get(name).cloned()) {
        return Ok(module);
    }
    let parent = match name.rsplit_once('.') {
        Some((parent, _)) => Some(load(vm, parent)?),
        None => None,
    };
    // The parent's own code may have loaded this submodule meanwhile.
    if let Some(module) = REGISTRY.with(|r| r.borrow().loaded.get(name).cloned()) {
        return Ok(module);
    }
    let module = if let Some(frozen) = frozen_library().get(name) {
        load_frozen(vm, name, frozen)?
    } else if name == "_thread" {
        let module = stub_thread(vm)?;
        remember(name, module.clone(), None);
        module
    } else if NATIVE_MODULES.contains(&name) {
        let module = import_builtin(vm, name)?;
        adjust_native(vm, name, &module)?;
        remember(name, module.clone(), None);
        module
    } else if let Some(module) = make_stub(vm, name)? {
        remember(name, module.clone(), None);
        module
    } else {
        return Err(not_found(vm, name, format!("No module named '{name}'")));
    };
    if let (Some(parent), Some((_, child))) = (parent, name.rsplit_once('.')) {
        parent.set_attr(vm.ctx.intern_str(child), module.clone(), vm)?;
    }
    Ok(module)
}

fn remember(name: &str, module: PyObjectRef, globals: Option<&PyDictRef>) {
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        r.loaded.insert(name.to_owned(), module);
        if let Some(globals) = globals {
            r.library_globals.insert(globals.get_id());
        }
    });
}

/// Undoes [`remember`] for a module whose code raised, so a later import
/// runs it again, and its namespace (soon freed, its id free for reuse) no
/// longer counts as catalog code's globals.
fn forget(name: &str, globals: &PyDictRef) {
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        r.loaded.remove(name);
        r.library_globals.remove(&globals.get_id());
    });
}

/// Runs a frozen module's code in a fresh module namespace.
fn load_frozen(vm: &VirtualMachine, name: &str, frozen: &FrozenModule) -> PyResult {
    let builtins = REGISTRY
        .with(|r| r.borrow().builtins.clone())
        .ok_or_else(|| vm.new_system_error("the module catalog is not installed"))?;
    let dict = vm.ctx.new_dict();
    // `new_module` fills in `__name__`, `__doc__` and empty import
    // metadata; the catalog's own entries go in after it.
    let module: PyObjectRef = vm.new_module(name, dict.clone(), None).into();
    dict.set_item("__builtins__", builtins.into(), vm)?;
    let package = if frozen.package {
        dict.set_item("__path__", vm.ctx.new_list(Vec::new()).into(), vm)?;
        name.to_owned()
    } else {
        name.rsplit_once('.').map_or("", |(p, _)| p).to_owned()
    };
    dict.set_item("__package__", vm.ctx.new_str(package).into(), vm)?;
    // Registered before its code runs, for circular imports.
    remember(name, module.clone(), Some(&dict));
    sync_stub_sys(vm, name, &module);
    // Through the VM, not `ctx.new_code`: 0.6.0's compiler folds `x in
    // {...}` into frozenset constants, which only a VM can build.
    let code = rustpython_vm::builtins::PyCode::new_ref_from_frozen(vm, frozen.code);
    if let Err(exc) = vm.run_code_obj(code, Scope::with_builtins(None, dict.clone(), vm)) {
        forget(name, &dict);
        return Err(exc);
    }
    // A module may replace itself (`decimal` becomes `_pydecimal`), as it
    // would through `sys.modules`; only by another catalog module.
    if let Some(replacement) = stub_sys_entry(vm, name)
        && !replacement.is(&module)
        && REGISTRY.with(|r| r.borrow().loaded.values().any(|m| m.is(&replacement)))
    {
        remember(name, replacement.clone(), None);
        return Ok(replacement);
    }
    Ok(module)
}

/// Records the script's `__main__` module: `sys.modules['__main__']` for
/// catalog code (which reads the script's classes' annotations there) and
/// for the script's own `sys`.
pub fn set_main(main: PyObjectRef, vm: &VirtualMachine) {
    REGISTRY.with(|r| r.borrow_mut().main = Some(main.clone()));
    sync_stub_sys(vm, "__main__", &main);
    crate::script_sys::note_import("__main__", &main, vm);
}

fn sync_stub_sys(vm: &VirtualMachine, name: &str, module: &PyObjectRef) {
    if let Some(modules) = REGISTRY.with(|r| r.borrow().stub_sys_modules.clone()) {
        let _ = modules.set_item(name, module.clone(), vm);
    }
}

fn stub_sys_entry(vm: &VirtualMachine, name: &str) -> Option<PyObjectRef> {
    let modules = REGISTRY.with(|r| r.borrow().stub_sys_modules.clone())?;
    modules.get_item_opt(name, vm).ok().flatten()
}

/// What the catalog's code uses of `_thread`: locks and the thread id. The
/// rest (starting threads, which a wasm guest cannot) is removed.
const THREAD_KEPT: &[&str] = &[
    "allocate_lock",
    "get_ident",
    "LockType",
    "RLock",
    "error",
    "TIMEOUT_MAX",
];

/// `_thread` for catalog code: a new module holding only [`THREAD_KEPT`]
/// (the functions keep RustPython's own module as their globals).
fn stub_thread(vm: &VirtualMachine) -> PyResult<PyObjectRef> {
    let native = import_builtin(vm, "_thread")?;
    let dict = vm.ctx.new_dict();
    for attr in THREAD_KEPT {
        if let Ok(value) = native.get_attr(*attr, vm) {
            dict.set_item(*attr, value, vm)?;
        }
    }
    Ok(vm.new_module("_thread", dict, None).into())
}

/// Fix-ups of native modules before anyone sees them.
fn adjust_native(vm: &VirtualMachine, name: &str, module: &PyObjectRef) -> PyResult<()> {
    // A module RustPython imported before lockdown (`_codecs`, ...) came
    // through its own import machinery, and its `__loader__` is
    // `BuiltinImporter`, whose `load_module('sys')` returns the real `sys`.
    // No module the catalog hands out carries import metadata.
    for attr in ["__loader__", "__spec__"] {
        module.set_attr(attr, vm.ctx.none(), vm)?;
    }
    if name == "time" {
        for attr in TIME_REMOVED {
            let _ = module.del_attr(*attr, vm);
        }
        // WASI has no time zones: local time is UTC, and the module says so
        // where RustPython's wasm build leaves the attributes out.
        let utc = vm.ctx.new_str("UTC");
        let zone_facts: [(&str, PyObjectRef); 4] = [
            (
                "tzname",
                vm.ctx
                    .new_tuple(vec![utc.clone().into(), utc.into()])
                    .into(),
            ),
            ("daylight", vm.ctx.new_int(0).into()),
            ("timezone", vm.ctx.new_int(0).into()),
            ("altzone", vm.ctx.new_int(0).into()),
        ];
        for (attr, value) in zone_facts {
            if module.get_attr(attr, vm).is_err() {
                module.set_attr(attr, value, vm)?;
            }
        }
        // The native `strptime` imports `_strptime` on behalf of whichever
        // frame called it; the catalog's wrapper imports it as catalog code.
        let wrapper = load(vm, "_capy_time")?;
        module.set_attr("strptime", wrapper.get_attr("strptime", vm)?, vm)?;
    }
    Ok(())
}

/// Stand-ins for modules the catalog's Python code imports but a sandbox
/// must not have: each holds only data and harmless functions.
fn make_stub(vm: &VirtualMachine, name: &str) -> PyResult<Option<PyObjectRef>> {
    let module: PyRef<PyModule> = match name {
        "sys" => stub_sys(vm)?,
        "os" => stub_os(vm)?,
        "builtins" => {
            let builtins = REGISTRY
                .with(|r| r.borrow().builtins.clone())
                .ok_or_else(|| vm.new_system_error("the module catalog is not installed"))?;
            // A copy: catalog code that edits `builtins` edits only this.
            vm.new_module(
                "builtins",
                rustpython_vm::PyPayload::into_ref(builtins.copy(), &vm.ctx),
                None,
            )
        }
        "io" => stub_io(vm)?,
        "_capy_stack" => crate::stack::module(vm)?,
        "_capy_imports" => {
            let dict = vm.ctx.new_dict();
            dict.set_item(
                "script_module",
                vm.new_function("script_module", script_module).into(),
                vm,
            )?;
            vm.new_module("_capy_imports", dict, None)
        }
        "collections.abc" => {
            // `collections` puts `_collections_abc` here through `sys.modules`.
            return Ok(stub_sys_entry(vm, name).or(Some(load(vm, "_collections_abc")?)));
        }
        _ => return Ok(None),
    };
    Ok(Some(module.into()))
}

/// `_capy_imports.script_module(name)`: the module `name` as the script
/// itself would get it, for catalog code that looks names up on the
/// script's behalf (`pickle`'s unpickler): the view of a module the script
/// may import, the script's `__main__`, or `builtins` as the script's own
/// builtins; anything else fails as the script's `import` would. So what
/// such code finds by name is never more than the script could reach.
fn script_module(name: PyRef<PyStr>, vm: &VirtualMachine) -> PyResult {
    let name = name.to_string_lossy().into_owned();
    let main = stub_sys_entry(vm, "__main__");
    if name == "__main__" {
        return main.ok_or_else(|| not_found(vm, &name, "No module named '__main__'".to_owned()));
    }
    if name == "builtins" {
        let builtins = main
            .and_then(|main| main.dict())
            .and_then(|globals| globals.get_item_opt("__builtins__", vm).ok().flatten())
            .and_then(|builtins| builtins.downcast::<rustpython_vm::builtins::PyDict>().ok())
            .ok_or_else(|| vm.new_system_error("the script has no builtins"))?;
        return Ok(vm.new_module("builtins", builtins, None).into());
    }
    check_script_may_import(vm, &name)?;
    load(vm, &name)?;
    link_views(vm, &name)?;
    script_view(vm, &name)
}

/// `sys` for catalog code: facts about the interpreter and the script's
/// output streams; no modules of its own, no frames, no path, no hooks.
fn stub_sys(vm: &VirtualMachine) -> PyResult<PyRef<PyModule>> {
    let dict = vm.ctx.new_dict();
    crate::script_sys::copy_facts(&dict, vm)?;
    // Used by `dataclasses` for `slots=True`; works on one class.
    if let Ok(value) = vm.sys_module.get_attr("_clear_type_descriptors", vm) {
        dict.set_item("_clear_type_descriptors", value, vm)?;
    }
    let modules = vm.ctx.new_dict();
    dict.set_item("modules", modules.clone().into(), vm)?;
    dict.set_item("warnoptions", vm.ctx.new_list(Vec::new()).into(), vm)?;
    dict.set_item("intern", vm.new_function("intern", stub_intern).into(), vm)?;
    dict.set_item(
        "getrecursionlimit",
        vm.new_function("getrecursionlimit", |vm: &VirtualMachine| {
            vm.recursion_limit.get()
        })
        .into(),
        vm,
    )?;
    dict.set_item(
        "_getframemodulename",
        vm.new_function("_getframemodulename", getframemodulename)
            .into(),
        vm,
    )?;
    dict.set_item(
        "getsizeof",
        vm.new_function(
            "getsizeof",
            |_obj: PyObjectRef, _default: OptionalArg<PyObjectRef>| 0usize,
        )
        .into(),
        vm,
    )?;
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        for (name, module) in &r.loaded {
            let _ = modules.set_item(name.as_str(), module.clone(), vm);
        }
        r.stub_sys_modules = Some(modules);
    });
    // `contextlib.redirect_stdout` assigns the stand-in's `stdout`.
    crate::output::follow(dict.clone());
    Ok(vm.new_module("sys", dict, None))
}

/// `sys._getframemodulename(depth=0)`: the `__name__` of the module whose
/// code runs `depth` frames below the caller. `typing.NewType`,
/// `namedtuple` and `Enum` name the caller's module with it, and
/// `Protocol` tells a class check by `abc` from the script's. A name, not
/// a frame, reaches catalog code only.
fn getframemodulename(depth: OptionalArg<isize>, vm: &VirtualMachine) -> PyResult {
    let depth = depth.unwrap_or(0);
    if depth < 0 {
        return Err(vm.new_value_error("depth must be non-negative"));
    }
    let mut frame = vm.current_frame();
    for _ in 0..depth {
        // Stops where the stack does, whatever `depth` says.
        let Some(current) = frame else { break };
        frame = current.f_back(vm);
    }
    let Some(frame) = frame else {
        return Ok(vm.ctx.none());
    };
    Ok(frame
        .f_globals()
        .get_item_opt("__name__", vm)?
        .unwrap_or_else(|| vm.ctx.none()))
}

fn stub_intern(s: PyRef<PyStr>) -> PyRef<PyStr> {
    s
}

/// `os` for catalog code: `urandom` (the sandbox's WASI randomness, which
/// deterministic mode seeds) and the name of the platform.
fn stub_os(vm: &VirtualMachine) -> PyResult<PyRef<PyModule>> {
    let dict = vm.ctx.new_dict();
    dict.set_item("name", vm.ctx.new_str("posix").into(), vm)?;
    dict.set_item("urandom", vm.new_function("urandom", urandom).into(), vm)?;
    Ok(vm.new_module("os", dict, None))
}

fn urandom(size: isize, vm: &VirtualMachine) -> PyResult<Vec<u8>> {
    let size =
        usize::try_from(size).map_err(|_| vm.new_value_error("negative argument not allowed"))?;
    let mut buf = vec![0u8; size];
    getrandom::fill(&mut buf).map_err(|e| vm.new_os_error(format!("no randomness: {e}")))?;
    Ok(buf)
}

/// `io` for catalog code: the in-memory streams and nothing that opens files.
///
/// `StringIO`'s bases (`_TextIOBase`, `_IOBase`) would list the file
/// classes (`FileIO`, `TextIOWrapper`, ...) among their `__subclasses__()`;
/// those lists are cut down to the in-memory streams' own line.
fn stub_io(vm: &VirtualMachine) -> PyResult<PyRef<PyModule>> {
    let native = import_builtin(vm, "_io")?;
    let mut kept = HashSet::new();
    for class in ["StringIO", "BytesIO"] {
        let class = native
            .get_attr(class, vm)?
            .downcast::<PyType>()
            .map_err(|_| vm.new_system_error("_io classes are types"))?;
        for base in class.mro.read().iter() {
            kept.insert(base.get_id());
        }
        kept.insert(class.get_id());
    }
    let root = native
        .get_attr("_IOBase", vm)?
        .downcast::<PyType>()
        .map_err(|_| vm.new_system_error("_io classes are types"))?;
    let mut stack = vec![root];
    let mut seen = HashSet::new();
    while let Some(class) = stack.pop() {
        if !seen.insert(class.get_id()) {
            continue;
        }
        let mut subclasses = class.subclasses.write();
        subclasses.retain(|weak| {
            weak.upgrade()
                .and_then(|sub| sub.downcast::<PyType>().ok())
                .is_some_and(|sub| {
                    let keep = kept.contains(&sub.get_id());
                    if keep {
                        stack.push(sub);
                    }
                    keep
                })
        });
    }
    let dict = vm.ctx.new_dict();
    for attr in ["StringIO", "BytesIO", "UnsupportedOperation"] {
        dict.set_item(attr, native.get_attr(attr, vm)?, vm)?;
    }
    for (attr, value) in [("SEEK_SET", 0), ("SEEK_CUR", 1), ("SEEK_END", 2)] {
        dict.set_item(attr, vm.ctx.new_int(value).into(), vm)?;
    }
    Ok(vm.new_module("io", dict, None))
}
