//! [`Plugin`]: a sandbox whose script defined functions the host calls.

use capy_value::{Value, from_value, to_value};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::driver::blocking;
use crate::error::Error;
use crate::handle::SandboxHandle;
use crate::sandbox::{Outcome, Sandbox};
use crate::usage::Usage;

/// A loaded plugin: its top level ran once, and its state (globals,
/// objects its functions keep) lives on between calls.
///
/// Arguments go in as any `Serialize` value and results come back as any
/// `DeserializeOwned` type, through capy's plain data model ([`Value`]:
/// `None`, `bool`, `int`, `float`, `str`, `bytes`, `list`, `dict`).
/// Limits apply to each call ([`Limits::cpu`](crate::Limits::cpu),
/// `wall`, `output`) and to the plugin's whole life
/// ([`Limits::total_cpu`](crate::Limits::total_cpu), `memory`).
///
/// ```
/// # fn main() -> Result<(), capy::Error> {
/// use serde_json::json;
/// let engine = capy::Engine::new()?;
/// let mut plugin = engine.sandbox().build()?.load(
///     "seen = []\n\
///      def transform(item):\n    seen.append(item['x'])\n    return {'total': sum(seen)}\n",
/// )?;
/// plugin.call::<serde_json::Value>("transform", json!({"x": 1}))?;
/// let result: serde_json::Value = plugin.call("transform", json!({"x": 2}))?;
/// assert_eq!(result, json!({"total": 3}));
/// # Ok(())
/// # }
/// ```
pub struct Plugin {
    sandbox: Sandbox,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    last_usage: Usage,
    total_usage: Usage,
}

impl Plugin {
    /// Wraps a sandbox whose top level just ran with `outcome`.
    pub(crate) fn loaded(sandbox: Sandbox, outcome: Outcome) -> Result<Plugin, Error> {
        let mut plugin = Plugin {
            sandbox,
            stdout: Vec::new(),
            stderr: Vec::new(),
            last_usage: Usage::default(),
            total_usage: Usage::default(),
        };
        plugin.record(outcome)?;
        Ok(plugin)
    }

    /// Keeps a call's output and usage; turns its failure into an error.
    fn record(&mut self, outcome: Outcome) -> Result<(), Error> {
        self.stdout.extend_from_slice(&outcome.stdout);
        self.stderr.extend_from_slice(&outcome.stderr);
        self.last_usage = outcome.usage;
        self.total_usage.add(&outcome.usage);
        match outcome.error {
            None => Ok(()),
            Some(error) => Err(Error::Run(error)),
        }
    }

    /// Calls the plugin's function `name` with one argument, `arg`, and
    /// deserialises its result into `R` (use [`Value`] or
    /// `serde_json::Value` to take whatever comes).
    ///
    /// Errors: [`Error::NoSuchFunction`]; [`Error::BadArguments`] if the
    /// call does not fit the function's signature; [`Error::Run`] if the
    /// function raised ([`RunError::Exception`] with the Python type,
    /// message and traceback) or hit a limit; [`Error::BadResult`] if the
    /// result is not plain data or does not fit `R`.
    pub fn call<R: DeserializeOwned>(
        &mut self,
        name: &str,
        arg: impl Serialize,
    ) -> Result<R, Error> {
        let args = Value::List(vec![argument(name, &arg)?]);
        let value = blocking!(self.sandbox.runtime, self.call_value_inner(name, args))?;
        deserialize(name, value)
    }

    /// Calls `name` with positional arguments: `args` must serialise to a
    /// sequence (a tuple, array or `Vec`), or be `()` for none.
    pub fn call_args<R: DeserializeOwned>(
        &mut self,
        name: &str,
        args: impl Serialize,
    ) -> Result<R, Error> {
        let args = positional(name, &args)?;
        let value = blocking!(self.sandbox.runtime, self.call_value_inner(name, args))?;
        deserialize(name, value)
    }

    /// [`call`](Self::call) for async hosts.
    pub async fn call_async<R: DeserializeOwned>(
        &mut self,
        name: &str,
        arg: impl Serialize,
    ) -> Result<R, Error> {
        let args = Value::List(vec![argument(name, &arg)?]);
        let value = self.call_value_inner(name, args).await?;
        deserialize(name, value)
    }

    /// [`call_args`](Self::call_args) for async hosts.
    pub async fn call_args_async<R: DeserializeOwned>(
        &mut self,
        name: &str,
        args: impl Serialize,
    ) -> Result<R, Error> {
        let args = positional(name, &args)?;
        let value = self.call_value_inner(name, args).await?;
        deserialize(name, value)
    }

