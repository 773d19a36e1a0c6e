//! Python-style tracebacks built inside the guest.
//!
//! RustPython's own printer reads source lines from the file system, which the
//! sandbox does not have (and must not). Here source lines come from the
//! scripts the host handed in, and the `__cause__`/`__context__` chain is
//! walked iteratively with a cap, so a hostile chain of a million exceptions
//! cannot exhaust the stack or the output.

use std::collections::{HashMap, HashSet};

use rustpython_vm::{AsObject, VirtualMachine, builtins::PyBaseExceptionRef};

/// How many chained exceptions are printed at most; older ones are summarised.
const MAX_CHAIN: usize = 16;
/// How many frames of one traceback are printed at most (head and tail kept).
const MAX_FRAMES: usize = 64;

const CAUSE_SEPARATOR: &str =
    "\nThe above exception was the direct cause of the following exception:\n\n";
const CONTEXT_SEPARATOR: &str =
    "\nDuring handling of the above exception, another exception occurred:\n\n";

thread_local! {
    /// The sources of this sandbox's runs (a wasm instance is
    /// single-threaded). Apart from the session, so that code running
    /// inside a run (a warning being shown) can read its lines.
    static SOURCES: std::cell::RefCell<Sources> = std::cell::RefCell::default();
}

/// Remembers `source` under `filename` for later source lines.
pub fn remember(filename: &str, source: &str) {
    SOURCES.with(|sources| sources.borrow_mut().insert(filename, source));
}

/// Line `lineno` (1-based) of what was run as `filename`, if known.
pub fn source_line(filename: &str, lineno: usize) -> Option<String> {
    SOURCES.with(|sources| sources.borrow().line(filename, lineno).map(str::to_owned))
}

/// The source texts the guest has compiled, by file name, for source lines.
#[derive(Default)]
struct Sources {
    by_name: HashMap<String, String>,
}

impl Sources {
    /// Remembers `source` under `filename` (the latest source wins).
    fn insert(&mut self, filename: &str, source: &str) {
        self.by_name.insert(filename.to_owned(), source.to_owned());
    }

    fn line(&self, filename: &str, lineno: usize) -> Option<&str> {
        let source = self.by_name.get(filename)?;
        source.lines().nth(lineno.checked_sub(1)?)
    }
}

/// Formats `exc` with its chain the way CPython's `traceback.print_exception` does.
pub fn format_exception(vm: &VirtualMachine, exc: &PyBaseExceptionRef) -> String {
    // Oldest exception first, each with the separator printed after it.
    let mut chain: Vec<(PyBaseExceptionRef, &str)> = Vec::new();
    let mut seen = HashSet::new();
    let mut current = exc.clone();
    let mut separator = "";
    let mut omitted = false;
    loop {
        seen.insert(current.get_id());
        chain.push((current.clone(), separator));
        let next = if let Some(cause) = current.__cause__() {
            Some((cause, CAUSE_SEPARATOR))
        } else if !suppresses_context(vm, current.as_object()) {
            current.__context__().map(|c| (c, CONTEXT_SEPARATOR))
        } else {
            None
        };
        match next {
            Some((next, sep)) if !seen.contains(&next.get_id()) => {
                if chain.len() == MAX_CHAIN {
                    omitted = true;
                    break;
                }
                separator = sep;
                current = next;
            }
            _ => break,
        }
    }

    let mut out = String::new();
    if omitted {
        out.push_str("(older chained exceptions omitted)\n\n");
    }
    for (exc, separator) in chain.iter().rev() {
        write_one(vm, exc, &mut out);
        out.push_str(separator);
    }
    out
}

fn suppresses_context(vm: &VirtualMachine, exc: &rustpython_vm::PyObject) -> bool {
    exc.get_attr("__suppress_context__", vm)
        .and_then(|v| v.try_to_bool(vm))
        .unwrap_or(false)
}

/// One exception: its traceback entries, then the `Type: message` line.
fn write_one(vm: &VirtualMachine, exc: &PyBaseExceptionRef, out: &mut String) {
    use std::fmt::Write;
    let traceback = exc.__traceback__();
    if let Some(tb) = &traceback {
        out.push_str("Traceback (most recent call last):\n");
        let entries: Vec<_> = tb.iter().collect();
        let skip = entries.len().saturating_sub(MAX_FRAMES);
        for (index, entry) in entries.iter().enumerate() {
            if skip > 0 && index == MAX_FRAMES / 2 {
                let _ = writeln!(out, "  [... {skip} more frames ...]");
            }
            if skip > 0 && index >= MAX_FRAMES / 2 && index < MAX_FRAMES / 2 + skip {
                continue;
            }
            let code = entry.frame.f_code();
            let filename = code.source_path().as_str();
            let lineno = entry.lineno.get();
            let _ = writeln!(
                out,
                "  File \"{filename}\", line {lineno}, in {}",
                code.obj_name
            );
            if let Some(line) = source_line(filename, lineno) {
                let _ = writeln!(out, "    {}", line.trim());
            }
        }
    }
    out.push_str(&final_line(vm, exc));
}

/// The last line, `Type: message`, as CPython prints it: `str()` of the
/// exception (so a class's own `__str__` counts), the module for classes
/// outside builtins and `__main__`, and "Did you mean" hints.
fn final_line(vm: &VirtualMachine, exc: &PyBaseExceptionRef) -> String {
    let class = exc.class();
    if class.fast_issubclass(vm.ctx.exceptions.syntax_error) {
        // RustPython's printer draws the caret under the offending column;
        // detach the traceback so it prints that part only.
        let traceback = exc.__traceback__();
        exc.set_traceback(None);
        let mut last = String::new();
        let _ = vm.write_exception_inner(&mut last, exc);
        if let Some(tb) = traceback {
            exc.set_traceback(Some(tb));
        }
        return last;
    }
    let mut name = class.name().to_string();
    if let Ok(module) = class.as_object().get_attr("__module__", vm)
        && let Ok(module) = module.str(vm)
    {
        let module = module.to_string_lossy();
        if module != "builtins" && module != "__main__" {
            name = format!("{module}.{name}");
        }
    }
    let message = match exc.as_object().str(vm) {
        Ok(text) => text.to_string_lossy().into_owned(),
        Err(_) => "<exception str() failed>".to_owned(),
    };
    let mut line = if message.is_empty() {
        name
    } else {
        format!("{name}: {message}")
    };
    if let Some(suggestion) = rustpython_vm::suggestion::offer_suggestions(exc, vm) {
        line.push_str(&format!(
            ". Did you mean: '{}'?",
            suggestion.to_string_lossy()
        ));
    }
    line.push('\n');
    line
}
