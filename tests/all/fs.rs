//! Directory capabilities: a granted directory behaves like `pathlib.Path`
//! rooted at the grant, errors are the standard Python ones with virtual
//! paths, and a handle's rights only ever shrink.

use std::sync::{Arc, Mutex};

use crate::tree::Tree;
use crate::{engine, granted_stdout, run_granted};

#[test]
fn a_grant_is_a_global_path_showing_only_virtual_paths() {
    let tree = Tree::new();
    let stdout = granted_stdout(
        &tree,
        r#"
p = data / "sub" / "b.csv"
print(data, repr(data), p, repr(p))
print(p.name, p.suffix, p.stem, p.parent, p.parts)
print(data.joinpath("sub", "deeper/c.csv"))
print((data / "x.tar.gz").suffixes, (data / ".bashrc").suffix)
print(data.parent, data.parent.parent, data.name == "")
print(p.with_name("z.txt"), p.with_suffix(".tsv"), p.with_stem("q"))
print([str(q) for q in p.parents])
print(p.relative_to(data), p.is_relative_to(data), data.is_relative_to(p))
print(p.match("*.csv"), p.match("sub/*.csv"), p.match("*.txt"))
print(data / "a/./b/../c")
"#,
    );
    assert_eq!(
        stdout,
        "/data Path('/data') /data/sub/b.csv Path('/data/sub/b.csv')\n\
         b.csv .csv b /data/sub ('/', 'data', 'sub', 'b.csv')\n\
         /data/sub/deeper/c.csv\n\
         ['.tar', '.gz'] \n\
         /data /data True\n\
         /data/sub/z.txt /data/sub/b.tsv /data/sub/q.csv\n\
         ['/data/sub', '/data']\n\
         sub/b.csv True False\n\
         True True False\n\
         /data/a/c\n"
    );
}

#[test]
fn listing_globbing_and_queries() {
    let tree = Tree::new();
    let stdout = granted_stdout(
        &tree,
        r#"
print(sorted(p.name for p in data.iterdir()))
print(sorted(str(p) for p in data.glob("*.txt")))
print(sorted(str(p) for p in data.glob("*/*.csv")))
print(sorted(str(p) for p in data.rglob("*.csv")))
print(sorted(str(p) for p in data.glob("**/*.csv")))
print(sorted(str(p) for p in (data / "sub").glob("[bc].csv")))
a = data / "a.txt"
print(a.exists(), a.is_file(), a.is_dir(), (data / "sub").is_dir(), (data / "nope").exists())
st = a.stat()
print(st.st_size, oct(st.st_mode & 0o170000), st.st_mtime > 1e9, st.st_mtime_ns > 10**18)
print(oct((data / "sub").stat().st_mode & 0o170000))
print([(str(d), dirs, files) for d, dirs, files in (data / "sub").walk()])
print(sorted({data / "a.txt", data / "a.txt", data / "sub"}))
"#,
    );
    assert_eq!(
        stdout,
        "['a.txt', 'empty', 'sub']\n\
         ['/data/a.txt']\n\
         ['/data/sub/b.csv']\n\
         ['/data/sub/b.csv', '/data/sub/deeper/c.csv']\n\
         ['/data/sub/b.csv', '/data/sub/deeper/c.csv']\n\
         ['/data/sub/b.csv']\n\
         True True False True False\n\
         17 0o100000 True True\n\
         0o40000\n\
         [('/data/sub', ['deeper'], ['b.csv']), ('/data/sub/deeper', [], ['c.csv'])]\n\
         [Path('/data/a.txt'), Path('/data/sub')]\n"
    );
}

