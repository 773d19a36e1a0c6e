//! Host functions: named entry points the embedding application exposes to
//! scripts, in the privsep style. Only plain data ([`Value`]) crosses; the
//! host decides what each call may do.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use capy_value::{Value, from_value, to_value};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A host function's failure, raised in the script as the Python exception
/// its [`HostErrorKind`] names, with its message. The script can catch it.
///
/// The message reaches the script: do not put secrets in it. There is no
/// `From` for other error types, so `?` cannot forward an I/O or database
/// error's text (a host path, a query) by accident; map it on purpose:
///
/// ```
/// use capy::HostError;
/// fn lookup(key: &str) -> Result<String, HostError> {
///     std::fs::read_to_string(format!("/srv/{key}"))
///         .map_err(|_| HostError::key(format!("no entry {key:?}")))
/// }
/// assert_eq!(lookup("nothing-here").unwrap_err().message(), "no entry \"nothing-here\"");
/// ```
///
/// ```compile_fail
/// // No `From<std::io::Error>`: the host path in the I/O error must not
/// // reach the script by way of `?`.
/// fn lookup(key: &str) -> Result<String, capy::HostError> {
///     Ok(std::fs::read_to_string(format!("/srv/{key}"))?)
/// }
/// ```
pub struct HostError {
    pub(crate) kind: HostErrorKind,
    pub(crate) message: String,
}

/// Which Python exception a [`HostError`] becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostErrorKind {
    /// `ValueError`: an argument has the right type but a bad value.
    Value,
    /// `TypeError`: an argument has the wrong type.
    Type,
    /// `KeyError`: a key that does not exist.
    Key,
    /// `LookupError`: something looked up was not found.
    Lookup,
    /// `PermissionError`: the host refuses.
    Permission,
    /// `RuntimeError`: anything else.
    Runtime,
}

impl HostError {
    /// An error of `kind` with `message`.
    pub fn new(kind: HostErrorKind, message: impl Into<String>) -> HostError {
        HostError {
            kind,
            message: message.into(),
        }
    }

    /// A `ValueError`.
    pub fn value(message: impl Into<String>) -> HostError {
        HostError::new(HostErrorKind::Value, message)
    }

    /// A `TypeError`.
    pub fn type_error(message: impl Into<String>) -> HostError {
        HostError::new(HostErrorKind::Type, message)
    }

    /// A `KeyError`.
    pub fn key(message: impl Into<String>) -> HostError {
        HostError::new(HostErrorKind::Key, message)
    }

    /// A `LookupError`.
    pub fn lookup(message: impl Into<String>) -> HostError {
        HostError::new(HostErrorKind::Lookup, message)
    }

    /// A `PermissionError`.
    pub fn permission(message: impl Into<String>) -> HostError {
        HostError::new(HostErrorKind::Permission, message)
    }

    /// A `RuntimeError`.
    pub fn runtime(message: impl Into<String>) -> HostError {
        HostError::new(HostErrorKind::Runtime, message)
    }

    /// Which exception the script gets.
    pub fn kind(&self) -> HostErrorKind {
        self.kind
    }

    /// The exception's message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HostError({:?}, {:?})", self.kind, self.message)
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// No blanket conversion from other errors exists on purpose: the message
/// reaches the script, so a host function says in words what the script
/// may learn (`HostError::runtime("lookup failed")`) instead of letting `?`
/// forward whatever an I/O or database error says.
impl std::error::Error for HostError {}

type BoxFuture = Pin<Box<dyn Future<Output = Result<Value, HostError>> + Send>>;

/// A registered host function, type-erased to [`Value`] in and out.
#[derive(Clone)]
pub(crate) enum HostFn {
    Sync(Arc<dyn Fn(Value) -> Result<Value, HostError> + Send + Sync>),
    Async(Arc<dyn Fn(Value) -> BoxFuture + Send + Sync>),
}

impl HostFn {
    /// Wraps a typed closure: the script's positional arguments (a list)
    /// are deserialised into `A`, the result serialised back.
    pub(crate) fn sync<A, R, F>(name: &str, f: F) -> HostFn
    where
        A: DeserializeOwned,
        R: Serialize,
        F: Fn(A) -> Result<R, HostError> + Send + Sync + 'static,
    {
        let name = name.to_owned();
        HostFn::Sync(Arc::new(move |args| {
            let args = arguments::<A>(&name, args)?;
            result(&name, f(args)?)
        }))
    }

    /// Wraps a typed async closure (see [`sync`](Self::sync)).
    /// A host function over [`Value`]s as they are (no serde in between).
    pub(crate) fn values(
        f: impl Fn(Vec<Value>) -> Result<Value, HostError> + Send + Sync + 'static,
    ) -> HostFn {
        HostFn::Sync(Arc::new(move |args| match args {
            Value::List(items) => f(items),
            other => f(vec![other]),
        }))
    }

    pub(crate) fn asynchronous<A, R, F, Fut>(name: &str, f: F) -> HostFn
    where
        A: DeserializeOwned,
        R: Serialize,
        F: Fn(A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, HostError>> + Send + 'static,
    {
        let name: Arc<str> = Arc::from(name);
        let f = Arc::new(f);
        HostFn::Async(Arc::new(move |args| {
            let (name, f) = (name.clone(), f.clone());
            Box::pin(async move {
                let args = arguments::<A>(&name, args)?;
                result(&name, f(args).await?)
            })
        }))
    }
}

fn arguments<A: DeserializeOwned>(name: &str, args: Value) -> Result<A, HostError> {
    let bad =
        |e: capy_value::ValueError| HostError::type_error(format!("{name}(): bad arguments: {e}"));
    match args {
        // A function of no arguments may take `()`, which serde reads from
        // "no value" rather than from an empty list.
        Value::List(items) if items.is_empty() => from_value(Value::List(Vec::new()))
            .or_else(|e| from_value(Value::None).map_err(|_| bad(e))),
        args => from_value(args).map_err(bad),
    }
}

fn result<R: Serialize>(name: &str, value: R) -> Result<Value, HostError> {
    to_value(&value).map_err(|e| {
        HostError::runtime(format!(
            "{name}(): the host's result is not plain data: {e}"
        ))
    })
}

/// The host functions of one sandbox, by name.
pub(crate) type HostFunctions = BTreeMap<String, HostFn>;
