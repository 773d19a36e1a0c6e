//! Introspection guards: function and frame internals are visible only for
//! the script's own code.
//!
//! A function's `__globals__`, `__builtins__` and `__closure__`, and a
//! frame's `f_globals`, `f_builtins`, `f_locals` and `f_back`, are the
//! classic ladders from an innocent object to modules and the interpreter
//! (RestrictedPython's published bypasses mostly climb them). After
//! [`install`], each of these answers only when the function or frame
//! belongs to the script, that is when its globals are the script's
//! `__main__` namespace; for anything else (the interpreter's own Python
//! code) it raises `AttributeError`, and `f_back` stops at the script's
//! outermost frame. `f_generator` is guarded like `f_locals`. `__code__`
//! becomes read-only, and functions, code objects and frame-locals views
//! cannot be built from parts, so a script cannot run code objects it
//! crafted nor read the locals of a frame it was only shown.

use std::cell::RefCell;
use std::collections::HashMap;

use rustpython_vm::{
    AsObject, PyObjectRef, PyResult, VirtualMachine,
    builtins::{PyDictRef, PyType},
    function::{FuncArgs, PySetterValue},
};

thread_local! {
    /// The script's `__main__` globals (a wasm instance is single-threaded).
    static SCRIPT_GLOBALS: RefCell<Option<PyDictRef>> = const { RefCell::new(None) };
    /// The descriptors the guards replaced, by `(type, attribute)`.
    static ORIGINALS: RefCell<HashMap<(&'static str, &'static str), PyObjectRef>> =
        RefCell::new(HashMap::new());
}

/// Records the script's globals; functions and frames with these globals
/// are the script's own.
pub fn set_script_globals(globals: &PyDictRef) {
    SCRIPT_GLOBALS.with(|g| *g.borrow_mut() = Some(globals.clone()));
}

/// Whether `globals` is the script's `__main__` namespace.
pub fn is_script_globals(globals: &PyObjectRef) -> bool {
    SCRIPT_GLOBALS.with(|g| {
        g.borrow()
            .as_ref()
            .is_some_and(|s| s.as_object().is(globals))
    })
}

/// Calls the original descriptor `attr` of `type_name` on `obj`.
fn original(
    type_name: &'static str,
    attr: &'static str,
    obj: PyObjectRef,
    vm: &VirtualMachine,
) -> PyResult {
    let descriptor = ORIGINALS.with(|o| o.borrow().get(&(type_name, attr)).cloned());
    let descriptor = descriptor.ok_or_else(|| vm.new_attribute_error(attr.to_owned()))?;
    vm.call_get_descriptor(&descriptor, &obj)
        .unwrap_or_else(|| Err(vm.new_attribute_error(attr.to_owned())))
}

fn refused(attr: &str, vm: &VirtualMachine) -> rustpython_vm::builtins::PyBaseExceptionRef {
    vm.new_attribute_error(format!(
        "'{attr}' is only available for the script's own code"
    ))
}

/// Whether `function` (a Python function) is the script's.
fn function_is_script(function: &PyObjectRef, vm: &VirtualMachine) -> PyResult<bool> {
    let globals = original("function", "__globals__", function.clone(), vm)?;
    Ok(is_script_globals(&globals))
}

/// Whether `frame` runs the script's code.
fn frame_is_script(frame: &PyObjectRef, vm: &VirtualMachine) -> PyResult<bool> {
    let globals = original("frame", "f_globals", frame.clone(), vm)?;
    Ok(is_script_globals(&globals))
}

/// Replaces `attr` of `class` with a read-only getter `get`, keeping the
/// original for the guard to call.
fn guard(
    vm: &VirtualMachine,
    class: &'static rustpython_vm::Py<PyType>,
    type_name: &'static str,
    attr: &'static str,
    get: fn(&'static str, &'static str, PyObjectRef, &VirtualMachine) -> PyResult,
) -> PyResult<()> {
    let name = vm.ctx.intern_str(attr);
    let existing = class.attributes.get(name);
    let Some(existing) = existing else {
        return Err(vm.new_system_error(format!("hardening: {type_name}.{attr} not found")));
    };
    ORIGINALS.with(|o| o.borrow_mut().insert((type_name, attr), existing));
    let getter =
        vm.ctx
            .new_readonly_getset(attr, class, move |obj: PyObjectRef, vm: &VirtualMachine| {
                get(type_name, attr, obj, vm)
            });
    class.attributes.insert(name, getter.into());
    class.modified();
    Ok(())
}

/// [`guard`] for an attribute that stays writable: reads go through `get`,
/// writes (the VM's own, and the script's) to the original descriptor.
fn guard_writable(
    vm: &VirtualMachine,
    class: &'static rustpython_vm::Py<PyType>,
    type_name: &'static str,
    attr: &'static str,
    get: fn(&'static str, &'static str, PyObjectRef, &VirtualMachine) -> PyResult,
) -> PyResult<()> {
    let name = vm.ctx.intern_str(attr);
    let Some(existing) = class.attributes.get(name) else {
        return Err(vm.new_system_error(format!("hardening: {type_name}.{attr} not found")));
    };
    ORIGINALS.with(|o| o.borrow_mut().insert((type_name, attr), existing));
    let getset = vm.ctx.new_static_getset(
        attr,
        class,
        move |obj: PyObjectRef, vm: &VirtualMachine| get(type_name, attr, obj, vm),
        move |obj: PyObjectRef, value: PySetterValue, vm: &VirtualMachine| -> PyResult<()> {
            let descriptor = ORIGINALS
                .with(|o| o.borrow().get(&(type_name, attr)).cloned())
                .ok_or_else(|| vm.new_attribute_error(attr.to_owned()))?;
            match value {
                PySetterValue::Assign(value) => {
                    vm.call_method(&descriptor, "__set__", (obj, value))?
                }
                PySetterValue::Delete => vm.call_method(&descriptor, "__delete__", (obj,))?,
            };
            Ok(())
        },
    );
    class.attributes.insert(name, getset.into());
    class.modified();
    Ok(())
}

