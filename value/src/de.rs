//! A [`Value`] to any `Deserialize` type: [`from_value`].

use serde::de::value::{MapDeserializer, SeqDeserializer, StrDeserializer};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Expected, IntoDeserializer, Unexpected, Visitor,
};

use super::{BigInt, Depth, Value, ValueError};

/// Converts a [`Value`] to any `Deserialize` type, as
/// `serde_json::from_value` does from JSON, the inverse of
/// [`to_value`](super::to_value):
///
/// - `None` is `()`, a unit struct or `None`; any other value is `Some`;
/// - an `int` fits any Rust integer type that holds it, and any float type;
///   a `float` fits `f32` and `f64`;
/// - a `str` is a `String` or `char` (never bytes); a `bytes` is a
///   `Vec<u8>`, a `[u8; N]` or any other sequence of ints (never a string);
/// - a `list` is a sequence, tuple or struct (fields in order); a `dict` is a
///   map or struct (unknown keys are ignored, as serde does);
/// - a `str` is a unit enum variant; a one-entry `dict` `{name: content}` is
///   any variant with content.
///
/// Errors name the value's type as Python does (`invalid type: bytes,
/// expected a string`), since a script usually supplied it. An int beyond
/// 128 bits fits no Rust type, not even [`Value`] through this function
/// (use the value itself). Values nested more than
/// [`MAX_DEPTH`](super::MAX_DEPTH) deep are an error, never a stack
/// overflow.
///
/// ```
/// use capy_value::{Value, from_value};
///
/// let args = Value::List(vec![Value::from("report.txt"), Value::from(b"data".as_slice())]);
/// let (name, body): (String, Vec<u8>) = from_value(args)?;
/// assert_eq!((name.as_str(), body.as_slice()), ("report.txt", &b"data"[..]));
///
/// let err = from_value::<String>(Value::from(vec![1u8])).unwrap_err();
/// assert_eq!(err.to_string(), "invalid type: bytes, expected a string");
/// # Ok::<(), capy_value::ValueError>(())
/// ```
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, ValueError> {
    T::deserialize(Deserializer {
        value,
        depth: Depth::TOP,
    })
}

/// Deserializes one value at `depth`.
struct Deserializer {
    value: Value,
    depth: Depth,
}

impl<'de> IntoDeserializer<'de, ValueError> for Deserializer {
    type Deserializer = Deserializer;

    fn into_deserializer(self) -> Deserializer {
        self
    }
}

/// The error for `value` where `expected` was wanted.
fn invalid_type(value: &Value, expected: &dyn Expected) -> ValueError {
    match value {
        Value::BigInt(n) => de::Error::invalid_type(Unexpected::Other(&n.describe()), expected),
        other => de::Error::invalid_type(unexpected(other), expected),
    }
}

/// The error for an int that the target type cannot hold.
fn out_of_range(n: &BigInt, expected: &dyn Expected) -> ValueError {
    de::Error::invalid_value(Unexpected::Other(&n.describe()), expected)
}

/// What serde calls the value, for a [`ValueError`] to name as Python does.
fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::None => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Int(n) => Unexpected::Signed(*n),
        Value::BigInt(_) => Unexpected::Other("int"),
        Value::Float(f) => Unexpected::Float(*f),
        Value::Str(s) => Unexpected::Str(s),
        Value::Bytes(b) => Unexpected::Bytes(b),
        Value::List(_) => Unexpected::Seq,
        Value::Dict(_) => Unexpected::Map,
    }
}

/// Visits a big int as the narrowest serde integer that holds it: `u64`
/// first (every integer visitor takes that), then `i128` and `u128`.
fn visit_big_int<'de, V: Visitor<'de>>(n: BigInt, visitor: V) -> Result<V::Value, ValueError> {
    if let Some(u) = n.to_u64() {
        visitor.visit_u64(u)
    } else if let Some(i) = n.to_i128() {
        visitor.visit_i128(i)
    } else if let Some(u) = n.to_u128() {
        visitor.visit_u128(u)
    } else {
        Err(out_of_range(&n, &visitor))
    }
}

/// Visits a list's items, one level down.
fn visit_list<'de, V: Visitor<'de>>(
    items: Vec<Value>,
    depth: Depth,
    visitor: V,
) -> Result<V::Value, ValueError> {
    let depth = depth.container()?;
    let items = items
        .into_iter()
        .map(move |value| Deserializer { value, depth });
    de::Deserializer::deserialize_any(SeqDeserializer::new(items), visitor)
}

/// Visits a dict's entries, one level down.
fn visit_dict<'de, V: Visitor<'de>>(
    entries: Vec<(Value, Value)>,
    depth: Depth,
    visitor: V,
) -> Result<V::Value, ValueError> {
    let depth = depth.container()?;
    let entries = entries.into_iter().map(move |(key, value)| {
        (
            Deserializer { value: key, depth },
            Deserializer { value, depth },
        )
    });
    de::Deserializer::deserialize_any(MapDeserializer::new(entries), visitor)
}

