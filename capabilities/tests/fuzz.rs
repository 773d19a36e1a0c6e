//! Property tests of the host side of the guest boundary: arbitrary
//! requests (any path string, any operation, read-only or read-write) get a
//! result or an `FsError`, never a panic, and never touch anything outside
//! the granted directory.

use std::sync::Arc;

use capy_capabilities::fs::{DirCap, Grant, OpenOptions, Quotas, WriteMode, ambient_authority};
use proptest::prelude::*;

/// Paths built from the pieces that matter to traversal.
fn path() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "..",
        ".",
        "",
        "/",
        "a",
        "sub",
        "link",
        "up",
        "canary.txt",
        "\0",
        "x\\y",
        "é",
        "/etc/passwd",
        "....",
        "sub/..",
        "a.txt",
    ]);
    prop_oneof![
        prop::collection::vec(piece, 0..6).prop_map(|p| p.join("/")),
        any::<String>(),
    ]
}

#[derive(Debug, Clone)]
enum Op {
    Stat(String, bool),
    List(String),
    Read(String),
    Write(String, Vec<u8>, u8),
    Open(String, u8),
    Mkdir(String),
    RemoveFile(String),
    RemoveDir(String),
    Touch(String),
    Rename(String, String),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (path(), any::<bool>()).prop_map(|(p, f)| Op::Stat(p, f)),
        path().prop_map(Op::List),
        path().prop_map(Op::Read),
        (
            path(),
            prop::collection::vec(any::<u8>(), 0..64),
            any::<u8>()
        )
            .prop_map(|(p, d, m)| Op::Write(p, d, m)),
        (path(), any::<u8>()).prop_map(|(p, f)| Op::Open(p, f)),
        path().prop_map(Op::Mkdir),
        path().prop_map(Op::RemoveFile),
        path().prop_map(Op::RemoveDir),
        path().prop_map(Op::Touch),
        (path(), path()).prop_map(|(a, b)| Op::Rename(a, b)),
    ]
}

fn apply(cap: &DirCap, op: &Op) {
    match op {
        Op::Stat(p, follow) => drop(cap.stat(p, *follow)),
        Op::List(p) => drop(cap.list(p)),
        Op::Read(p) => drop(cap.read(p)),
        Op::Write(p, data, mode) => {
            let mode =
                [WriteMode::Truncate, WriteMode::Append, WriteMode::CreateNew][*mode as usize % 3];
            drop(cap.write(p, data, mode));
        }
        Op::Open(p, flags) => {
            let options = OpenOptions {
                read: flags & 1 != 0,
                write: flags & 2 != 0,
                append: flags & 4 != 0,
                create: flags & 8 != 0,
                create_new: flags & 16 != 0,
                truncate: flags & 32 != 0,
            };
            if let Ok(mut file) = cap.open(p, options) {
                let _ = file.read(u64::MAX);
                let _ = file.write(b"z");
                let _ = file.seek(std::io::SeekFrom::End(-1_000_000));
                let _ = file.stat();
            }
        }
        Op::Mkdir(p) => drop(cap.mkdir(p)),
        Op::RemoveFile(p) => drop(cap.remove_file(p)),
        Op::RemoveDir(p) => drop(cap.remove_dir(p)),
        Op::Touch(p) => drop(cap.touch(p)),
        Op::Rename(a, b) => drop(cap.rename(a, cap, b)),
    }
}

/// Everything outside the grant: the canary and the directory's own listing.
fn outside(root: &std::path::Path) -> (Vec<u8>, Vec<String>) {
    let canary = std::fs::read(root.join("canary.txt")).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    (canary, names)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_requests_stay_inside_and_never_panic(ops in prop::collection::vec(op(), 1..24), writable in any::<bool>()) {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("canary.txt"), "secret").unwrap();
        let granted = root.path().join("grant");
        std::fs::create_dir_all(granted.join("sub")).unwrap();
        std::fs::write(granted.join("a.txt"), "a").unwrap();
        std::os::unix::fs::symlink("../canary.txt", granted.join("link")).unwrap();
        std::os::unix::fs::symlink("..", granted.join("up")).unwrap();
        let before = outside(root.path());
        let grant = Grant::open("g", &granted, Quotas::default(), None, ambient_authority()).unwrap();
        let cap = DirCap::new(Arc::clone(&grant), writable);
        for op in &ops {
            apply(&cap, op);
        }
        prop_assert_eq!(outside(root.path()), before);
    }
}
