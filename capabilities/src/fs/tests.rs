//! Tests for the fs module: happy paths, and above all that nothing escapes
//! the grant or leaks host paths.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tempfile::TempDir;

use super::*;

/// A temp dir with `root/` granted and a `canary` file next to it (outside).
struct Fixture {
    tmp: TempDir,
    root: PathBuf,
}

const CANARY: &[u8] = b"outside, must never change";

impl Fixture {
    fn new() -> Fixture {
        let tmp = TempDir::new().unwrap();
        let root = tmp.path().join("root");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(tmp.path().join("canary"), CANARY).unwrap();
        std::fs::create_dir(tmp.path().join("outdir")).unwrap();
        std::fs::write(tmp.path().join("outdir/secret"), CANARY).unwrap();
        Fixture { tmp, root }
    }

    fn grant(&self, quotas: Quotas, hide: Option<HideFn>) -> DirCap {
        self.grant_named("g", &self.root, quotas, hide)
    }

    fn grant_named(&self, name: &str, path: &Path, quotas: Quotas, hide: Option<HideFn>) -> DirCap {
        let grant = Grant::open(name, path, quotas, hide, ambient_authority()).unwrap();
        DirCap::new(grant, true)
    }

    fn rw(&self) -> DirCap {
        self.grant(Quotas::default(), None)
    }

