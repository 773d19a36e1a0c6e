//! `glob`/`rglob`: shell-style patterns walked through host listings.
//!
//! Each directory is listed once through the capability, so a pattern can
//! only ever reach what `iterdir` could; `**` does not follow symlinks.

use std::collections::HashSet;

use rustpython_vm::{PyResult, VirtualMachine};

use super::path::Path;
use crate::capy::sandbox::fs::EntryKind;

/// Whether `name` matches the shell pattern `pattern` (`*`, `?`, `[seq]`,
/// `[!seq]`), case-sensitively, as `fnmatch.fnmatchcase` does.
pub fn fnmatch(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    // Iterative matcher with one backtrack point for the last `*`.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() {
            match pattern[p] {
                '*' => {
                    star = Some((p, n));
                    p += 1;
                    continue;
                }
                '?' => {
                    p += 1;
                    n += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = match_class(&pattern, p, name[n]) {
                        if matched {
                            p = next;
                            n += 1;
                            continue;
                        }
                    } else if name[n] == '[' {
                        // An unclosed `[` is a literal.
                        p += 1;
                        n += 1;
                        continue;
                    }
                }
                c if c == name[n] => {
                    p += 1;
                    n += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((star_p, star_n)) => {
                p = star_p + 1;
                n = star_n + 1;
                star = Some((star_p, star_n + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// Matches `c` against the class starting at `pattern[start] == '['`:
/// `Some((matched, index after the class))`, or `None` if it is unclosed.
fn match_class(pattern: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(pattern.get(i), Some('!'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < pattern.len() {
        if pattern[i] == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if i + 2 < pattern.len() && pattern[i + 1] == '-' && pattern[i + 2] != ']' {
            if pattern[i] <= c && c <= pattern[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if pattern[i] == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

fn is_magic(component: &str) -> bool {
    component.contains(['*', '?', '['])
}

/// Every path beneath `base` matching `pattern`, in listing order.
pub fn glob(base: &Path, pattern: &str, vm: &VirtualMachine) -> PyResult<Vec<Path>> {
    if pattern.is_empty() {
        return Err(vm.new_value_error(format!("Unacceptable pattern: {pattern:?}")));
    }
    if pattern.starts_with('/') {
        return Err(vm.new_not_implemented_error("Non-relative patterns are unsupported"));
    }
    let components: Vec<&str> = pattern
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if components.contains(&"..") {
        return Err(super::error::escape(
            vm,
            "'..' in a glob pattern leads outside the granted directory",
            pattern,
        ));
    }
    let mut candidates = vec![base.duplicate()];
    for (i, component) in components.iter().enumerate() {
        let last = i + 1 == components.len();
        let mut next = Vec::new();
        for dir in &candidates {
            if *component == "**" {
                descendants(dir, &mut next, vm);
            } else if is_magic(component) {
                let Ok(entries) = dir.entries(vm) else {
                    continue;
                };
                for (name, kind) in entries {
                    if fnmatch(component, &name) && (last || kind != EntryKind::File) {
                        next.push(dir.child(&name));
                    }
                }
            } else {
                let child = dir.child(component);
                if !last || child.exists_quietly() {
                    next.push(child);
                }
            }
        }
        candidates = next;
    }
    let mut seen = HashSet::new();
    candidates.retain(|p| seen.insert(p.rel()));
    Ok(candidates)
}

/// `dir` and every directory beneath it (not through symlinks), top-down.
fn descendants(dir: &Path, out: &mut Vec<Path>, vm: &VirtualMachine) {
    let mut stack = vec![dir.duplicate()];
    while let Some(current) = stack.pop() {
        let entries = current.entries(vm).unwrap_or_default();
        out.push(current.duplicate());
        for (name, kind) in entries.into_iter().rev() {
            if kind == EntryKind::Dir {
                stack.push(current.child(&name));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fnmatch;

    #[test]
    fn shell_patterns() {
        assert!(fnmatch("*.csv", "a.csv"));
        assert!(fnmatch("*", ".hidden"));
        assert!(!fnmatch("*.csv", "a.csv.bak"));
        assert!(fnmatch("a?c", "abc"));
        assert!(fnmatch("[ab]x", "bx"));
        assert!(!fnmatch("[!ab]x", "bx"));
        assert!(fnmatch("[a-c]*", "cat"));
        assert!(fnmatch("*a*b*", "xxaybz"));
        assert!(!fnmatch("*a*b", "xxaybz"));
        assert!(fnmatch("[", "["));
    }
}
