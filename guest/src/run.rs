//! The guest's interpreter: built once per instance, hardened, then used for
//! every `run` call with one persistent `__main__` namespace.

use std::cell::RefCell;

use rustpython_vm::{
    AsObject, Interpreter, PyObjectRef, PyRef, PyResult, VirtualMachine,
    builtins::{PyBaseExceptionRef, PyCode, PyDict, PyDictRef, PyStr},
    compiler::Mode,
    function::{FuncArgs, KwArgs},
    scope::Scope,
};

use crate::capy::sandbox::data::Node;
use crate::capy::sandbox::settings::get_settings;
use crate::exports::capy::sandbox::runner::{CallError, Mode as RunMode, PythonError};
use crate::traceback;
use crate::{fs, hardening, hostfn, interrupt, modules, output, value};

/// One interpreter and, once the sandbox is activated, the script's
/// `__main__` globals.
struct Session {
    interpreter: Interpreter,
    /// `None` until [`Session::activate`] has run.
    main: Option<Scope>,
}

thread_local! {
    // A wasm instance is single-threaded; the session lives as long as it.
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
}

/// The start-up work every sandbox shares, run once at build time and
/// snapshotted (`wizer-initialize`). Without a snapshot it runs on the
/// first call instead, so the guest works either way.
pub fn preinitialize() {
    SESSION.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(Session::prepare());
        }
    });
}

impl Session {
    /// Builds the interpreter, hardens it and loads the module catalog.
    /// Calls no capy import: this is what the snapshot holds, identical in
    /// every sandbox.
    fn prepare() -> Session {
        let builder = Interpreter::builder(Default::default());
        let native_modules = modules::stdlib_module_defs(&builder.ctx);
        let interpreter = builder.add_native_modules(&native_modules).build();
        interpreter.enter(|vm| {
            vm.expect_pyresult(output::install(vm), "install host output streams");
            fs::init();
            hostfn::init();
            interrupt::init(vm);
            vm.expect_pyresult(hardening::lockdown(vm), "harden the interpreter");
            vm.expect_pyresult(modules::install(vm), "install the module catalog");
            vm.expect_pyresult(modules::preload(vm), "preload the module catalog");
        });
        Session {
            interpreter,
            main: None,
        }
    }

    /// Makes this sandbox itself, on the first call from the host: its
    /// module grants and seed, its grants and host functions in
    /// `__main__`, and polling for interrupts.
    fn activate(&mut self) {
        if self.main.is_some() {
            return;
        }
        let settings = get_settings();
        let main = self.interpreter.enter(|vm| {
            vm.expect_pyresult(
                modules::grant(vm, &settings.modules, settings.random_seed),
                "grant modules",
            );
            let main = vm.expect_pyresult(main_scope(vm), "create __main__");
            // Only now: set-up runs Python (granting modules), and an
            // interrupt raised inside it would leave a half-made sandbox
            // (a panic above). One that arrived meanwhile stays pending in
            // the host and is delivered once the script's own code runs.
            interrupt::start_polling();
            main
        });
        self.main = Some(main);
    }
}

/// `__main__`'s globals: its name and the script's own builtins dict.
fn main_scope(vm: &VirtualMachine) -> PyResult<Scope> {
    let globals = vm.ctx.new_dict();
    globals.set_item("__name__", vm.ctx.new_str("__main__").into(), vm)?;
    globals.set_item("__builtins__", hardening::script_builtins(vm)?.into(), vm)?;
    fs::bind_grants(&globals, vm)?;
    hostfn::bind(&globals, vm)?;
    crate::introspection::set_script_globals(&globals);
    // `sys.modules['__main__']`, for the catalog's code (dataclasses reads
    // string annotations in it) and the script's own `sys`.
    crate::modules::set_main(vm.new_module("__main__", globals.clone(), None).into(), vm);
    Ok(Scope::with_builtins(None, globals, vm))
}

/// Runs `f` with the active session and its `__main__` scope.
fn with_session<R>(f: impl FnOnce(&Interpreter, &Scope) -> R) -> R {
    SESSION.with(|cell| {
        let mut slot = cell.borrow_mut();
        let session = slot.get_or_insert_with(Session::prepare);
        session.activate();
        let Session { interpreter, main } = session;
        let main = main.as_ref().expect("activated above");
        f(interpreter, main)
    })
}

