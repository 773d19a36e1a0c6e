//! `capy._capy`: the native half of the `capy` Python package, a thin PyO3
//! layer over the `capy` library. The Python half (`python/capy/`) holds
//! the public classes (`Sandbox`, `Dir`, `Limits`, `Outcome`, the errors)
//! and calls into this module; nothing here reimplements the sandbox.

#![warn(missing_docs)]

mod convert;
mod host;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, TryLockError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use capy_policy::{Access, DirGrant, GrantPolicy, Overrides};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::host::Shared;

/// The Python module with the package's errors and result classes.
const ERRORS: &str = "capy._errors";

/// The compiled guest, shared by every sandbox made from it.
#[pyclass(module = "capy._capy", frozen)]
struct Engine {
    inner: capy::Engine,
}

#[pymethods]
impl Engine {
    /// Compiles the guest, or loads it from the compile cache shared with
    /// the CLI (`$CAPY_CACHE_DIR`, default the user's cache directory).
    #[new]
    #[pyo3(signature = (*, cache_dir=None))]
    fn new(py: Python<'_>, cache_dir: Option<PathBuf>) -> PyResult<Engine> {
        let cache_dir = cache_dir.or_else(|| std::env::var_os("CAPY_CACHE_DIR").map(PathBuf::from));
        let inner = py
            .detach(|| {
                let mut builder = capy::Engine::builder();
                if let Some(dir) = cache_dir {
                    builder = builder.cache_dir(dir);
                }
                builder.build()
            })
            .map_err(|e| error(py, &e))?;
        Ok(Engine { inner })
    }

    /// Whether the guest came from the compile cache (`False`: compiled now).
    #[getter]
    fn loaded_from_cache(&self) -> bool {
        self.inner.loaded_from_cache()
    }
}

/// The process-wide engine `Sandbox` uses when given none.
#[pyfunction]
fn default_engine(py: Python<'_>) -> PyResult<Py<Engine>> {
    static DEFAULT: OnceLock<Py<Engine>> = OnceLock::new();
    if let Some(engine) = DEFAULT.get() {
        return Ok(engine.clone_ref(py));
    }
    let engine = Py::new(py, Engine::new(py, None)?)?;
    // Two threads may race to compile; the loser's engine is dropped.
    Ok(DEFAULT.get_or_init(|| engine).clone_ref(py))
}

/// A policy: the same TOML as the CLI's `--policy`.
#[pyclass(module = "capy._capy", frozen)]
#[derive(Clone)]
struct Policy {
    inner: capy::Policy,
}

#[pymethods]
impl Policy {
    /// Reads and validates a policy file; relative grant paths are
    /// relative to the file's directory.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Policy> {
        let inner = capy::Policy::load(&path).map_err(|e| policy_error(py, &e))?;
        Ok(Policy { inner })
    }

    /// Parses and validates policy TOML; relative grant paths are joined
    /// onto `base_dir` (default: the current directory).
    #[staticmethod]
    #[pyo3(signature = (text, base_dir=None))]
    fn from_toml(py: Python<'_>, text: &str, base_dir: Option<PathBuf>) -> PyResult<Policy> {
        let base_dir = match base_dir {
            Some(dir) => dir,
            None => std::env::current_dir().map_err(|e| PyRuntimeError::new_err(e.to_string()))?,
        };
        let inner = capy::Policy::from_toml_str(text, &base_dir)
            .and_then(|p| p.validate().map(|()| p))
            .map_err(|e| policy_error(py, &e))?;
        Ok(Policy { inner })
    }

    /// The policy as TOML, as `capy check` prints it.
    fn to_toml(&self) -> String {
        self.inner.to_toml()
    }

    fn __repr__(&self) -> String {
        format!("capy.Policy.from_toml({:?})", self.inner.to_toml())
    }
}

/// What the sandbox holds: a fresh interpreter, or one with a plugin
/// loaded (the library's `Plugin` owns its sandbox; runs go through it).
enum Slot {
    Sandbox(capy::Sandbox),
    Plugin(capy::Plugin),
    Closed,
}

impl Slot {
    fn sandbox(&mut self) -> PyResult<&mut capy::Sandbox> {
        match self {
            Slot::Sandbox(sandbox) => Ok(sandbox),
            Slot::Plugin(plugin) => Ok(plugin.sandbox()),
            Slot::Closed => Err(PyRuntimeError::new_err("the sandbox is closed")),
        }
    }
}

