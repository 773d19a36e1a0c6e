//! The guest's one hardening step, [`lockdown`], run once on a fresh
//! interpreter before any untrusted code (in the spirit of Hardened
//! JavaScript's `lockdown()`).
//!
//! It edits the VM's own `builtins` module, not only the script's globals:
//! RustPython falls back to the VM's builtins for any function whose globals
//! lack `__builtins__`, so a name left there is reachable however it is hidden
//! elsewhere.

use std::collections::HashSet;

use rustpython_vm::{
    AsObject, PyPayload, PyResult, VirtualMachine,
    builtins::{PyDictRef, PyStr, PyType},
};

/// Builtins that give ambient authority (files, code from strings, the
/// terminal, the interpreter's lifetime) or only make sense at an interactive
/// CPython prompt. A script in capy never sees them.
pub const REMOVED_BUILTINS: &[&str] = &[
    "open",
    "eval",
    "exec",
    "compile",
    "input",
    "breakpoint",
    "help",
    "exit",
    "quit",
    "copyright",
    "credits",
    "license",
    // The builtins module's own import metadata: `__loader__` is the
    // importer class (`BuiltinImporter.load_module('sys')` returns `sys`).
    "__loader__",
    "__spec__",
    "__package__",
];

/// Modules whose classes stay discoverable through `__subclasses__()`:
/// the language's own types (and capy's proxies, which live in `builtins`).
/// Every other class known at start-up (the import machinery, codecs, `sys`,
/// `_io`, `_thread`, ...) is pruned from the subclass lists: their methods
/// lead to modules, importers and interpreter internals.
pub const DISCOVERABLE_MODULES: &[&str] = &[
    "builtins",
    "types",
    "typing",
    "_typing",
    "string.templatelib",
    "ast",
];

/// Names the interpreter keeps for itself but a script's builtins do not
/// show: `import` statements still reach the catalog's `__import__`, but
/// the script cannot call or replace it by name.
pub const HIDDEN_FROM_SCRIPTS: &[&str] = &["__import__"];

/// Removes ambient authority from the interpreter. Runs once, before the
/// first script.
pub fn lockdown(vm: &VirtualMachine) -> PyResult<()> {
    let builtins = vm.builtins.dict();
    // Catalog code gets a checked `compile` back (see `catalog_compile`).
    crate::catalog_compile::keep_original(vm)?;
    for name in REMOVED_BUILTINS {
        // Absent is fine: several are only added by CPython's `site`.
        if builtins.get_item_opt(*name, vm)?.is_some() {
            builtins.del_item(*name, vm)?;
        }
    }

    intern_type_names(vm);
    prune_subclasses(vm)?;
    crate::introspection::install(vm)?;

    // RustPython's `__import__` is the way into its import machinery (file
    // loaders, `sys.modules`); it goes, and `import` fails until the module
    // catalog installs its own (`crate::modules::install`).
    builtins.del_item("__import__", vm)?;
    Ok(())
}

/// Interns the name of every class reachable from `object`.
///
/// RustPython's `type.__name__` panics (a guest trap) for a native class
/// whose name was never interned, and `object.__subclasses__()` hands such
/// classes to any script; interning them all up front makes `__name__`
/// total.
fn intern_type_names(vm: &VirtualMachine) {
    let mut stack = vec![vm.ctx.types.object_type.to_owned()];
    let mut seen = HashSet::new();
    while let Some(class) = stack.pop() {
        if !seen.insert(class.get_id()) {
            continue;
        }
        let name = class.slot_name();
        let short = name.rsplit_once('.').map_or(&*name, |(_, short)| short);
        vm.ctx.intern_str(short);
        let subclasses = class.subclasses.read();
        stack.extend(
            subclasses
                .iter()
                .filter_map(|weak| weak.upgrade()?.downcast::<PyType>().ok()),
        );
    }
}