    /// Calls `name` with positional arguments `args` (as in
    /// [`call_args`](Self::call_args)) and keyword arguments `kwargs`,
    /// which must serialise to a map with string keys (a struct, a
    /// `HashMap<String, _>`, a JSON object), like Python's `f(*args, **kwargs)`.
    ///
    /// ```
    /// # fn main() -> Result<(), capy::Error> {
    /// use serde_json::json;
    /// let engine = capy::Engine::new()?;
    /// let mut plugin = engine
    ///     .sandbox()
    ///     .build()?
    ///     .load("def greet(name, punct='.'):\n    return 'hi ' + name + punct\n")?;
    /// let text: String = plugin.call_kwargs("greet", ("capy",), json!({"punct": "!"}))?;
    /// assert_eq!(text, "hi capy!");
    /// # Ok(())
    /// # }
    /// ```
    pub fn call_kwargs<R: DeserializeOwned>(
        &mut self,
        name: &str,
        args: impl Serialize,
        kwargs: impl Serialize,
    ) -> Result<R, Error> {
        let args = positional(name, &args)?;
        let kwargs = keywords(name, &kwargs)?;
        let value = blocking!(self.sandbox.runtime, self.call_value(name, args, kwargs))?;
        deserialize(name, value)
    }

    /// [`call_kwargs`](Self::call_kwargs) for async hosts.
    pub async fn call_kwargs_async<R: DeserializeOwned>(
        &mut self,
        name: &str,
        args: impl Serialize,
        kwargs: impl Serialize,
    ) -> Result<R, Error> {
        let args = positional(name, &args)?;
        let kwargs = keywords(name, &kwargs)?;
        let value = self.call_value(name, args, kwargs).await?;
        deserialize(name, value)
    }

    /// Calls the function `name` with [`Value`]s as they are, without
    /// serde in between (which cannot carry ints wider than 128 bits):
    /// `args` a [`Value::List`], `kwargs` a [`Value::Dict`] with string
    /// keys. For hosts that hold plain data as `Value`s already, such as
    /// the Python package.
    pub fn call_values(&mut self, name: &str, args: Value, kwargs: Value) -> Result<Value, Error> {
        blocking!(self.sandbox.runtime, self.call_value(name, args, kwargs))
    }

    /// [`call_values`](Self::call_values) for async hosts.
    pub async fn call_values_async(
        &mut self,
        name: &str,
        args: Value,
        kwargs: Value,
    ) -> Result<Value, Error> {
        self.call_value(name, args, kwargs).await
    }

    async fn call_value_inner(&mut self, name: &str, args: Value) -> Result<Value, Error> {
        self.call_value(name, args, Value::Dict(Vec::new())).await
    }

    async fn call_value(&mut self, name: &str, args: Value, kwargs: Value) -> Result<Value, Error> {
        let (value, outcome) = self.sandbox.call_function(name, &args, &kwargs).await?;
        self.record(outcome)?;
        Ok(value)
    }

    /// Everything the plugin printed since the last call of this method
    /// (stdout, stderr), unless its output is streamed.
    pub fn take_output(&mut self) -> (Vec<u8>, Vec<u8>) {
        (
            std::mem::take(&mut self.stdout),
            std::mem::take(&mut self.stderr),
        )
    }

    /// What the last load or call cost.
    pub fn last_usage(&self) -> Usage {
        self.last_usage
    }

    /// What the plugin's load and every call so far cost together.
    pub fn total_usage(&self) -> Usage {
        self.total_usage
    }

    /// A remote control for the plugin's sandbox (interrupt, revoke).
    pub fn handle(&self) -> SandboxHandle {
        self.sandbox.handle()
    }

    /// The plugin's sandbox, to run more code in the plugin's namespace.
    pub fn sandbox(&mut self) -> &mut Sandbox {
        &mut self.sandbox
    }
}
fn argument(name: &str, arg: &impl Serialize) -> Result<Value, Error> {
    to_value(arg).map_err(|e| Error::BadArguments {
        function: name.to_owned(),
        message: e.to_string(),
    })
}

fn positional(name: &str, args: &impl Serialize) -> Result<Value, Error> {
    match argument(name, args)? {
        Value::None => Ok(Value::List(Vec::new())),
        list @ Value::List(_) => Ok(list),
        other => Err(Error::BadArguments {
            function: name.to_owned(),
            message: format!(
                "positional arguments must be a sequence (a tuple, array or Vec), not {}",
                other.type_name()
            ),
        }),
    }
}

fn keywords(name: &str, kwargs: &impl Serialize) -> Result<Value, Error> {
    let bad = |message: String| Error::BadArguments {
        function: name.to_owned(),
        message,
    };
    match argument(name, kwargs)? {
        Value::None => Ok(Value::Dict(Vec::new())),
        Value::Dict(pairs) => match pairs.iter().find(|(key, _)| !matches!(key, Value::Str(_))) {
            Some((key, _)) => Err(bad(format!(
                "keyword argument names must be strings, not {}",
                key.type_name()
            ))),
            None => Ok(Value::Dict(pairs)),
        },
        other => Err(bad(format!(
            "keyword arguments must be a map with string keys, not {}",
            other.type_name()
        ))),
    }
}

fn deserialize<R: DeserializeOwned>(name: &str, value: Value) -> Result<R, Error> {
    from_value(value).map_err(|e| Error::BadResult {
        function: name.to_owned(),
        message: e.to_string(),
    })
}
