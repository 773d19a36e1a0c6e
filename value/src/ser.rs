//! Any `Serialize` type to a [`Value`]: [`to_value`].

use serde::Serialize;
use serde::ser;

use super::{Depth, Value, ValueError};

/// Converts any `Serialize` type to a [`Value`], as `serde_json::to_value`
/// does to JSON, with Python's data model:
///
/// - `()`, unit structs and `None` are `None`; `Some(x)` and newtype structs
///   are their content;
/// - integers are `Int`, or `BigInt` outside `i64` (`u64`, `i128`, `u128`);
///   `f32` and `f64` are `Float`; `char` and strings are `Str`;
/// - sequences, tuples and tuple structs are `List`; maps are `Dict`, with
///   keys of any type (a tuple key becomes a list); structs are `Dict` with
///   `str` keys, in field order;
/// - a unit enum variant is its name as a `Str`; other variants are a
///   one-entry `Dict` `{name: content}`, as serde_json tags them.
///
/// Only `serialize_bytes` gives `Bytes`: a `Vec<u8>` or `[u8]` serializes as
/// a list of ints (serde does not tell them apart from other sequences), so
/// build Python bytes with `Value::from(vec)` or a type that serializes as
/// bytes. [`from_value`](super::from_value) accepts either for a `Vec<u8>`.
///
/// Fails if the value would nest lists and dicts more than
/// [`MAX_DEPTH`](super::MAX_DEPTH) deep (the error comes before the stack
/// could overflow, whatever the input), if a [`Value`] inside holds an int
/// beyond 128 bits (serde cannot carry it; Rust's own integers always fit),
/// or if a `Serialize` impl gives a map key without its value.
///
/// ```
/// use capy_value::{Value, to_value};
/// use std::collections::BTreeMap;
///
/// let scores = BTreeMap::from([("ann", vec![1, 2]), ("bob", vec![])]);
/// let value = to_value(&scores)?;
/// assert_eq!(value.get("ann"), Some(&Value::List(vec![Value::Int(1), Value::Int(2)])));
/// assert_eq!(to_value(&Some(u64::MAX))?, Value::from(u64::MAX));
/// # Ok::<(), capy_value::ValueError>(())
/// ```
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, ValueError> {
    value.serialize(Serializer { depth: Depth::TOP })
}

/// Serializes one value at `depth`.
struct Serializer {
    depth: Depth,
}

impl Serializer {
    /// Serializes `value` as the content of a wrapper at this position.
    fn wrapped<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, ValueError> {
        value.serialize(Serializer {
            depth: self.depth.wrapper()?,
        })
    }
}

fn at<T: Serialize + ?Sized>(depth: Depth, value: &T) -> Result<Value, ValueError> {
    value.serialize(Serializer { depth })
}

/// `{variant: content}`.
fn tagged(variant: &'static str, content: Value) -> Value {
    Value::Dict(vec![(Value::from(variant), content)])
}

impl ser::Serializer for Serializer {
    type Ok = Value;
    type Error = ValueError;

    type SerializeSeq = SerializeList;
    type SerializeTuple = SerializeList;
    type SerializeTupleStruct = SerializeList;
    type SerializeTupleVariant = SerializeTupleVariant;
    type SerializeMap = SerializeDict;
    type SerializeStruct = SerializeDict;
    type SerializeStructVariant = SerializeStructVariant;

    fn serialize_bool(self, b: bool) -> Result<Value, ValueError> {
        Ok(Value::Bool(b))
    }

    fn serialize_i8(self, n: i8) -> Result<Value, ValueError> {
        Ok(Value::from(n))
    }

    fn serialize_i16(self, n: i16) -> Result<Value, ValueError> {
        Ok(Value::from(n))
    }

    fn serialize_i32(self, n: i32) -> Result<Value, ValueError> {
        Ok(Value::from(n))
    }

    fn serialize_i64(self, n: i64) -> Result<Value, ValueError> {
        Ok(Value::from(n))
    }

    fn serialize_i128(self, n: i128) -> Result<Value, ValueError> {
        Ok(Value::from(n))
    }

    fn serialize_u8(self, n: u8) -> Result<Value, ValueError> {
        Ok(Value::from(n))
    }

    fn serialize_u16(self, n: u16) -> Result<Value, ValueError> {
        Ok(Value::from(n))
    }

    fn serialize_u32(self, n: u32) -> Result<Value, ValueError> {
        Ok(Value::from(n))
    }

    fn serialize_u64(self, n: u64) -> Result<Value, ValueError> {
        Ok(Value::from(n))
    }

    fn serialize_u128(self, n: u128) -> Result<Value, ValueError> {
        Ok(Value::from(n))
    }

