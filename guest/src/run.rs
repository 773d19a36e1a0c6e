//! The guest's interpreter: built once per instance, hardened, then used for
//! every `run` call with one persistent `__main__` namespace.

use std::cell::RefCell;

use rustpython_vm::{
    AsObject, Interpreter, PyResult, VirtualMachine, builtins::PyBaseExceptionRef, compiler::Mode,
    scope::Scope,
};

use crate::exports::capy::sandbox::runner::PythonError;
use crate::traceback::{self, Sources};
use crate::{fs, hardening, output};

/// One interpreter and the script's `__main__` globals.
struct Session {
    interpreter: Interpreter,
    main: Scope,
    sources: Sources,
}

thread_local! {
    // A wasm instance is single-threaded; the session lives as long as it.
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
}

impl Session {
    fn new() -> Session {
        let interpreter = Interpreter::without_stdlib(Default::default());
        let main = interpreter.enter(|vm| {
            vm.expect_pyresult(output::install(vm), "install host output streams");
            fs::init();
            vm.expect_pyresult(hardening::lockdown(vm), "harden the interpreter");
            vm.expect_pyresult(main_scope(vm), "create __main__")
        });
        Session {
            interpreter,
            main,
            sources: Sources::default(),
        }
    }
}

/// `__main__`'s globals: its name and the script's own builtins dict.
fn main_scope(vm: &VirtualMachine) -> PyResult<Scope> {
    let globals = vm.ctx.new_dict();
    globals.set_item("__name__", vm.ctx.new_str("__main__").into(), vm)?;
    globals.set_item("__builtins__", hardening::script_builtins(vm)?.into(), vm)?;
    fs::bind_grants(&globals, vm)?;
    crate::introspection::set_script_globals(&globals);
    Ok(Scope::with_builtins(None, globals, vm))
}

fn with_session<R>(f: impl FnOnce(&mut Session) -> R) -> R {
    SESSION.with(|cell| {
        let mut slot = cell.borrow_mut();
        f(slot.get_or_insert_with(Session::new))
    })
}

/// Compiles and runs `source` in `__main__`.
pub fn run_main(source: &str, filename: &str) -> Result<(), PythonError> {
    with_session(|session| {
        session.sources.insert(filename, source);
        let Session {
            interpreter,
            main,
            sources,
        } = session;
        interpreter.enter(|vm| {
            let result = vm
                .compile(source, Mode::Exec, filename.to_owned())
                .map_err(|err| vm.new_syntax_error(&err, Some(source)))
                .and_then(|code| vm.run_code_obj(code, main.clone()));
            match result {
                Ok(_) => Ok(()),
                Err(exc) if is_clean_exit(vm, &exc) => Ok(()),
                Err(exc) => Err(python_error(vm, &exc, sources)),
            }
        })
    })
}

/// `raise SystemExit` / `SystemExit(0)` end a script successfully, as in CPython.
fn is_clean_exit(vm: &VirtualMachine, exc: &PyBaseExceptionRef) -> bool {
    if !exc.fast_isinstance(vm.ctx.exceptions.system_exit) {
        return false;
    }
    let code = exc.get_arg(0);
    match code {
        None => true,
        Some(code) => vm.is_none(&code) || code.try_to_value::<i64>(vm).is_ok_and(|c| c == 0),
    }
}

fn python_error(vm: &VirtualMachine, exc: &PyBaseExceptionRef, sources: &Sources) -> PythonError {
    let message: PyResult<String> = exc
        .as_object()
        .str(vm)
        .map(|s| s.to_string_lossy().into_owned());
    PythonError {
        type_name: exc.class().name().to_string(),
        message: message.unwrap_or_else(|_| "<exception str() failed>".to_owned()),
        traceback: traceback::format_exception(vm, exc, sources),
    }
}
