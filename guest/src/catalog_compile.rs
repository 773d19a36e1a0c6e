//! `compile` for catalog code: source text in, a code object out.
//!
//! Scripts have no `compile` ([`crate::hardening::REMOVED_BUILTINS`]), but
//! the catalog's own library needs it: `typing` turns a string annotation
//! into a `ForwardRef` whose code `annotationlib` compiles, so a
//! `NamedTuple` with `from __future__ import annotations` (`tomllib` has
//! one) or with a quoted annotation cannot even be defined without it.
//! Compiling runs nothing, so this grants no authority; what it must not
//! do is trap the guest. So it takes only `str` or `bytes` source (no AST
//! objects, whose hand-made trees the code generator does not validate)
//! and puts the text through the same nesting pre-scan as a script's own
//! source before RustPython's `compile` sees it.

use std::cell::RefCell;

use rustpython_vm::{
    PyObjectRef, PyResult, VirtualMachine,
    builtins::{PyBytes, PyDictRef, PyStr},
    function::FuncArgs,
};

thread_local! {
    /// RustPython's own `compile`, kept by [`keep_original`] before
    /// `lockdown` removes it from the builtins.
    static ORIGINAL: RefCell<Option<PyObjectRef>> = const { RefCell::new(None) };
}

/// Keeps RustPython's `compile` for [`install`]; call before it is removed.
pub fn keep_original(vm: &VirtualMachine) -> PyResult<()> {
    let original = vm.builtins.dict().get_item("compile", vm)?;
    ORIGINAL.with(|slot| *slot.borrow_mut() = Some(original));
    Ok(())
}

/// Puts the checked `compile` into catalog code's builtins.
pub fn install(builtins: &PyDictRef, vm: &VirtualMachine) -> PyResult<()> {
    let compile = vm.new_function("compile", checked_compile);
    builtins.set_item("compile", compile.into(), vm)
}

fn checked_compile(args: FuncArgs, vm: &VirtualMachine) -> PyResult {
    let argument = |position: usize, name: &str| {
        args.args
            .get(position)
            .or_else(|| args.kwargs.get(name))
            .cloned()
    };
    let Some(source) = argument(0, "source") else {
        return Err(vm.new_type_error("compile() missing required argument 'source' (pos 1)"));
    };
    let text = if let Some(text) = source.downcast_ref::<PyStr>() {
        text.to_string_lossy().into_owned()
    } else if let Some(bytes) = source.downcast_ref::<PyBytes>() {
        String::from_utf8_lossy(bytes.as_bytes()).into_owned()
    } else {
        return Err(vm.new_type_error(format!(
            "compile() arg 1 must be a string or bytes in the sandbox, not {}",
            source.class().name()
        )));
    };
    let filename = argument(1, "filename")
        .and_then(|name| name.downcast_ref::<PyStr>().map(|s| s.to_string()))
        .unwrap_or_else(|| "<string>".to_owned());
    crate::run::refuse_deep_nesting(vm, &text, &filename)?;
    let original = ORIGINAL
        .with(|slot| slot.borrow().clone())
        .ok_or_else(|| vm.new_system_error("compile was not kept"))?;
    original.call(args, vm)
}