    fn serialize_f32(self, f: f32) -> Result<Value, ValueError> {
        Ok(Value::from(f))
    }

    fn serialize_f64(self, f: f64) -> Result<Value, ValueError> {
        Ok(Value::from(f))
    }

    fn serialize_char(self, c: char) -> Result<Value, ValueError> {
        Ok(Value::from(c))
    }

    fn serialize_str(self, s: &str) -> Result<Value, ValueError> {
        Ok(Value::from(s))
    }

    fn serialize_bytes(self, b: &[u8]) -> Result<Value, ValueError> {
        Ok(Value::from(b))
    }

    fn serialize_none(self) -> Result<Value, ValueError> {
        Ok(Value::None)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, ValueError> {
        self.wrapped(value)
    }

    fn serialize_unit(self) -> Result<Value, ValueError> {
        Ok(Value::None)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, ValueError> {
        Ok(Value::None)
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, ValueError> {
        Ok(Value::from(variant))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value, ValueError> {
        self.wrapped(value)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, ValueError> {
        Ok(tagged(variant, at(self.depth.container()?, value)?))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<SerializeList, ValueError> {
        Ok(SerializeList {
            items: Vec::with_capacity(len.unwrap_or(0)),
            depth: self.depth.container()?,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<SerializeList, ValueError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SerializeList, ValueError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SerializeTupleVariant, ValueError> {
        Ok(SerializeTupleVariant {
            variant,
            items: Vec::with_capacity(len),
            // Inside the tagging dict, then the list.
            depth: self.depth.container()?.container()?,
        })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<SerializeDict, ValueError> {
        Ok(SerializeDict {
            entries: Vec::with_capacity(len.unwrap_or(0)),
            key: None,
            depth: self.depth.container()?,
        })
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SerializeDict, ValueError> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SerializeStructVariant, ValueError> {
        Ok(SerializeStructVariant {
            variant,
            entries: Vec::with_capacity(len),
            // Inside the tagging dict, then the fields' dict.
            depth: self.depth.container()?.container()?,
        })
    }
}

/// A list being built from a sequence, tuple or tuple struct.
struct SerializeList {
    items: Vec<Value>,
    /// Position of the items.
    depth: Depth,
}

impl ser::SerializeSeq for SerializeList {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.items.push(at(self.depth, value)?);
        Ok(())
    }

    fn end(self) -> Result<Value, ValueError> {
        Ok(Value::List(self.items))
    }
}

impl ser::SerializeTuple for SerializeList {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Value, ValueError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SerializeList {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Value, ValueError> {
        ser::SerializeSeq::end(self)
    }
}

/// `{variant: [items]}` being built.
struct SerializeTupleVariant {
    variant: &'static str,
    items: Vec<Value>,
    /// Position of the items.
    depth: Depth,
}

impl ser::SerializeTupleVariant for SerializeTupleVariant {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.items.push(at(self.depth, value)?);
        Ok(())
    }

    fn end(self) -> Result<Value, ValueError> {
        Ok(tagged(self.variant, Value::List(self.items)))
    }
}

/// A dict being built from a map or struct.
struct SerializeDict {
    entries: Vec<(Value, Value)>,
    /// A key given by `serialize_key`, awaiting its value.
    key: Option<Value>,
    /// Position of the keys and values.
    depth: Depth,
}

impl ser::SerializeMap for SerializeDict {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ValueError> {
        self.key = Some(at(self.depth, key)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        let Some(key) = self.key.take() else {
            return Err(ValueError::new(
                "a map value was serialized before its key (a bug in a Serialize impl)",
            ));
        };
        self.entries.push((key, at(self.depth, value)?));
        Ok(())
    }

    fn end(self) -> Result<Value, ValueError> {
        if self.key.is_some() {
            return Err(ValueError::new(
                "a map key was serialized without its value (a bug in a Serialize impl)",
            ));
        }
        Ok(Value::Dict(self.entries))
    }
}

impl ser::SerializeStruct for SerializeDict {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        self.entries
            .push((Value::from(name), at(self.depth, value)?));
        Ok(())
    }

    fn end(self) -> Result<Value, ValueError> {
        ser::SerializeMap::end(self)
    }
}

/// `{variant: {fields}}` being built.
struct SerializeStructVariant {
    variant: &'static str,
    entries: Vec<(Value, Value)>,
    /// Position of the fields.
    depth: Depth,
}

impl ser::SerializeStructVariant for SerializeStructVariant {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        self.entries
            .push((Value::from(name), at(self.depth, value)?));
        Ok(())
    }

    fn end(self) -> Result<Value, ValueError> {
        Ok(tagged(self.variant, Value::Dict(self.entries)))
    }
}
