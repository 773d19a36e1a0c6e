//! Property tests: the policy parser answers any input with a policy or an
//! error, never a panic, and what it accepts re-parses to the same policy.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use capy_policy::{AVAILABLE_MODULES, Determinism, Limits, Policy, format_clock, parse_clock};
use proptest::prelude::*;

/// TOML-ish text built from the policy's own vocabulary, so the generator
/// reaches deep into the parser rather than failing at the first byte.
fn policy_like() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "cpu",
        "total_cpu",
        "wall",
        "memory",
        "output",
        "open_files",
        "name",
        "path",
        "access",
        "hide",
        "max_bytes_written",
        "max_files_created",
        "functions",
        "modules",
        "random_seed",
        "clock",
        "cpux",
        "",
    ]);
    let value = prop::sample::select(vec![
        "\"2s\"",
        "\"64MiB\"",
        "0",
        "-1",
        "18446744073709551616",
        "\"rw\"",
        "\"ro\"",
        "\"x\"",
        "[\".git\", \"[\"]",
        "\"data\"",
        "\"..\"",
        "\"\\u0000\"",
        "1.5",
        "true",
        "{}",
        "\"1e309s\"",
        "[\"notify\", \"lookup\"]",
        "[\"a\", \"a\", \"print\", \"my-fn\", \"\"]",
        "[]",
        "[1]",
        "[\"json\", \"re\"]",
        "[\"jsn\", \"os\", \"json\", \"json\"]",
        "42",
        "\"18446744073709551615\"",
        "\"2024-01-01T00:00:00Z\"",
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:00:00+02:00",
        "2024-01-01",
        "\"9999-12-31T23:59:60.999999999Z\"",
        "\"2024-01-01T00:00:00Z\\u00e9\"",
        "253402300800",
    ]);
    let header = prop::sample::select(vec![
        "[limits]",
        "[[grant]]",
        "[grant]",
        "[determinism]",
        "[[determinism]]",
        "[other]",
        "",
    ]);
    // Top-level keys only count before the first header, so give them a
    // place of their own rather than leave them to chance.
    let top_key = prop::sample::select(vec![
        "functions",
        "function",
        "modules",
        "module",
        "cpu",
        "grant",
        "determinism",
    ]);
    let top = prop::collection::vec((top_key, value.clone()), 0..3);
    let lines = prop::collection::vec((header, key, value), 0..12);
    (top, lines).prop_map(|(top, lines)| {
        let top = top.into_iter().map(|(k, v)| format!("{k} = {v}\n"));
        let lines = lines
            .into_iter()
            .map(|(h, k, v)| format!("{h}\n{k} = {v}\n"));
        top.chain(lines).collect()
    })
}

/// Durations as policies hold them: whole milliseconds, zero included
/// (parsing accepts it; only validation rejects it). Below 10^9 ms (11.5
/// days) or in whole seconds: `parse_duration` goes through an `f64`, so
/// `"3614251690ms"` comes back a nanosecond off.
fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0u64..1_000_000_000).prop_map(Duration::from_millis),
        (0u64..=1 << 40).prop_map(Duration::from_secs),
    ]
}

/// Sizes up to 2^53 bytes (8 PiB): beyond that `parse_size` goes through an
/// `f64` and loses the last bytes, so `"9007199254740993B"` does not
/// round-trip.
fn size() -> impl Strategy<Value = u64> {
    0u64..=1 << 53
}

/// Fixed clocks as [`capy_policy::parse_clock`] accepts them: from 1970 to
/// the last nanosecond of the year 9999.
fn clock() -> impl Strategy<Value = SystemTime> {
    (0u64..=253_402_300_799, 0u32..1_000_000_000)
        .prop_map(|(secs, nanos)| UNIX_EPOCH + Duration::new(secs, nanos))
}

/// Policies with arbitrary limits, function and module lists and
/// determinism (no grants: their paths would have to be absolute UTF-8 to
/// round-trip).
fn any_policy() -> impl Strategy<Value = Policy> {
    let limits = (
        size(),
        duration(),
        prop::option::of(duration()),
        duration(),
        size(),
        any::<u32>(),
    )
        .prop_map(
            |(max_output, cpu, total_cpu, wall, memory, open_files)| Limits {
                max_output,
                cpu,
                total_cpu,
                wall,
                memory,
                open_files,
            },
        );
    let functions = prop::option::of(prop::collection::vec(any::<String>(), 0..4));
    let modules = prop::option::of(prop::collection::vec(
        prop_oneof![
            prop::sample::select(AVAILABLE_MODULES).prop_map(str::to_owned),
            any::<String>(),
        ],
        0..4,
    ));
    let determinism = (prop::option::of(any::<u64>()), prop::option::of(clock()))
        .prop_map(|(random_seed, clock)| Determinism { random_seed, clock });
    (limits, functions, modules, determinism).prop_map(
        |(limits, functions, modules, determinism)| Policy {
            limits,
            functions,
            modules,
            determinism,
            ..Policy::default()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = Policy::from_toml_str(&text, Path::new("/base"));
    }

    #[test]
    fn policy_like_text_never_panics_and_accepted_policies_round_trip(text in policy_like()) {
        if let Ok(policy) = Policy::from_toml_str(&text, Path::new("/base")) {
            let _ = policy.validate();
            let again = Policy::from_toml_str(&policy.to_toml(), Path::new("/base"));
            prop_assert_eq!(again.ok(), Some(policy));
        }
    }

    #[test]
    fn arbitrary_clock_text_never_panics(text in any::<String>()) {
        let _ = parse_clock(&text);
    }

    #[test]
    fn clocks_round_trip_through_format_clock(time in clock()) {
        let text = format_clock(time);
        prop_assert_eq!(parse_clock(&text), Ok(time), "{}", text);
    }

    #[test]
    fn every_policy_round_trips_through_to_toml(policy in any_policy()) {
        let text = policy.to_toml();
        let again = Policy::from_toml_str(&text, Path::new("/base"));
        prop_assert_eq!(again.ok(), Some(policy), "{}", text);
    }
}