/// One sandbox, driven by `capy.Sandbox`.
#[pyclass(module = "capy._capy", frozen)]
struct RawSandbox {
    slot: Mutex<Slot>,
    handle: capy::SandboxHandle,
    shared: Arc<Shared>,
}

#[pymethods]
impl RawSandbox {
    #[new]
    #[pyo3(signature = (engine, policy, dirs, limits, modules, functions, seed, clock, on_output))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        engine: PyRef<'_, Engine>,
        policy: Option<&Bound<'_, PyAny>>,
        dirs: Option<&Bound<'_, PyDict>>,
        limits: Option<&Bound<'_, PyAny>>,
        modules: Option<Vec<String>>,
        functions: Option<&Bound<'_, PyDict>>,
        seed: Option<u64>,
        clock: Option<&Bound<'_, PyAny>>,
        on_output: Option<Py<PyAny>>,
    ) -> PyResult<RawSandbox> {
        let mut effective = match policy {
            None => capy::Policy::default(),
            Some(p) => match p.cast::<Policy>() {
                Ok(p) => p.get().inner.clone(),
                Err(_) => {
                    let path: PathBuf = p.extract().map_err(|_| {
                        PyTypeError::new_err("policy must be a path or a capy.Policy")
                    })?;
                    capy::Policy::load(&path).map_err(|e| policy_error(py, &e))?
                }
            },
        };
        let mut overrides = Overrides {
            modules,
            random_seed: seed,
            clock: clock.map(to_clock).transpose()?,
            ..Default::default()
        };
        if let Some(dirs) = dirs {
            for (name, spec) in dirs.iter() {
                overrides.grants.push(grant(name.extract()?, &spec)?);
            }
        }
        if let Some(limits) = limits {
            read_limits(limits, &mut overrides)?;
        }
        effective
            .apply(overrides)
            .map_err(|e| policy_error(py, &e))?;

        let shared = Arc::new(Shared::default());
        let mut builder = engine.inner.sandbox().policy(&effective);
        if let Some(functions) = functions {
            for (name, function) in functions.iter() {
                let name: String = name.extract()?;
                if !function.is_callable() {
                    return Err(PyTypeError::new_err(format!(
                        "functions[{name:?}] is not callable"
                    )));
                }
                builder = host::register(builder, name, function.unbind(), shared.clone());
            }
        }
        if let Some(callback) = on_output {
            builder = builder.stream_output(move |stream, data| {
                host::output(&callback, stream, data);
            });
        }
        let sandbox = py.detach(|| builder.build()).map_err(|e| error(py, &e))?;
        Ok(RawSandbox {
            handle: sandbox.handle(),
            slot: Mutex::new(Slot::Sandbox(sandbox)),
            shared,
        })
    }

    /// Runs `source` as `__main__`; returns `(stdout, stderr, error, usage)`.
    #[pyo3(signature = (source, filename=None, event_loop=None))]
    fn run<'py>(
        &self,
        py: Python<'py>,
        source: &str,
        filename: Option<&str>,
        event_loop: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let result = self.with_slot(py, event_loop, |slot| {
            let sandbox = slot.sandbox()?;
            Ok(match filename {
                Some(name) => sandbox.run_named(source, name),
                None => sandbox.run(source),
            })
        })?;
        let outcome = result.map_err(|e| self.chained(py, error(py, &e)))?;
        self.outcome(py, outcome)
    }

    /// Runs a plugin's top level; later `call`s reach its functions.
    /// Returns the outcome like `run`.
    #[pyo3(signature = (source, event_loop=None))]
    fn load<'py>(
        &self,
        py: Python<'py>,
        source: &str,
        event_loop: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let result = self.with_slot(py, event_loop, |slot| {
            // The top level runs as a plain run, so a failing plugin leaves
            // the sandbox usable; only then does the library's `load`
            // (with an empty top level) turn it into a `Plugin`.
            let outcome = match slot.sandbox()?.run_named(source, "<plugin>") {
                Ok(outcome) => outcome,
                Err(e) => return Ok(Err(e)),
            };
            if outcome.error.is_none()
                && let Slot::Sandbox(_) = slot
                && let Slot::Sandbox(sandbox) = std::mem::replace(slot, Slot::Closed)
            {
                match sandbox.load("") {
                    Ok(plugin) => *slot = Slot::Plugin(plugin),
                    Err(e) => return Ok(Err(e)),
                }
            }
            Ok(Ok(outcome))
        })?;
        let outcome = result.map_err(|e| self.chained(py, error(py, &e)))?;
        self.outcome(py, outcome)
    }

    /// Calls the loaded plugin's function `name`; returns `(result, stdout, stderr)`.
    #[pyo3(signature = (name, args, kwargs, event_loop=None))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
        event_loop: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let bad = |e: PyErr| bad_arguments(py, name, e);
        let args = convert::to_value(args.as_any(), &mut "args".to_owned(), 0).map_err(bad)?;
        let kwargs = match kwargs {
            Some(kwargs) => {
                convert::to_value(kwargs.as_any(), &mut "kwargs".to_owned(), 0).map_err(bad)?
            }
            None => capy::Value::Dict(Vec::new()),
        };
        let (result, stdout, stderr) = self.with_slot(py, event_loop, |slot| match slot {
            Slot::Plugin(plugin) => {
                let result = plugin.call_values(name, args, kwargs);
                let (stdout, stderr) = plugin.take_output();
                Ok((result, stdout, stderr))
            }
            _ => Err(PyRuntimeError::new_err(
                "no plugin is loaded: call Sandbox.load first",
            )),
        })?;
        let value = result.map_err(|e| self.chained(py, error(py, &e)))?;
        let value = convert::to_python(py, &value)?;
        (value, text(&stdout), text(&stderr)).into_pyobject(py)
    }

    /// Raises `KeyboardInterrupt` in the running script at its next check.
    fn interrupt(&self) {
        self.handle.interrupt();
    }

    /// Stops the running script for good; the sandbox cannot run again.
    fn terminate(&self) {
        self.handle.terminate();
    }

    /// Revokes the grant `name`: the script's handle to it stops working.
    fn revoke(&self, name: &str) {
        self.handle.revoke_grant(name);
    }

    /// Revokes the host function `name`.
    fn revoke_function(&self, name: &str) {
        self.handle.revoke_function(name);
    }

    /// Drops the interpreter (its memory is freed now, not at garbage
    /// collection); later calls raise.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let old = match self.slot.try_lock() {
            Ok(mut slot) => std::mem::replace(&mut *slot, Slot::Closed),
            Err(_) => return Err(busy()),
        };
        py.detach(|| drop(old));
        Ok(())
    }

    /// Whether an earlier failure stopped this sandbox for good.
    #[getter]
    fn stopped(&self) -> bool {
        // A closed sandbox counts as stopped; a busy one is running.
        match self.slot.try_lock() {
            Ok(mut slot) => match slot.sandbox() {
                Ok(sandbox) => sandbox.is_stopped(),
                Err(_) => true,
            },
            Err(_) => false,
        }
    }
}

