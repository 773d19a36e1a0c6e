use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;

use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::json;

use super::*;

fn s(text: &str) -> Value {
    Value::from(text)
}

fn list(items: impl IntoIterator<Item = Value>) -> Value {
    items.into_iter().collect()
}

fn dict<K: Into<Value>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
    entries.into_iter().map(|(k, v)| (k.into(), v)).collect()
}

/// `[[...[leaf]...]]`, `containers` lists deep, built without recursion.
fn nested_lists(containers: usize, leaf: Value) -> Value {
    (0..containers).fold(leaf, |inner, _| Value::List(vec![inner]))
}

/// Asserts that `original` survives `to_value` then `from_value`, and that
/// the value does too through `Value` itself; returns the value.
#[track_caller]
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(original: &T) -> Value {
    let value = to_value(original).expect("to_value");
    let back: T = from_value(value.clone()).expect("from_value");
    assert_eq!(&back, original);
    assert_eq!(from_value::<Value>(value.clone()).expect("as Value"), value);
    assert_eq!(to_value(&value).expect("Value to_value"), value);
    value
}

#[track_caller]
fn error_of<T: DeserializeOwned + Debug>(value: Value) -> String {
    from_value::<T>(value)
        .expect_err("should not convert")
        .to_string()
}

// ---------------------------------------------------------------- BigInt

#[test]
fn from_decimal_accepts_exactly_canonical_python_ints() {
    let max_digits = "9".repeat(MAX_INT_DIGITS);
    let table: &[(&str, Option<Value>)] = &[
        ("0", Some(Value::Int(0))),
        ("7", Some(Value::Int(7))),
        ("-7", Some(Value::Int(-7))),
        ("9223372036854775807", Some(Value::Int(i64::MAX))),
        ("-9223372036854775808", Some(Value::Int(i64::MIN))),
        (
            "9223372036854775808",
            Some(Value::from(i64::MAX as u64 + 1)),
        ),
        (
            "-9223372036854775809",
            Some(Value::from(i128::from(i64::MIN) - 1)),
        ),
        ("18446744073709551615", Some(Value::from(u64::MAX))),
        (
            "340282366920938463463374607431768211455",
            Some(Value::from(u128::MAX)),
        ),
        ("", None),
        ("-", None),
        ("--1", None),
        ("+1", None),
        ("-0", None),
        ("00", None),
        ("01", None),
        ("-01", None),
        (" 1", None),
        ("1 ", None),
        ("1_000", None),
        ("1.0", None),
        ("1e3", None),
        ("0x10", None),
        ("\u{661}", None), // ARABIC-INDIC DIGIT ONE: Python's int() takes it, repr never writes it
        ("１", None),      // FULLWIDTH DIGIT ONE
    ];
    for (text, expected) in table {
        assert_eq!(&Value::from_decimal(text), expected, "{text:?}");
    }

    let Some(Value::BigInt(longest)) = Value::from_decimal(&max_digits) else {
        panic!("{MAX_INT_DIGITS} digits should parse");
    };
    assert_eq!(longest.as_str(), max_digits);
    assert!(Value::from_decimal(&format!("-{max_digits}")).is_some());
    assert_eq!(Value::from_decimal(&format!("{max_digits}9")), None);
    assert_eq!(Value::from_decimal(&format!("-{max_digits}9")), None);
}

#[test]
fn big_int_accessors_and_display() {
    let Value::BigInt(min) = Value::from(i128::MIN) else {
        panic!()
    };
    assert_eq!(min.to_string(), "-170141183460469231731687303715884105728");
    assert_eq!(min.to_i128(), Some(i128::MIN));
    assert_eq!(min.to_u128(), None);

    let Value::BigInt(max) = Value::from(u128::MAX) else {
        panic!()
    };
    assert_eq!(max.to_i128(), None);
    assert_eq!(max.to_u128(), Some(u128::MAX));

    let Some(Value::BigInt(huge)) = Value::from_decimal(&format!("1{}", "0".repeat(40))) else {
        panic!()
    };
    assert_eq!((huge.to_i128(), huge.to_u128()), (None, None));
}