/// Compiles and runs `source` in `__main__`; in interactive mode the value
/// of an expression statement is echoed through `sys.displayhook`.
pub fn run_main(source: &str, filename: &str, mode: RunMode) -> Result<(), PythonError> {
    let mode = match mode {
        RunMode::Exec => Mode::Exec,
        RunMode::Interactive => Mode::Single,
    };
    with_session(|interpreter, main| {
        traceback::remember(filename, source);
        interpreter.enter(|vm| {
            let result = compile(vm, source, mode, filename)
                .and_then(|code| vm.run_code_obj(code, main.clone()));
            match result {
                Ok(_) => Ok(()),
                Err(exc) if is_clean_exit(vm, &exc) => Ok(()),
                Err(exc) => Err(python_error(vm, &exc)),
            }
        })
    })
}

/// Compiles `source`, first refusing what nests deeper than the parser's
/// recursion can take on the guest's stack (see [`refuse_deep_nesting`]).
pub fn compile(
    vm: &VirtualMachine,
    source: &str,
    mode: Mode,
    filename: &str,
) -> PyResult<PyRef<PyCode>> {
    refuse_deep_nesting(vm, source, filename)?;
    vm.compile(source, mode, filename.to_owned())
        .map_err(|err| err.into_pyexception(vm, Some(source)))
}

/// Fails with a `SyntaxError` naming the place, as CPython raises, if
/// `source` nests deeper than the parser's recursion can take on the
/// guest's stack ([`capy_contract::nesting`]). Every compile of text in the
/// sandbox passes through here first.
pub fn refuse_deep_nesting(vm: &VirtualMachine, source: &str, filename: &str) -> PyResult<()> {
    let Err(too_deep) = capy_contract::nesting::check(source) else {
        return Ok(());
    };
    let text = source.lines().nth(too_deep.line - 1).unwrap_or("");
    let text: String = text.chars().take(200).collect();
    // Built as the VM builds its own: the message is the only argument
    // (so `str()` and the printer show it), the place is attributes.
    let class: PyObjectRef = vm.ctx.exceptions.syntax_error.to_owned().into();
    let exc = class.call((too_deep.message,), vm)?;
    let column = too_deep.column;
    exc.set_attr("filename", vm.ctx.new_str(filename), vm)?;
    exc.set_attr("lineno", vm.ctx.new_int(too_deep.line), vm)?;
    exc.set_attr("offset", vm.ctx.new_int(column), vm)?;
    exc.set_attr("end_lineno", vm.ctx.new_int(too_deep.line), vm)?;
    exc.set_attr("end_offset", vm.ctx.new_int(column), vm)?;
    exc.set_attr("text", vm.ctx.new_str(text), vm)?;
    Err(exc
        .downcast()
        .map_err(|_| vm.new_system_error("SyntaxError is an exception"))?)
}

/// Calls the global function `name` of `__main__` with plain-data
/// arguments and returns its result as plain data.
pub fn call_main(name: &str, args: &[Node], kwargs: &[Node]) -> Result<Vec<Node>, CallError> {
    with_session(|interpreter, main| {
        interpreter.enter(|vm| {
            let function = match main.globals.get_item_opt(name, vm) {
                Ok(Some(function)) if function.is_callable() => function,
                _ => return Err(CallError::NoSuchFunction),
            };
            let args = value::list_from_nodes(args, vm)
                .map_err(|exc| CallError::BadArguments(message(vm, &exc)))?;
            let kwargs = keyword_arguments(kwargs, vm)
                .map_err(|exc| CallError::BadArguments(message(vm, &exc)))?;
            let result = function.call(FuncArgs::new(args, kwargs), vm);
            let result = match result {
                Ok(result) => result,
                // A TypeError raised before any frame of the function ran
                // is about the call itself: wrong number or names of
                // arguments.
                Err(exc)
                    if exc.fast_isinstance(vm.ctx.exceptions.type_error)
                        && exc.__traceback__().is_none() =>
                {
                    return Err(CallError::BadArguments(message(vm, &exc)));
                }
                Err(exc) => return Err(CallError::Exception(python_error(vm, &exc))),
            };
            value::to_nodes(&result, vm).map_err(|exc| CallError::BadResult(message(vm, &exc)))
        })
    })
}

