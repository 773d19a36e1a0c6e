//! Hide patterns: entries beneath a grant that the script must not see.
//!
//! Patterns follow `.gitignore`: one without a `/` (`.git`, `*.key`) matches
//! the last component of a path at any depth; one with a `/` (`secrets/**`,
//! `/build`) is anchored at the grant root and matched against the whole
//! relative path. `*` never crosses a `/`; `**` does.

use std::sync::Arc;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// A predicate over normalized relative paths ("sub/a.txt"); true = hidden.
///
/// It decides for one path only: callers check every ancestor prefix
/// (`sub`, then `sub/a.txt`) themselves.
pub type HidePredicate = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// A hide pattern that is not a valid glob.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("hide pattern `{pattern}` is invalid: {reason}")]
pub struct HideError {
    /// The pattern as written.
    pub pattern: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Compiles patterns with globset; None for an empty list.
///
/// A trailing `/` (`build/`) is ignored: the entry is hidden whether it is a
/// directory or not. `P/**` also hides `P` itself.
pub fn compile_hide(patterns: &[String]) -> Result<Option<HidePredicate>, HideError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut names = GlobSetBuilder::new();
    let mut paths = GlobSetBuilder::new();
    for pattern in patterns {
        let err = |reason: String| HideError {
            pattern: pattern.clone(),
            reason,
        };
        let trimmed = pattern.trim_end_matches('/');
        let (anchored, body) = match trimmed.strip_prefix('/') {
            Some(rest) => (true, rest.trim_start_matches('/')),
            None => (trimmed.contains('/'), trimmed),
        };
        if body.is_empty() {
            return Err(err("the pattern is empty".to_owned()));
        }
        let glob = |text: &str| {
            GlobBuilder::new(text)
                .literal_separator(true)
                .build()
                .map_err(|e| err(e.kind().to_string()))
        };
        if anchored {
            paths.add(glob(body)?);
            if let Some(parent) = body.strip_suffix("/**")
                && !parent.is_empty()
            {
                paths.add(glob(parent)?);
            }
        } else {
            names.add(glob(body)?);
        }
    }
    let build = |builder: GlobSetBuilder| {
        builder.build().map_err(|e| HideError {
            pattern: e.glob().unwrap_or_default().to_owned(),
            reason: e.kind().to_string(),
        })
    };
    let names: GlobSet = build(names)?;
    let paths: GlobSet = build(paths)?;
    Ok(Some(Arc::new(move |path: &str| {
        let path = path.trim_matches('/');
        if path.is_empty() {
            return false;
        }
        let last = path.rsplit('/').next().unwrap_or(path);
        names.is_match(last) || paths.is_match(path)
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hide(patterns: &[&str]) -> HidePredicate {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        compile_hide(&patterns).unwrap().unwrap()
    }

    #[test]
    fn empty_list_hides_nothing() {
        assert!(compile_hide(&[]).unwrap().is_none());
    }

    #[test]
    fn names_match_the_last_component_at_any_depth() {
        let hidden = hide(&[".git", "*.key"]);
        assert!(hidden(".git"));
        assert!(hidden("x/.git"));
        assert!(hidden("a/b/.git"));
        assert!(hidden("c.key"));
        assert!(hidden("a/b/c.key"));
        assert!(!hidden("gitx"));
        assert!(!hidden(".gitx"));
        assert!(!hidden("x/.git/config"), "ancestors are the caller's job");
        assert!(!hidden("a.keys"));
        assert!(!hidden("a/b/c.keys"));
        assert!(!hidden(""));
    }

    #[test]
    fn patterns_with_a_slash_are_anchored_at_the_root() {
        let hidden = hide(&["secrets/**", "/build", "docs/*.tmp"]);
        assert!(hidden("secrets"));
        assert!(hidden("secrets/a"));
        assert!(hidden("secrets/a/b"));
        assert!(!hidden("notsecrets/a"));
        assert!(!hidden("notsecrets"));
        assert!(!hidden("x/secrets/a"));
        assert!(hidden("build"));
        assert!(!hidden("x/build"));
        assert!(hidden("docs/a.tmp"));
        assert!(!hidden("docs/sub/a.tmp"), "`*` does not cross `/`");
        assert!(!hidden("x/docs/a.tmp"));
    }

    #[test]
    fn trailing_slash_is_ignored() {
        let hidden = hide(&["target/"]);
        assert!(hidden("target"));
        assert!(hidden("a/target"));
        assert!(!hidden("targets"));
    }

    #[test]
    fn bad_patterns_are_named() {
        let err = compile_hide(&["ok".into(), "[abc".into()]).err().unwrap();
        assert_eq!(err.pattern, "[abc");
        assert!(err.to_string().contains("`[abc`"), "{err}");
        let err = compile_hide(&["/".into()]).err().unwrap();
        assert_eq!(err.pattern, "/");
        assert!(err.to_string().contains("empty"), "{err}");
    }
}
