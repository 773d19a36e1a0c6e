//! Plain data between Python objects and `capy::Value`, both ways and
//! without loss; anything else is a `TypeError` naming where it was.

use capy::Value;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple,
};

/// `object` as a `Value`; `path` names it in errors (`args[0]["k"][2]`)
/// and is restored on return.
pub(crate) fn to_value(
    object: &Bound<'_, PyAny>,
    path: &mut String,
    depth: usize,
) -> PyResult<Value> {
    if object.is_none() {
        return Ok(Value::None);
    }
    if let Ok(b) = object.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if object.is_instance_of::<PyInt>() {
        if let Ok(i) = object.extract::<i64>() {
            return Ok(Value::Int(i));
        }
        // Python refuses str() of ints over 4300 digits by default, as
        // capy_value does; either way the message names the value's place.
        let decimal = object.str().map(|s| s.to_string()).ok();
        return decimal
            .as_deref()
            .and_then(Value::from_decimal)
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "{path} is an int of more than {} digits",
                    capy::value::MAX_INT_DIGITS
                ))
            });
    }
    if let Ok(f) = object.cast::<PyFloat>() {
        return Ok(Value::Float(f.value()));
    }
    if let Ok(s) = object.cast::<PyString>() {
        return Ok(Value::Str(s.to_cow()?.into_owned()));
    }
    if let Ok(b) = object.cast::<PyBytes>() {
        return Ok(Value::Bytes(b.as_bytes().to_vec()));
    }
    if let Ok(b) = object.cast::<PyByteArray>() {
        return Ok(Value::Bytes(b.to_vec()));
    }
    let is_list = object.is_instance_of::<PyList>() || object.is_instance_of::<PyTuple>();
    let is_dict = object.is_instance_of::<PyDict>();
    if (is_list || is_dict) && depth >= capy::value::MAX_DEPTH {
        return Err(PyValueError::new_err(format!(
            "{path} nests lists and dicts more than {} levels deep",
            capy::value::MAX_DEPTH
        )));
    }
    let restore = path.len();
    if is_list {
        let mut items = Vec::with_capacity(object.len()?);
        for (index, item) in object.try_iter()?.enumerate() {
            path.push_str(&format!("[{index}]"));
            items.push(to_value(&item?, path, depth + 1)?);
            path.truncate(restore);
        }
        return Ok(Value::List(items));
    }
    if let Ok(dict) = object.cast::<PyDict>() {
        let mut pairs = Vec::with_capacity(dict.len());
        for (key, value) in dict.iter() {
            let label = key.repr().map(|r| r.to_string()).unwrap_or_default();
            path.push_str(&format!("[{label}]"));
            let key = to_value(&key, path, depth + 1)?;
            let value = to_value(&value, path, depth + 1)?;
            path.truncate(restore);
            pairs.push((key, value));
        }
        return Ok(Value::Dict(pairs));
    }
    let type_name = object
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned());
    Err(PyTypeError::new_err(format!(
        "{path} is a {type_name}, not plain data \
         (None, bool, int, float, str, bytes, list, tuple or dict)"
    )))
}

/// `value` as a Python object. Dict keys that are lists become tuples, so
/// that a tuple key that crossed as a list stays hashable.
pub(crate) fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::None => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::BigInt(big) => py.get_type::<PyInt>().call1((big.as_str(),))?,
        Value::Float(f) => PyFloat::new(py, *f).into_any(),
        Value::Str(s) => PyString::new(py, s).into_any(),
        Value::Bytes(b) => PyBytes::new(py, b).into_any(),
        Value::List(items) => {
            let items = items
                .iter()
                .map(|item| to_python(py, item))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Dict(pairs) => {
            let dict = PyDict::new(py);
            for (key, value) in pairs {
                dict.set_item(key_to_python(py, key)?, to_python(py, value)?)?;
            }
            dict.into_any()
        }
    })
}

fn key_to_python<'py>(py: Python<'py>, key: &Value) -> PyResult<Bound<'py, PyAny>> {
    match key {
        Value::List(items) => {
            let items = items
                .iter()
                .map(|item| key_to_python(py, item))
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyTuple::new(py, items)?.into_any())
        }
        other => to_python(py, other),
    }
}