proptest! {
    /// Every integer has exactly one `Value`: `Int` iff it fits in `i64`,
    /// whichever way it is made.
    #[test]
    fn ints_and_big_ints_never_overlap(n in any::<i128>(), u in any::<u128>()) {
        for (value, text, fits) in [
            (Value::from(n), n.to_string(), i64::try_from(n).is_ok()),
            (Value::from(u), u.to_string(), i64::try_from(u).is_ok()),
        ] {
            prop_assert_eq!(Value::from_decimal(&text), Some(value.clone()));
            match &value {
                Value::Int(small) => {
                    prop_assert!(fits);
                    prop_assert_eq!(small.to_string(), text);
                }
                Value::BigInt(big) => {
                    prop_assert!(!fits);
                    prop_assert_eq!(big.as_str(), text);
                }
                other => prop_assert!(false, "{other:?}"),
            }
        }
        prop_assert_eq!(from_value::<i128>(Value::from(n)).ok(), Some(n));
        prop_assert_eq!(from_value::<u128>(Value::from(u)).ok(), Some(u));
    }

    /// Any value (with ints up to 128 bits, the most serde carries) is its
    /// own image through `to_value` and `from_value`.
    #[test]
    fn any_value_survives_serde(value in arb_value()) {
        prop_assert_eq!(&to_value(&value).unwrap(), &value);
        prop_assert_eq!(&from_value::<Value>(value.clone()).unwrap(), &value);
    }
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::None),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<i128>().prop_map(Value::from),
        any::<u128>().prop_map(Value::from),
        // NaN is left out only because it is not equal to itself.
        prop_oneof![
            any::<f64>().prop_filter("not NaN", |f| !f.is_nan()),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
        ]
        .prop_map(Value::from),
        ".*".prop_map(Value::from),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::List),
            proptest::collection::vec((inner.clone(), inner), 0..4).prop_map(Value::Dict),
        ]
    })
}

// ---------------------------------------------------------------- From, accessors

#[test]
fn from_impls_pick_the_python_type() {
    assert_eq!(Value::from(true), Value::Bool(true));
    assert_eq!(Value::from(-5i8), Value::Int(-5));
    assert_eq!(Value::from(u32::MAX), Value::Int(u32::MAX.into()));
    assert_eq!(Value::from(i64::MAX as u64), Value::Int(i64::MAX));
    assert!(matches!(Value::from(i64::MAX as u64 + 1), Value::BigInt(_)));
    assert_eq!(Value::from(-3i128), Value::Int(-3));
    assert_eq!(Value::from(3u128), Value::Int(3));
    assert_eq!(Value::from(7usize), Value::Int(7));
    assert_eq!(Value::from(0.5f32), Value::Float(0.5));
    assert_eq!(Value::from('é'), s("é"));
    assert_eq!(Value::from(String::from("x")), s("x"));
    assert_eq!(Value::from(vec![1u8, 2]), Value::Bytes(vec![1, 2]));
    assert_eq!(Value::from(&b"ab"[..]), Value::Bytes(b"ab".to_vec()));
    assert_eq!(Value::from(None::<&str>), Value::None);
    assert_eq!(Value::from(Some(4)), Value::Int(4));
    assert_eq!(
        Value::from(vec![Value::None]),
        Value::List(vec![Value::None])
    );
    assert_eq!(
        [1, 2].into_iter().map(Value::from).collect::<Value>(),
        Value::List(vec![Value::Int(1), Value::Int(2)])
    );
    assert_eq!(
        dict([("k", Value::None)]),
        Value::Dict(vec![(s("k"), Value::None)])
    );
}

