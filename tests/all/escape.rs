//! The guest sees no host file, by any route the interpreter offers.

use crate::{run, stdout_of};

#[test]
fn no_file_can_be_opened_through_the_io_classes() {
    // `_io` is compiled in without `FileIO` (RustPython's `host_env` is off),
    // so even a script that reaches the I/O classes has nothing that opens
    // a path.
    let source = r#"
names = set()
stack, seen = [object], set()
while stack:
    cls = stack.pop()
    if id(cls) in seen:
        continue
    seen.add(id(cls))
    names.add(cls.__name__)
    try:
        stack.extend(type.__subclasses__(cls))
    except TypeError:
        pass
print(sorted(names & {"FileIO", "DirEntry", "ScandirIterator", "WindowsConsoleIO"}))
print(len(names) > 100)
"#;
    assert_eq!(stdout_of(source), "[]\nTrue\n");
}

#[test]
fn no_reachable_method_named_like_a_file_operation_reads_the_host() {
    // Call every method with a filesystem-sounding name on every class the
    // script can reach, with host paths. None may yield file contents or a
    // directory listing; raising (or even crashing the guest) is fine.
    let source = r#"
targets = ("open", "listdir", "scandir", "stat", "read", "open_code", "readlink", "getcwd")
stack, seen, leaks = [object], set(), []
while stack:
    cls = stack.pop()
    if id(cls) in seen:
        continue
    seen.add(id(cls))
    try:
        stack.extend(type.__subclasses__(cls))
    except TypeError:
        pass
    for name in targets:
        try:
            fn = cls.__dict__[name]
        except Exception:
            continue
        for arg in ("/etc/passwd", "/", "."):
            try:
                result = fn(arg)
            except BaseException:
                continue
            leaks.append((cls.__name__, name, repr(result)[:60]))
print(leaks)
"#;
    let outcome = run(source);
    let stdout = outcome.stdout_text();
    assert!(!stdout.contains("root:"), "{stdout}");
    if outcome.error.is_none() {
        assert_eq!(stdout, "[]\n");
    }
}
