//! capy's plain data: the values that cross the sandbox boundary.
//!
//! A [`Value`] is what a Python literal can hold: `None`, `bool`, `int`,
//! `float`, `str`, `bytes`, `list` (or tuple) and `dict`. Nothing else (no
//! object, no callable, no handle) crosses the sandbox boundary as data.
//!
//! [`to_value`] and [`from_value`] convert between a `Value` and any Rust
//! type that implements serde's `Serialize` / `Deserialize`, much like
//! `serde_json::to_value` / `from_value`. What differs from JSON: `bytes` is
//! its own type (not a list of numbers), `int` is unbounded (an [`Int`] or,
//! outside `i64`, a [`BigInt`]), floats may be infinite or NaN, and dict keys
//! may be any hashable value, not only strings.
//!
//! Nesting is bounded by [`MAX_DEPTH`] on every path that recurses, so a deep
//! value is an error, never a stack overflow.
//!
//! [`Value`]: crate::Value
//! [`to_value`]: crate::to_value
//! [`from_value`]: crate::from_value
//! [`Int`]: crate::Value::Int
//! [`BigInt`]: crate::BigInt
//! [`MAX_DEPTH`]: crate::MAX_DEPTH

#![warn(missing_docs)]

mod de;
mod error;
mod ser;
#[cfg(test)]
mod tests;

use std::fmt;

use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use de::from_value;
pub use error::ValueError;
pub use ser::to_value;

/// The deepest nesting of lists and dicts that [`to_value`] and
/// [`from_value`] accept (a scalar has depth 0, `[1]` depth 1, `[[1]]` depth
/// 2; see [`Value::depth`]). The guest refuses deeper values too, so this
/// bound holds on both sides of the boundary (`capy_contract::MAX_VALUE_DEPTH`).
pub const MAX_DEPTH: usize = capy_contract::MAX_VALUE_DEPTH;

/// The most decimal digits (sign not counted) of an `int` that
/// [`Value::from_decimal`] accepts: 4300, CPython's default
/// `sys.get_int_max_str_digits()`. Converting between an int and its decimal
/// text takes time quadratic in the number of digits, which is why CPython
/// limits it (CVE-2020-10735); the guest's `int()` refuses longer text
/// anyway, so the host does not spend that time either.
pub const MAX_INT_DIGITS: usize = 4300;

/// A plain value as it crosses the sandbox boundary: the data model of a
/// Python literal (None, bool, int, float, str, bytes, list, dict).
///
/// Build one with `From` (`Value::from(3)`, `Value::from("text")`,
/// `Value::from(vec![0u8, 1])` for bytes, `iter.collect()` for a list or a
/// dict), or from any `Serialize` type with [`to_value`]; read one with the
/// `as_*` accessors or into any `Deserialize` type with [`from_value`].
///
/// Dropping a `Value` recurses into its items. Values that come from the
/// sandbox are depth-checked (at most [`MAX_DEPTH`]) before they are built,
/// so a script cannot make that recursion deep; a value built by hand in the
/// host, nested many thousands of levels deep, can overflow the stack when
/// dropped.
///
/// ```
/// use capy_value::Value;
///
/// let point: Value = [("x", Value::from(1)), ("y", Value::from(2.5))]
///     .into_iter()
///     .map(|(k, v)| (Value::from(k), v))
///     .collect();
/// assert_eq!(point.type_name(), "dict");
/// assert_eq!(point.get("x").and_then(Value::as_i64), Some(1));
/// assert_eq!(point.get("y").and_then(Value::as_f64), Some(2.5));
///
/// // Integers outside i64 are kept exactly, as decimal text.
/// let big = Value::from(u64::MAX);
/// assert_eq!(big.type_name(), "int");
/// assert!(matches!(&big, Value::BigInt(b) if b.as_str() == "18446744073709551615"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Python's `None`.
    None,
    /// A Python `bool`.
    Bool(bool),
    /// A Python `int` within the range of `i64`.
    Int(i64),
    /// A Python `int` outside the range of `i64`.
    BigInt(BigInt),
    /// A Python `float` (possibly infinite or NaN).
    Float(f64),
    /// A Python `str`.
    Str(String),
    /// A Python `bytes` (or `bytearray`).
    Bytes(Vec<u8>),
    /// A Python list or tuple.
    List(Vec<Value>),
    /// A Python dict, in insertion order. Keys may be any value except a
    /// list or dict (Python requires hashable keys); this is not checked
    /// here.
    Dict(Vec<(Value, Value)>),
}

