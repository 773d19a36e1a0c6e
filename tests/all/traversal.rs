//! Hostile paths. Each attempt must fail with `PermissionError` (or a
//! not-found error) and leave the host untouched: the canary beside the
//! grant is never read, listed, overwritten or deleted.

use crate::tree::{SECRET, Tree};
use crate::{engine, granted_stdout};

/// Runs each Python expression in `attempts` (one per line) and prints the
/// exception class it raised, or `allowed: <value>` if it did not.
fn outcomes(tree: &Tree, prelude: &str, attempts: &[&str]) -> Vec<String> {
    let mut source = format!("{prelude}\nresults = []\n");
    for attempt in attempts {
        source.push_str(&format!(
            "try:\n    results.append('allowed: ' + repr({attempt}))\nexcept Exception as e:\n    results.append(type(e).__name__)\n"
        ));
    }
    source.push_str("for r in results:\n    print(r)\n");
    let stdout = granted_stdout(tree, &source);
    assert!(!stdout.contains(SECRET), "the canary leaked: {stdout}");
    stdout.lines().map(str::to_owned).collect()
}

#[track_caller]
fn assert_all_refused(tree: &Tree, prelude: &str, attempts: &[&str]) {
    let before = tree.snapshot();
    let results = outcomes(tree, prelude, attempts);
    for (attempt, result) in attempts.iter().zip(&results) {
        assert!(
            matches!(
                result.as_str(),
                "PermissionError" | "FileNotFoundError" | "NotADirectoryError"
            ),
            "{attempt} -> {result}"
        );
    }
    assert_eq!(tree.snapshot(), before, "the host tree changed");
    tree.assert_canary_intact();
}

#[test]
fn dot_dot_absolute_and_nul_paths_are_refused() {
    let tree = Tree::new();
    assert_all_refused(
        &tree,
        "",
        &[
            "(data / '..' / 'secret.txt').read_text()",
            "(data / '../secret.txt').read_text()",
            "(data / 'sub/../../secret.txt').read_text()",
            "(data / 'sub' / '..' / '..' / 'secret.txt').read_text()",
            "(out / '../../../../../../etc/passwd').read_text()",
            "(out / '..').iterdir()",
            "(out / '/etc/passwd').read_text()",
            "data.joinpath('/etc', 'passwd').read_text()",
            "(out / '/tmp/x').write_text('x')",
            "(out / 'a\\x00b').write_text('x')",
            "(data / 'a.txt\\x00.png').read_text()",
            "(out / '..' / 'secret.txt').unlink()",
            "(out / 'a.txt').rename(out / '../stolen.txt')",
            "list(data.glob('../*'))",
            "data.parent.parent / '..'",
        ],
    );
}

#[test]
fn very_long_names_fail_cleanly() {
    let tree = Tree::new();
    let before = tree.snapshot();
    let results = outcomes(
        &tree,
        "",
        &[
            "(out / ('x' * 5000)).write_text('x')",
            "(out / ('d' * 300) / 'x').mkdir(parents=True)",
            "(data / ('x' * 100000)).read_text()",
        ],
    );
    for result in &results {
        // ENAMETOOLONG is an OSError (errno 36 on Linux); any OSError subclass
        // is acceptable as long as nothing changed.
        assert!(
            ["OSError", "PermissionError", "FileNotFoundError"].contains(&result.as_str()),
            "{result}"
        );
    }
    assert_eq!(tree.snapshot(), before);
}

#[test]
fn symlinks_leading_out_are_refused() {
    let tree = Tree::new();
    tree.symlink("../secret.txt", "grant/rel-link");
    tree.symlink(tree.path("secret.txt"), "grant/abs-link");
    tree.symlink(
        format!("{}/", tree.path("other").display()),
        "grant/dir-link-slash",
    );
    tree.symlink("../other", "grant/dir-link");
    tree.symlink("..", "grant/up");
    assert_all_refused(
        &tree,
        "",
        &[
            "(data / 'rel-link').read_text()",
            "(data / 'abs-link').read_bytes()",
            "(data / 'abs-link').open().read()",
            "(out / 'rel-link').write_text('pwned')",
            "(out / 'abs-link').open('a').write('pwned')",
            "(data / 'up' / 'secret.txt').read_text()",
            "list((data / 'up').iterdir())",
            "list((data / 'dir-link').iterdir())",
            "list((data / 'dir-link-slash').iterdir())",
            "(out / 'dir-link' / 'planted.txt').write_text('x')",
            "(out / 'dir-link-slash' / 'planted.txt').write_text('x')",
            "(out / 'dir-link' / 'new').mkdir()",
            "(out / 'up' / 'secret.txt').unlink()",
            "(data / 'abs-link').stat().st_size",
        ],
    );
    // Listing shows the links but never their targets' contents.
    let listed = granted_stdout(&tree, "print(sorted(p.name for p in data.rglob('*')))");
    assert!(!listed.contains("secret.txt"), "{listed}");
}

#[test]
fn a_symlink_inside_the_grant_works() {
    let tree = Tree::new();
    tree.symlink("sub/b.csv", "grant/inner-link");
    assert_eq!(
        granted_stdout(
            &tree,
            "print((data / 'inner-link').read_text(), (data / 'inner-link').is_symlink())"
        ),
        "x,y\n1,2\n True\n"
    );
}

