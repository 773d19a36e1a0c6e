//! Deterministic mode: a fixed seed for every source of randomness and a
//! clock that stands still, for reproducible runs.

use std::time::{Duration, SystemTime};

/// Deterministic mode, for reproducible runs (plugin tests): a fixed seed
/// for every source of randomness, a clock that does not move. The default
/// is neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Determinism {
    /// Seeds `random` and the sandbox's WASI randomness, if set.
    pub random_seed: Option<u64>,
    /// The wall-clock time the script always sees (`time.time()`,
    /// `datetime.now()`), if set; the monotonic clock then stands still too.
    pub clock: Option<SystemTime>,
}

impl Determinism {
    /// Whether anything is fixed.
    pub fn is_enabled(&self) -> bool {
        self.random_seed.is_some() || self.clock.is_some()
    }
}

/// The last second [`parse_clock`] accepts: 9999-12-31T23:59:59Z.
const MAX_CLOCK_SECONDS: u64 = 253_402_300_799;

/// A clock setting that could not be parsed; the message says what is
/// accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid clock {input:?}: {reason}")]
pub struct ParseClockError {
    input: String,
    reason: String,
}

const CLOCK_HINT: &str = "expected an RFC 3339 time in UTC such as \"2024-01-02T03:04:05Z\", or an integer number of seconds since the Unix epoch";

/// Parses a fixed clock: an RFC 3339 time in UTC (`2024-01-02T03:04:05Z`,
/// fractional seconds allowed; a space may replace the `T` and the `Z` may
/// be left out) or an integer number of seconds since the Unix epoch
/// (`1704164645`). Times from 1970 to the end of year 9999.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = capy_policy::parse_clock("2024-01-02T03:04:05Z").unwrap();
/// assert_eq!(t, UNIX_EPOCH + Duration::from_secs(1_704_164_645));
/// assert_eq!(capy_policy::parse_clock("1704164645").unwrap(), t);
/// assert_eq!(capy_policy::format_clock(t), "2024-01-02T03:04:05Z");
/// ```
pub fn parse_clock(input: &str) -> Result<SystemTime, ParseClockError> {
    let err = |reason: &str| ParseClockError {
        input: input.to_owned(),
        reason: reason.to_owned(),
    };
    let text = input.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<u64>()
            .ok()
            .and_then(clock_from_seconds)
            .ok_or_else(|| err("the time is after the year 9999"));
    }
    if text
        .strip_prefix('-')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(err("the time is before the Unix epoch (1970)"));
    }
    match humantime::parse_rfc3339_weak(text) {
        // humantime ignores what follows a `Z` in some positions.
        Ok(_) if !utc_suffix(text.as_bytes().get(19..).unwrap_or_default()) => Err(err(CLOCK_HINT)),
        Ok(time) => Ok(time),
        Err(humantime::TimestampError::OutOfRange) => Err(err(
            "a part of the time is out of range (the year must be 1970 to 9999)",
        )),
        Err(_) if text.ends_with(['+', '-']) || has_offset(text) => Err(err(
            "only UTC times are accepted; end the time with `Z` (e.g. \"2024-01-02T03:04:05Z\")",
        )),
        Err(_) => Err(err(CLOCK_HINT)),
    }
}

/// Whether what follows the seconds of an RFC 3339 time is an optional
/// fraction (`.5`) and then nothing, `Z` or `+00:00`.
fn utc_suffix(tail: &[u8]) -> bool {
    let rest = match tail.strip_prefix(b".") {
        Some(fraction) => {
            let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 {
                return false;
            }
            &fraction[digits..]
        }
        None => tail,
    };
    matches!(rest, b"" | b"Z" | b"+00:00")
}

/// Whether an RFC 3339-looking time ends in a UTC offset other than `Z`
/// (`+02:00`, `-05:00`), which is not supported.
fn has_offset(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() > 6 && {
        let tail = &bytes[bytes.len() - 6..];
        matches!(tail[0], b'+' | b'-')
            && tail[1].is_ascii_digit()
            && tail[2].is_ascii_digit()
            && tail[3] == b':'
            && tail[4].is_ascii_digit()
            && tail[5].is_ascii_digit()
    }
}

/// `seconds` after the Unix epoch, if within [`parse_clock`]'s range.
fn clock_from_seconds(seconds: u64) -> Option<SystemTime> {
    (seconds <= MAX_CLOCK_SECONDS).then(|| SystemTime::UNIX_EPOCH + Duration::from_secs(seconds))
}

/// Whether [`format_clock`] gives RFC 3339 text that [`parse_clock`]
/// reads back as `time`.
pub(crate) fn clock_in_range(time: SystemTime) -> bool {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .is_ok_and(|since| since.as_secs() <= MAX_CLOCK_SECONDS)
}