/// An integer outside the range of `i64`, kept exactly as its decimal text.
///
/// The text is canonical (what Python's `repr(int)` gives: an optional `-`,
/// then digits without leading zeros) and at most [`MAX_INT_DIGITS`] digits
/// long, and the number never fits in `i64` (that is a [`Value::Int`]), so
/// two equal integers always compare equal as [`Value`]s. The only way to
/// make one is through [`Value`]: [`Value::from_decimal`], or `Value::from`
/// a `u64`, `i128` or `u128`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BigInt(String);

impl BigInt {
    /// The decimal text, e.g. `"-170141183460469231731687303715884105728"`.
    ///
    /// ```
    /// # use capy_value::Value;
    /// let Value::BigInt(big) = Value::from(i128::MIN) else { unreachable!() };
    /// assert_eq!(big.as_str(), i128::MIN.to_string());
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The integer as an `i128`, if it fits.
    ///
    /// ```
    /// # use capy_value::Value;
    /// let Value::BigInt(big) = Value::from(u64::MAX) else { unreachable!() };
    /// assert_eq!(big.to_i128(), Some(u64::MAX.into()));
    /// ```
    pub fn to_i128(&self) -> Option<i128> {
        self.0.parse().ok()
    }

    /// The integer as a `u128`, if it fits (it does not if it is negative).
    ///
    /// ```
    /// # use capy_value::Value;
    /// let Value::BigInt(big) = Value::from(u128::MAX) else { unreachable!() };
    /// assert_eq!(big.to_u128(), Some(u128::MAX));
    /// assert_eq!(big.to_i128(), None);
    /// ```
    pub fn to_u128(&self) -> Option<u128> {
        self.0.parse().ok()
    }

    /// The integer as a `u64`, if it fits (only between `i64::MAX + 1` and
    /// `u64::MAX`, since smaller ones are [`Value::Int`]s).
    fn to_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }

    /// The nearest `f64`, as Python's `float(int)`; `None` where Python
    /// raises `OverflowError` (the integer is too large for a float).
    fn to_f64(&self) -> Option<f64> {
        self.0.parse::<f64>().ok().filter(|f| f.is_finite())
    }

    /// Number of digits, sign not counted.
    fn digits(&self) -> usize {
        self.0.trim_start_matches('-').len()
    }

    /// How an error message names this integer: in full if short, else by
    /// its length (an error should not carry 4300 digits).
    fn describe(&self) -> String {
        if self.digits() <= 50 {
            format!("int {}", self.0)
        } else {
            format!("int of {} digits", self.digits())
        }
    }
}

impl fmt::Display for BigInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// As the narrowest serde integer that holds it: `u64` first (every
/// serializer supports that), then `i128` and `u128`. An integer beyond 128
/// bits is an error, as serde has no wider integer.
impl Serialize for BigInt {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if let Some(n) = self.to_u64() {
            serializer.serialize_u64(n)
        } else if let Some(n) = self.to_i128() {
            serializer.serialize_i128(n)
        } else if let Some(n) = self.to_u128() {
            serializer.serialize_u128(n)
        } else {
            Err(serde::ser::Error::custom(format_args!(
                "{} does not fit in 128 bits, the widest integer serde can carry",
                self.describe()
            )))
        }
    }
}

