//! Property tests: the policy parser answers any input with a policy or an
//! error, never a panic, and what it accepts re-parses to the same policy.

use std::path::Path;

use capy_policy::Policy;
use proptest::prelude::*;

/// TOML-ish text built from the policy's own vocabulary, so the generator
/// reaches deep into the parser rather than failing at the first byte.
fn policy_like() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "cpu",
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
    ]);
    let header = prop::sample::select(vec!["[limits]", "[[grant]]", "[grant]", "[other]", ""]);
    prop::collection::vec((header, key, value), 0..12).prop_map(|lines| {
        lines
            .into_iter()
            .map(|(h, k, v)| format!("{h}\n{k} = {v}\n"))
            .collect()
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
}