/// Removes every class outside [`DISCOVERABLE_MODULES`] from its bases'
/// `__subclasses__()` lists, so a walk from `object` cannot find it.
fn prune_subclasses(vm: &VirtualMachine) -> PyResult<()> {
    // First the import machinery and the interpreter's internals, from
    // every list, including those of classes the second step hides: a
    // hidden class can still reach a script another way (`weakref.ref`
    // through a granted `weakref`), and its list held
    // `_frozen_importlib.KeyedRef`. Other hidden classes keep their lists:
    // ABCs find their virtual subclasses through them.
    retain_subclasses(|class| !is_internal(class, vm), true, vm);
    retain_subclasses(|class| is_discoverable(class, vm), false, vm);
    Ok(())
}

/// The ids of the classes a walk of `__subclasses__()` from `object` finds.
pub fn discoverable_classes(vm: &VirtualMachine) -> HashSet<usize> {
    let mut found = HashSet::new();
    retain_subclasses(
        |class| {
            found.insert(class.get_id());
            true
        },
        false,
        vm,
    );
    found
}

/// Hides every class created since `known` was taken (with
/// [`discoverable_classes`]) from `__subclasses__()`: the module catalog's
/// classes, loaded into every sandbox, stay reachable only through an
/// import of their module, which the sandbox's grant decides.
pub fn hide_classes_since(known: &HashSet<usize>, vm: &VirtualMachine) {
    retain_subclasses(|class| known.contains(&class.get_id()), false, vm);
}

/// Walks the class tree from `object`, keeping in each class's
/// `__subclasses__()` list only the subclasses `keep` accepts, and walking
/// into the classes it drops only if `into_dropped`.
fn retain_subclasses(
    mut keep: impl FnMut(&rustpython_vm::Py<PyType>) -> bool,
    into_dropped: bool,
    vm: &VirtualMachine,
) {
    let mut stack = vec![vm.ctx.types.object_type.to_owned()];
    let mut seen = HashSet::new();
    while let Some(class) = stack.pop() {
        if !seen.insert(class.get_id()) {
            continue;
        }
        let mut kept = Vec::new();
        let mut subclasses = class.subclasses.write();
        for weak in subclasses.iter() {
            let Some(sub) = weak.upgrade().and_then(|s| s.downcast::<PyType>().ok()) else {
                continue;
            };
            let kept_here = keep(&sub);
            if kept_here {
                kept.push(weak.clone());
            }
            if kept_here || into_dropped {
                stack.push(sub);
            }
        }
        *subclasses = kept;
    }
}

/// Modules whose classes no subclass list may show, even a hidden class's.
const INTERNAL_MODULES: &[&str] = &[
    "_frozen_importlib",
    "_frozen_importlib_external",
    "importlib",
    "zipimport",
    "_imp",
    "sys",
    "_io",
    "io",
    "_thread",
    "_signal",
    "posix",
    "os",
];

/// A class's `__module__`, or `""` if it has none that is a string.
fn module_of(class: &rustpython_vm::Py<PyType>, vm: &VirtualMachine) -> String {
    class
        .as_object()
        .get_attr("__module__", vm)
        .ok()
        .and_then(|m| m.downcast::<PyStr>().ok())
        .map(|m| m.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn is_internal(class: &rustpython_vm::Py<PyType>, vm: &VirtualMachine) -> bool {
    let module = module_of(class, vm);
    INTERNAL_MODULES
        .iter()
        .any(|internal| module == *internal || module.starts_with(&format!("{internal}.")))
}

fn is_discoverable(class: &rustpython_vm::Py<PyType>, vm: &VirtualMachine) -> bool {
    DISCOVERABLE_MODULES.contains(&module_of(class, vm).as_str())
}

/// The builtins namespace a script runs with: a copy of the hardened VM
/// builtins without [`HIDDEN_FROM_SCRIPTS`]. Being a separate dict, a script
/// that edits its builtins changes only its own view, never the VM's.
pub fn script_builtins(vm: &VirtualMachine) -> PyResult<PyDictRef> {
    let builtins = vm.builtins.dict().copy().into_ref(&vm.ctx);
    for name in HIDDEN_FROM_SCRIPTS {
        builtins.del_item(*name, vm)?;
    }
    Ok(builtins)
}
