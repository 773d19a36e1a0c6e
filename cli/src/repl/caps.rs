//! The table of what a session may reach: its grants, limits, modules and
//! any deterministic mode, shown in the banner and by `%caps`.

use std::fmt::Write as _;

use capy_policy::{format_clock, format_duration, format_size};

/// The grants (name, access, root inside the sandbox, host directory and
/// any quotas), the limits in force, the importable modules and, if set,
/// the fixed seed and clock, one line each.
pub fn table(policy: &capy::Policy) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    if policy.grants.is_empty() {
        let _ = writeln!(out, "Grants: none (no files are reachable)");
    } else {
        let _ = writeln!(out, "Grants (each is a global of its name):");
        let mut rows = vec![[
            "name".to_owned(),
            "access".to_owned(),
            "root".to_owned(),
            "host directory".to_owned(),
        ]];
        let mut notes = vec![String::new()];
        for grant in &policy.grants {
            let access = match grant.grant.access {
                capy::Access::ReadOnly => "read-only",
                capy::Access::ReadWrite => "read-write",
            };
            rows.push([
                grant.grant.name.clone(),
                access.to_owned(),
                format!("/{}", grant.grant.name),
                grant.grant.path.display().to_string(),
            ]);
            notes.push(quotas(grant));
        }
        let mut widths = [0; 4];
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        for (row, note) in rows.iter().zip(&notes) {
            let mut line = String::from("  ");
            for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
                if i + 1 == row.len() && note.is_empty() {
                    line.push_str(cell);
                } else {
                    let _ = write!(line, "{cell:<width$}  ");
                }
            }
            line.push_str(note);
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    let _ = writeln!(out, "Limits: {}", limits(&policy.limits));
    let modules = policy.modules();
    if modules.is_empty() {
        let _ = writeln!(out, "Modules: none (`import` fails)");
    } else {
        let _ = writeln!(out, "Modules: {}", modules.join(", "));
    }
    if let Some(text) = determinism(&policy.determinism) {
        let _ = writeln!(out, "Deterministic: {text}");
    }
    out
}

/// The fixed seed and clock, if either is set.
fn determinism(determinism: &capy::Determinism) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(seed) = determinism.random_seed {
        parts.push(format!("seed {seed}"));
    }
    if let Some(clock) = determinism.clock {
        parts.push(format!("clock {}", format_clock(clock)));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A grant's quotas and hidden patterns, if it has any.
fn quotas(grant: &capy::GrantPolicy) -> String {
    let mut parts = Vec::new();
    if let Some(max) = grant.max_bytes_written {
        parts.push(format!("at most {} written", format_size(max)));
    }
    if let Some(max) = grant.max_files_created {
        parts.push(format!("at most {max} files created"));
    }
    if !grant.hide.is_empty() {
        parts.push(format!("hides {}", grant.hide.join(", ")));
    }
    parts.join("; ")
}

/// The limits in one line, saying which apply to each input.
fn limits(limits: &capy::Limits) -> String {
    let mut text = format!(
        "cpu {}, wall {} and output {} per input; memory {}; {} open files",
        format_duration(limits.cpu),
        format_duration(limits.wall),
        format_size(limits.max_output),
        format_size(limits.memory),
        limits.open_files,
    );
    if let Some(total) = limits.total_cpu {
        let _ = write!(text, "; cpu {} in all", format_duration(total));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_each_grant_with_its_root_and_the_limits() {
        let mut policy = capy::Policy::default();
        policy.add_grant(capy::DirGrant::parse_cli("data=./data").unwrap().into());
        let mut out: capy::GrantPolicy = capy::DirGrant::parse_cli("out=/tmp/o:rw").unwrap().into();
        out.max_files_created = Some(3);
        policy.add_grant(out);
        let table = table(&policy);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "Grants (each is a global of its name):");
        assert_eq!(lines[1], "  name  access      root   host directory");
        assert_eq!(lines[2], "  data  read-only   /data  ./data");
        assert_eq!(
            lines[3],
            "  out   read-write  /out   /tmp/o          at most 3 files created"
        );
        assert!(
            lines[4]
                .starts_with("Limits: cpu 10s, wall 30s and output 1MiB per input; memory 256MiB"),
            "{}",
            lines[4]
        );
    }

    #[test]
    fn says_when_nothing_is_granted() {
        let table = table(&capy::Policy::default());
        assert!(table.starts_with("Grants: none"), "{table}");
        let policy = capy::Policy {
            modules: Some(vec![]),
            ..capy::Policy::default()
        };
        let table = super::table(&policy);
        assert!(
            table.contains("\nModules: none (`import` fails)\n"),
            "{table}"
        );
    }

    #[test]
    fn lists_the_modules_default_or_chosen() {
        let table = table(&capy::Policy::default());
        let line = table.lines().find(|l| l.starts_with("Modules: ")).unwrap();
        assert_eq!(
            line,
            format!("Modules: {}", capy::DEFAULT_MODULES.join(", "))
        );
        assert!(!table.contains("Deterministic"), "{table}");

        let mut policy = capy::Policy::default();
        policy.add_module("json");
        policy.add_module("re");
        let table = super::table(&policy);
        assert!(table.contains("\nModules: json, re\n"), "{table}");
    }

    #[test]
    fn shows_deterministic_mode() {
        let mut policy = capy::Policy::default();
        policy.determinism.random_seed = Some(42);
        let table = super::table(&policy);
        assert!(table.ends_with("\nDeterministic: seed 42\n"), "{table}");
        policy.determinism.clock = Some(capy_policy::parse_clock("2024-01-01T00:00:00Z").unwrap());
        let table = super::table(&policy);
        assert!(
            table.ends_with("\nDeterministic: seed 42, clock 2024-01-01T00:00:00Z\n"),
            "{table}"
        );
        policy.determinism.random_seed = None;
        let table = super::table(&policy);
        assert!(
            table.ends_with("\nDeterministic: clock 2024-01-01T00:00:00Z\n"),
            "{table}"
        );
    }
}
