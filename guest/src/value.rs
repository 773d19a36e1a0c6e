//! Plain data across the boundary: Python objects to and from the
//! contract's pre-order `node` lists (`capy:sandbox/data`).
//!
//! Only the data model of a Python literal crosses: `None`, `bool`, `int`,
//! `float`, `str`, `bytes`/`bytearray`, `list`/`tuple` and `dict`. Anything
//! else (a function, a class, a `Path`) is a `TypeError`, so no object and
//! no authority can leave or enter the sandbox this way. Instances of
//! subclasses (an `OrderedDict`, an `int` subclass) are read through their
//! built-in payload, never through methods they may override.

use rustpython_vm::{
    AsObject, PyObjectRef, PyResult, VirtualMachine,
    builtins::{PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyStr, PyTuple},
};

use crate::capy::sandbox::data::Node;

/// Containers nested deeper than this are refused, on both sides of the
/// boundary (the host checks the same bound).
pub const MAX_DEPTH: usize = capy_contract::MAX_VALUE_DEPTH;

/// Digits an int may have to cross (Python's default `int` max str digits).
const MAX_INT_DIGITS: usize = 4300;

/// Encodes `obj` as a value (its nodes in pre-order).
pub fn to_nodes(obj: &PyObjectRef, vm: &VirtualMachine) -> PyResult<Vec<Node>> {
    let mut nodes = Vec::new();
    encode(obj, 0, &mut nodes, vm)?;
    Ok(nodes)
}

/// Encodes a sequence of objects as one list value.
pub fn list_to_nodes(items: &[PyObjectRef], vm: &VirtualMachine) -> PyResult<Vec<Node>> {
    let mut nodes = vec![Node::List(count(items.len(), vm)?)];
    for item in items {
        encode(item, 1, &mut nodes, vm)?;
    }
    Ok(nodes)
}

fn count(len: usize, vm: &VirtualMachine) -> PyResult<u32> {
    u32::try_from(len).map_err(|_| vm.new_value_error("too many items to pass across the sandbox"))
}

fn encode(
    obj: &PyObjectRef,
    depth: usize,
    out: &mut Vec<Node>,
    vm: &VirtualMachine,
) -> PyResult<()> {
    if depth > MAX_DEPTH {
        return Err(vm.new_value_error(format!(
            "value nested more than {MAX_DEPTH} levels deep cannot cross the sandbox"
        )));
    }
    if vm.is_none(obj) {
        out.push(Node::None);
    } else if obj.class().is(vm.ctx.types.bool_type) {
        out.push(Node::Boolean(obj.is(&vm.ctx.true_value)));
    } else if let Some(int) = obj.downcast_ref::<PyInt>() {
        let big = int.as_bigint();
        out.push(match i64::try_from(big) {
            Ok(small) => Node::Int(small),
            Err(_) => {
                let digits = big.to_string();
                // Python's own limit on int/str conversion (4300 digits),
                // which the host applies too.
                if digits.trim_start_matches('-').len() > MAX_INT_DIGITS {
                    return Err(vm.new_value_error(format!(
                        "an int of more than {MAX_INT_DIGITS} digits cannot cross the sandbox"
                    )));
                }
                Node::BigInt(digits)
            }
        });
    } else if let Some(float) = obj.downcast_ref::<PyFloat>() {
        out.push(Node::Float(float.to_f64()));
    } else if let Some(text) = obj.downcast_ref::<PyStr>() {
        let Some(text) = text.to_str() else {
            return Err(vm.new_value_error("a str with lone surrogates cannot cross the sandbox"));
        };
        out.push(Node::Str(text.to_owned()));
    } else if let Some(bytes) = obj.downcast_ref::<PyBytes>() {
        out.push(Node::Bytes(bytes.as_bytes().to_vec()));
    } else if let Some(bytes) = obj.downcast_ref::<PyByteArray>() {
        out.push(Node::Bytes(bytes.borrow_buf().to_vec()));
    } else if let Some(list) = obj.downcast_ref::<PyList>() {
        // Copied out first: encoding runs no Python code, but the guard
        // must not be held across the recursion.
        let items: Vec<PyObjectRef> = list.borrow_vec().to_vec();
        out.push(Node::List(count(items.len(), vm)?));
        for item in &items {
            encode(item, depth + 1, out, vm)?;
        }
    } else if let Some(tuple) = obj.downcast_ref::<PyTuple>() {
        out.push(Node::List(count(tuple.len(), vm)?));
        for item in tuple.as_slice() {
            encode(item, depth + 1, out, vm)?;
        }
    } else if let Some(dict) = obj.downcast_ref::<PyDict>() {
        let items: Vec<(PyObjectRef, PyObjectRef)> = dict.into_iter().collect();
        out.push(Node::Dict(count(items.len(), vm)?));
        for (key, value) in &items {
            encode(key, depth + 1, out, vm)?;
            encode(value, depth + 1, out, vm)?;
        }
    } else {
        return Err(vm.new_type_error(format!(
            "a {} cannot cross the sandbox (plain data only: None, bool, int, float, str, \
             bytes, list, tuple, dict)",
            obj.class().name()
        )));
    }
    Ok(())
}