impl RawSandbox {
    /// Runs `f` on the sandbox with the GIL released. A sandbox runs one
    /// thing at a time: a second caller (another thread, or a host function
    /// re-entering it) gets an error instead of a deadlock.
    fn with_slot<T: Send>(
        &self,
        py: Python<'_>,
        event_loop: Option<Py<PyAny>>,
        f: impl FnOnce(&mut Slot) -> PyResult<T> + Send,
    ) -> PyResult<T> {
        let mut slot = match self.slot.try_lock() {
            Ok(slot) => slot,
            Err(TryLockError::WouldBlock) => return Err(busy()),
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
        };
        self.shared.begin(event_loop);
        let slot: &mut Slot = &mut slot;
        let result = py.detach(move || f(slot));
        self.shared.end();
        result
    }

    /// `error` with the first unexpected host-function exception of the
    /// run (if any) as its `__cause__`.
    fn chained(&self, py: Python<'_>, error: PyErr) -> PyErr {
        if let Some(cause) = self.shared.take_failure() {
            error.set_cause(py, Some(cause));
        }
        error
    }

    fn outcome<'py>(
        &self,
        py: Python<'py>,
        outcome: capy::Outcome,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let error = match &outcome.error {
            Some(e) => Some(self.chained(py, run_error(py, e)).into_value(py).into_any()),
            None => {
                self.shared.take_failure();
                None
            }
        };
        let usage = usage(&outcome.usage);
        (text(&outcome.stdout), text(&outcome.stderr), error, usage).into_pyobject(py)
    }
}