/// Formats a clock as RFC 3339 in UTC (`2024-01-02T03:04:05Z`, with
/// fractional seconds only if it has them), which [`parse_clock`] reads
/// back. A time outside 1970 to 9999 (possible only from code, not from
/// [`parse_clock`]) is described in seconds from the epoch instead.
pub fn format_clock(time: SystemTime) -> String {
    if clock_in_range(time) {
        // humantime prints all nine digits of a fraction; drop the trailing
        // zeros (`.5Z`, not `.500000000Z`).
        let text = humantime::format_rfc3339(time).to_string();
        return match text.strip_suffix('Z') {
            Some(stem) if stem.contains('.') => format!("{}Z", stem.trim_end_matches('0')),
            _ => text,
        };
    }
    match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => format!("{}s after the Unix epoch", after.as_secs()),
        Err(before) => format!("{}s before the Unix epoch", before.duration().as_secs_f64()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::time::UNIX_EPOCH;

    #[test]
    fn clocks_parse_in_both_forms() {
        let t = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
        assert_eq!(parse_clock("2024-01-02T03:04:05Z").unwrap(), t);
        assert_eq!(parse_clock("2024-01-02 03:04:05").unwrap(), t);
        assert_eq!(parse_clock("2024-01-02T03:04:05+00:00").unwrap(), t);
        assert_eq!(parse_clock(" 1704164645 ").unwrap(), t);
        assert_eq!(parse_clock("0").unwrap(), UNIX_EPOCH);
        assert_eq!(
            parse_clock("2024-01-02T03:04:05.25Z").unwrap(),
            t + Duration::from_millis(250)
        );
        assert_eq!(
            parse_clock("9999-12-31T23:59:59Z").unwrap(),
            UNIX_EPOCH + Duration::from_secs(MAX_CLOCK_SECONDS)
        );
        assert_eq!(
            parse_clock("253402300799").unwrap(),
            UNIX_EPOCH + Duration::from_secs(MAX_CLOCK_SECONDS)
        );
    }

    #[test]
    fn bad_clocks_say_what_is_accepted() {
        let cases = [
            ("", "expected an RFC 3339 time"),
            ("yesterday", "expected an RFC 3339 time"),
            ("2024-01-02", "expected an RFC 3339 time"),
            ("1.5", "expected an RFC 3339 time"),
            ("2024-01-02T03:04:05+02:00", "only UTC times are accepted"),
            ("2024-13-02T03:04:05Z", "out of range"),
            ("1969-12-31T23:59:59Z", "the year must be 1970 to 9999"),
            ("-1", "before the Unix epoch"),
            ("253402300800", "after the year 9999"),
            ("99999999999999999999999", "after the year 9999"),
            ("2024-01-02T03:04:05Zé", "expected an RFC 3339 time"),
            ("2024-01-02T03:04:05Zxx", "expected an RFC 3339 time"),
            ("2024-01-02T03:04:05.Z", "expected an RFC 3339 time"),
        ];
        for (input, expected) in cases {
            let err = parse_clock(input).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("invalid clock {input:?}: ")),
                "{input}: {err}"
            );
            assert!(err.contains(expected), "{input}: {err}");
        }
    }

    #[test]
    fn clocks_format_as_rfc_3339_and_parse_back() {
        for time in [
            UNIX_EPOCH,
            UNIX_EPOCH + Duration::from_secs(1_704_067_200),
            UNIX_EPOCH + Duration::new(1_704_067_200, 123_456_789),
            UNIX_EPOCH + Duration::from_secs(MAX_CLOCK_SECONDS),
        ] {
            let text = format_clock(time);
            assert_eq!(parse_clock(&text).unwrap(), time, "{text}");
        }
        assert_eq!(
            format_clock(UNIX_EPOCH + Duration::from_secs(1_704_067_200)),
            "2024-01-01T00:00:00Z"
        );
    }

    #[test]
    fn clocks_out_of_range_format_without_panicking() {
        let before = UNIX_EPOCH - Duration::from_secs(5);
        assert_eq!(format_clock(before), "5s before the Unix epoch");
        let after = UNIX_EPOCH + Duration::from_secs(MAX_CLOCK_SECONDS + 1);
        assert_eq!(format_clock(after), "253402300800s after the Unix epoch");
        assert!(!clock_in_range(before) && !clock_in_range(after));
    }

    #[test]
    fn determinism_defaults_to_off() {
        let none = Determinism::default();
        assert_eq!(none.random_seed, None);
        assert_eq!(none.clock, None);
        assert!(!none.is_enabled());
        assert!(
            Determinism {
                random_seed: Some(0),
                clock: None
            }
            .is_enabled()
        );
    }
}