#[test]
fn reading_and_writing_whole_files() {
    let tree = Tree::new();
    let stdout = granted_stdout(
        &tree,
        r#"
print(repr((data / "a.txt").read_text()))
print((data / "sub/b.csv").read_bytes())
print((out / "new.txt").write_text("héllo\n"))
print((out / "new.bin").write_bytes(b"\x00\x01"))
print(repr((out / "new.txt").read_text()), (out / "new.txt").read_bytes())
print((out / "lat.txt").write_text("é", encoding="latin-1"), (out / "lat.txt").read_bytes())
print((out / "lat.txt").read_text(encoding="latin-1"))
try:
    (out / "lat.txt").read_text()
except UnicodeDecodeError as e:
    print("UnicodeDecodeError")
print((out / "lat.txt").read_text(errors="replace") == "\ufffd")
"#,
    );
    assert_eq!(
        stdout,
        "'alpha\\nbeta\\ngamma\\n'\n\
         b'x,y\\n1,2\\n'\n\
         6\n\
         2\n\
         'héllo\\n' b'h\\xc3\\xa9llo\\n'\n\
         1 b'\\xe9'\n\
         é\n\
         UnicodeDecodeError\n\
         True\n"
    );
    assert_eq!(tree.read("grant/new.txt"), "héllo\n");
    assert_eq!(
        std::fs::read(tree.path("grant/new.bin")).unwrap(),
        b"\x00\x01"
    );
}

#[test]
fn file_objects_stream_in_every_mode() {
    let tree = Tree::new();
    let stdout = granted_stdout(
        &tree,
        r#"
with (data / "a.txt").open() as f:
    print(f.read(3), repr(f.readline()), f.tell())
    print([line for line in f])
    print(repr(f.read()), f.closed)
print(f.closed)
with (data / "a.txt").open("rb") as f:
    f.seek(6)
    print(f.read(4), f.tell())
    f.seek(-6, 2)
    print(f.read())
    print(f.readlines())
with (out / "w.txt").open("w") as f:
    print(f.write("one\n"), f.writable(), f.readable())
    f.writelines(["two\n", "three\n"])
with (out / "w.txt").open("a") as f:
    f.write("four\n")
print((out / "w.txt").read_text().split())
with (out / "w.bin").open("wb") as f:
    f.write(b"abc")
with (out / "w.bin").open("ab") as f:
    f.write(bytearray(b"def"))
print((out / "w.bin").read_bytes())
with (out / "x.txt").open("x") as f:
    f.write("exclusive")
try:
    (out / "x.txt").open("x")
except FileExistsError as e:
    print("FileExistsError", e.filename)
with (out / "w.bin").open("r+b") as f:
    f.seek(1)
    f.write(b"Z")
    f.seek(0)
    print(f.read())
with (out / "u.txt").open("w") as f:
    f.write("ü" * 5)
with (out / "u.txt").open() as f:
    print(f.read(2), f.read(2), f.read(9), repr(f.read()))
f = (data / "a.txt").open()
f.close()
try:
    f.read()
except ValueError as e:
    print("ValueError", e)
try:
    (data / "a.txt").open("rw")
except ValueError as e:
    print("ValueError", e)
"#,
    );
    assert_eq!(
        stdout,
        "alp 'ha\\n' 6\n\
         ['beta\\n', 'gamma\\n']\n\
         '' False\n\
         True\n\
         b'beta' 10\n\
         b'gamma\\n'\n\
         []\n\
         4 True False\n\
         ['one', 'two', 'three', 'four']\n\
         b'abcdef'\n\
         FileExistsError /out/x.txt\n\
         b'aZcdef'\n\
         üü üü ü ''\n\
         ValueError I/O operation on closed file.\n\
         ValueError invalid mode: 'rw'\n"
    );
    assert_eq!(tree.read("grant/x.txt"), "exclusive");
}