fn keyword_arguments(nodes: &[Node], vm: &VirtualMachine) -> PyResult<KwArgs> {
    let dict = value::from_nodes(nodes, vm)?;
    let Ok(dict) = dict.downcast::<PyDict>() else {
        return Err(vm.new_type_error("keyword arguments must be a dict"));
    };
    let mut pairs = Vec::new();
    for (key, value) in &dict {
        let Some(key) = key.downcast_ref::<PyStr>().and_then(|k| k.to_str()) else {
            return Err(vm.new_type_error("keyword argument names must be strings"));
        };
        pairs.push((key.to_owned(), value));
    }
    Ok(pairs.into_iter().collect())
}

fn message(vm: &VirtualMachine, exc: &PyBaseExceptionRef) -> String {
    let text = exc
        .as_object()
        .str(vm)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{}: {text}", exc.class().name())
}

/// Completions of `text` as a REPL would offer them: names of globals,
/// builtins and keywords, or, after a dot, attributes of the object the
/// dotted prefix names. Only names are looked up (no calls, no indexing),
/// though reading an attribute may run a property of the script's own.
pub fn complete(text: &str) -> Vec<String> {
    with_session(|interpreter, main| {
        interpreter.enter(|vm| {
            let mut found = match text.rsplit_once('.') {
                None => {
                    let mut names: Vec<String> = capy_contract::PYTHON_KEYWORDS
                        .iter()
                        .map(|k| (*k).to_owned())
                        .collect();
                    names.extend(dict_keys(&main.globals));
                    if let Ok(Some(builtins)) = main.globals.get_item_opt("__builtins__", vm)
                        && let Ok(builtins) = builtins.downcast::<PyDict>()
                    {
                        names.extend(dict_keys(&builtins));
                    }
                    names
                        .into_iter()
                        .filter(|name| {
                            name.starts_with(text)
                                && (text.starts_with('_') || !name.starts_with('_'))
                        })
                        .collect::<Vec<_>>()
                }
                Some((base, attr)) => match resolve(base, main, vm) {
                    Some(object) => vm
                        .dir(Some(object))
                        .map(|names| {
                            names
                                .borrow_vec()
                                .iter()
                                .filter_map(|n| {
                                    n.downcast_ref::<PyStr>()?.to_str().map(str::to_owned)
                                })
                                .filter(|n| {
                                    n.starts_with(attr)
                                        && (attr.starts_with('_') || !n.starts_with('_'))
                                })
                                .map(|n| format!("{base}.{n}"))
                                .collect()
                        })
                        .unwrap_or_default(),
                    None => Vec::new(),
                },
            };
            found.sort();
            found.dedup();
            found
        })
    })
}

fn dict_keys(dict: &PyDictRef) -> Vec<String> {
    dict.into_iter()
        .filter_map(|(key, _)| key.downcast_ref::<PyStr>()?.to_str().map(str::to_owned))
        .collect()
}

/// The object a dotted name (`data.parent`) refers to, if every part is an
/// identifier that resolves.
fn resolve(dotted: &str, main: &Scope, vm: &VirtualMachine) -> Option<PyObjectRef> {
    let mut parts = dotted.split('.');
    let first = parts.next()?;
    if !is_identifier(first) {
        return None;
    }
    let mut object = match main.globals.get_item_opt(first, vm).ok()? {
        Some(object) => object,
        None => {
            let builtins = main.globals.get_item_opt("__builtins__", vm).ok()??;
            builtins
                .downcast::<PyDict>()
                .ok()?
                .get_item_opt(first, vm)
                .ok()??
        }
    };
    for part in parts {
        if !is_identifier(part) {
            return None;
        }
        object = object.get_attr(&vm.ctx.new_str(part), vm).ok()?;
    }
    Some(object)
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
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

fn python_error(vm: &VirtualMachine, exc: &PyBaseExceptionRef) -> PythonError {
    let message: PyResult<String> = exc
        .as_object()
        .str(vm)
        .map(|s| s.to_string_lossy().into_owned());
    PythonError {
        type_name: exc.class().name().to_string(),
        message: message.unwrap_or_else(|_| "<exception str() failed>".to_owned()),
        traceback: traceback::format_exception(vm, exc),
    }
}