    fn host(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Asserts the error has `kind` and does not mention any host path.
    fn check<T: std::fmt::Debug>(&self, result: Result<T, FsError>, kind: FsErrorKind) {
        check_at(self.tmp.path(), result, kind);
    }

    fn canary_intact(&self) {
        assert_eq!(
            std::fs::read(self.tmp.path().join("canary")).unwrap(),
            CANARY
        );
        assert_eq!(
            std::fs::read(self.tmp.path().join("outdir/secret")).unwrap(),
            CANARY
        );
        assert!(!self.tmp.path().join("new").exists());
        assert!(!self.tmp.path().join("outdir/new").exists());
    }
}

/// Asserts the error has `kind` and does not mention the host path `host`.
fn check_at<T: std::fmt::Debug>(host: &Path, result: Result<T, FsError>, kind: FsErrorKind) {
    let err = result.unwrap_err();
    assert_eq!(err.kind, kind, "{err}");
    let text = err.to_string();
    let host = host.to_string_lossy();
    assert!(!text.contains(host.as_ref()), "{text}");
    assert!(!format!("{err:?}").contains(host.as_ref()));
}

fn write_opts() -> OpenOptions {
    OpenOptions {
        write: true,
        create: true,
        truncate: true,
        ..Default::default()
    }
}

#[test]
fn normalization() {
    assert_eq!(path::normalize("a/./b").unwrap(), "a/b");
    assert_eq!(path::normalize("a/../b").unwrap(), "b");
    assert_eq!(path::normalize("").unwrap(), "");
    assert_eq!(path::normalize(".").unwrap(), "");
    assert_eq!(path::normalize("a/").unwrap(), "a");
    assert_eq!(path::normalize("a//b/").unwrap(), "a/b");
    assert_eq!(path::normalize("a\\b").unwrap(), "a\\b");
    for bad in [
        "..",
        "a/../..",
        "/etc/passwd",
        "a\0b",
        "../canary",
        "./../x",
    ] {
        let err = path::normalize(bad).unwrap_err();
        assert_eq!(err.kind, FsErrorKind::PermissionDenied, "{bad:?}");
    }
    // Echoed raw paths are bounded.
    let long = format!("/{}", "x".repeat(10_000));
    assert_eq!(path::normalize(&long).unwrap_err().path.len(), 200);
}

#[test]
fn escapes_are_refused_through_every_op() {
    let f = Fixture::new();
    let d = f.rw();
    for bad in [
        "..",
        "../canary",
        "a/../../canary",
        "/etc/passwd",
        "a\0b",
        "../outdir/new",
    ] {
        f.check(d.read(bad), FsErrorKind::PermissionDenied);
        f.check(d.stat(bad, true), FsErrorKind::PermissionDenied);
        f.check(d.list(bad), FsErrorKind::PermissionDenied);
        f.check(
            d.write(bad, b"x", WriteMode::Truncate),
            FsErrorKind::PermissionDenied,
        );
        f.check(
            d.write(bad, b"x", WriteMode::Append),
            FsErrorKind::PermissionDenied,
        );
        f.check(d.open(bad, write_opts()), FsErrorKind::PermissionDenied);
        f.check(d.mkdir(bad), FsErrorKind::PermissionDenied);
        f.check(d.remove_file(bad), FsErrorKind::PermissionDenied);
        f.check(d.touch(bad), FsErrorKind::PermissionDenied);
        f.check(d.rename("x", &d, bad), FsErrorKind::PermissionDenied);
        f.check(d.rename(bad, &d, "x"), FsErrorKind::PermissionDenied);
    }
    f.canary_intact();
    assert_eq!(d.list("").unwrap(), vec![]);
}

#[test]
fn root_cannot_be_modified() {
    let f = Fixture::new();
    let d = f.rw();
    for root in ["", ".", "a/.."] {
        f.check(
            d.write(root, b"x", WriteMode::Truncate),
            FsErrorKind::PermissionDenied,
        );
        f.check(d.mkdir(root), FsErrorKind::PermissionDenied);
        f.check(d.remove_dir(root), FsErrorKind::PermissionDenied);
        f.check(d.touch(root), FsErrorKind::PermissionDenied);
        f.check(d.rename(root, &d, "x"), FsErrorKind::PermissionDenied);
        f.check(
            d.open(root, OpenOptions::default()),
            FsErrorKind::IsADirectory,
        );
        f.check(d.read(root), FsErrorKind::IsADirectory);
    }
    assert_eq!(d.stat("", true).unwrap().kind, EntryKind::Dir);
    assert!(f.root.is_dir());
}

#[test]
fn happy_paths() {
    let f = Fixture::new();
    let d = f.rw();
    d.write("b.txt", b"hello", WriteMode::Truncate).unwrap();
    assert_eq!(d.read("b.txt").unwrap(), b"hello");
    d.write("b.txt", b" world", WriteMode::Append).unwrap();
    assert_eq!(d.read("./b.txt").unwrap(), b"hello world");
    d.write("b.txt", b"new", WriteMode::Truncate).unwrap();
    assert_eq!(std::fs::read(f.host("b.txt")).unwrap(), b"new");
    f.check(
        d.write("b.txt", b"x", WriteMode::CreateNew),
        FsErrorKind::AlreadyExists,
    );
    d.write("c.txt", b"c", WriteMode::CreateNew).unwrap();

    d.mkdir("sub").unwrap();
    f.check(d.mkdir("sub"), FsErrorKind::AlreadyExists);
    f.check(d.mkdir("x/y"), FsErrorKind::NotFound);
    d.write("sub/a.txt", b"a", WriteMode::Truncate).unwrap();
    d.write("a.txt", b"a", WriteMode::Truncate).unwrap();

    let names: Vec<_> = d
        .list("")
        .unwrap()
        .into_iter()
        .map(|e| (e.name, e.kind))
        .collect();
    assert_eq!(
        names,
        vec![
            ("a.txt".into(), EntryKind::File),
            ("b.txt".into(), EntryKind::File),
            ("c.txt".into(), EntryKind::File),
            ("sub".into(), EntryKind::Dir),
        ]
    );
    assert_eq!(d.list("sub/").unwrap().len(), 1);
    f.check(d.list("a.txt"), FsErrorKind::NotADirectory);
    f.check(d.list("missing"), FsErrorKind::NotFound);

    let st = d.stat("b.txt", true).unwrap();
    assert_eq!(st.kind, EntryKind::File);
    assert_eq!(st.size, 3);
    assert!(st.modified_ns.unwrap() > 0);
    assert_ne!(st.mode & 0o200, 0);
    assert_eq!(d.readonly().stat("b.txt", true).unwrap().mode & 0o222, 0);
    assert_eq!(d.stat("sub", false).unwrap().kind, EntryKind::Dir);
    f.check(d.stat("nope", true), FsErrorKind::NotFound);
    f.check(d.read("sub"), FsErrorKind::IsADirectory);
    f.check(d.read("nope"), FsErrorKind::NotFound);

    // rename replaces an existing file
    d.rename("a.txt", &d, "sub/a.txt").unwrap();
    assert!(!f.host("a.txt").exists());
    d.rename("c.txt", &d.clone(), "b.txt").unwrap();
    assert_eq!(d.read("b.txt").unwrap(), b"c");
    f.check(d.rename("missing", &d, "z"), FsErrorKind::NotFound);

    // touch creates, then updates mtime
    d.touch("t").unwrap();
    assert_eq!(d.read("t").unwrap(), b"");
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    std::fs::File::options()
        .write(true)
        .open(f.host("t"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    assert_eq!(
        d.stat("t", true).unwrap().modified_ns,
        Some(1_000_000_000_000_000)
    );
    d.touch("t").unwrap();
    assert!(d.stat("t", true).unwrap().modified_ns.unwrap() > 1_000_000_000_000_000);
    d.touch("sub").unwrap();

    // removal
    f.check(d.remove_dir("sub"), FsErrorKind::NotEmpty);
    f.check(d.remove_file("sub"), FsErrorKind::IsADirectory);
    d.remove_file("sub/a.txt").unwrap();
    d.remove_dir("sub").unwrap();
    d.remove_file("t").unwrap();
    f.check(d.remove_file("t"), FsErrorKind::NotFound);
    assert_eq!(d.grant_name(), "g");
    assert!(d.is_writable() && !d.readonly().is_writable());
    assert!(d.same_grant(&d.readonly()));
    f.canary_intact();
}

#[test]
fn readonly_refuses_every_write() {
    let f = Fixture::new();
    std::fs::write(f.host("keep"), b"content").unwrap();
    std::fs::create_dir(f.host("dir")).unwrap();
    let rw = f.rw();
    let ro = rw.readonly();
    let deny = FsErrorKind::PermissionDenied;
    f.check(ro.write("keep", b"x", WriteMode::Truncate), deny);
    f.check(ro.write("new", b"x", WriteMode::CreateNew), deny);
    f.check(ro.mkdir("d2"), deny);
    f.check(ro.remove_file("keep"), deny);
    f.check(ro.remove_dir("dir"), deny);
    f.check(ro.touch("keep"), deny);
    f.check(ro.touch("new"), deny);
    f.check(ro.rename("keep", &rw, "moved"), deny);
    f.check(rw.rename("keep", &ro, "moved"), deny);
    for opts in [
        write_opts(),
        OpenOptions {
            write: true,
            ..Default::default()
        },
        OpenOptions {
            append: true,
            ..Default::default()
        },
        OpenOptions {
            truncate: true,
            read: true,
            ..Default::default()
        },
        OpenOptions {
            create: true,
            read: true,
            ..Default::default()
        },
        OpenOptions {
            create_new: true,
            ..Default::default()
        },
    ] {
        f.check(ro.open("keep", opts), deny);
        f.check(ro.open("new", opts), deny);
    }
    assert_eq!(std::fs::read(f.host("keep")).unwrap(), b"content");
    assert!(!f.host("new").exists() && f.host("dir").is_dir());
    // Reading still works.
    assert_eq!(ro.read("keep").unwrap(), b"content");
    let mut file = ro.open("keep", OpenOptions::default()).unwrap();
    assert_eq!(file.read(100).unwrap(), b"content");
    f.check(file.write(b"x"), FsErrorKind::NotWritable);
    assert_eq!(file.stat().unwrap().mode & 0o222, 0);
}

#[cfg(unix)]
#[test]
fn symlinks_cannot_escape() {
    use std::os::unix::fs::symlink;
    let f = Fixture::new();
    let outside = f.tmp.path();
    symlink("../canary", f.host("rel")).unwrap();
    symlink(outside.join("canary"), f.host("abs")).unwrap();
    symlink("../outdir/", f.host("dirslash")).unwrap();
    symlink(outside.join("outdir"), f.host("dirabs")).unwrap();
    symlink("../outdir", f.host("dirrel")).unwrap();
    std::fs::write(f.host("inside"), b"in").unwrap();
    symlink("inside", f.host("good")).unwrap();
    std::fs::create_dir(f.host("sub")).unwrap();
    symlink("../inside", f.host("sub/up")).unwrap();
    symlink("loop", f.host("loop")).unwrap();
    let d = f.rw();

    let escape = |kind: FsErrorKind| {
        assert!(
            matches!(kind, FsErrorKind::PermissionDenied | FsErrorKind::NotFound),
            "{kind:?}"
        )
    };
    for link in [
        "rel",
        "abs",
        "dirslash/secret",
        "dirabs/secret",
        "dirrel/secret",
    ] {
        escape(d.read(link).unwrap_err().kind);
        escape(d.stat(link, true).unwrap_err().kind);
        escape(
            d.write(link, b"pwned", WriteMode::Truncate)
                .unwrap_err()
                .kind,
        );
        escape(d.write(link, b"pwned", WriteMode::Append).unwrap_err().kind);
        escape(d.open(link, write_opts()).unwrap_err().kind);
        escape(d.open(link, OpenOptions::default()).unwrap_err().kind);
        escape(d.touch(link).unwrap_err().kind);
        let kind = d.read(link).unwrap_err().kind;
        f.check(d.read(link), kind);
    }
    for dirlink in ["dirslash", "dirabs", "dirrel", "dirslash/", "dirrel/."] {
        escape(d.list(dirlink).unwrap_err().kind);
        escape(
            d.write(&format!("{dirlink}/new"), b"x", WriteMode::Truncate)
                .unwrap_err()
                .kind,
        );
        escape(d.mkdir(&format!("{dirlink}/new")).unwrap_err().kind);
        escape(d.touch(&format!("{dirlink}/new")).unwrap_err().kind);
        escape(
            d.remove_file(&format!("{dirlink}/secret"))
                .unwrap_err()
                .kind,
        );
        escape(
            d.rename("inside", &d, &format!("{dirlink}/new"))
                .unwrap_err()
                .kind,
        );
    }
    escape(d.read("loop").unwrap_err().kind);
    f.canary_intact();
    assert!(f.host("inside").exists());

    // Without following, the links themselves are visible.
    assert_eq!(d.stat("abs", false).unwrap().kind, EntryKind::Symlink);
    assert!(
        d.list("")
            .unwrap()
            .iter()
            .any(|e| e.name == "rel" && e.kind == EntryKind::Symlink)
    );
    // Links that stay inside work.
    assert_eq!(d.read("good").unwrap(), b"in");
    assert_eq!(d.read("sub/up").unwrap(), b"in");
    d.write("good", b"via link", WriteMode::Truncate).unwrap();
    assert_eq!(std::fs::read(f.host("inside")).unwrap(), b"via link");
    // Removing an escaping link removes only the link.
    d.remove_file("abs").unwrap();
    f.canary_intact();
}

#[test]
fn rename_between_grants_refused() {
    let f = Fixture::new();
    std::fs::create_dir(f.tmp.path().join("other")).unwrap();
    let a = f.rw();
    let b = f.grant_named("b", &f.tmp.path().join("other"), Quotas::default(), None);
    // A second grant on the very same directory is still a different grant.
    let a2 = f.grant_named("a2", &f.root, Quotas::default(), None);
    a.write("src", b"s", WriteMode::Truncate).unwrap();
    f.check(a.rename("src", &b, "dst"), FsErrorKind::PermissionDenied);
    f.check(
        a.readonly().rename("src", &b, "dst"),
        FsErrorKind::PermissionDenied,
    );
    f.check(a.rename("src", &a2, "dst"), FsErrorKind::PermissionDenied);
    f.check(b.rename("src", &a, "dst"), FsErrorKind::PermissionDenied);
    assert!(!a.same_grant(&a2));
    assert_eq!(a.read("src").unwrap(), b"s");
    assert!(!f.tmp.path().join("other/dst").exists());
    assert!(!f.host("dst").exists());
}

#[test]
fn hidden_paths_behave_as_missing() {
    let f = Fixture::new();
    std::fs::create_dir_all(f.host("x/.git")).unwrap();
    std::fs::create_dir_all(f.host(".git")).unwrap();
    std::fs::write(f.host("x/.git/config"), b"cfg").unwrap();
    std::fs::write(f.host("id.key"), b"secret").unwrap();
    std::fs::write(f.host("x/visible"), b"v").unwrap();
    let hide: HideFn = Arc::new(|p: &str| {
        let name = p.rsplit('/').next().unwrap_or(p);
        name == ".git" || name.ends_with(".key")
    });
    let d = f.grant(Quotas::default(), Some(hide));
    let names =
        |p: &str| -> Vec<String> { d.list(p).unwrap().into_iter().map(|e| e.name).collect() };
    assert_eq!(names(""), vec!["x"]);
    assert_eq!(names("x"), vec!["visible"]);
    let nf = FsErrorKind::NotFound;
    for p in ["id.key", ".git", "x/.git", "x/.git/config", "x/../id.key"] {
        f.check(d.read(p), nf);
        f.check(d.stat(p, false), nf);
        f.check(d.list(p), nf);
        f.check(d.write(p, b"x", WriteMode::Truncate), nf);
        f.check(d.open(p, OpenOptions::default()), nf);
        f.check(d.remove_file(p), nf);
        f.check(d.touch(p), nf);
        f.check(d.rename("x/visible", &d, p), nf);
    }
    f.check(d.write("new.key", b"x", WriteMode::CreateNew), nf);
    f.check(d.mkdir(".git/hooks"), nf);
    assert!(!f.host("new.key").exists());
    assert_eq!(std::fs::read(f.host("x/.git/config")).unwrap(), b"cfg");
    assert_eq!(std::fs::read(f.host("id.key")).unwrap(), b"secret");
}

/// Issue 23 item 12: what a hidden entry may reveal. Nothing about itself
/// (name, kind, size), and not whether it exists; only that a directory
/// holding it is not empty when the script tries to remove that directory
/// (or rename it, see `renames_never_change_what_is_hidden`), since the
/// alternatives are deleting what the script may not touch or lying.
#[test]
fn a_hidden_entry_reveals_only_that_its_directory_is_not_empty() {
    let f = Fixture::new();
    std::fs::create_dir_all(f.host("holds_hidden")).unwrap();
    std::fs::create_dir_all(f.host("empty")).unwrap();
    for i in 0..200 {
        // Long names: a directory's on-disk size grows with them.
        let name = format!("holds_hidden/{i:0>200}.key");
        std::fs::write(f.host(&name), b"secret").unwrap();
    }
    let d = f.grant(Quotas::default(), Some(hide_keys()));
    assert!(d.list("holds_hidden").unwrap().is_empty());
    // The same metadata as a truly empty directory, size included.
    let (hidden, empty) = (
        d.stat("holds_hidden", true).unwrap(),
        d.stat("empty", true).unwrap(),
    );
    assert_eq!(
        (hidden.kind, hidden.size, hidden.mode),
        (empty.kind, empty.size, empty.mode)
    );
    assert_eq!(d.stat("", true).unwrap().size, 0);
    // Removing it fails as for any directory that is not empty, naming only
    // the directory, and leaves the hidden files where they were.
    f.check(d.remove_dir("holds_hidden"), FsErrorKind::NotEmpty);
    assert!(f.host(&format!("holds_hidden/{:0>200}.key", 0)).exists());
    d.remove_dir("empty").unwrap();
    // A hidden name that exists and one that does not look the same.
    std::fs::write(f.host("real.key"), b"secret").unwrap();
    for p in ["real.key", "absent.key"] {
        f.check(d.read(p), FsErrorKind::NotFound);
        f.check(d.stat(p, false), FsErrorKind::NotFound);
        f.check(d.remove_file(p), FsErrorKind::NotFound);
        f.check(
            d.write(p, b"x", WriteMode::CreateNew),
            FsErrorKind::NotFound,
        );
        f.check(d.mkdir(p), FsErrorKind::NotFound);
    }
}

fn hide_keys() -> HideFn {
    Arc::new(|p: &str| p.ends_with(".key"))
}

/// Issue 23 item 12: on a read-only capability every write used to fail
/// with NotFound at a hidden name but PermissionDenied elsewhere, which
/// told the script which names the hide rules match. The right is checked
/// first now: the same error whatever the name.
#[test]
fn a_read_only_capability_refuses_writes_alike_at_hidden_and_visible_names() {
    let f = Fixture::new();
    std::fs::write(f.host("real.key"), b"secret").unwrap();
    std::fs::write(f.host("visible"), b"v").unwrap();
    let ro = f.grant(Quotas::default(), Some(hide_keys())).readonly();
    let denied = FsErrorKind::PermissionDenied;
    for p in [
        "real.key",
        "absent.key",
        "visible",
        "missing",
        "sub/new.key",
    ] {
        f.check(ro.write(p, b"x", WriteMode::Truncate), denied);
        f.check(ro.write(p, b"x", WriteMode::CreateNew), denied);
        f.check(
            ro.open(
                p,
                OpenOptions {
                    write: true,
                    create: true,
                    ..OpenOptions::default()
                },
            ),
            denied,
        );
        f.check(ro.mkdir(p), denied);
        f.check(ro.remove_file(p), denied);
        f.check(ro.remove_dir(p), denied);
        f.check(ro.touch(p), denied);
        f.check(ro.rename(p, &ro, "elsewhere"), denied);
        f.check(ro.rename("visible", &ro, p), denied);
    }
    assert_eq!(std::fs::read(f.host("real.key")).unwrap(), b"secret");
    assert_eq!(std::fs::read(f.host("visible")).unwrap(), b"v");
}

#[test]
fn quotas_are_enforced() {
    let f = Fixture::new();
    let quotas = Quotas {
        max_bytes_written: Some(10),
        max_files_created: Some(2),
    };
    let grant = Grant::open("q", &f.root, quotas, None, ambient_authority()).unwrap();
    let d = DirCap::new(Arc::clone(&grant), true);
    d.write("a", b"123456", WriteMode::Truncate).unwrap();
    f.check(
        d.write("a", b"12345", WriteMode::Append),
        FsErrorKind::BytesQuotaExceeded,
    );
    assert_eq!(std::fs::read(f.host("a")).unwrap(), b"123456");
    d.write("a", b"1234", WriteMode::Truncate).unwrap();
    assert_eq!(grant.bytes_written(), 10);
    // Bytes via FileCap count too.
    let mut file = d
        .open(
            "a",
            OpenOptions {
                append: true,
                ..Default::default()
            },
        )
        .unwrap();
    f.check(file.write(b"x"), FsErrorKind::BytesQuotaExceeded);
    assert_eq!(file.write(b"").unwrap(), 0);
    assert_eq!(std::fs::read(f.host("a")).unwrap(), b"1234");

    // Files: "a" was one; one more allowed.
    d.mkdir("dir").unwrap();
    f.check(d.touch("t"), FsErrorKind::FilesQuotaExceeded);
    f.check(d.mkdir("dir2"), FsErrorKind::FilesQuotaExceeded);
    f.check(d.open("n", write_opts()), FsErrorKind::FilesQuotaExceeded);
    f.check(
        d.write("n", b"", WriteMode::Truncate),
        FsErrorKind::FilesQuotaExceeded,
    );
    assert!(!f.host("t").exists() && !f.host("n").exists() && !f.host("dir2").exists());
    // Failed creations are not counted; overwriting existing files is no creation.
    f.check(d.mkdir("dir"), FsErrorKind::AlreadyExists);
    d.touch("a").unwrap();
    d.open("a", write_opts()).unwrap();
    assert_eq!(grant.files_created(), 2);
    assert_eq!(grant.bytes_written(), 10);
}

#[test]
fn file_cap_operations() {
    let f = Fixture::new();
    let d = f.rw();
    d.write("data", b"0123456789", WriteMode::Truncate).unwrap();
    let mut r = d
        .open(
            "data",
            OpenOptions {
                read: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(r.path(), "data");
    assert_eq!(r.read(4).unwrap(), b"0123");
    assert_eq!(r.read(4).unwrap(), b"4567");
    assert_eq!(r.seek(SeekFrom::Current(0)).unwrap(), 8);
    assert_eq!(r.read(u64::MAX).unwrap(), b"89");
    assert_eq!(r.read(u64::MAX).unwrap(), b"");
    assert_eq!(r.seek(SeekFrom::Start(2)).unwrap(), 2);
    assert_eq!(r.read(3).unwrap(), b"234");
    assert_eq!(r.seek(SeekFrom::End(-1)).unwrap(), 9);
    f.check(r.seek(SeekFrom::Current(-100)), FsErrorKind::InvalidInput);
    f.check(r.write(b"x"), FsErrorKind::NotWritable);
    assert_eq!(r.stat().unwrap().size, 10);

    let mut w = d
        .open(
            "./out",
            OpenOptions {
                create: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(w.path(), "out");
    f.check(w.read(10), FsErrorKind::NotReadable);
    assert_eq!(w.write(b"abc").unwrap(), 3);
    w.seek(SeekFrom::Start(1)).unwrap();
    w.write(b"X").unwrap();
    assert_eq!(d.read("out").unwrap(), b"aXc");

    let mut a = d
        .open(
            "out",
            OpenOptions {
                append: true,
                read: true,
                ..Default::default()
            },
        )
        .unwrap();
    a.write(b"!").unwrap();
    assert_eq!(d.read("out").unwrap(), b"aXc!");
    a.seek(SeekFrom::Start(0)).unwrap();
    assert_eq!(a.read(2).unwrap(), b"aX");

    f.check(
        d.open("missing", OpenOptions::default()),
        FsErrorKind::NotFound,
    );
    f.check(
        d.open(
            "out",
            OpenOptions {
                create_new: true,
                ..Default::default()
            },
        ),
        FsErrorKind::AlreadyExists,
    );
    d.mkdir("dir").unwrap();
    f.check(
        d.open("dir", OpenOptions::default()),
        FsErrorKind::IsADirectory,
    );
    f.check(d.open("dir", write_opts()), FsErrorKind::IsADirectory);
    f.check(
        d.open("data/x", OpenOptions::default()),
        FsErrorKind::NotADirectory,
    );
}

#[test]
fn whole_read_is_bounded() {
    let f = Fixture::new();
    let file = std::fs::File::create(f.host("big")).unwrap();
    file.set_len(MAX_WHOLE_READ + 1).unwrap();
    let d = f.rw();
    f.check(d.read("big"), FsErrorKind::TooLarge);
    let mut h = d.open("big", OpenOptions::default()).unwrap();
    assert_eq!(h.read(u64::MAX).unwrap().len() as u64, MAX_CHUNK);
}

/// Makes a FIFO at `path` (host side), through rustix.
#[cfg(unix)]
fn mkfifo(path: &Path) {
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        path,
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .unwrap();
}

/// Runs `body` on its own thread and fails if it has not finished within
/// `limit`: a blocked open must fail the test, not hang it.
fn within<T: Send + 'static>(
    limit: std::time::Duration,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(body());
    });
    rx.recv_timeout(limit)
        .expect("a capability call blocked (an open waited on a FIFO?)")
}

#[cfg(unix)]
#[test]
fn special_files_are_refused() {
    let f = Fixture::new();
    mkfifo(&f.host("fifo"));
    std::fs::create_dir(f.host("d")).unwrap();
    mkfifo(&f.host("d/fifo"));
    // A socket: the other special file a host process can leave in a grant.
    let _sock = std::os::unix::net::UnixListener::bind(f.host("sock")).unwrap();
    let d = f.rw();
    let host = f.tmp.path().to_owned();
    within(std::time::Duration::from_secs(10), move || {
        for p in ["fifo", "d/fifo", "sock"] {
            // None of these may block, and none may hand out a handle.
            check_at(&host, d.read(p), FsErrorKind::Other);
            check_at(&host, d.open(p, OpenOptions::default()), FsErrorKind::Other);
            check_at(&host, d.open(p, write_opts()), FsErrorKind::Other);
            let append = OpenOptions {
                append: true,
                ..Default::default()
            };
            check_at(&host, d.open(p, append), FsErrorKind::Other);
            check_at(
                &host,
                d.write(p, b"x", WriteMode::Append),
                FsErrorKind::Other,
            );
            check_at(
                &host,
                d.write(p, b"x", WriteMode::Truncate),
                FsErrorKind::Other,
            );
            check_at(&host, d.touch(p), FsErrorKind::Other);
            assert_eq!(d.stat(p, true).unwrap().kind, EntryKind::Other);
        }
        // Nothing was counted for the refused creations.
        assert_eq!(d.grant().files_created(), 0);
        assert_eq!(d.grant().bytes_written(), 0);
    });
}

/// A host process swaps a regular file for a FIFO and back as fast as it can
/// while the guest reads, writes, opens and touches it: every call must
/// return (the FIFO refused, the file served), none may block in `openat`.
#[cfg(unix)]
#[test]
fn fifo_swapped_in_after_the_check_never_blocks() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    let f = Fixture::new();
    std::fs::write(f.host("f"), b"regular").unwrap();
    let d = f.rw();
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let (root, stop) = (f.root.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut swaps = 0u64;
            while !stop.load(Ordering::SeqCst) {
                let _ = std::fs::remove_file(root.join("f.fifo"));
                mkfifo(&root.join("f.fifo"));
                std::fs::rename(root.join("f.fifo"), root.join("f")).unwrap();
                std::fs::write(root.join("f.reg"), b"regular").unwrap();
                std::fs::rename(root.join("f.reg"), root.join("f")).unwrap();
                swaps += 1;
            }
            swaps
        })
    };
    let host = f.tmp.path().to_string_lossy().into_owned();
    let (served, refused) = within(Duration::from_secs(20), move || {
        let (mut served, mut refused) = (0u64, 0u64);
        let mut tally = |r: Result<(), FsError>| match r {
            Ok(()) => served += 1,
            Err(e) => {
                assert_eq!(e.kind, FsErrorKind::Other, "{e}");
                assert!(!e.to_string().contains(&host), "{e}");
                refused += 1;
            }
        };
        let end = Instant::now() + Duration::from_secs(2);
        while Instant::now() < end {
            tally(
                d.read("f")
                    .map(|data| assert!(data.starts_with(b"regular"))),
            );
            tally(d.open("f", OpenOptions::default()).map(|_| ()));
            let append = OpenOptions {
                append: true,
                ..Default::default()
            };
            tally(d.open("f", append).map(|_| ()));
            tally(d.write("f", b"+", WriteMode::Append));
            tally(d.touch("f"));
        }
        (served, refused)
    });
    stop.store(true, Ordering::SeqCst);
    let swaps = swapper.join().unwrap();
    assert!(
        swaps > 0 && served > 0 && refused > 0,
        "{swaps} {served} {refused}"
    );
    f.canary_intact();
}

#[test]
fn grant_open_errors() {
    let f = Fixture::new();
    let err = Grant::open(
        "c",
        &f.tmp.path().join("canary"),
        Quotas::default(),
        None,
        ambient_authority(),
    )
    .unwrap_err();
    assert_eq!(err.name, "c");
    assert!(err.to_string().contains("`c`"));
    assert!(
        Grant::open(
            "m",
            &f.tmp.path().join("missing"),
            Quotas::default(),
            None,
            ambient_authority()
        )
        .is_err()
    );
    let g = Grant::open("ok", &f.root, Quotas::default(), None, ambient_authority()).unwrap();
    assert_eq!(g.name(), "ok");
    assert!(!format!("{g:?}").contains(f.tmp.path().to_string_lossy().as_ref()));
}

#[test]
fn error_display_is_short_words() {
    let e = FsError::new(FsErrorKind::NotFound, "a/b");
    assert_eq!(e.to_string(), "not found: a/b");
    let e = super::error::map_io(std::io::Error::other("/host/secret/path"), "v");
    assert_eq!(e.kind, FsErrorKind::Other);
    assert!(!e.to_string().contains("host"));
}

/// A grant hiding `patterns` (the policy's own globset compiler), with the
/// host files `files` (a trailing `/` makes a directory).
fn hiding(patterns: &[&str], files: &[&str]) -> (Fixture, DirCap) {
    let f = Fixture::new();
    for file in files {
        match file.strip_suffix('/') {
            Some(dir) => std::fs::create_dir_all(f.host(dir)).unwrap(),
            None => {
                std::fs::create_dir_all(f.host(file).parent().unwrap()).unwrap();
                std::fs::write(f.host(file), file.as_bytes()).unwrap();
            }
        }
    }
    let patterns: Vec<String> = patterns.iter().map(|p| (*p).to_owned()).collect();
    let hide = capy_policy::compile_hide(&patterns).unwrap().unwrap();
    let d = f.grant(Quotas::default(), Some(hide));
    (f, d)
}

/// Every pattern shape, both directions: a rename that would expose a hidden
/// entry (moving it out from under its pattern) or plant one (moving a
/// visible entry under a pattern) is refused and changes nothing; a rename
/// that keeps every entry's status goes through, and what was hidden stays
/// hidden at its new path.
#[test]
fn renames_never_change_what_is_hidden() {
    struct Case {
        patterns: &'static [&'static str],
        files: &'static [&'static str],
        from: &'static str,
        to: &'static str,
        /// `None`: the rename happens. `Some(kind)`: refused with `kind`.
        refused: Option<FsErrorKind>,
        /// Paths that must be hidden (not found) through the grant afterwards.
        hidden_after: &'static [&'static str],
    }
    let denied = Some(FsErrorKind::PermissionDenied);
    let missing = Some(FsErrorKind::NotFound);
    let cases = [
        // `dir/*.ext`: the red team's two findings and their neighbours.
        Case {
            patterns: &["docs/*.tmp"],
            files: &["docs/a.tmp", "docs/b.txt"],
            from: "docs",
            to: "docs2",
            refused: denied,
            hidden_after: &["docs/a.tmp", "docs2/a.tmp"],
        },
        Case {
            patterns: &["docs/*.tmp"],
            files: &["staging/planted.tmp"],
            from: "staging",
            to: "docs",
            refused: denied,
            hidden_after: &["docs"],
        },
        Case {
            patterns: &["docs/*.tmp"],
            files: &["docs/sub/a.tmp"],
            from: "docs/sub",
            to: "docs/sub2",
            refused: None,
            hidden_after: &[],
        },
        Case {
            patterns: &["docs/*.tmp"],
            files: &["staging/b.txt"],
            from: "staging",
            to: "docs",
            refused: None,
            hidden_after: &[],
        },
        Case {
            patterns: &["docs/*.tmp"],
            files: &["x/docs/a.tmp"],
            from: "x",
            to: "y",
            refused: None,
            hidden_after: &[],
        },
        Case {
            patterns: &["docs/*.tmp"],
            files: &["staging/docs/a.tmp"],
            from: "staging/docs",
            to: "docs",
            refused: denied,
            hidden_after: &["docs"],
        },
        // Nested anchored patterns: renaming any ancestor moves the match.
        Case {
            patterns: &["a/b/*.key"],
            files: &["a/b/k.key"],
            from: "a",
            to: "z",
            refused: denied,
            hidden_after: &["a/b/k.key", "z"],
        },
        Case {
            patterns: &["a/b/*.key"],
            files: &["a/b/k.key"],
            from: "a/b",
            to: "a/c",
            refused: denied,
            hidden_after: &["a/b/k.key", "a/c"],
        },
        Case {
            patterns: &["a/b/*.key"],
            files: &["z/b/k.key"],
            from: "z",
            to: "a",
            refused: denied,
            hidden_after: &["a"],
        },
        Case {
            patterns: &["a/b/*.key"],
            files: &["s/k.key", "a/"],
            from: "s",
            to: "a/b",
            refused: denied,
            hidden_after: &["a/b"],
        },
        Case {
            patterns: &["a/b/*.key"],
            files: &["s/k.txt", "a/"],
            from: "s",
            to: "a/b",
            refused: None,
            hidden_after: &[],
        },
        // `**` inside: the match follows the entry only while the anchor does.
        Case {
            patterns: &["**/cache/*.bin"],
            files: &["d/cache/a.bin"],
            from: "d",
            to: "e",
            refused: None,
            hidden_after: &["e/cache/a.bin", "d"],
        },
        Case {
            patterns: &["**/cache/*.bin"],
            files: &["d/cache/a.bin"],
            from: "d/cache",
            to: "d/store",
            refused: denied,
            hidden_after: &["d/cache/a.bin", "d/store"],
        },
        Case {
            patterns: &["**/cache/*.bin"],
            files: &["d/store/a.bin"],
            from: "d/store",
            to: "d/cache",
            refused: denied,
            hidden_after: &["d/cache"],
        },
        // `P/**`: P is itself hidden, so neither end of a rename can name it.
        Case {
            patterns: &["secrets/**"],
            files: &["secrets/k"],
            from: "secrets",
            to: "open",
            refused: missing,
            hidden_after: &["secrets/k", "open"],
        },
        Case {
            patterns: &["secrets/**"],
            files: &["s/k"],
            from: "s",
            to: "secrets",
            refused: missing,
            hidden_after: &["secrets"],
        },
        Case {
            patterns: &["secrets/**"],
            files: &["s/k", "secrets/"],
            from: "s",
            to: "secrets/s",
            refused: missing,
            hidden_after: &["secrets/s"],
        },
        Case {
            patterns: &["secrets/**"],
            files: &["x/secrets/k"],
            from: "x",
            to: "y",
            refused: None,
            hidden_after: &[],
        },
        // `**/x` and name patterns match at any depth: a rename keeps them hidden.
        Case {
            patterns: &["**/x"],
            files: &["a/x/k", "a/v"],
            from: "a",
            to: "b",
            refused: None,
            hidden_after: &["b/x", "b/x/k"],
        },
        Case {
            patterns: &["**/x"],
            files: &["a/k"],
            from: "a",
            to: "x",
            refused: missing,
            hidden_after: &["x"],
        },
        Case {
            patterns: &[".git", "*.key"],
            files: &[
                "repo/.git/config",
                "repo/id.key",
                "repo/src/m.key",
                "repo/ok",
            ],
            from: "repo",
            to: "repo2",
            refused: None,
            hidden_after: &["repo2/.git/config", "repo2/id.key", "repo2/src/m.key"],
        },
        Case {
            patterns: &["*.key"],
            files: &["f.txt"],
            from: "f.txt",
            to: "f.key",
            refused: missing,
            hidden_after: &["f.key"],
        },
        // `/name`: anchored at the root only; a deeper `build` is visible.
        Case {
            patterns: &["/build"],
            files: &["d/build/o"],
            from: "d",
            to: "e",
            refused: None,
            hidden_after: &[],
        },
        Case {
            patterns: &["/build"],
            files: &["d/o"],
            from: "d",
            to: "build",
            refused: missing,
            hidden_after: &["build"],
        },
    ];
    for (i, case) in cases.iter().enumerate() {
        let (f, d) = hiding(case.patterns, case.files);
        let before = host_tree(&f.root);
        let result = d.rename(case.from, &d, case.to);
        match case.refused {
            Some(kind) => {
                f.check(result, kind);
                assert_eq!(
                    host_tree(&f.root),
                    before,
                    "case {i}: a refused rename changed the tree"
                );
            }
            None => {
                result.unwrap_or_else(|e| panic!("case {i}: {e}"));
                assert!(
                    !f.host(case.from).exists() && f.host(case.to).exists(),
                    "case {i}"
                );
            }
        }
        for p in case.hidden_after {
            f.check(d.stat(p, false), FsErrorKind::NotFound);
            f.check(d.read(p), FsErrorKind::NotFound);
        }
        // A refusal names `from` only, nothing beneath it.
        if case.refused == denied {
            let e = d.rename(case.from, &d, case.to).unwrap_err();
            assert_eq!(e.path, case.from, "case {i}");
        }
        f.canary_intact();
    }
}