#[test]
fn changing_the_tree() {
    let tree = Tree::new();
    let stdout = granted_stdout(
        &tree,
        r#"
(out / "n1/n2/n3").mkdir(parents=True)
(out / "n1").mkdir(exist_ok=True)
try:
    (out / "n1").mkdir()
except FileExistsError as e:
    print("FileExistsError", e.filename)
(out / "n1/n2/n3/f.txt").touch()
print((out / "n1/n2/n3/f.txt").stat().st_size)
(out / "n1/n2/n3/f.txt").touch()
try:
    (out / "n1/n2/n3/f.txt").touch(exist_ok=False)
except FileExistsError:
    print("FileExistsError")
moved = (out / "n1/n2/n3/f.txt").rename(out / "n1/g.txt")
print(moved, (out / "n1/g.txt").exists(), (out / "n1/n2/n3/f.txt").exists())
(out / "n1/h.txt").write_text("h")
print((out / "n1/h.txt").replace(out / "n1/g.txt"), (out / "n1/g.txt").read_text())
(out / "n1/g.txt").unlink()
(out / "n1/g.txt").unlink(missing_ok=True)
try:
    (out / "n1/g.txt").unlink()
except FileNotFoundError as e:
    print("FileNotFoundError", e.filename)
try:
    (out / "n1").rmdir()
except OSError as e:
    print(type(e).__name__, e.errno, e.strerror)
(out / "n1/n2/n3").rmdir()
(out / "n1/n2").rmdir()
(out / "n1").rmdir()
print((out / "n1").exists())
"#,
    );
    assert_eq!(
        stdout,
        "FileExistsError /out/n1\n\
         0\n\
         FileExistsError\n\
         /out/n1/g.txt True False\n\
         /out/n1/g.txt h\n\
         FileNotFoundError /out/n1/g.txt\n\
         OSError 39 Directory not empty\n\
         False\n"
    );
    assert!(!tree.path("grant/n1").exists());
}

#[test]
fn errors_are_the_standard_exceptions_with_virtual_paths() {
    let tree = Tree::new();
    let stdout = granted_stdout(
        &tree,
        r#"
def attempt(f):
    try:
        f()
    except OSError as e:
        print(type(e).__name__, e.errno, e.filename, str(e))
attempt(lambda: (data / "missing.txt").read_text())
attempt(lambda: (data / "sub").read_text())
attempt(lambda: (data / "a.txt" / "x").read_text())
attempt(lambda: list((data / "a.txt").iterdir()))
attempt(lambda: (out / "sub").mkdir())
attempt(lambda: (data / "b.txt").write_text("x"))
attempt(lambda: (data / "a.txt").open("rb").write(b"x"))
attempt(lambda: (out / "a.txt").rename(other / "a.txt"))
"#,
    );
    assert_eq!(
        stdout,
        "FileNotFoundError 2 /data/missing.txt [Errno 2] No such file or directory: '/data/missing.txt'\n\
         IsADirectoryError 21 /data/sub [Errno 21] Is a directory: '/data/sub'\n\
         NotADirectoryError 20 /data/a.txt/x [Errno 20] Not a directory: '/data/a.txt/x'\n\
         NotADirectoryError 20 /data/a.txt [Errno 20] Not a directory: '/data/a.txt'\n\
         FileExistsError 17 /out/sub [Errno 17] File exists: '/out/sub'\n\
         PermissionError 13 /data/b.txt [Errno 13] Permission denied: '/data/b.txt'\n\
         OSError 9 /data/a.txt [Errno 9] File not open for writing: '/data/a.txt'\n\
         PermissionError 13 /other/a.txt [Errno 13] Cannot move files between granted directories: '/other/a.txt'\n"
    );
}

