//! The `sys` a script imports: facts about the interpreter, the sandbox's
//! streams, the exception being handled, the recursion limit (bounded),
//! and `modules`, the views of what this script imported. Nothing reaches
//! the real interpreter: no frames, hooks, path, importers or real
//! `sys.modules`. Catalog code has its own stand-in (`modules::stub_sys`).

use std::cell::RefCell;

use rustpython_vm::{PyObjectRef, PyResult, VirtualMachine, builtins::PyDictRef};

thread_local! {
    /// Its `modules`: the script's views, by name, in import order.
    static MODULES: RefCell<Option<PyDictRef>> = const { RefCell::new(None) };
}

/// What both `sys`s (the script's and the catalog's stand-in) copy from
/// the interpreter's: data, the sandbox's streams, and functions that
/// answer about the running code only (their `__self__` never shows the
/// real `sys`: the introspection guards answer `None`). The exception
/// being handled is what `contextlib.ExitStack` asks for; its traceback's
/// frames answer as the guards allow.
const FACTS: &[&str] = &[
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
    "exception",
    "exc_info",
    // The limit itself stays the interpreter's: no `set_int_max_str_digits`.
    "get_int_max_str_digits",
];

/// What only the script's `sys` copies besides [`FACTS`].
const SCRIPT_ONLY: &[&str] = &[
    "__stdout__",
    "__stderr__",
    "exit",
    "getsizeof",
    "getrecursionlimit",
    "intern",
    "getdefaultencoding",
    "getfilesystemencoding",
];

/// Copies [`FACTS`] from the interpreter's `sys` into `dict`.
pub fn copy_facts(dict: &PyDictRef, vm: &VirtualMachine) -> PyResult<()> {
    copy(dict, FACTS, vm)
}

fn copy(dict: &PyDictRef, names: &[&'static str], vm: &VirtualMachine) -> PyResult<()> {
    for name in names {
        if let Ok(value) = vm.sys_module.get_attr(*name, vm) {
            dict.set_item(*name, value, vm)?;
        }
    }
    Ok(())
}

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
    copy_facts(&dict, vm)?;
    copy(&dict, SCRIPT_ONLY, vm)?;
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
    crate::output::follow(dict);
    MODULES.with(|m| *m.borrow_mut() = Some(modules));
    Ok(module)
}

/// Records a view the script got, for its `sys.modules`.
pub fn note_import(name: &str, view: &PyObjectRef, vm: &VirtualMachine) {
    if let Some(modules) = MODULES.with(|m| m.borrow().clone()) {
        let _ = modules.set_item(name, view.clone(), vm);
    }
}