#[test]
fn accessors_answer_only_for_their_own_type() {
    let big = Value::from(u64::MAX);
    let samples = [
        (Value::None, "NoneType"),
        (Value::from(false), "bool"),
        (Value::from(1), "int"),
        (big.clone(), "int"),
        (Value::from(1.5), "float"),
        (s("x"), "str"),
        (Value::from(vec![0u8]), "bytes"),
        (list([]), "list"),
        (dict::<Value>([]), "dict"),
    ];
    for (value, name) in &samples {
        assert_eq!(value.type_name(), *name);
        assert_eq!(value.is_none(), *name == "NoneType");
        assert_eq!(value.as_bool().is_some(), *name == "bool");
        assert_eq!(value.as_str().is_some(), *name == "str");
        assert_eq!(value.as_bytes().is_some(), *name == "bytes");
        assert_eq!(value.as_list().is_some(), *name == "list");
        assert_eq!(value.as_dict().is_some(), *name == "dict");
        assert_eq!(value.as_f64().is_some(), matches!(*name, "int" | "float"));
    }
    assert_eq!(Value::from(1).as_i64(), Some(1));
    assert_eq!(big.as_i64(), None);
    assert_eq!(Value::from(true).as_i64(), None);
    assert_eq!(big.as_f64(), Some(u64::MAX as f64));
    let too_big_for_float = Value::from_decimal(&"9".repeat(400)).unwrap();
    assert_eq!(too_big_for_float.as_f64(), None);
}

#[test]
fn get_looks_up_str_keys_and_the_last_duplicate_wins() {
    let d = Value::Dict(vec![
        (s("a"), Value::from(1)),
        (Value::from(2), s("two")),
        (s("a"), Value::from(3)),
    ]);
    assert_eq!(d.get("a"), Some(&Value::Int(3)));
    assert_eq!(d.get("2"), None);
    assert_eq!(list([s("a")]).get("a"), None);
}

#[test]
fn depth_counts_nested_lists_and_dicts() {
    assert_eq!(Value::from(1).depth(), 0);
    assert_eq!(list([]).depth(), 1);
    assert_eq!(list([Value::from(1), list([])]).depth(), 2);
    assert_eq!(dict([("a", list([list([])]))]).depth(), 3);
    assert_eq!(
        Value::Dict(vec![(list([list([])]), Value::None)]).depth(),
        3
    );
    assert_eq!(nested_lists(1000, Value::None).depth(), 1000);
}

// ---------------------------------------------------------------- round trips

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Unit;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Meters(f64);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Pair(i32, String);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Inner {
    name: String,
    tags: Vec<String>,
    weight: Option<Meters>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Outer {
    id: u64,
    flag: bool,
    ratio: f32,
    letter: char,
    inner: Inner,
    children: Vec<Inner>,
    by_name: HashMap<String, Vec<i32>>,
    by_number: BTreeMap<u32, String>,
    by_pair: BTreeMap<(u8, bool), Option<String>>,
    missing: Option<Inner>,
    pair: Pair,
    unit: Unit,
    nothing: (),
}

fn inner(name: &str) -> Inner {
    Inner {
        name: name.into(),
        tags: vec!["a".into(), "ü".into()],
        weight: Some(Meters(1.25)),
    }
}

#[test]
fn nested_structs_round_trip() {
    let outer = Outer {
        id: u64::MAX,
        flag: true,
        ratio: 0.1,
        letter: '🐍',
        inner: inner("first"),
        children: vec![
            inner("x"),
            Inner {
                weight: None,
                ..inner("y")
            },
        ],
        by_name: HashMap::from([("one".into(), vec![1]), ("none".into(), vec![])]),
        by_number: BTreeMap::from([(1, "one".into()), (20, "twenty".into())]),
        by_pair: BTreeMap::from([((1, true), Some("t".into())), ((1, false), None)]),
        missing: None,
        pair: Pair(-4, "four".into()),
        unit: Unit,
        nothing: (),
    };
    let value = round_trip(&outer);

    // Structs are dicts with str keys in field order; the rest as documented.
    let Value::Dict(fields) = &value else {
        panic!("{value:?}")
    };
    let names: Vec<_> = fields.iter().map(|(k, _)| k.as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "id",
            "flag",
            "ratio",
            "letter",
            "inner",
            "children",
            "by_name",
            "by_number",
            "by_pair",
            "missing",
            "pair",
            "unit",
            "nothing"
        ]
    );
    assert_eq!(value.get("id"), Some(&Value::from(u64::MAX)));
    assert_eq!(value.get("ratio"), Some(&Value::Float(f64::from(0.1f32))));
    assert_eq!(value.get("letter"), Some(&s("🐍")));
    assert_eq!(
        value.get("inner").unwrap().get("weight"),
        Some(&Value::Float(1.25))
    );
    assert_eq!(
        value.get("by_number"),
        Some(&Value::Dict(vec![
            (Value::from(1), s("one")),
            (Value::from(20), s("twenty"))
        ]))
    );
    assert_eq!(
        value.get("by_pair"),
        Some(&Value::Dict(vec![
            (list([Value::from(1), Value::from(false)]), Value::None),
            (list([Value::from(1), Value::from(true)]), s("t")),
        ]))
    );
    assert_eq!(value.get("missing"), Some(&Value::None));
    assert_eq!(value.get("pair"), Some(&list([Value::from(-4), s("four")])));
    assert_eq!(value.get("unit"), Some(&Value::None));
    assert_eq!(value.get("nothing"), Some(&Value::None));
}

