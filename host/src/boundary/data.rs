//! `capy:sandbox/data`: [`Value`]s to and from the contract's pre-order
//! node lists.
//!
//! Nodes from the guest are untrusted: a container may claim more items
//! than follow, nest too deep or carry a malformed big integer. Decoding
//! checks all of it and fails with a message, never a panic.

use capy_value::{MAX_DEPTH, Value};

use wasmtime::component::HasData;

use crate::bindings::capy::sandbox::data::{self as wit, Node};

/// Encodes a value as nodes. Fails if it nests deeper than [`MAX_DEPTH`]
/// (the guest would refuse it).
pub(crate) fn to_nodes(value: &Value) -> Result<Vec<Node>, String> {
    let mut nodes = Vec::new();
    encode(value, 0, &mut nodes)?;
    Ok(nodes)
}

fn count(len: usize) -> Result<u32, String> {
    u32::try_from(len).map_err(|_| "too many items to pass into the sandbox".to_owned())
}

fn encode(value: &Value, depth: usize, out: &mut Vec<Node>) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("value nested more than {MAX_DEPTH} levels deep"));
    }
    match value {
        Value::None => out.push(Node::None),
        Value::Bool(b) => out.push(Node::Boolean(*b)),
        Value::Int(i) => out.push(Node::Int(*i)),
        Value::BigInt(big) => out.push(Node::BigInt(big.as_str().to_owned())),
        Value::Float(f) => out.push(Node::Float(*f)),
        Value::Str(s) => out.push(Node::Str(s.clone())),
        Value::Bytes(b) => out.push(Node::Bytes(b.clone())),
        Value::List(items) => {
            out.push(Node::List(count(items.len())?));
            for item in items {
                encode(item, depth + 1, out)?;
            }
        }
        Value::Dict(pairs) => {
            out.push(Node::Dict(count(pairs.len())?));
            for (key, value) in pairs {
                encode(key, depth + 1, out)?;
                encode(value, depth + 1, out)?;
            }
        }
    }
    Ok(())
}

/// Decodes a whole value sent by the guest.
pub(crate) fn from_nodes(nodes: Vec<Node>) -> Result<Value, String> {
    let mut nodes = nodes.into_iter();
    let value = decode(&mut nodes, 0)?;
    if nodes.next().is_some() {
        return Err("malformed value: trailing nodes".to_owned());
    }
    Ok(value)
}

fn decode(nodes: &mut std::vec::IntoIter<Node>, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("value nested more than {MAX_DEPTH} levels deep"));
    }
    let missing = || "malformed value: missing nodes".to_owned();
    let node = nodes.next().ok_or_else(missing)?;
    Ok(match node {
        Node::None => Value::None,
        Node::Boolean(b) => Value::Bool(b),
        Node::Int(i) => Value::Int(i),
        Node::BigInt(digits) => {
            Value::from_decimal(&digits).ok_or_else(|| "malformed value: bad integer".to_owned())?
        }
        Node::Float(f) => Value::Float(f),
        Node::Str(s) => Value::Str(s),
        Node::Bytes(b) => Value::Bytes(b),
        Node::List(n) => {
            let n = n as usize;
            // Every item is at least one node: a count beyond what is left
            // is a lie, refused before allocating for it.
            if n > nodes.len() {
                return Err(missing());
            }
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(decode(nodes, depth + 1)?);
            }
            Value::List(items)
        }
        Node::Dict(n) => {
            let n = n as usize;
            if n.saturating_mul(2) > nodes.len() {
                return Err(missing());
            }
            let mut pairs = Vec::with_capacity(n);
            for _ in 0..n {
                let key = decode(nodes, depth + 1)?;
                let value = decode(nodes, depth + 1)?;
                pairs.push((key, value));
            }
            Value::Dict(pairs)
        }
    })
}

/// The `data` interface declares types only, so its view sees nothing.
pub(crate) struct DataView;

impl wit::Host for DataView {}

/// Links `capy:sandbox/data` (types only) through [`DataView`].
pub(crate) struct Data;

impl HasData for Data {
    type Data<'a> = DataView;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_nodes() {
        let value = Value::Dict(vec![
            (
                Value::from("a"),
                Value::List(vec![Value::Int(1), Value::None]),
            ),
            (Value::Int(2), Value::Bytes(b"\x00\xff".to_vec())),
            (Value::from("big"), Value::from(u128::MAX)),
            (Value::from("f"), Value::Float(1.5)),
        ]);
        assert_eq!(from_nodes(to_nodes(&value).unwrap()).unwrap(), value);
    }

    #[test]
    fn malformed_nodes_are_errors() {
        for nodes in [
            vec![],
            vec![Node::List(2), Node::None],
            vec![Node::Dict(1), Node::None],
            vec![Node::List(u32::MAX)],
            vec![Node::None, Node::None],
            vec![Node::BigInt("12x".into())],
        ] {
            assert!(from_nodes(nodes.clone()).is_err(), "{nodes:?}");
        }
    }

    #[test]
    fn too_deep_values_are_refused_both_ways() {
        let nodes = vec![Node::List(1); MAX_DEPTH + 2]
            .into_iter()
            .chain([Node::None])
            .collect();
        assert!(from_nodes(nodes).unwrap_err().contains("deep"));
        let mut value = Value::None;
        for _ in 0..MAX_DEPTH + 2 {
            value = Value::List(vec![value]);
        }
        assert!(to_nodes(&value).unwrap_err().contains("deep"));
    }
}
