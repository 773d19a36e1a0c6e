//! `_capy_stack`: what the catalog's Python code may learn of the call
//! stack, for `warnings`, `linecache` and `traceback`.
//!
//! CPython's `warnings.warn` walks `sys._getframe(stacklevel)` to name the
//! file, line and module a warning is attributed to; `traceback` starts its
//! stack walks at `sys._getframe()`; `linecache` reads source files. The
//! sandbox has no `_getframe` and no files, so this answers as plain data
//! (a place, a source line) or with the script's own frames, which the
//! script can reach anyway (through its tracebacks): never a frame of the
//! catalog's.

use rustpython_vm::{
    PyObjectRef, PyResult, VirtualMachine,
    builtins::{PyModule, PyStr, PyStrRef, PyTupleRef},
    frame::FrameObjectRef,
    function::OptionalArg,
};

/// Makes the `_capy_stack` module.
pub fn module(vm: &VirtualMachine) -> PyResult<rustpython_vm::PyRef<PyModule>> {
    let dict = vm.ctx.new_dict();
    dict.set_item("caller", vm.new_function("caller", caller).into(), vm)?;
    dict.set_item(
        "script_frame",
        vm.new_function("script_frame", script_frame).into(),
        vm,
    )?;
    dict.set_item(
        "source_line",
        vm.new_function("source_line", source_line).into(),
        vm,
    )?;
    Ok(vm.new_module("_capy_stack", dict, None))
}

/// `caller(stacklevel, skip_file_prefixes=())`: `(filename, lineno,
/// module)` of the frame `warnings.warn(..., stacklevel)` attributes a
/// warning to, as CPython 3.13's `warn` finds it: `stacklevel` frames up
/// from `warn`'s own, skipping frames whose file starts with one of
/// `skip_file_prefixes` past the first; `("<sys>", 0, "sys")` if the stack
/// is not that deep.
fn caller(
    stacklevel: i64,
    skip_file_prefixes: OptionalArg<PyTupleRef>,
    vm: &VirtualMachine,
) -> PyResult<(String, usize, PyObjectRef)> {
    let prefixes: Vec<String> = match skip_file_prefixes {
        OptionalArg::Present(tuple) => tuple
            .iter()
            .map(|item| {
                item.downcast_ref::<PyStr>()
                    .map(|s| s.to_string_lossy().into_owned())
                    .ok_or_else(|| vm.new_type_error("skip_file_prefixes must be a tuple of strs"))
            })
            .collect::<PyResult<_>>()?,
        OptionalArg::Missing => Vec::new(),
    };
    let filename_of =
        |frame: &FrameObjectRef| -> String { frame.f_code().source_path().as_str().to_owned() };
    let skipped = |frame: &FrameObjectRef| {
        let name = filename_of(frame);
        prefixes
            .iter()
            .any(|prefix| name.starts_with(prefix.as_str()))
    };
    // The frame running `warn` itself (this native call has none). Each
    // step stops as soon as the stack runs out: `stacklevel` may be 10**18.
    let mut frame = vm.current_frame();
    if stacklevel <= 1 {
        for _ in 0..stacklevel.max(0) {
            frame = frame.and_then(|f| f.f_back(vm));
        }
    } else {
        frame = frame.and_then(|f| f.f_back(vm));
        for _ in 0..stacklevel - 1 {
            // The next frame up that is not skipped.
            let Some(current) = frame else { break };
            frame = current.f_back(vm);
            while let Some(f) = frame.as_ref().filter(|f| skipped(f)) {
                frame = f.f_back(vm);
            }
        }
    }
    let Some(frame) = frame else {
        return Ok(("<sys>".to_owned(), 0, vm.ctx.new_str("sys").into()));
    };
    let module = frame
        .f_globals()
        .get_item_opt("__name__", vm)?
        .unwrap_or_else(|| vm.ctx.new_str("<string>").into());
    let lineno = usize::try_from(frame.lineno()).unwrap_or(0);
    Ok((filename_of(&frame), lineno, module))
}

/// `source_line(filename, lineno)`: that line of a source this sandbox
/// ran (its own scripts' and inputs'), or `None`; `linecache` for
/// `warnings`, which shows the line under the warning as CPython does.
fn source_line(filename: PyStrRef, lineno: i64) -> Option<String> {
    let lineno = usize::try_from(lineno).ok()?;
    crate::traceback::source_line(&filename.to_string_lossy(), lineno)
}

/// `script_frame()`: the innermost frame running the script's own code,
/// or `None`: where `traceback.extract_stack()` starts when called from
/// the script (frames of the catalog in between are skipped, as the
/// script's `f_back` skips them).
fn script_frame(vm: &VirtualMachine) -> Option<FrameObjectRef> {
    let mut frame = vm.current_frame();
    while let Some(f) = frame {
        if crate::introspection::is_script_globals(&f.f_globals().into()) {
            return Some(f);
        }
        frame = f.f_back(vm);
    }
    None
}