#[test]
fn links_cannot_be_made_and_renames_stay_inside() {
    let tree = Tree::new();
    assert_all_refused(
        &tree,
        "",
        &[
            "(out / 'hard').hardlink_to(out / 'a.txt')",
            "(out / 'soft').symlink_to('/etc/passwd')",
            "(out / 'soft').symlink_to('../secret.txt')",
            "(out / 'a.txt').chmod(0o777)",
            "(out / 'a.txt').rename(other / 'a.txt')",
            "(out / 'a.txt').replace(other / 'a.txt')",
            "(other / 'x').rename(out / 'x')",
        ],
    );
    let typed = outcomes(&tree, "", &["(out / 'a.txt').rename('/tmp/stolen')"]);
    assert_eq!(typed, ["TypeError"]);
}

#[test]
fn replacing_a_directory_with_a_symlink_between_calls_leads_nowhere() {
    let tree = Tree::new();
    let mut sandbox = engine()
        .sandbox()
        .dir("out", tree.grant(), capy::Access::ReadWrite)
        .build()
        .unwrap();
    let first = sandbox
        .run("sub = out / 'sub'\nprint(sorted(p.name for p in sub.iterdir()))")
        .unwrap();
    assert_eq!(first.stdout_text(), "['b.csv', 'deeper']\n");

    // The host (or a racing process) swaps the granted subdirectory for a
    // symlink to outside the grant.
    std::fs::rename(tree.path("grant/sub"), tree.path("moved-away")).unwrap();
    tree.symlink("../", "grant/sub");
    let before = tree.snapshot();

    let second = sandbox
        .run(
            r#"
for attempt in [
    lambda: (sub / "secret.txt").read_text(),
    lambda: (sub / "planted.txt").write_text("x"),
    lambda: (sub / "secret.txt").unlink(),
    lambda: list(sub.iterdir()),
]:
    try:
        print("allowed:", attempt())
    except OSError as e:
        print(type(e).__name__)
"#,
        )
        .unwrap();
    assert_eq!(second.error, None, "{}", second.stderr_text());
    assert!(
        !second.stdout_text().contains("allowed"),
        "{}",
        second.stdout_text()
    );
    assert_eq!(tree.snapshot(), before);
    tree.assert_canary_intact();
}

#[test]
fn a_read_only_grant_refuses_every_write_and_stays_byte_identical() {
    let tree = Tree::new();
    assert_all_refused(
        &tree,
        "",
        &[
            "(data / 'a.txt').write_text('x')",
            "(data / 'a.txt').write_bytes(b'x')",
            "(data / 'new.txt').write_text('x')",
            "(data / 'a.txt').open('w')",
            "(data / 'a.txt').open('wb')",
            "(data / 'a.txt').open('a')",
            "(data / 'a.txt').open('ab')",
            "(data / 'a.txt').open('r+')",
            "(data / 'a.txt').open('r+b')",
            "(data / 'a.txt').open('w+')",
            "(data / 'new.txt').open('x')",
            "(data / 'n').mkdir()",
            "(data / 'n/m').mkdir(parents=True)",
            "(data / 'empty').mkdir(exist_ok=True) or (data / 'empty' / 'n').mkdir()",
            "(data / 'a.txt').unlink()",
            "(data / 'empty').rmdir()",
            "(data / 'a.txt').touch()",
            "(data / 'new.txt').touch()",
            "(data / 'a.txt').rename(data / 'b.txt')",
            "(data / 'a.txt').replace(data / 'sub/b.csv')",
            "(data / 'a.txt').rename(out / 'b.txt')",
            "(data / 'a.txt').readonly().write_text('x')",
        ],
    );
}

#[test]
fn nothing_moves_authority_from_a_read_only_grant_to_a_writable_one() {
    let tree = Tree::new();
    let mut sandbox = engine()
        .sandbox()
        .dir("ro", tree.grant(), capy::Access::ReadOnly)
        .dir("rw", tree.path("other"), capy::Access::ReadWrite)
        .build()
        .unwrap();
    let before = tree.snapshot();
    let outcome = sandbox
        .run(
            r#"
for attempt in [
    lambda: (ro / "a.txt").rename(rw / "a.txt"),
    lambda: (ro / "a.txt").replace(rw / "a.txt"),
    lambda: (rw / "a.txt").hardlink_to(ro / "a.txt"),
    lambda: (rw / "link").symlink_to(ro / "a.txt"),
    lambda: (ro / "sub").rename(rw / "sub"),
    lambda: (rw / ".." / "grant" / "a.txt").write_text("x"),
]:
    try:
        print("allowed:", attempt())
    except PermissionError:
        print("PermissionError")
# Copying contents is allowed (the script may read them), but it is a copy:
(rw / "copy.txt").write_text((ro / "a.txt").read_text())
"#,
        )
        .unwrap();
    assert_eq!(outcome.error, None, "{}", outcome.stderr_text());
    assert_eq!(outcome.stdout_text(), "PermissionError\n".repeat(6));
    let mut after = tree.snapshot();
    after.remove(std::path::Path::new("other/copy.txt"));
    assert_eq!(after, before);
}
