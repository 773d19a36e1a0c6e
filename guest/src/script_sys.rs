//! The `sys` a script imports: facts about the interpreter, the sandbox's
//! streams, the exception being handled, the recursion limit (bounded),
//! and `modules`, the views of what this script imported. Nothing reaches
//! the real interpreter: no frames, hooks, path, importers or real
//! `sys.modules`. Catalog code has its own stand-in (`modules::stub_sys`).

use std::cell::RefCell;

use rustpython_vm::{PyObjectRef, PyResult, VirtualMachine, builtins::PyDictRef};

thread_local! {
    /// The script's `sys` namespace, once it imported `sys`.
    static NAMESPACE: RefCell<Option<PyDictRef>> = const { RefCell::new(None) };
    /// Its `modules`: the script's views, by name, in import order.
    static MODULES: RefCell<Option<PyDictRef>> = const { RefCell::new(None) };
}

/// Attributes copied from the interpreter's `sys`: data, and functions
/// that answer about the running code only (their `__self__` never shows
/// the real `sys`: the introspection guards answer `None`).
const COPIED: &[&str] = &[
    "byteorder",
    "float_info",
    "float_repr_style",
    "hash_info",
    "hexversion",
    "implementation",
    "int_info",
    "maxsize",
    "maxunicode",
    "platform",
    "version",
    "version_info",
    "flags",
    "stdout",
    "stderr",
    "__stdout__",
    "__stderr__",
    "exception",
    "exc_info",
    "exit",
    "getsizeof",
    "getrecursionlimit",
    "intern",
    "getdefaultencoding",
    "getfilesystemencoding",
];

/// The deepest recursion limit a script may set: what the guest's stack is
/// sized for (the limit the interpreter starts with).
fn most_recursion(vm: &VirtualMachine) -> usize {
    thread_local! {
        static INITIAL: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }
    INITIAL.with(|initial| {
        if initial.get() == 0 {
            initial.set(vm.recursion_limit.get());
        }
        initial.get()
    })
}

fn setrecursionlimit(limit: isize, vm: &VirtualMachine) -> PyResult<()> {
    let most = most_recursion(vm);
    match usize::try_from(limit) {
        Ok(limit) if limit >= 1 && limit <= most => {
            vm.recursion_limit.set(limit);
            Ok(())
        }
        Ok(limit) if limit > most => Err(vm.new_value_error(format!(
            "recursion limit {limit} is above what the sandbox's stack allows ({most})"
        ))),
        _ => Err(vm.new_value_error("recursion limit must be greater or equal than 1")),
    }
}

/// Builds the script's `sys` (once per sandbox). `stdin` is an empty
/// stream (a sandbox has no terminal); `argv` is `['']`, as for a script
/// read from standard input.
pub fn build(vm: &VirtualMachine, empty_stream: PyObjectRef) -> PyResult<PyObjectRef> {
    let dict = vm.ctx.new_dict();
    let real = &vm.sys_module;
    for attr in COPIED {
        if let Ok(value) = real.get_attr(*attr, vm) {
            dict.set_item(*attr, value, vm)?;
        }
    }
    most_recursion(vm);
    dict.set_item(
        "setrecursionlimit",
        vm.new_function("setrecursionlimit", setrecursionlimit)
            .into(),
        vm,
    )?;
    dict.set_item("stdin", empty_stream.clone(), vm)?;
    dict.set_item("__stdin__", empty_stream, vm)?;
    dict.set_item(
        "argv",
        vm.ctx.new_list(vec![vm.ctx.new_str("").into()]).into(),
        vm,
    )?;
    dict.set_item("warnoptions", vm.ctx.new_list(Vec::new()).into(), vm)?;
    let modules = vm.ctx.new_dict();
    dict.set_item("modules", modules.clone().into(), vm)?;
    let module: PyObjectRef = vm.new_module("sys", dict.clone(), None).into();
    modules.set_item("sys", module.clone(), vm)?;
    NAMESPACE.with(|n| *n.borrow_mut() = Some(dict));
    MODULES.with(|m| *m.borrow_mut() = Some(modules));
    Ok(module)
}

/// Records a view the script got, for its `sys.modules`.
pub fn note_import(name: &str, view: &PyObjectRef, vm: &VirtualMachine) {
    if let Some(modules) = MODULES.with(|m| m.borrow().clone()) {
        let _ = modules.set_item(name, view.clone(), vm);
    }
}

/// What the script put in place of its `sys.stdout` or `sys.stderr`,
/// unless it is the sandbox's own stream.
pub fn redirected_stream(name: &str, vm: &VirtualMachine) -> Option<PyObjectRef> {
    let dict = NAMESPACE.with(|n| n.borrow().clone())?;
    let stream = dict.get_item_opt(name, vm).ok().flatten()?;
    stream
        .downcast_ref::<crate::output::HostStream>()
        .is_none()
        .then_some(stream)
}

/// Whether `name` is the module a script's `import sys` gets.
pub fn is_sys(name: &str) -> bool {
    name == "sys"
}
