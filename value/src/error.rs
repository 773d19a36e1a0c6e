//! Errors of [`to_value`](super::to_value) and
//! [`from_value`](super::from_value), which name types as Python does.

use std::fmt::{self, Display};

use serde::de::{Expected, Unexpected};

/// A value could not be converted: the Rust type does not fit the value
/// (`invalid type: bytes, expected a string`), an int is out of range, or
/// the value nests deeper than [`MAX_DEPTH`](super::MAX_DEPTH). Types on
/// the value's side are named as in Python (`None`, `int`, `str`, `list`,
/// `dict`, ...), since a script usually supplied the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValueError {
    message: String,
}

impl ValueError {
    pub(super) fn new(message: impl Into<String>) -> ValueError {
        ValueError {
            message: message.into(),
        }
    }
}

impl serde::ser::Error for ValueError {
    fn custom<T: Display>(message: T) -> ValueError {
        ValueError::new(message.to_string())
    }
}

impl serde::de::Error for ValueError {
    fn custom<T: Display>(message: T) -> ValueError {
        ValueError::new(message.to_string())
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn Expected) -> ValueError {
        ValueError::new(format!(
            "invalid type: {}, expected {expected}",
            Python(unexpected)
        ))
    }

    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn Expected) -> ValueError {
        ValueError::new(format!(
            "invalid value: {}, expected {expected}",
            Python(unexpected)
        ))
    }
}

/// Longest `str` quoted whole in an error message, in chars.
const MAX_QUOTED_CHARS: usize = 40;

/// What serde found, as Python names it: `int 300` rather than serde's
/// ``integer `300` ``, `list` rather than `sequence`.
struct Python<'a>(Unexpected<'a>);

impl Display for Python<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Unexpected::Bool(true) => f.write_str("bool True"),
            Unexpected::Bool(false) => f.write_str("bool False"),
            Unexpected::Unsigned(n) => write!(f, "int {n}"),
            Unexpected::Signed(n) => write!(f, "int {n}"),
            Unexpected::Float(x) if x.is_nan() => f.write_str("float nan"),
            Unexpected::Float(x) if x.is_infinite() => {
                write!(f, "float {}inf", if x < 0.0 { "-" } else { "" })
            }
            Unexpected::Float(x) => write!(f, "float {x:?}"),
            Unexpected::Char(c) => write!(f, "str {:?}", c.to_string()),
            Unexpected::Str(s) => match s.char_indices().nth(MAX_QUOTED_CHARS) {
                None => write!(f, "str {s:?}"),
                Some((end, _)) => write!(
                    f,
                    "str of {} chars starting {:?}",
                    s.chars().count(),
                    &s[..end]
                ),
            },
            Unexpected::Bytes(_) => f.write_str("bytes"),
            Unexpected::Unit | Unexpected::Option => f.write_str("None"),
            Unexpected::Seq => f.write_str("list"),
            Unexpected::Map => f.write_str("dict"),
            // Rust-side notions (a newtype, an enum variant) and `Other`,
            // which the value's own descriptions (a big int) also use.
            other => Display::fmt(&other, f),
        }
    }
}
