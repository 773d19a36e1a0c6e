//! Host functions: callables the host application exposes to the script
//! (`capy:sandbox/host`).
//!
//! Each name the host lists becomes a global of `__main__` holding a
//! `HostFunction`. Calling it sends the positional arguments, as plain data,
//! to the host, which decides what to do with them; the result comes back
//! as plain data too. A host-side failure arrives as an ordinary Python
//! exception the script can catch.

use rustpython_vm::{
    Py, PyPayload, PyResult, VirtualMachine,
    builtins::PyDictRef,
    class::PyClassImpl,
    function::FuncArgs,
    pyclass,
    types::{Callable, Representable},
};

use crate::capy::sandbox::host::{ErrorKind, HostError, call, names};
use crate::value;

/// A function of the host application, callable by name.
#[pyclass(module = false, name = "HostFunction")]
#[derive(Debug, PyPayload)]
pub struct HostFunction {
    name: String,
}

#[pyclass(with(Callable, Representable), flags(DISALLOW_INSTANTIATION))]
impl HostFunction {
    #[pygetset]
    fn __name__(zelf: &Py<Self>) -> String {
        zelf.name.clone()
    }
}

impl Callable for HostFunction {
    type Args = FuncArgs;

    fn call(zelf: &Py<Self>, args: FuncArgs, vm: &VirtualMachine) -> PyResult {
        if !args.kwargs.is_empty() {
            return Err(vm.new_type_error(format!(
                "host function {}() takes positional arguments only",
                zelf.name
            )));
        }
        let nodes = value::list_to_nodes(&args.args, vm)?;
        match call(&zelf.name, &nodes) {
            Ok(result) => value::from_nodes(&result, vm),
            Err(error) => Err(host_error(vm, error)),
        }
    }
}

impl Representable for HostFunction {
    fn repr_str(zelf: &Py<Self>, _vm: &VirtualMachine) -> PyResult<String> {
        Ok(format!("<host function {}>", zelf.name))
    }
}

fn host_error(
    vm: &VirtualMachine,
    error: HostError,
) -> rustpython_vm::builtins::PyBaseExceptionRef {
    let excs = &vm.ctx.exceptions;
    let class = match error.kind {
        ErrorKind::ValueError => excs.value_error,
        ErrorKind::TypeError => excs.type_error,
        ErrorKind::KeyError => excs.key_error,
        ErrorKind::LookupError => excs.lookup_error,
        ErrorKind::PermissionError => excs.permission_error,
        ErrorKind::RuntimeError => excs.runtime_error,
    };
    // Built by calling the class, as `raise PermissionError(msg)` would:
    // OSError subclasses set up their fields in `__init__`.
    let message = vm.ctx.new_str(error.message).into();
    vm.invoke_exception(class, vec![message])
        .unwrap_or_else(|exc| exc)
}

/// Makes the class (before `lockdown`, which interns every class name).
pub fn init() {
    // The type is kept in its static cell; the handle is not needed here.
    let _ = HostFunction::make_static_type();
}

/// Binds every host function the sandbox was given into `globals`.
pub fn bind(globals: &PyDictRef, vm: &VirtualMachine) -> PyResult<()> {
    for name in names() {
        let function = HostFunction { name: name.clone() }.into_ref(&vm.ctx);
        globals.set_item(name.as_str(), function.into(), vm)?;
    }
    Ok(())
}