impl Value {
    /// Parses an integer from its decimal text, as Python's `repr(int)`
    /// writes it: an optional `-`, then ASCII digits, without leading zeros,
    /// `+`, `_`, spaces or `-0`, and at most [`MAX_INT_DIGITS`] digits.
    /// Gives a [`Value::Int`] when the number fits in `i64`, else a
    /// [`Value::BigInt`]; `None` for any other text.
    ///
    /// ```
    /// use capy_value::Value;
    ///
    /// assert_eq!(Value::from_decimal("-42"), Some(Value::Int(-42)));
    /// assert_eq!(Value::from_decimal("18446744073709551615"), Some(Value::from(u64::MAX)));
    /// assert_eq!(Value::from_decimal("007"), None);
    /// assert_eq!(Value::from_decimal("1e3"), None);
    /// ```
    pub fn from_decimal(text: &str) -> Option<Value> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        let canonical = match digits.as_bytes() {
            [] => false,
            [b'0'] => digits.len() == text.len(), // "0", but not "-0"
            [first, rest @ ..] => {
                (b'1'..=b'9').contains(first) && rest.iter().all(u8::is_ascii_digit)
            }
        };
        if !canonical || digits.len() > MAX_INT_DIGITS {
            return None;
        }
        Some(match text.parse::<i64>() {
            Ok(n) => Value::Int(n),
            Err(_) => Value::BigInt(BigInt(text.to_owned())),
        })
    }

    /// The Python type name: `"NoneType"`, `"bool"`, `"int"` (for both
    /// [`Value::Int`] and [`Value::BigInt`]), `"float"`, `"str"`, `"bytes"`,
    /// `"list"` or `"dict"`.
    ///
    /// ```
    /// # use capy_value::Value;
    /// assert_eq!(Value::None.type_name(), "NoneType");
    /// assert_eq!(Value::from(u128::MAX).type_name(), "int");
    /// ```
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::BigInt(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
        }
    }

    /// Whether this is `None`.
    ///
    /// ```
    /// # use capy_value::Value;
    /// assert!(Value::from(None::<i32>).is_none());
    /// ```
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// The `bool`, if this is one.
    ///
    /// ```
    /// # use capy_value::Value;
    /// assert_eq!(Value::from(true).as_bool(), Some(true));
    /// assert_eq!(Value::from(1).as_bool(), None);
    /// ```
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer, if this is an `int` within `i64`. Unlike Python, a
    /// `bool` is not an `int` here.
    ///
    /// ```
    /// # use capy_value::Value;
    /// assert_eq!(Value::from(-7).as_i64(), Some(-7));
    /// assert_eq!(Value::from(u64::MAX).as_i64(), None);
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// The number as an `f64`, if this is a `float` or an `int` (rounded to
    /// the nearest float, as Python's `float(int)`; `None` for an int too
    /// large for a float, where Python raises `OverflowError`).
    ///
    /// ```
    /// # use capy_value::Value;
    /// assert_eq!(Value::from(1.5).as_f64(), Some(1.5));
    /// assert_eq!(Value::from(3).as_f64(), Some(3.0));
    /// assert_eq!(Value::from("3").as_f64(), None);
    /// ```
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            Value::Int(n) => Some(*n as f64),
            Value::BigInt(b) => b.to_f64(),
            _ => None,
        }
    }

    /// The text, if this is a `str`.
    ///
    /// ```
    /// # use capy_value::Value;
    /// assert_eq!(Value::from("héllo").as_str(), Some("héllo"));
    /// assert_eq!(Value::from(b"hello".as_slice()).as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes, if this is a `bytes`.
    ///
    /// ```
    /// # use capy_value::Value;
    /// assert_eq!(Value::from(vec![0u8, 255]).as_bytes(), Some(&[0u8, 255][..]));
    /// assert_eq!(Value::from("ab").as_bytes(), None);
    /// ```
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The items, if this is a list (or tuple).
    ///
    /// ```
    /// # use capy_value::Value;
    /// let list: Value = (1..=3).map(Value::from).collect();
    /// assert_eq!(list.as_list().map(<[Value]>::len), Some(3));
    /// ```
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The key/value pairs in insertion order, if this is a dict.
    ///
    /// ```
    /// # use capy_value::Value;
    /// let dict: Value = [(Value::from(1), Value::from("one"))].into_iter().collect();
    /// assert_eq!(dict.as_dict().map(<[(Value, Value)]>::len), Some(1));
    /// ```
    pub fn as_dict(&self) -> Option<&[(Value, Value)]> {
        match self {
            Value::Dict(entries) => Some(entries),
            _ => None,
        }
    }

    /// The value under the `str` key `key`, if this is a dict that has it.
    /// Should the key appear more than once, the last one wins, as when
    /// Python builds a dict from these pairs.
    ///
    /// ```
    /// # use capy_value::Value;
    /// let dict: Value = [(Value::from("a"), Value::from(1))].into_iter().collect();
    /// assert_eq!(dict.get("a"), Some(&Value::Int(1)));
    /// assert_eq!(dict.get("b"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_dict()?
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// How deeply lists and dicts nest: 0 for a scalar, 1 for `[]` or
    /// `[1, 2]`, 2 for `[[1]]` or `{"a": [1]}`. Computed without recursion,
    /// so it is safe on any value; a host can check a value from an
    /// untrusted source against [`MAX_DEPTH`] before handing it on.
    ///
    /// ```
    /// # use capy_value::Value;
    /// let nested = Value::List(vec![Value::List(vec![Value::Int(1)]), Value::Int(2)]);
    /// assert_eq!(nested.depth(), 2);
    /// assert_eq!(Value::Int(1).depth(), 0);
    /// ```
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        // Containers still to look into, with their own depth.
        let mut pending: Vec<(&Value, usize)> = vec![(self, 0)];
        while let Some((value, depth)) = pending.pop() {
            let inner = depth + 1;
            match value {
                Value::List(items) => {
                    deepest = deepest.max(inner);
                    pending.extend(items.iter().map(|item| (item, inner)));
                }
                Value::Dict(entries) => {
                    deepest = deepest.max(inner);
                    pending.extend(entries.iter().flat_map(|(k, v)| [(k, inner), (v, inner)]));
                }
                _ => {}
            }
        }
        deepest
    }
}

