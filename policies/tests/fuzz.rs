//! Property tests: the policy parser answers any input with a policy or an
//! error, never a panic, and what it accepts re-parses to the same policy.

use std::path::Path;
use std::time::Duration;

use capy_policy::{Limits, Policy};
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
    ]);
    let header = prop::sample::select(vec!["[limits]", "[[grant]]", "[grant]", "[other]", ""]);
    // Top-level keys only count before the first header, so give them a
    // place of their own rather than leave them to chance.
    let top_key = prop::sample::select(vec!["functions", "function", "cpu", "grant"]);
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

/// Policies with arbitrary limits and function lists (no grants: their
/// paths would have to be absolute UTF-8 to round-trip).
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
    (limits, functions).prop_map(|(limits, functions)| Policy {
        limits,
        functions,
        ..Policy::default()
    })
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
    fn every_policy_round_trips_through_to_toml(policy in any_policy()) {
        let text = policy.to_toml();
        let again = Policy::from_toml_str(&text, Path::new("/base"));
        prop_assert_eq!(again.ok(), Some(policy), "{}", text);
    }
}