fn busy() -> PyErr {
    PyRuntimeError::new_err(
        "the sandbox is busy: it runs one script at a time (is a host function re-entering it?)",
    )
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn usage(usage: &capy::Usage) -> (f64, f64, u64, u64, u64) {
    (
        usage.cpu.as_secs_f64(),
        usage.wall.as_secs_f64(),
        usage.memory,
        usage.capability_calls,
        usage.host_function_calls,
    )
}

/// A `dirs=` entry: a path (read-only) or a `capy.Dir`.
fn grant(name: String, spec: &Bound<'_, PyAny>) -> PyResult<GrantPolicy> {
    if let Ok(path) = spec.extract::<PathBuf>() {
        return Ok(GrantPolicy::new(DirGrant {
            name,
            path,
            access: Access::ReadOnly,
        }));
    }
    let path: PathBuf = spec
        .getattr("path")
        .and_then(|p| p.extract())
        .map_err(|_| {
            PyTypeError::new_err(format!("dirs[{name:?}] must be a path or a capy.Dir"))
        })?;
    let writable: bool = spec.getattr("writable")?.extract()?;
    let max_bytes_written = optional(spec, "max_bytes_written", size)?;
    let max_files_created = optional(spec, "max_files_created", |v| v.extract())?;
    let hide: Vec<String> = spec.getattr("hide")?.extract()?;
    let mut policy = GrantPolicy::new(DirGrant {
        name,
        path,
        access: if writable {
            Access::ReadWrite
        } else {
            Access::ReadOnly
        },
    });
    policy.max_bytes_written = max_bytes_written;
    policy.max_files_created = max_files_created;
    policy.hide = hide;
    Ok(policy)
}

/// The set fields of a `capy.Limits`.
fn read_limits(limits: &Bound<'_, PyAny>, overrides: &mut Overrides) -> PyResult<()> {
    overrides.cpu = optional(limits, "cpu", duration)?;
    overrides.wall = optional(limits, "wall", duration)?;
    overrides.total_cpu = optional(limits, "total_cpu", duration)?;
    overrides.memory = optional(limits, "memory", size)?;
    overrides.max_output = optional(limits, "output", size)?;
    overrides.open_files = optional(limits, "open_files", |v| v.extract())?;
    Ok(())
}

fn optional<T>(
    object: &Bound<'_, PyAny>,
    attribute: &str,
    parse: impl Fn(&Bound<'_, PyAny>) -> PyResult<T>,
) -> PyResult<Option<T>> {
    let value = object.getattr(attribute)?;
    if value.is_none() {
        return Ok(None);
    }
    parse(&value)
        .map(Some)
        .map_err(|e| PyValueError::new_err(format!("{attribute}: {}", e.value(object.py()))))
}

/// A size: an int of bytes or a string such as `"64MiB"`.
fn size(value: &Bound<'_, PyAny>) -> PyResult<u64> {
    if value.is_instance_of::<PyString>() {
        let text: String = value.extract()?;
        return capy_policy::parse_size(&text).map_err(|e| PyValueError::new_err(e.to_string()));
    }
    value.extract()
}

/// A duration: seconds as a number, or a string such as `"500ms"`.
fn duration(value: &Bound<'_, PyAny>) -> PyResult<Duration> {
    if value.is_instance_of::<PyString>() {
        let text: String = value.extract()?;
        return capy_policy::parse_duration(&text)
            .map_err(|e| PyValueError::new_err(e.to_string()));
    }
    let seconds: f64 = value.extract()?;
    Duration::try_from_secs_f64(seconds).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A fixed clock: a `datetime`, seconds since 1970, or an RFC 3339 string.
fn to_clock(value: &Bound<'_, PyAny>) -> PyResult<SystemTime> {
    if value.is_instance_of::<PyString>() {
        let text: String = value.extract()?;
        return capy_policy::parse_clock(&text).map_err(|e| PyValueError::new_err(e.to_string()));
    }
    let seconds: f64 = if value.hasattr("timestamp")? {
        value.call_method0("timestamp")?.extract()?
    } else {
        value.extract()?
    };
    Duration::try_from_secs_f64(seconds)
        .map(|d| UNIX_EPOCH + d)
        .map_err(|_| PyValueError::new_err("clock: a time before 1970"))
}

/// An instance of `capy._errors.<class>` made with `args`.
fn make_error<'py>(py: Python<'py>, class: &str, args: impl pyo3::call::PyCallArgs<'py>) -> PyErr {
    let made = py
        .import(ERRORS)
        .and_then(|m| m.getattr(class))
        .and_then(|c| c.call1(args));
    match made {
        Ok(instance) => PyErr::from_value(instance),
        Err(e) => e,
    }
}

fn policy_error(py: Python<'_>, error: &capy::PolicyError) -> PyErr {
    make_error(py, "PolicyError", (error.to_string(),))
}

fn bad_arguments(py: Python<'_>, function: &str, error: PyErr) -> PyErr {
    let message = error.value(py).to_string();
    make_error(py, "BadArguments", (function, message))
}

/// A library error as the package's exception.
fn error(py: Python<'_>, error: &capy::Error) -> PyErr {
    match error {
        capy::Error::Run(run) => run_error(py, run),
        capy::Error::Grant(grant) => make_error(py, "PolicyError", (grant.to_string(),)),
        capy::Error::Stopped(reason) => make_error(py, "SandboxStopped", (reason.as_str(),)),
        capy::Error::NoSuchFunction(name) => make_error(py, "NoSuchFunction", (name.as_str(),)),
        capy::Error::BadArguments { function, message } => {
            make_error(py, "BadArguments", (function.as_str(), message.as_str()))
        }
        capy::Error::BadResult { function, message } => {
            make_error(py, "BadResult", (function.as_str(), message.as_str()))
        }
        other => {
            let mut message = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(s) = source {
                message.push_str(&format!(": {s}"));
                source = s.source();
            }
            make_error(py, "SandboxCrashed", (message, "", ""))
        }
    }
}

/// How a run failed, as the package's exception.
fn run_error(py: Python<'_>, error: &capy::RunError) -> PyErr {
    match error {
        capy::RunError::Exception(e) => make_error(
            py,
            "ScriptError",
            (
                e.type_name.as_str(),
                e.message.as_str(),
                e.traceback.as_str(),
            ),
        ),
        capy::RunError::LimitExceeded(limit) => {
            let (name, grant) = match limit {
                capy::Limit::Output(_) => ("output", None),
                capy::Limit::Cpu(_) => ("cpu", None),
                capy::Limit::TotalCpu(_) => ("total_cpu", None),
                capy::Limit::Wall(_) => ("wall", None),
                capy::Limit::Memory(_) => ("memory", None),
                capy::Limit::OpenFiles(_) => ("open_files", None),
                capy::Limit::BytesWritten { grant, .. } => ("bytes_written", Some(grant.as_str())),
                capy::Limit::FilesCreated { grant, .. } => ("files_created", Some(grant.as_str())),
                capy::Limit::AuditLog(_) => ("audit_log", None),
                capy::Limit::Handles(_) => ("handles", None),
                _ => ("other", None),
            };
            make_error(py, "LimitExceeded", (name, limit.to_string(), grant))
        }
        capy::RunError::Crashed(crash) => {
            let message = format!("{crash}");
            make_error(
                py,
                "SandboxCrashed",
                (message, crash.trap.as_str(), crash.guest_message.as_str()),
            )
        }
        capy::RunError::Terminated => make_error(py, "Terminated", (error.to_string(),)),
        other => make_error(py, "SandboxCrashed", (other.to_string(), "", "")),
    }
}

/// Converts plain data to a `capy.Value` and back, for tests of the
/// conversion alone.
#[pyfunction]
fn roundtrip<'py>(py: Python<'py>, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let value = convert::to_value(value, &mut "value".to_owned(), 0)?;
    convert::to_python(py, &value)
}

/// The native module `capy._capy`.
#[pymodule]
fn _capy(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Engine>()?;
    m.add_class::<Policy>()?;
    m.add_class::<RawSandbox>()?;
    m.add_function(wrap_pyfunction!(default_engine, m)?)?;
    m.add_function(wrap_pyfunction!(roundtrip, m)?)?;
    m.add("AVAILABLE_MODULES", capy::AVAILABLE_MODULES.to_vec())?;
    Ok(())
}