#[test]
fn attenuation_only_weakens() {
    let tree = Tree::new();
    let stdout = granted_stdout(
        &tree,
        r#"
ro = out.readonly()
print(out.is_writable(), ro.is_writable(), (ro / "sub").is_writable(), (data / "sub").is_writable())
print(ro.readonly().is_writable(), (ro / "a.txt").read_text()[:5])
for attempt in [
    lambda: (ro / "n.txt").write_text("x"),
    lambda: (ro / "sub" / "n.txt").touch(),
    lambda: (ro / "a.txt").open("a"),
    lambda: (ro / "a.txt").unlink(),
    lambda: (ro / "a.txt").rename(out / "moved.txt"),
    lambda: (out / "a.txt").rename(ro / "moved.txt"),
]:
    try:
        attempt()
        print("allowed!")
    except PermissionError:
        print("PermissionError")
"#,
    );
    assert_eq!(
        stdout,
        "True False False False\nFalse alpha\n".to_owned() + &"PermissionError\n".repeat(6)
    );
    assert!(!tree.path("grant/n.txt").exists());
    assert!(tree.path("grant/a.txt").exists());
}

#[test]
fn proxies_are_opaque() {
    let tree = Tree::new();
    let stdout = granted_stdout(
        &tree,
        r#"
f = (data / "a.txt").open()
for obj in [data, f, data.stat()]:
    for probe in [
        lambda: vars(obj),
        lambda: obj.__dict__,
        lambda: obj.__reduce__(),
        lambda: obj.__reduce_ex__(2),
        lambda: obj.__getstate__(),
        lambda: object.__getattribute__(obj, "dir"),
        lambda: object.__getattribute__(obj, "handle"),
        lambda: type(obj)(),
        lambda: type(obj).__new__(type(obj)),
    ]:
        try:
            print("revealed:", probe())
        except (TypeError, AttributeError):
            pass
    print(sorted(n for n in dir(obj) if not n.startswith("__"))[:3])
    print([n for n in type(obj).__dict__ if n in ("dir", "handle", "state", "grant", "rel", "cap", "table")])
"#,
    );
    assert!(!stdout.contains("revealed"), "{stdout}");
    assert_eq!(
        stdout,
        "['absolute', 'anchor', 'as_posix']\n[]\n\
         ['close', 'closed', 'encoding']\n[]\n\
         ['st_mode', 'st_mtime', 'st_mtime_ns']\n[]\n"
    );
}

