//! Human-friendly sizes (`64MiB`, `10kB`) and durations (`2s`, `500ms`), as
//! written in policy files and CLI flags and shown in limit messages.

use std::time::Duration;

/// A size or duration that could not be parsed; the message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {input:?}: {reason}")]
pub struct ParseUnitError {
    what: &'static str,
    input: String,
    reason: &'static str,
}

const SIZE_HINT: &str = "expected a number of bytes with an optional unit: B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024), e.g. \"64MiB\"";
const DURATION_HINT: &str =
    "expected a number with a unit: ms, s, m or h, e.g. \"2s\", \"1.5s\", \"500ms\"";

/// Parses a byte size: `1048576`, `512B`, `10kB`, `64MiB`, `1.5GiB`.
///
/// Units are case-insensitive; `k/m/g` without `i` are powers of 1000, with
/// `i` powers of 1024 (as in the IEC units most tools print).
pub fn parse_size(input: &str) -> Result<u64, ParseUnitError> {
    let err = |reason| ParseUnitError {
        what: "size",
        input: input.to_owned(),
        reason,
    };
    let (number, unit) = split_number(input.trim()).ok_or_else(|| err(SIZE_HINT))?;
    let multiplier: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "ki" | "kib" => 1 << 10,
        "mi" | "mib" => 1 << 20,
        "gi" | "gib" => 1 << 30,
        _ => return Err(err(SIZE_HINT)),
    };
    let value = number * multiplier as f64;
    if !value.is_finite() || value < 0.0 || value > u64::MAX as f64 {
        return Err(err("the size is out of range"));
    }
    if value.fract() != 0.0 {
        return Err(err("the size is not a whole number of bytes"));
    }
    Ok(value as u64)
}

/// Parses a duration: `2s`, `1.5s`, `500ms`, `2m`, `1h`. A unit is required,
/// so `2` cannot silently mean two milliseconds to one reader and two
/// seconds to another.
pub fn parse_duration(input: &str) -> Result<Duration, ParseUnitError> {
    let err = |reason| ParseUnitError {
        what: "duration",
        input: input.to_owned(),
        reason,
    };
    let (number, unit) = split_number(input.trim()).ok_or_else(|| err(DURATION_HINT))?;
    let seconds_per_unit = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(err(DURATION_HINT)),
    };
    Duration::try_from_secs_f64(number * seconds_per_unit)
        .map_err(|_| err("the duration is out of range"))
}

/// Formats a size the way limit messages show it: the largest exact IEC
/// unit (`1MiB`, `64KiB`), else bytes (`1500B`).
pub fn format_size(bytes: u64) -> String {
    for (unit, size) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    format!("{bytes}B")
}

/// Formats a duration the way limit messages show it: `2s`, `1.5s`, `250ms`.
pub fn format_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else if millis >= 1000 {
        format!("{}s", duration.as_secs_f64())
    } else {
        format!("{millis}ms")
    }
}

/// Splits `"1.5MiB"` into `(1.5, "MiB")`. `None` if there is no leading number.
fn split_number(input: &str) -> Option<(f64, &str)> {
    let end = input
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(input.len());
    let (number, unit) = input.split_at(end);
    let number: String = number.chars().filter(|&c| c != '_').collect();
    let value: f64 = number.parse().ok()?;
    Some((value, unit.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_accept_decimal_and_binary_units() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("512B"), Ok(512));
        assert_eq!(parse_size("10kB"), Ok(10_000));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("64mib"), Ok(64 << 20));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size(" 2 MB "), Ok(2_000_000));
        assert_eq!(parse_size("1_000"), Ok(1000));
    }

    #[test]
    fn bad_sizes_are_rejected_with_a_hint() {
        for bad in ["", "MiB", "ten", "5 parsecs", "-1", "0.5B", "1e400GiB"] {
            let err = parse_size(bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid size"), "{bad:?}: {err}");
        }
        assert!(
            parse_size("5 parsecs")
                .unwrap_err()
                .to_string()
                .contains("MiB")
        );
    }

    #[test]
    fn durations_need_a_unit() {
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        for bad in ["2", "s", "2 fortnights", "-1s", ""] {
            let err = parse_duration(bad).unwrap_err().to_string();
            assert!(err.starts_with("invalid duration"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn formats_round_trip_through_the_parsers() {
        for size in [1u64 << 20, 64 << 10, 1500, 3 << 30, 0] {
            assert_eq!(
                parse_size(&format_size(size)),
                Ok(size),
                "{}",
                format_size(size)
            );
        }
        assert_eq!(format_size(1 << 20), "1MiB");
        for millis in [2000u64, 1500, 250, 60_000] {
            let duration = Duration::from_millis(millis);
            assert_eq!(parse_duration(&format_duration(duration)), Ok(duration));
        }
        assert_eq!(format_duration(Duration::from_secs(2)), "2s");
    }
}