#[test]
fn structs_ignore_unknown_keys_and_accept_lists() {
    let with_extra = dict([
        ("name", s("n")),
        ("tags", list([])),
        ("weight", Value::None),
        ("extra", list([dict([("deep", Value::None)])])),
    ]);
    let expected = Inner {
        name: "n".into(),
        tags: vec![],
        weight: None,
    };
    assert_eq!(from_value::<Inner>(with_extra).unwrap(), expected);
    // Fields in order, as a tuple would give them.
    let as_list = list([s("n"), list([]), Value::None]);
    assert_eq!(from_value::<Inner>(as_list).unwrap(), expected);
}

#[test]
fn tuples_round_trip_as_lists() {
    let value = round_trip(&(1u8, "two".to_string(), 3.5f64, (), Some(false)));
    assert_eq!(
        value,
        list([
            Value::from(1),
            s("two"),
            Value::from(3.5),
            Value::None,
            Value::from(false)
        ])
    );
    round_trip(&[(0i64, 'a'), (-1, 'b')]);
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Shape {
    Empty,
    Circle(f64),
    Wrapped(Meters),
    Rect(u32, u32),
    Named { name: String, sides: Option<u8> },
    Nested(Box<Shape>),
}

#[test]
fn enums_of_every_variant_kind_round_trip_externally_tagged() {
    let cases = [
        (Shape::Empty, s("Empty")),
        (Shape::Circle(2.0), dict([("Circle", Value::from(2.0))])),
        (
            Shape::Wrapped(Meters(3.0)),
            dict([("Wrapped", Value::from(3.0))]),
        ),
        (
            Shape::Rect(3, 4),
            dict([("Rect", list([Value::from(3), Value::from(4)]))]),
        ),
        (
            Shape::Named {
                name: "tri".into(),
                sides: Some(3),
            },
            dict([(
                "Named",
                dict([("name", s("tri")), ("sides", Value::from(3))]),
            )]),
        ),
        (
            Shape::Nested(Box::new(Shape::Empty)),
            dict([("Nested", s("Empty"))]),
        ),
    ];
    for (shape, expected) in cases {
        assert_eq!(round_trip(&shape), expected, "{shape:?}");
    }
    assert_eq!(
        round_trip(&vec![Some(Shape::Empty), None]),
        list([s("Empty"), Value::None])
    );
}

#[test]
fn enum_errors_say_what_shape_was_expected() {
    assert_eq!(
        error_of::<Shape>(s("Square")),
        "unknown variant `Square`, expected one of `Empty`, `Circle`, `Wrapped`, `Rect`, \
         `Named`, `Nested`"
    );
    assert_eq!(
        error_of::<Shape>(s("Circle")),
        r#"variant "Circle" needs content: expected a dict {"Circle": ...}, found the str "Circle""#
    );
    let two_keys = dict([("Circle", Value::from(1.0)), ("Empty", Value::None)]);
    assert_eq!(
        error_of::<Shape>(two_keys),
        "invalid value: dict, expected a str naming a variant, or a dict with one str key, \
         {variant: content}"
    );
    assert_eq!(
        error_of::<Shape>(Value::from(3)),
        "invalid type: int 3, expected a str naming a variant, or a dict with one str key, \
         {variant: content}"
    );
    assert_eq!(
        error_of::<Shape>(dict([("Empty", Value::from(1))])),
        "invalid type: int 1, expected unit"
    );
    // `{"Empty": None}` is accepted as the unit variant, as serde_json does.
    assert_eq!(
        from_value::<Shape>(dict([("Empty", Value::None)])).unwrap(),
        Shape::Empty
    );
}

#[test]
fn unicode_strings_round_trip() {
    for text in [
        "",
        "héllo wörld",
        "日本語",
        "🐍\u{200d}🔥",
        "nul\0inside",
        "\u{10FFFF}",
    ] {
        assert_eq!(round_trip(&text.to_string()), s(text));
    }
    assert_eq!(from_value::<char>(s("ß")).unwrap(), 'ß');
    assert_eq!(
        error_of::<char>(s("ab")),
        r#"invalid value: str "ab", expected a character"#
    );
}

#[test]
fn integers_beyond_i64_round_trip_as_big_ints() {
    assert_eq!(
        round_trip(&u64::MAX),
        Value::from_decimal("18446744073709551615").unwrap()
    );
    assert!(matches!(round_trip(&i128::MIN), Value::BigInt(_)));
    assert!(matches!(round_trip(&i128::MAX), Value::BigInt(_)));
    assert!(matches!(round_trip(&u128::MAX), Value::BigInt(_)));
    assert_eq!(round_trip(&i64::MIN), Value::Int(i64::MIN));
    // Small ones stay `Int` whatever the Rust type.
    assert_eq!(round_trip(&5u128), Value::Int(5));
    // A big int fits any wide enough type, not only the one it came from.
    assert_eq!(
        from_value::<i128>(Value::from(u64::MAX)).unwrap(),
        u64::MAX.into()
    );
    assert_eq!(
        from_value::<u128>(Value::from(u64::MAX)).unwrap(),
        u64::MAX.into()
    );
    assert_eq!(
        from_value::<f64>(Value::from(u64::MAX)).unwrap(),
        u64::MAX as f64
    );
}

#[test]
fn floats_round_trip_including_infinities_and_nan() {
    for f in [
        0.0,
        -0.0,
        1.5,
        -1e300,
        f64::MIN_POSITIVE,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ] {
        let value = round_trip(&f);
        let Value::Float(back) = value else { panic!() };
        assert_eq!(back.to_bits(), f.to_bits(), "{f}");
    }
    let Value::Float(nan) = to_value(&f64::NAN).unwrap() else {
        panic!()
    };
    assert!(nan.is_nan());
    assert!(from_value::<f64>(Value::Float(f64::NAN)).unwrap().is_nan());
    assert_eq!(round_trip(&0.1f32), Value::Float(f64::from(0.1f32)));
    // An int is a float, as in Python.
    assert_eq!(from_value::<f64>(Value::from(3)).unwrap(), 3.0);
    assert_eq!(
        error_of::<f64>(Value::from_decimal(&"9".repeat(400)).unwrap()),
        "invalid value: int of 400 digits, expected f64"
    );
}

// ---------------------------------------------------------------- bytes

#[test]
fn python_bytes_fill_byte_vectors_and_arrays() {
    let bytes = Value::from(b"\x00\xffab".to_vec());
    assert_eq!(from_value::<Vec<u8>>(bytes.clone()).unwrap(), b"\x00\xffab");
    assert_eq!(
        from_value::<[u8; 4]>(bytes.clone()).unwrap(),
        *b"\x00\xffab"
    );
    // Like Python's `list(b"...")`.
    assert_eq!(
        from_value::<Vec<u16>>(bytes.clone()).unwrap(),
        [0, 255, 97, 98]
    );
    assert_eq!(
        error_of::<[u8; 3]>(bytes.clone()),
        "invalid length 4, expected 3 elements in sequence"
    );
    assert_eq!(
        error_of::<(u8, u8, u8, u8, u8)>(bytes),
        "invalid length 4, expected a tuple of size 5"
    );
    // A list of ints fills them as well.
    let ints = list([Value::from(1), Value::from(2)]);
    assert_eq!(from_value::<Vec<u8>>(ints).unwrap(), [1, 2]);
}

#[test]
fn byte_vectors_serialize_as_lists_and_come_back() {
    // serde does not tell `Vec<u8>` from other sequences.
    let value = round_trip(&vec![7u8, 8]);
    assert_eq!(value, list([Value::from(7), Value::from(8)]));
}

/// Serializes as bytes, as `serde_bytes` would.
#[derive(Debug, PartialEq)]
struct Blob(Vec<u8>);

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

#[test]
fn serialize_bytes_gives_python_bytes() {
    assert_eq!(
        to_value(&Blob(vec![1, 2])).unwrap(),
        Value::Bytes(vec![1, 2])
    );
    assert_eq!(
        to_value(&Value::Bytes(vec![3])).unwrap(),
        Value::Bytes(vec![3])
    );
}

#[test]
fn str_and_bytes_never_convert_into_each_other() {
    assert_eq!(
        error_of::<String>(Value::from(b"abc".to_vec())),
        "invalid type: bytes, expected a string"
    );
    assert_eq!(
        error_of::<Vec<u8>>(s("abc")),
        r#"invalid type: str "abc", expected a sequence"#
    );
}

// ---------------------------------------------------------------- serde_json

#[test]
fn json_values_convert_both_ways() {
    let json = json!({
        "name": "capy",
        "list": [1, -2, 2.5, null, true, "ü"],
        "big": u64::MAX,
        "nested": {"empty": {}, "none": []},
    });
    let value = to_value(&json).unwrap();
    // serde_json keeps its keys sorted (no `preserve_order` feature).
    assert_eq!(
        value,
        dict([
            ("big", Value::from(u64::MAX)),
            (
                "list",
                list([
                    Value::from(1),
                    Value::from(-2),
                    Value::from(2.5),
                    Value::None,
                    Value::from(true),
                    s("ü"),
                ])
            ),
            ("name", s("capy")),
            (
                "nested",
                dict([("empty", dict::<Value>([])), ("none", list([]))])
            ),
        ])
    );
    assert_eq!(from_value::<serde_json::Value>(value).unwrap(), json);
}

#[test]
fn python_only_values_into_json_fail_naming_the_python_type() {
    // JSON object keys are strings; Python dict keys need not be.
    assert!(
        error_of::<serde_json::Value>(dict([(1, s("one"))]))
            .starts_with("invalid type: int 1, expected")
    );
    assert_eq!(
        error_of::<serde_json::Value>(Value::from(vec![1u8])),
        "invalid type: bytes, expected any valid JSON value"
    );
}

#[test]
fn value_serializes_into_other_formats() {
    assert_eq!(
        serde_json::to_string(&list([
            Value::from(u128::MAX),
            Value::None,
            Value::from(b"a".as_slice())
        ]))
        .unwrap(),
        "[340282366920938463463374607431768211455,null,[97]]"
    );
    let huge = Value::from_decimal(&format!("-{}", "9".repeat(51))).unwrap();
    assert_eq!(
        serde_json::to_string(&huge).unwrap_err().to_string(),
        "int of 51 digits does not fit in 128 bits, the widest integer serde can carry"
    );
    let parsed: Value =
        serde_json::from_str(r#"{"a": [1, 18446744073709551615, -1.5, null]}"#).unwrap();
    assert_eq!(
        parsed,
        dict([(
            "a",
            list([
                Value::from(1),
                Value::from(u64::MAX),
                Value::from(-1.5),
                Value::None
            ])
        )])
    );
}

// ---------------------------------------------------------------- type errors

#[test]
fn wrong_types_are_named_as_in_python() {
    assert_eq!(
        error_of::<String>(Value::from(5)),
        "invalid type: int 5, expected a string"
    );
    assert_eq!(
        error_of::<i32>(s("5")),
        r#"invalid type: str "5", expected i32"#
    );
    assert_eq!(
        error_of::<bool>(Value::None),
        "invalid type: None, expected a boolean"
    );
    assert_eq!(
        error_of::<i64>(Value::from(1.5)),
        "invalid type: float 1.5, expected i64"
    );
    assert_eq!(
        error_of::<u8>(Value::from(true)),
        "invalid type: bool True, expected u8"
    );
    assert_eq!(
        error_of::<Vec<i32>>(dict([("a", Value::None)])),
        "invalid type: dict, expected a sequence"
    );
    assert_eq!(
        error_of::<HashMap<String, i32>>(list([])),
        "invalid type: list, expected a map"
    );
    assert_eq!(
        error_of::<()>(Value::from(0)),
        "invalid type: int 0, expected unit"
    );
    assert_eq!(
        error_of::<HashMap<String, i32>>(dict([(1, Value::from(1))])),
        "invalid type: int 1, expected a string"
    );
    assert_eq!(
        error_of::<Inner>(dict([("name", s("n"))])),
        "missing field `tags`"
    );
    let long = "x".repeat(100);
    assert_eq!(
        error_of::<u8>(s(&long)),
        format!(
            "invalid type: str of 100 chars starting {:?}, expected u8",
            &long[..40]
        )
    );
}

#[test]
fn out_of_range_ints_are_invalid_values() {
    assert_eq!(
        error_of::<u8>(Value::from(300)),
        "invalid value: int 300, expected u8"
    );
    assert_eq!(
        error_of::<u64>(Value::from(-1)),
        "invalid value: int -1, expected u64"
    );
    assert_eq!(
        error_of::<i64>(Value::from(u64::MAX)),
        "invalid value: int 18446744073709551615, expected i64"
    );
    assert_eq!(
        error_of::<i32>(Value::from(i128::MIN)),
        "invalid value: int -170141183460469231731687303715884105728, expected i32"
    );
    let beyond_u128 = Value::from_decimal(&format!("1{}", "0".repeat(40))).unwrap();
    assert_eq!(
        error_of::<i64>(beyond_u128.clone()),
        "invalid value: int 10000000000000000000000000000000000000000, expected i64"
    );
    assert!(error_of::<i128>(beyond_u128.clone()).starts_with("invalid value: int 1000"));
    assert!(error_of::<u128>(beyond_u128.clone()).starts_with("invalid value: int 1000"));
    // Not even into `Value`: serde has no integer that wide.
    assert!(error_of::<Value>(beyond_u128.clone()).starts_with("invalid value: int 1000"));
    assert_eq!(
        to_value(&beyond_u128).unwrap_err().to_string(),
        "int 10000000000000000000000000000000000000000 does not fit in 128 bits, the widest \
         integer serde can carry"
    );
}

// ---------------------------------------------------------------- depth

/// `n` lists deep, built by recursion in `serialize`: only `to_value`'s own
/// bound stops it.
struct DeepList(usize);

impl Serialize for DeepList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(1))?;
        if self.0 > 1 {
            seq.serialize_element(&DeepList(self.0 - 1))?;
        }
        seq.end()
    }
}

