//! Standard-library modules a sandbox may import.
//!
//! The modules are compiled into the guest; a policy only chooses which of
//! them a script's `import` can bind. The list itself is the contract's
//! ([`capy_contract::MODULES`]), which the guest's catalog is built from.

use std::collections::HashSet;

/// Every standard-library module the sandbox can grant, sorted
/// ([`capy_contract::MODULES`], the list the guest's catalog is built from).
/// Each is pure: it computes, and reaches nothing outside the interpreter
/// (`time` reads only the clock, which deterministic mode can fix).
pub const AVAILABLE_MODULES: &[&str] = capy_contract::MODULES;

/// The modules a sandbox gets when nothing says otherwise (`capy run`, the
/// REPL and the library API): all of [`AVAILABLE_MODULES`], since every one
/// is pure and harmless.
pub const DEFAULT_MODULES: &[&str] = AVAILABLE_MODULES;

/// Why a list of module names is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModuleError {
    /// The sandbox has no module of this name.
    #[error(
        "unknown module `{name}`{}; the sandbox can grant: {}",
        suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(),
        AVAILABLE_MODULES.join(", ")
    )]
    Unknown {
        /// The name given.
        name: String,
        /// A module with a similar name, if there is one.
        suggestion: Option<String>,
    },
    /// A module is listed twice.
    #[error("module `{name}` is listed twice")]
    Duplicate {
        /// The repeated name.
        name: String,
    },
}

/// Checks that every name is one of [`AVAILABLE_MODULES`] and that none
/// repeats.
///
/// ```
/// use capy_policy::{ModuleError, validate_module_names};
/// validate_module_names(["json", "re"]).unwrap();
/// let err = validate_module_names(["jsn"]).unwrap_err();
/// assert!(matches!(&err, ModuleError::Unknown { suggestion: Some(s), .. } if s == "json"));
/// assert!(validate_module_names(["os"]).unwrap_err().to_string().starts_with("unknown module `os`; "));
/// ```
pub fn validate_module_names<'a>(
    names: impl IntoIterator<Item = &'a str>,
) -> Result<(), ModuleError> {
    let mut seen = HashSet::new();
    for name in names {
        validate_module_name(name)?;
        if !seen.insert(name) {
            return Err(ModuleError::Duplicate {
                name: name.to_owned(),
            });
        }
    }
    Ok(())
}

/// Checks that `name` is one of [`AVAILABLE_MODULES`].
pub(crate) fn validate_module_name(name: &str) -> Result<(), ModuleError> {
    if AVAILABLE_MODULES.contains(&name) {
        return Ok(());
    }
    Err(ModuleError::Unknown {
        name: name.to_owned(),
        suggestion: suggest(name).map(str::to_owned),
    })
}

/// The available module closest to `name`, if it is close enough to be a
/// likely typo: a different case, or a few edits (one per three letters).
fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    let allowed = (lower.chars().count() / 3).max(1);
    AVAILABLE_MODULES
        .iter()
        .map(|module| (edit_distance(&lower, module), *module))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, module)| module)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_is_sorted_unique_and_the_default() {
        assert_eq!(AVAILABLE_MODULES.len(), 58);
        assert!(AVAILABLE_MODULES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(DEFAULT_MODULES, AVAILABLE_MODULES);
        validate_module_names(AVAILABLE_MODULES.iter().copied()).unwrap();
    }

    #[test]
    fn known_names_pass_and_an_empty_list_is_fine() {
        validate_module_names(["json", "re", "math"]).unwrap();
        validate_module_names([]).unwrap();
    }

    #[test]
    fn unknown_names_list_what_exists() {
        let err = validate_module_names(["json", "os"]).unwrap_err();
        assert_eq!(
            err,
            ModuleError::Unknown {
                name: "os".into(),
                suggestion: None
            }
        );
        let text = err.to_string();
        assert!(
            text.starts_with(
                "unknown module `os`; the sandbox can grant: __future__, abc, array, base64, binascii, "
            ),
            "{text}"
        );
        assert!(text.ends_with(", uuid, warnings, weakref, zlib"), "{text}");
        for name in ["posix", "", "importlib", "builtins", "subprocess"] {
            let err = validate_module_names([name]).unwrap_err();
            assert!(
                matches!(
                    &err,
                    ModuleError::Unknown {
                        suggestion: None,
                        ..
                    }
                ),
                "{name}: {err:?}"
            );
        }
    }

    #[test]
    fn close_names_get_a_suggestion() {
        let cases = [
            ("jsn", "json"),
            ("JSON", "json"),
            ("colections", "collections"),
            ("datatime", "datetime"),
            ("itertool", "itertools"),
            ("Random", "random"),
        ];
        for (typo, meant) in cases {
            let err = validate_module_names([typo]).unwrap_err();
            assert_eq!(
                err,
                ModuleError::Unknown {
                    name: typo.into(),
                    suggestion: Some(meant.into())
                }
            );
            assert!(
                err.to_string().starts_with(&format!(
                    "unknown module `{typo}` (did you mean `{meant}`?); "
                )),
                "{err}"
            );
        }
    }

    #[test]
    fn duplicates_are_named() {
        let err = validate_module_names(["json", "re", "json"]).unwrap_err();
        assert_eq!(
            err,
            ModuleError::Duplicate {
                name: "json".into()
            }
        );
        assert_eq!(err.to_string(), "module `json` is listed twice");
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("jsn", "json"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