/// Decodes a whole value. Malformed input (a container that claims more
/// items than there are, trailing nodes, too deep, an unhashable key) is a
/// `ValueError`/`TypeError`, never a crash: the nodes are untrusted.
pub fn from_nodes(nodes: &[Node], vm: &VirtualMachine) -> PyResult<PyObjectRef> {
    let mut at = 0;
    let value = decode(nodes, &mut at, 0, vm)?;
    if at != nodes.len() {
        return Err(vm.new_value_error("malformed value: trailing nodes"));
    }
    Ok(value)
}

/// Decodes a list value into its items (positional arguments).
pub fn list_from_nodes(nodes: &[Node], vm: &VirtualMachine) -> PyResult<Vec<PyObjectRef>> {
    let value = from_nodes(nodes, vm)?;
    match value.downcast::<PyList>() {
        Ok(list) => Ok(list.borrow_vec().to_vec()),
        Err(_) => Err(vm.new_type_error("arguments must be a list")),
    }
}

fn decode(
    nodes: &[Node],
    at: &mut usize,
    depth: usize,
    vm: &VirtualMachine,
) -> PyResult<PyObjectRef> {
    if depth > MAX_DEPTH {
        return Err(vm.new_value_error(format!("value nested more than {MAX_DEPTH} levels deep")));
    }
    let Some(node) = nodes.get(*at) else {
        return Err(vm.new_value_error("malformed value: missing nodes"));
    };
    *at += 1;
    Ok(match node {
        Node::None => vm.ctx.none(),
        Node::Boolean(b) => vm.ctx.new_bool(*b).into(),
        Node::Int(i) => vm.ctx.new_int(*i).into(),
        Node::BigInt(digits) => {
            if !is_decimal(digits) {
                return Err(vm.new_value_error("malformed value: bad integer"));
            }
            // int() parses, and applies Python's limit on digit count.
            vm.ctx
                .types
                .int_type
                .as_object()
                .call((vm.ctx.new_str(digits.as_str()),), vm)?
        }
        Node::Float(f) => vm.ctx.new_float(*f).into(),
        Node::Str(s) => vm.ctx.new_str(s.as_str()).into(),
        Node::Bytes(b) => vm.ctx.new_bytes(b.clone()).into(),
        Node::List(n) => {
            let n = *n as usize;
            if n > nodes.len() - *at {
                return Err(vm.new_value_error("malformed value: missing nodes"));
            }
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(decode(nodes, at, depth + 1, vm)?);
            }
            vm.ctx.new_list(items).into()
        }
        Node::Dict(n) => {
            let n = *n as usize;
            if n.saturating_mul(2) > nodes.len() - *at {
                return Err(vm.new_value_error("malformed value: missing nodes"));
            }
            let dict = vm.ctx.new_dict();
            for _ in 0..n {
                let key = decode(nodes, at, depth + 1, vm)?;
                let value = decode(nodes, at, depth + 1, vm)?;
                dict.set_item(&*key, value, vm)?;
            }
            dict.into()
        }
    })
}

fn is_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}