/// `n` newtype wrappers around `None`: no container at all, but the same
/// recursion.
struct DeepNewtype(usize);

impl Serialize for DeepNewtype {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            0 => serializer.serialize_none(),
            n => serializer.serialize_newtype_struct("DeepNewtype", &DeepNewtype(n - 1)),
        }
    }
}

const DEPTH_ERROR: &str =
    "value nests lists and dicts more than 256 levels deep (capy_value::MAX_DEPTH)";

#[test]
fn to_value_refuses_deep_nesting_instead_of_overflowing() {
    assert_eq!(to_value(&DeepList(MAX_DEPTH)).unwrap().depth(), MAX_DEPTH);
    assert_eq!(
        to_value(&DeepList(MAX_DEPTH + 1)).unwrap_err().to_string(),
        DEPTH_ERROR
    );
    assert_eq!(
        to_value(&DeepList(100_000)).unwrap_err().to_string(),
        DEPTH_ERROR
    );

    assert_eq!(to_value(&DeepNewtype(100)).unwrap(), Value::None);
    assert_eq!(
        to_value(&DeepNewtype(100_000)).unwrap_err().to_string(),
        "value nests more than 512 levels deep, counting Option and newtype wrappers as well \
         as lists and dicts"
    );

    let at_limit = nested_lists(MAX_DEPTH, Value::None);
    assert_eq!(to_value(&at_limit).unwrap(), at_limit);
    let beyond = nested_lists(MAX_DEPTH + 1, Value::None);
    assert_eq!(to_value(&beyond).unwrap_err().to_string(), DEPTH_ERROR);
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Tagged {
    Newtype(Value),
    Tuple(Value, u8),
}

#[test]
fn variants_count_their_tagging_dict_towards_the_depth() {
    // `{"Newtype": content}`: one dict around the content.
    let fits = Tagged::Newtype(nested_lists(MAX_DEPTH - 1, Value::None));
    assert_eq!(round_trip(&fits).depth(), MAX_DEPTH);
    let too_deep = Tagged::Newtype(nested_lists(MAX_DEPTH, Value::None));
    assert_eq!(to_value(&too_deep).unwrap_err().to_string(), DEPTH_ERROR);
    let Tagged::Newtype(content) = too_deep else {
        unreachable!()
    };
    assert_eq!(
        error_of::<Tagged>(dict([("Newtype", content)])),
        DEPTH_ERROR
    );

    // `{"Tuple": [content, 0]}`: a dict and a list.
    let fits = Tagged::Tuple(nested_lists(MAX_DEPTH - 2, Value::None), 0);
    assert_eq!(round_trip(&fits).depth(), MAX_DEPTH);
    let too_deep = Tagged::Tuple(nested_lists(MAX_DEPTH - 1, Value::None), 0);
    assert_eq!(to_value(&too_deep).unwrap_err().to_string(), DEPTH_ERROR);
}

/// Recursive through wrappers only: from any value but `None` it would
/// descend forever without the bound.
#[derive(Debug, Deserialize)]
struct Chain(#[allow(dead_code)] Option<Box<Chain>>);

#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct Tree {
    label: i32,
    child: Option<Box<Tree>>,
}

#[test]
fn from_value_refuses_deep_nesting_instead_of_overflowing() {
    let at_limit = nested_lists(MAX_DEPTH, Value::from(1));
    assert_eq!(from_value::<Value>(at_limit.clone()).unwrap(), at_limit);
    assert_eq!(
        error_of::<Value>(nested_lists(MAX_DEPTH + 1, Value::from(1))),
        DEPTH_ERROR
    );
    assert_eq!(
        error_of::<Chain>(Value::from(1)),
        "value nests more than 512 levels deep, counting Option and newtype wrappers as well \
         as lists and dicts"
    );

    // One wrapper per container fits all the way down.
    let mut tree = Tree {
        label: 0,
        child: None,
    };
    for label in 1..MAX_DEPTH as i32 {
        tree = Tree {
            label,
            child: Some(Box::new(tree)),
        };
    }
    let value = round_trip(&tree);
    assert_eq!(value.depth(), MAX_DEPTH);
}