/// Visits bytes as a sequence of ints, as Python's `list(b"...")`.
fn visit_bytes_as_seq<'de, V: Visitor<'de>>(
    bytes: Vec<u8>,
    visitor: V,
) -> Result<V::Value, ValueError> {
    de::Deserializer::deserialize_any(SeqDeserializer::new(bytes.into_iter()), visitor)
}

/// Integer types: a big int is out of their range unless it is a `u64`.
macro_rules! deserialize_int {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            match self.value {
                Value::BigInt(n) => match n.to_u64() {
                    Some(u) => visitor.visit_u64(u),
                    None => Err(out_of_range(&n, &visitor)),
                },
                _ => self.deserialize_any(visitor),
            }
        }
    )*};
}

/// Float types: a big int is the nearest float, as Python's `float(int)`.
macro_rules! deserialize_float {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            match self.value {
                Value::BigInt(n) => match n.to_f64() {
                    Some(f) => visitor.visit_f64(f),
                    None => Err(out_of_range(&n, &visitor)),
                },
                _ => self.deserialize_any(visitor),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Deserializer {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self.value {
            Value::None => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Int(n) => visitor.visit_i64(n),
            Value::BigInt(n) => visit_big_int(n, visitor),
            Value::Float(f) => visitor.visit_f64(f),
            Value::Str(s) => visitor.visit_string(s),
            Value::Bytes(b) => visitor.visit_byte_buf(b),
            Value::List(items) => visit_list(items, self.depth, visitor),
            Value::Dict(entries) => visit_dict(entries, self.depth, visitor),
        }
    }

    deserialize_int!(
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
    );

    deserialize_float!(deserialize_f32 deserialize_f64);

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self.value {
            Value::None => visitor.visit_none(),
            value => visitor.visit_some(Deserializer {
                value,
                depth: self.depth.wrapper()?,
            }),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self.value {
            Value::None => visitor.visit_unit(),
            other => Err(invalid_type(&other, &visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_newtype_struct(Deserializer {
            value: self.value,
            depth: self.depth.wrapper()?,
        })
    }

    // Strings are strict: serde's `String` would also take UTF-8 bytes, but
    // Python keeps `str` and `bytes` apart.
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self.value {
            Value::Str(s) => visitor.visit_string(s),
            other => Err(invalid_type(&other, &visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self.value {
            Value::Bytes(b) => visitor.visit_byte_buf(b),
            Value::List(items) => visit_list(items, self.depth, visitor),
            other => Err(invalid_type(&other, &visitor)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self.value {
            Value::Bytes(b) => visit_bytes_as_seq(b, visitor),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        const EXPECTED: &str = "a str naming a variant, or a dict with one str key, \
                                {variant: content}";
        match self.value {
            Value::Str(variant) => visitor.visit_enum(EnumAccess {
                variant,
                content: None,
            }),
            Value::Dict(entries) => {
                let depth = self.depth.container()?;
                let mut entries = entries.into_iter();
                match (entries.next(), entries.next()) {
                    (Some((Value::Str(variant), value)), None) => visitor.visit_enum(EnumAccess {
                        variant,
                        content: Some(Deserializer { value, depth }),
                    }),
                    _ => Err(de::Error::invalid_value(Unexpected::Map, &EXPECTED)),
                }
            }
            other => Err(invalid_type(&other, &EXPECTED)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        drop(self);
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i128 u128 map struct
    }
}

/// An enum's variant name, and its content unless it is a unit variant.
struct EnumAccess {
    variant: String,
    content: Option<Deserializer>,
}

impl<'de> de::EnumAccess<'de> for EnumAccess {
    type Error = ValueError;
    type Variant = VariantAccess;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, VariantAccess), ValueError> {
        let tag = seed.deserialize(StrDeserializer::<ValueError>::new(&self.variant))?;
        let access = VariantAccess {
            variant: self.variant,
            content: self.content,
        };
        Ok((tag, access))
    }
}

struct VariantAccess {
    variant: String,
    content: Option<Deserializer>,
}

impl VariantAccess {
    /// The content of a variant that must have some.
    fn content(self) -> Result<Deserializer, ValueError> {
        self.content.ok_or_else(|| {
            ValueError::new(format!(
                "variant {0:?} needs content: expected a dict {{{0:?}: ...}}, found the str {0:?}",
                self.variant
            ))
        })
    }
}

impl<'de> de::VariantAccess<'de> for VariantAccess {
    type Error = ValueError;

    fn unit_variant(self) -> Result<(), ValueError> {
        match self.content {
            None => Ok(()),
            Some(content) => de::Deserialize::deserialize(content),
        }
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, ValueError> {
        seed.deserialize(self.content()?)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        de::Deserializer::deserialize_seq(self.content()?, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        de::Deserializer::deserialize_any(self.content()?, visitor)
    }
}