/// Every path under `root`, sorted, with file contents: what must not change.
fn host_tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                out.push((rel + "/", Vec::new()));
                pending.push(path);
            } else {
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The walk is bounded: a tree larger than `MAX_RENAME_WALK` is not renamed
/// while the grant hides anything, and is without hide rules.
#[test]
fn rename_walk_is_bounded() {
    let (f, d) = hiding(&["*.key"], &["big/"]);
    for i in 0..=MAX_RENAME_WALK {
        std::fs::File::create(f.host(&format!("big/{i}"))).unwrap();
    }
    f.check(d.rename("big", &d, "big2"), FsErrorKind::PermissionDenied);
    assert!(f.host("big").is_dir() && !f.host("big2").exists());
    let plain = f.grant(Quotas::default(), None);
    plain.rename("big", &plain, "big2").unwrap();
    assert!(f.host("big2").is_dir());
}

/// A write past the end of a file grows it by the hole as well: the quota
/// counts the growth (or the bytes written, if more), and a refused write
/// leaves the file as it was.
#[test]
fn sparse_writes_count_their_growth() {
    let f = Fixture::new();
    let quotas = Quotas {
        max_bytes_written: Some(1000),
        max_files_created: None,
    };
    let d = f.grant(quotas, None);
    let g = Arc::clone(d.grant());
    // The red team's finding: seek to 1 TB, write one byte.
    let mut w = d.open("sparse", write_opts()).unwrap();
    assert_eq!(
        w.seek(SeekFrom::Start(1_000_000_000_000)).unwrap(),
        1_000_000_000_000
    );
    f.check(w.write(b"x"), FsErrorKind::BytesQuotaExceeded);
    assert_eq!(std::fs::metadata(f.host("sparse")).unwrap().len(), 0);
    assert_eq!(w.stat().unwrap().size, 0);
    assert_eq!(g.bytes_written(), 0);
    // Relative to the end, just past the quota, is refused too ...
    w.seek(SeekFrom::End(990)).unwrap();
    f.check(w.write(&[b'y'; 11]), FsErrorKind::BytesQuotaExceeded);
    assert_eq!(std::fs::metadata(f.host("sparse")).unwrap().len(), 0);
    // ... and exactly at it goes through, charged hole and all.
    w.write(&[b'y'; 10]).unwrap();
    assert_eq!(std::fs::metadata(f.host("sparse")).unwrap().len(), 1000);
    assert_eq!(g.bytes_written(), 1000);
    // Nothing left: not a hole of one byte, not an overwrite either.
    w.seek(SeekFrom::End(1)).unwrap();
    f.check(w.write(b"z"), FsErrorKind::BytesQuotaExceeded);
    w.seek(SeekFrom::Start(0)).unwrap();
    f.check(w.write(b"z"), FsErrorKind::BytesQuotaExceeded);
    assert_eq!(std::fs::metadata(f.host("sparse")).unwrap().len(), 1000);
    assert_eq!(g.bytes_written(), 1000);
    // Empty writes cost nothing and never grow the file, wherever they are.
    w.seek(SeekFrom::Start(1 << 40)).unwrap();
    assert_eq!(w.write(b"").unwrap(), 0);
    assert_eq!(std::fs::metadata(f.host("sparse")).unwrap().len(), 1000);
}

/// Overwriting in place counts the bytes written; appending ignores the
/// position, so a seek on an append handle creates no hole.
#[test]
fn writes_in_place_and_appends_count_their_bytes() {
    let f = Fixture::new();
    let quotas = Quotas {
        max_bytes_written: Some(30),
        max_files_created: None,
    };
    let d = f.grant(quotas, None);
    let g = Arc::clone(d.grant());
    d.write("a", &[b'a'; 10], WriteMode::Truncate).unwrap();
    let rw = OpenOptions {
        read: true,
        write: true,
        ..Default::default()
    };
    let mut h = d.open("a", rw).unwrap();
    h.seek(SeekFrom::Start(2)).unwrap();
    h.write(b"bbbb").unwrap(); // in place: 4
    h.seek(SeekFrom::Start(8)).unwrap();
    h.write(b"cccc").unwrap(); // 2 over, 2 past the end: 4
    assert_eq!(g.bytes_written(), 18);
    assert_eq!(std::fs::read(f.host("a")).unwrap(), b"aabbbbaacccc");
    let append = OpenOptions {
        append: true,
        ..Default::default()
    };
    let mut a = d.open("a", append).unwrap();
    a.seek(SeekFrom::Start(1 << 40)).unwrap();
    a.write(b"dd").unwrap();
    assert_eq!(g.bytes_written(), 20);
    assert_eq!(std::fs::read(f.host("a")).unwrap(), b"aabbbbaaccccdd");
    // A hole through the read-write handle counts even without a quota hit.
    h.seek(SeekFrom::End(5)).unwrap();
    h.write(b"e").unwrap();
    assert_eq!(g.bytes_written(), 26);
    assert_eq!(std::fs::metadata(f.host("a")).unwrap().len(), 20);
}
