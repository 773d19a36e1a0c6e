//! Host functions written in Python, and the output callback: each call
//! takes the GIL for itself (the guest runs without it).

use std::sync::{Mutex, PoisonError};

use capy::{HostError, HostErrorKind, SandboxBuilder, Stream, Value};
use pyo3::exceptions::{
    PyKeyError, PyLookupError, PyPermissionError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::convert;

/// What a sandbox's host functions share with the run that calls them.
#[derive(Default)]
pub(crate) struct Shared {
    /// The asyncio loop of the current `run_async`, which async host
    /// functions are awaited on.
    event_loop: Mutex<Option<Py<PyAny>>>,
    /// The first unexpected exception a host function raised this run;
    /// chained onto what the run reports.
    failure: Mutex<Option<PyErr>>,
}

impl Shared {
    pub(crate) fn begin(&self, event_loop: Option<Py<PyAny>>) {
        *lock(&self.event_loop) = event_loop;
        *lock(&self.failure) = None;
    }

    pub(crate) fn end(&self) {
        *lock(&self.event_loop) = None;
    }

    pub(crate) fn take_failure(&self) -> Option<PyErr> {
        lock(&self.failure).take()
    }

    fn record_failure(&self, error: PyErr) {
        lock(&self.failure).get_or_insert(error);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Registers the Python callable `function` as the host function `name`.
pub(crate) fn register(
    builder: SandboxBuilder,
    name: String,
    function: Py<PyAny>,
    shared: std::sync::Arc<Shared>,
) -> SandboxBuilder {
    let label = name.clone();
    builder.function_values(name, move |args: Vec<Value>| {
        Python::attach(|py| call(py, &label, &function, &shared, &args))
    })
}

fn call(
    py: Python<'_>,
    name: &str,
    function: &Py<PyAny>,
    shared: &Shared,
    args: &[Value],
) -> Result<Value, HostError> {
    let args = args
        .iter()
        .map(|arg| convert::to_python(py, arg))
        .collect::<PyResult<Vec<_>>>()
        .and_then(|args| PyTuple::new(py, args))
        .map_err(|e| failed(py, name, shared, e))?;
    let mut result = function
        .bind(py)
        .call1(args)
        .map_err(|e| host_error(py, name, shared, e))?;
    if result.hasattr("__await__").unwrap_or(false) {
        let event_loop = lock(&shared.event_loop).as_ref().map(|l| l.clone_ref(py));
        result = py
            .import("capy._bridge")
            .and_then(|bridge| bridge.call_method1("wait", (result, event_loop)))
            .map_err(|e| host_error(py, name, shared, e))?;
    }
    convert::to_value(&result, &mut format!("the result of {name}()"), 0).map_err(|e| {
        log(
            py,
            &format!("host function {name:?} returned a non-plain value"),
            &e,
        );
        shared.record_failure(e);
        HostError::runtime(format!("host function '{name}' returned a non-plain value"))
    })
}

/// The exception the script sees for the host function's exception: the
/// same type and message for the few types the boundary carries, else a
/// bare `RuntimeError` (the host's message and traceback stay out).
fn host_error(py: Python<'_>, name: &str, shared: &Shared, error: PyErr) -> HostError {
    // KeyError before LookupError: it is one.
    let kind = if error.is_instance_of::<PyKeyError>(py) {
        HostErrorKind::Key
    } else if error.is_instance_of::<PyLookupError>(py) {
        HostErrorKind::Lookup
    } else if error.is_instance_of::<PyValueError>(py) {
        HostErrorKind::Value
    } else if error.is_instance_of::<PyTypeError>(py) {
        HostErrorKind::Type
    } else if error.is_instance_of::<PyPermissionError>(py) {
        HostErrorKind::Permission
    } else if error.is_instance_of::<PyRuntimeError>(py) {
        HostErrorKind::Runtime
    } else {
        return failed(py, name, shared, error);
    };
    // One argument is the message (KeyError's str() would add quotes).
    let value = error.value(py);
    let message = match value.getattr("args").and_then(|a| a.extract::<(String,)>()) {
        Ok((message,)) => message,
        Err(_) => value.str().map(|s| s.to_string()).unwrap_or_default(),
    };
    HostError::new(kind, message)
}

/// An unexpected failure: logged and kept for the host, opaque to the script.
fn failed(py: Python<'_>, name: &str, shared: &Shared, error: PyErr) -> HostError {
    log(py, &format!("host function {name:?} failed"), &error);
    shared.record_failure(error);
    HostError::runtime(format!("host function '{name}' failed"))
}

/// Logs `error` to the `capy` logger with its traceback.
pub(crate) fn log(py: Python<'_>, message: &str, error: &PyErr) {
    let logged = (|| -> PyResult<()> {
        let logger = py.import("logging")?.call_method1("getLogger", ("capy",))?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("exc_info", error.value(py))?;
        logger.call_method("error", ("%s", message), Some(&kwargs))?;
        Ok(())
    })();
    if logged.is_err() {
        tracing::error!("{message}: {error}");
    }
}

/// Hands a chunk of the script's output to the `on_output` callback.
pub(crate) fn output(callback: &Py<PyAny>, stream: Stream, data: &[u8]) {
    Python::attach(|py| {
        let stream = match stream {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        };
        let text = String::from_utf8_lossy(data);
        if let Err(e) = callback.call1(py, (stream, text.as_ref())) {
            log(py, "the on_output callback failed", &e);
        }
    })
}