/// The position of a value being converted, counted on the way down so that
/// a deep value is an error rather than a stack overflow.
#[derive(Debug, Clone, Copy)]
struct Depth {
    /// Lists and dicts around the value.
    containers: usize,
    /// Levels of recursion around it: the containers, plus the `Option` and
    /// newtype wrappers that do not appear in a `Value` but recurse all the
    /// same (a type like `struct Chain(Option<Box<Chain>>)` nests only those).
    levels: usize,
}

/// Bound on [`Depth::levels`]: room for one wrapper per container at
/// [`MAX_DEPTH`] (a recursive `struct Tree { child: Option<Box<Tree>> }`).
const MAX_LEVELS: usize = 2 * MAX_DEPTH;

impl Depth {
    /// A whole value, outside any container.
    const TOP: Depth = Depth {
        containers: 0,
        levels: 0,
    };

    /// The position of the items of a list or dict at this position.
    fn container(self) -> Result<Depth, ValueError> {
        if self.containers >= MAX_DEPTH {
            return Err(ValueError::new(format!(
                "value nests lists and dicts more than {MAX_DEPTH} levels deep \
                 (capy_value::MAX_DEPTH)"
            )));
        }
        Ok(Depth {
            containers: self.containers + 1,
            levels: self.wrapper()?.levels,
        })
    }