/// The script's own function: the original value; anything else: refused.
fn function_internal(
    type_name: &'static str,
    attr: &'static str,
    obj: PyObjectRef,
    vm: &VirtualMachine,
) -> PyResult {
    if function_is_script(&obj, vm)? {
        original(type_name, attr, obj, vm)
    } else {
        Err(refused(attr, vm))
    }
}

fn frame_internal(
    type_name: &'static str,
    attr: &'static str,
    obj: PyObjectRef,
    vm: &VirtualMachine,
) -> PyResult {
    if frame_is_script(&obj, vm)? {
        original(type_name, attr, obj, vm)
    } else {
        Err(refused(attr, vm))
    }
}

/// `f_back`, but `None` past the script's outermost frame.
fn frame_back(
    type_name: &'static str,
    attr: &'static str,
    obj: PyObjectRef,
    vm: &VirtualMachine,
) -> PyResult {
    let back = original(type_name, attr, obj, vm)?;
    if vm.is_none(&back) || frame_is_script(&back, vm)? {
        Ok(back)
    } else {
        Ok(vm.ctx.none())
    }
}

/// A builtin's `__self__`, but never a module: 0.6.0 answers `print.__self__`
/// with the `builtins` module (as CPython does), and a module object is
/// what the sandbox never hands out (its `__dict__` reaches everything the
/// interpreter holds). Bound methods keep their object.
fn builtin_self(
    type_name: &'static str,
    attr: &'static str,
    obj: PyObjectRef,
    vm: &VirtualMachine,
) -> PyResult {
    not_a_module(original(type_name, attr, obj, vm)?, |_| None, vm)
}

/// `value`, unless it is a module: then what `instead` makes of it, or
/// `None`.
fn not_a_module(
    value: PyObjectRef,
    instead: impl FnOnce(&PyObjectRef) -> Option<PyObjectRef>,
    vm: &VirtualMachine,
) -> PyResult {
    if value
        .downcast_ref::<rustpython_vm::builtins::PyModule>()
        .is_some()
    {
        Ok(instead(&value).unwrap_or_else(|| vm.ctx.none()))
    } else {
        Ok(value)
    }
}

/// An `AttributeError`'s `obj`, but never a real catalog module: an
/// attribute missing in catalog code would otherwise hand the script the
/// module the lookup was made on, with all its imports. The script sees the
/// module's view if it imported it, else `None`.
fn attribute_error_obj(
    type_name: &'static str,
    attr: &'static str,
    obj: PyObjectRef,
    vm: &VirtualMachine,
) -> PyResult {
    not_a_module(
        original(type_name, attr, obj, vm)?,
        crate::modules::as_seen_by_script,
        vm,
    )
}

/// A read-only view of the original (drops the setter).
fn read_only(
    type_name: &'static str,
    attr: &'static str,
    obj: PyObjectRef,
    vm: &VirtualMachine,
) -> PyResult {
    original(type_name, attr, obj, vm)
}

fn refuse_construction(
    cls: rustpython_vm::builtins::PyTypeRef,
    _args: FuncArgs,
    vm: &VirtualMachine,
) -> PyResult {
    Err(vm.new_type_error(format!(
        "cannot create '{}' objects in the sandbox",
        cls.name()
    )))
}

/// Installs the guards. Runs once, in `lockdown`, before any script.
pub fn install(vm: &VirtualMachine) -> PyResult<()> {
    let types = &vm.ctx.types;
    for attr in ["__globals__", "__builtins__", "__closure__"] {
        guard(vm, types.function_type, "function", attr, function_internal)?;
    }
    guard(vm, types.function_type, "function", "__code__", read_only)?;
    guard(
        vm,
        types.builtin_function_or_method_type,
        "builtin_function_or_method",
        "__self__",
        builtin_self,
    )?;
    // `f_generator` hands out the generator that owns the frame, whose
    // `gi_frame`, `gi_code` and `send`/`throw` are the catalog's own.
    for attr in ["f_globals", "f_builtins", "f_locals", "f_generator"] {
        guard(vm, types.frame_type, "frame", attr, frame_internal)?;
    }
    guard(vm, types.frame_type, "frame", "f_back", frame_back)?;
    guard_writable(
        vm,
        vm.ctx.exceptions.attribute_error,
        "AttributeError",
        "obj",
        attribute_error_obj,
    )?;

    // No functions or code objects from parts: `type(f)(code, globals)`
    // and `code.replace(...)` (or `copy.replace(code, ...)`) would run
    // crafted bytecode.
    // Nor a locals view of a frame the script was not given locals of:
    // `type(own_frame.f_locals)(catalog_frame)` would read and write the
    // catalog's locals past the `f_locals` guard.
    for class in [
        types.function_type,
        types.code_type,
        types.frame_locals_proxy_type,
    ] {
        class.slots.new.store(Some(refuse_construction));
    }
    // `__replace__` is the same builder under the name `copy.replace`
    // calls.
    for name in ["replace", "__replace__"] {
        types.code_type.attributes.remove(vm.ctx.intern_str(name));
    }
    types.code_type.modified();
    Ok(())
}