#[test]
fn the_audit_log_has_one_json_line_per_capability_call() {
    let tree = Tree::new();
    let log = SharedBuffer::default();
    let mut sandbox = engine()
        .sandbox()
        .dir("data", tree.grant(), capy::Access::ReadOnly)
        .audit(log.clone())
        .build()
        .unwrap();
    let outcome = sandbox
        .run("(data / 'a.txt').read_text()\ntry:\n    (data / 'z').write_text('no')\nexcept PermissionError:\n    pass")
        .unwrap();
    assert_eq!(outcome.error, None);
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    assert_eq!(records.len(), 2, "{text}");
    assert_eq!(records[0]["grant"], "data");
    assert_eq!(records[0]["op"], "read");
    assert_eq!(records[0]["path"], "/data/a.txt");
    assert_eq!(records[0]["bytes"], 17);
    assert_eq!(records[0]["outcome"], "ok");
    assert!(records[0]["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(records[1]["op"], "write");
    assert_eq!(records[1]["path"], "/data/z");
    assert_eq!(records[1]["outcome"], "permission-denied");
    assert!(!text.contains(&tree.host_prefix()));
}

#[test]
fn bad_grants_fail_the_build_not_the_host() {
    let tree = Tree::new();
    let missing = engine()
        .sandbox()
        .dir("data", tree.path("nope"), capy::Access::ReadOnly)
        .build();
    assert!(matches!(missing, Err(capy::Error::Grant(_))));
    let file = engine()
        .sandbox()
        .dir("data", tree.path("secret.txt"), capy::Access::ReadOnly)
        .build();
    assert!(matches!(file, Err(capy::Error::Grant(_))));
    for name in ["print", "my-dir", "class", ""] {
        let bad = engine()
            .sandbox()
            .dir(name, tree.grant(), capy::Access::ReadOnly)
            .build();
        assert!(matches!(bad, Err(capy::Error::Grant(_))), "{name}");
    }
}

#[test]
fn a_later_grant_of_the_same_name_replaces_the_earlier_one() {
    let tree = Tree::new();
    let mut sandbox = engine()
        .sandbox()
        .dir("d", tree.path("other"), capy::Access::ReadOnly)
        .dir("d", tree.grant(), capy::Access::ReadWrite)
        .build()
        .unwrap();
    let outcome = sandbox
        .run("print(d.is_writable(), (d / 'a.txt').exists())")
        .unwrap();
    assert_eq!(outcome.stdout_text(), "True True\n");
}

#[test]
fn a_script_holding_endless_handles_is_stopped_not_the_host() {
    let tree = Tree::new();
    let outcome = run_granted(
        &tree,
        "keep = []\nwhile True:\n    keep.append(data.readonly())",
    );
    // A named limit (issue 23 item 7; it used to crash the guest), for
    // every handle kind: `readonly()` views here, directories and files
    // below.
    assert_eq!(
        outcome.error,
        Some(capy::RunError::LimitExceeded(capy::Limit::Handles(4096)))
    );
    let outcome = run_granted(
        &tree,
        "keep = []
while True:
    keep.append(data / 'sub')
    keep.append((data / 'a.txt').open())",
    );
    assert!(
        matches!(
            outcome.error,
            Some(capy::RunError::LimitExceeded(
                capy::Limit::Handles(_) | capy::Limit::OpenFiles(_)
            ))
        ),
        "{:?}",
        outcome.error
    );
    // The engine is fine.
    assert_eq!(
        granted_stdout(&tree, "print((data / 'a.txt').exists())"),
        "True\n"
    );
}

/// An audit sink the test can read back.
#[derive(Clone, Default)]
pub struct SharedBuffer(pub Arc<Mutex<Vec<u8>>>);

impl std::io::Write for SharedBuffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `OSError(errno, ...)` picks CPython-on-Linux's subclass from Linux's
/// errno numbers, which the sandbox reports everywhere: the guest's libc is
/// WASI's, where 2 is EACCES and 27 is EINTR, and those numbers used to
/// decide (a script's own `OSError(2, ...)` was a `PermissionError`).
#[test]
fn oserror_subclasses_follow_linux_errno_numbers() {
    let tree = Tree::new();
    let stdout = granted_stdout(
        &tree,
        r#"
for n in (1, 2, 3, 4, 10, 11, 13, 17, 20, 21, 27, 32, 103, 104, 110, 111, 115, 5):
    e = OSError(n, "x")
    print(n, type(e).__name__, e.errno)
"#,
    );
    assert_eq!(
        stdout,
        "1 PermissionError 1\n2 FileNotFoundError 2\n3 ProcessLookupError 3\n\
         4 InterruptedError 4\n10 ChildProcessError 10\n11 BlockingIOError 11\n\
         13 PermissionError 13\n17 FileExistsError 17\n20 NotADirectoryError 20\n\
         21 IsADirectoryError 21\n27 OSError 27\n32 BrokenPipeError 32\n\
         103 ConnectionAbortedError 103\n104 ConnectionResetError 104\n\
         110 TimeoutError 110\n111 ConnectionRefusedError 111\n\
         115 BlockingIOError 115\n5 OSError 5\n"
    );
}

/// A whole-file read past the 64 MiB bound is a plain `OSError` with
/// EFBIG (27), not an `InterruptedError` a retry loop would spin on.
#[test]
fn a_whole_file_read_that_is_too_large_is_a_plain_oserror() {
    let tree = Tree::new();
    let big = std::fs::File::create(tree.path("grant/big.bin")).unwrap();
    big.set_len((64 << 20) + 1).unwrap();
    let stdout = granted_stdout(
        &tree,
        r#"
try:
    (data / "big.bin").read_bytes()
except InterruptedError:
    print("InterruptedError")
except OSError as e:
    print(type(e).__name__, e.errno)
"#,
    );
    assert_eq!(stdout, "OSError 27\n");
}
