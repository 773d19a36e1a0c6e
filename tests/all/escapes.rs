//! The escape suite: every payload in `tests/escapes/<family>/*.py` runs in
//! a fresh sandbox and must not get out (see `tests/escapes/README.md`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::engine;
use crate::tree::{SECRET, Tree};

/// Families the suite must cover, with at least this many payloads each.
const FAMILIES: &[&str] = &[
    "subclasses",
    "function_internals",
    "frames_tracebacks",
    "modules_builtins",
    "string_attribute_access",
    "exception_objects",
    "constructors",
    "unicode_identifiers",
    "granted_modules",
    "contained_crashes",
    "layout_swaps",
    "guest_traps",
];
const MIN_PER_FAMILY: usize = 2;

fn payloads() -> BTreeMap<String, Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("escapes");
    let mut families = BTreeMap::new();
    for family in std::fs::read_dir(&root).expect("tests/escapes exists") {
        let family = family.unwrap().path();
        if !family.is_dir() {
            continue;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&family)
            .unwrap()
            .map(|f| f.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "py"))
            .collect();
        files.sort();
        let name = family.file_name().unwrap().to_string_lossy().into_owned();
        families.insert(name, files);
    }
    families
}

/// Why `payload` got out, if it did.
fn run_payload(payload: &Path) -> Option<String> {
    let tree = Tree::new();
    let source = std::fs::read_to_string(payload).unwrap();
    let before = tree.snapshot();
    let mut sandbox = engine()
        .sandbox()
        .dir("data", tree.grant(), capy::Access::ReadOnly)
        .build()
        .unwrap();
    let outcome = sandbox.run_named(&source, "payload.py").unwrap();
    let output = format!("{}{}", outcome.stdout_text(), outcome.stderr_text());
    let traceback = match &outcome.error {
        Some(capy::RunError::Exception(e)) => e.traceback.clone(),
        _ => String::new(),
    };
    if let Some(line) = output.lines().find(|l| l.starts_with("ESCAPED")) {
        return Some(line.to_owned());
    }
    if output.contains(SECRET) || traceback.contains(SECRET) {
        return Some("printed the canary".to_owned());
    }
    let host = tree.host_prefix();
    if output.contains(&host) || traceback.contains(&host) {
        return Some("printed a host path".to_owned());
    }
    // A payload marked `# known-crash:` documents an interpreter bug that
    // the wasm layer contains: it may crash its own sandbox, nothing more.
    let known_crash = source.starts_with("# known-crash:");
    match &outcome.error {
        Some(capy::RunError::Crashed(crash)) if !known_crash => {
            return Some(format!("crashed the guest: {crash}"));
        }
        Some(capy::RunError::Crashed(_)) => {}
        _ if known_crash => return Some("no longer crashes: drop its known-crash mark".to_owned()),
        _ => {}
    }
    if tree.snapshot() != before {
        return Some("changed the host tree".to_owned());
    }
    None
}

#[test]
fn no_payload_escapes() {
    let families = payloads();
    let mut failures = Vec::new();
    let mut counts = Vec::new();
    for family in FAMILIES {
        let files = families.get(*family).map(Vec::as_slice).unwrap_or_default();
        counts.push(format!("{family}: {}", files.len()));
        assert!(
            files.len() >= MIN_PER_FAMILY,
            "family {family} has {} payloads, wants {MIN_PER_FAMILY}",
            files.len()
        );
    }
    for (family, files) in &families {
        assert!(
            FAMILIES.contains(&family.as_str()),
            "unknown family directory {family}"
        );
        for file in files {
            if let Some(why) = run_payload(file) {
                failures.push(format!(
                    "{family}/{}: {why}",
                    file.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    eprintln!("escape payloads per family: {}", counts.join(", "));
    assert!(
        failures.is_empty(),
        "payloads that got out:\n{}",
        failures.join("\n")
    );
}