    /// The position of the content of an `Option` or newtype at this
    /// position.
    fn wrapper(self) -> Result<Depth, ValueError> {
        if self.levels >= MAX_LEVELS {
            return Err(ValueError::new(format!(
                "value nests more than {MAX_LEVELS} levels deep, counting Option and \
                 newtype wrappers as well as lists and dicts"
            )));
        }
        Ok(Depth {
            containers: self.containers,
            levels: self.levels + 1,
        })
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

macro_rules! from_small_int {
    ($($ty:ty)*) => {$(
        impl From<$ty> for Value {
            fn from(n: $ty) -> Value {
                Value::Int(i64::from(n))
            }
        }
    )*};
}
from_small_int!(i8 i16 i32 i64 u8 u16 u32);

macro_rules! from_wide_int {
    ($($ty:ty)*) => {$(
        /// An `Int` when it fits in `i64`, else a `BigInt`.
        impl From<$ty> for Value {
            fn from(n: $ty) -> Value {
                match i64::try_from(n) {
                    Ok(n) => Value::Int(n),
                    Err(_) => Value::BigInt(BigInt(n.to_string())),
                }
            }
        }
    )*};
}
from_wide_int!(u64 i128 u128 isize usize);

impl From<BigInt> for Value {
    fn from(n: BigInt) -> Value {
        Value::BigInt(n)
    }
}

impl From<f32> for Value {
    fn from(f: f32) -> Value {
        Value::Float(f64::from(f))
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl From<char> for Value {
    fn from(c: char) -> Value {
        Value::Str(c.to_string())
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

/// Python `bytes`. (A list of small ints is `iter.map(Value::from).collect()`.)
impl From<Vec<u8>> for Value {
    fn from(bytes: Vec<u8>) -> Value {
        Value::Bytes(bytes)
    }
}

/// Python `bytes`.
impl From<&[u8]> for Value {
    fn from(bytes: &[u8]) -> Value {
        Value::Bytes(bytes.to_vec())
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::List(items)
    }
}

impl From<Vec<(Value, Value)>> for Value {
    fn from(entries: Vec<(Value, Value)>) -> Value {
        Value::Dict(entries)
    }
}

/// `None` for `None`, else the value.
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(option: Option<T>) -> Value {
        option.map_or(Value::None, Into::into)
    }
}

/// A list.
impl FromIterator<Value> for Value {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Value {
        Value::List(iter.into_iter().collect())
    }
}

/// A dict, in iteration order.
impl FromIterator<(Value, Value)> for Value {
    fn from_iter<I: IntoIterator<Item = (Value, Value)>>(iter: I) -> Value {
        Value::Dict(iter.into_iter().collect())
    }
}

/// `None` as a unit, `bytes` as bytes, a dict as a map (keys of any type),
/// and an int outside `i64` as the narrowest of `u64`, `i128` and `u128`
/// that holds it; an int beyond 128 bits is an error, as serde has no wider
/// integer.
impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::None => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(n) => serializer.serialize_i64(*n),
            Value::BigInt(n) => n.serialize(serializer),
            Value::Float(f) => serializer.serialize_f64(*f),
            Value::Str(s) => serializer.serialize_str(s),
            Value::Bytes(b) => serializer.serialize_bytes(b),
            Value::List(items) => items.serialize(serializer),
            Value::Dict(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Accepts anything a self-describing format holds: unit and none as
/// `None`, any integer (as `Int` or `BigInt`), floats, strings and chars,
/// bytes, sequences as lists and maps as dicts (keys of any type). Enums
/// are not accepted: a format that has them does not say which kind of
/// variant follows.
///
/// It recurses as deeply as the input nests, relying on the format's own
/// limit (serde_json stops at 128); [`from_value`] bounds it by
/// [`MAX_DEPTH`].
impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

/// Most items preallocated for a list or dict from a size hint, which
/// untrusted input can inflate.
const MAX_PREALLOC: usize = 4096;

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Python literal (None, bool, int, float, str, bytes, list or dict)")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Int(n))
    }

    fn visit_i128<E>(self, n: i128) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_u128<E>(self, n: u128) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Float(f))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::from(s))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::Str(s))
    }

    fn visit_bytes<E>(self, b: &[u8]) -> Result<Value, E> {
        Ok(Value::from(b))
    }

    fn visit_byte_buf<E>(self, b: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Bytes(b))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::None)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_PREALLOC));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(MAX_PREALLOC));
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Value::Dict(entries))
    }
}
