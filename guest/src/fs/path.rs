//! `Path`: a granted directory, or a path beneath it, that behaves like
//! `pathlib.Path`.
//!
//! A `Path` is a host `dir` handle (the grant's root, with its rights) plus
//! a lexically normalised relative path. Joining never climbs above the
//! root: `..` past it and absolute paths raise `PermissionError` at once,
//! and the host checks every path again. Rights travel with the handle, so
//! a path derived from a read-only one is read-only.

use std::fmt;
use std::rc::Rc;

use rustpython_vm::{
    AsObject, Py, PyObject, PyObjectRef, PyPayload, PyRef, PyResult, VirtualMachine,
    builtins::{PyBytes, PyStr, PyStrRef, PyTuple},
    class::PyClassImpl,
    common::hash::PyHash,
    function::{ArgBytesLike, FuncArgs, OptionalArg, PyComparisonValue},
    protocol::PyNumberMethods,
    pyclass,
    types::{AsNumber, Comparable, Hashable, PyComparisonOp, Representable},
};

use super::error::{self, fs_error, virtual_path};
use super::file::{self, File, OpenArgs};
use super::glob;
use super::opaque::Unpicklable;
use super::stat::StatResult;
use super::text::Codec;
use crate::capy::sandbox::fs::{Dir, EntryKind, ErrorKind, FsError, Metadata, WriteMode};

/// A path beneath a granted directory.
#[pyclass(module = false, name = "Path")]
#[derive(PyPayload)]
pub struct Path {
    dir: Rc<Dir>,
    grant: Rc<str>,
    parts: Vec<String>,
}

impl fmt::Debug for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Path({})", self.virtual_path())
    }
}

impl Path {
    /// The root of grant `grant`, reached through `dir`.
    pub fn root(dir: Dir, grant: &str) -> Path {
        Path {
            dir: Rc::new(dir),
            grant: Rc::from(grant),
            parts: Vec::new(),
        }
    }

    fn with_parts(&self, parts: Vec<String>) -> Path {
        Path {
            dir: self.dir.clone(),
            grant: self.grant.clone(),
            parts,
        }
    }

    /// The path relative to the handle's root, as the host expects it.
    pub fn rel(&self) -> String {
        self.parts.join("/")
    }

    /// The path a script sees: `/grant/sub/a.txt`.
    pub fn virtual_path(&self) -> String {
        virtual_path(&self.grant, &self.rel())
    }

    pub fn grant(&self) -> &str {
        &self.grant
    }

    fn error(
        &self,
        vm: &VirtualMachine,
        error: &FsError,
    ) -> rustpython_vm::builtins::PyBaseExceptionRef {
        fs_error(vm, &self.grant, error)
    }

    /// `self / segment`, normalised; refuses anything that leaves the grant.
    fn join_str(&self, segment: &str, vm: &VirtualMachine) -> PyResult<Path> {
        let shown = || format!("{}/{}", self.virtual_path(), segment);
        if segment.contains('\0') {
            return Err(error::escape(vm, "Path contains a NUL byte", &shown()));
        }
        if segment.starts_with('/') {
            return Err(error::escape(
                vm,
                "Absolute paths lead outside the granted directory",
                segment,
            ));
        }
        let mut parts = self.parts.clone();
        for component in segment.split('/') {
            match component {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        return Err(error::escape(
                            vm,
                            "'..' leads outside the granted directory",
                            &shown(),
                        ));
                    }
                }
                name => parts.push(name.to_owned()),
            }
        }
        Ok(self.with_parts(parts))
    }

    fn join_object(&self, segment: &PyObject, vm: &VirtualMachine) -> PyResult<Path> {
        match segment.downcast_ref::<PyStr>() {
            Some(text) => self.join_str(&text.to_string_lossy(), vm),
            None => Err(vm.new_type_error(format!(
                "a sandbox path can only be joined with str, not '{}'",
                segment.class().name()
            ))),
        }
    }

    fn name_str(&self) -> &str {
        self.parts.last().map_or("", String::as_str)
    }

    /// The final component's suffix: `.txt` of `a.tar.txt`; none for `.bashrc`.
    fn suffix_str(&self) -> &str {
        let name = self.name_str();
        match name.rfind('.') {
            Some(i) if i > 0 && i + 1 < name.len() => &name[i..],
            _ => "",
        }
    }

    fn stem_str(&self) -> &str {
        let name = self.name_str();
        &name[..name.len() - self.suffix_str().len()]
    }

    fn metadata(&self, follow: bool) -> Result<Metadata, FsError> {
        self.dir.stat(&self.rel(), follow)
    }

    fn require_name(&self, what: &str, vm: &VirtualMachine) -> PyResult<()> {
        if self.parts.is_empty() {
            return Err(vm.new_value_error(format!(
                "{} has an empty name ({what})",
                self.virtual_path()
            )));
        }
        Ok(())
    }

    fn into_py(self, vm: &VirtualMachine) -> PyObjectRef {
        self.into_ref(&vm.ctx).into()
    }

    /// A target path for `rename`/`replace`: another `Path` of this grant.
    fn target<'a>(&self, target: &'a PyObject, vm: &VirtualMachine) -> PyResult<&'a Py<Path>> {
        target.downcast_ref::<Path>().ok_or_else(|| {
            vm.new_type_error(format!(
                "rename() needs a Path as its target, e.g. p.with_name('new.txt') or {} / 'new.txt', not '{}'",
                self.grant,
                target.class().name()
            ))
        })
    }

    fn iter_of(items: Vec<Path>, vm: &VirtualMachine) -> PyResult {
        let items: Vec<PyObjectRef> = items.into_iter().map(|p| p.into_py(vm)).collect();
        vm.ctx
            .new_list(items)
            .as_object()
            .get_iter(vm)
            .map(Into::into)
    }

    /// Children of this directory, as `(name, kind)`.
    pub fn entries(&self, vm: &VirtualMachine) -> PyResult<Vec<(String, EntryKind)>> {
        let entries = self
            .dir
            .read_dir(&self.rel())
            .map_err(|e| self.error(vm, &e))?;
        Ok(entries.into_iter().map(|e| (e.name, e.kind)).collect())
    }

    /// `self / name` for a name that came from a listing (already safe).
    pub fn child(&self, name: &str) -> Path {
        let mut parts = self.parts.clone();
        parts.push(name.to_owned());
        self.with_parts(parts)
    }

    /// Another `Path` object for the same path and handle.
    pub fn duplicate(&self) -> Path {
        self.with_parts(self.parts.clone())
    }

    pub fn exists_quietly(&self) -> bool {
        self.metadata(true).is_ok()
    }

    fn links_refused(&self, vm: &VirtualMachine) -> rustpython_vm::builtins::PyBaseExceptionRef {
        error::escape(
            vm,
            "Links are not available in the sandbox",
            &self.virtual_path(),
        )
    }
}

#[pyclass(
    flags(DISALLOW_INSTANTIATION),
    with(AsNumber, Comparable, Hashable, Representable, Unpicklable)
)]
impl Path {
    // --- pure path operations -------------------------------------------

    #[pymethod]
    fn joinpath(zelf: &Py<Self>, args: FuncArgs, vm: &VirtualMachine) -> PyResult<Path> {
        if !args.kwargs.is_empty() {
            return Err(vm.new_type_error("joinpath() takes no keyword arguments"));
        }
        let mut path = zelf.duplicate();
        for segment in &args.args {
            path = path.join_object(segment, vm)?;
        }
        Ok(path)
    }

    #[pygetset]
    fn name(zelf: &Py<Self>) -> String {
        zelf.name_str().to_owned()
    }

    #[pygetset]
    fn suffix(zelf: &Py<Self>) -> String {
        zelf.suffix_str().to_owned()
    }

    #[pygetset]
    fn suffixes(zelf: &Py<Self>, vm: &VirtualMachine) -> PyObjectRef {
        let name = zelf.name_str().trim_start_matches('.');
        let suffixes: Vec<PyObjectRef> = if name.ends_with('.') {
            Vec::new()
        } else {
            name.split('.')
                .skip(1)
                .map(|s| vm.ctx.new_str(format!(".{s}")).into())
                .collect()
        };
        vm.ctx.new_list(suffixes).into()
    }

    #[pygetset]
    fn stem(zelf: &Py<Self>) -> String {
        zelf.stem_str().to_owned()
    }

    /// The parent directory, clamped at the grant's root.
    #[pygetset]
    fn parent(zelf: &Py<Self>) -> Path {
        let mut parts = zelf.parts.clone();
        parts.pop();
        zelf.with_parts(parts)
    }

    #[pygetset]
    fn parents(zelf: &Py<Self>, vm: &VirtualMachine) -> PyRef<PyTuple> {
        let parents: Vec<PyObjectRef> = (0..zelf.parts.len())
            .rev()
            .map(|n| zelf.with_parts(zelf.parts[..n].to_vec()).into_py(vm))
            .collect();
        vm.ctx.new_tuple(parents)
    }

    /// `('/', 'grant', 'sub', 'a.txt')`, like an absolute `PurePosixPath`.
    #[pygetset]
    fn parts(zelf: &Py<Self>, vm: &VirtualMachine) -> PyRef<PyTuple> {
        let mut parts: Vec<PyObjectRef> = vec![
            vm.ctx.new_str("/").into(),
            vm.ctx.new_str(&*zelf.grant).into(),
        ];
        parts.extend(zelf.parts.iter().map(|p| vm.ctx.new_str(p.as_str()).into()));
        vm.ctx.new_tuple(parts)
    }

    #[pygetset]
    fn anchor(_zelf: &Py<Self>) -> &'static str {
        "/"
    }

    #[pymethod]
    fn with_name(zelf: &Py<Self>, name: PyStrRef, vm: &VirtualMachine) -> PyResult<Path> {
        zelf.require_name("with_name", vm)?;
        let name = name.to_string_lossy();
        if name.is_empty()
            || name == "."
            || name == ".."
            || name.contains('/')
            || name.contains('\0')
        {
            return Err(vm.new_value_error(format!("Invalid name {name:?}")));
        }
        Ok(Self::parent(zelf).child(&name))
    }

    #[pymethod]
    fn with_stem(zelf: &Py<Self>, stem: PyStrRef, vm: &VirtualMachine) -> PyResult<Path> {
        let name = format!("{}{}", stem.to_string_lossy(), zelf.suffix_str());
        Self::with_name(zelf, vm.ctx.new_str(name), vm)
    }

    #[pymethod]
    fn with_suffix(zelf: &Py<Self>, suffix: PyStrRef, vm: &VirtualMachine) -> PyResult<Path> {
        let suffix = suffix.to_string_lossy();
        if !suffix.is_empty() && (!suffix.starts_with('.') || suffix == "." || suffix.contains('/'))
        {
            return Err(vm.new_value_error(format!("Invalid suffix {suffix:?}")));
        }
        let name = format!("{}{}", zelf.stem_str(), suffix);
        Self::with_name(zelf, vm.ctx.new_str(name), vm)
    }

    #[pymethod]
    fn as_posix(zelf: &Py<Self>) -> String {
        zelf.virtual_path()
    }

    #[pymethod]
    fn is_absolute(_zelf: &Py<Self>) -> bool {
        true
    }

    /// Already absolute and normalised: the path itself.
    #[pymethod]
    fn absolute(zelf: PyRef<Self>) -> PyRef<Self> {
        zelf
    }

    #[pymethod]
    fn resolve(zelf: PyRef<Self>, _args: FuncArgs) -> PyRef<Self> {
        zelf
    }

    /// Whether `self` is `other` or beneath it (same grant).
    #[pymethod]
    fn is_relative_to(zelf: &Py<Self>, other: PyObjectRef) -> bool {
        other
            .downcast_ref::<Path>()
            .is_some_and(|other| other.grant == zelf.grant && zelf.parts.starts_with(&other.parts))
    }

    /// The part of `self` beneath `other`, as a `/`-separated string.
    #[pymethod]
    fn relative_to(zelf: &Py<Self>, other: PyObjectRef, vm: &VirtualMachine) -> PyResult<String> {
        match other.downcast_ref::<Path>() {
            Some(base) if Self::is_relative_to(zelf, other.clone()) => {
                Ok(zelf.parts[base.parts.len()..].join("/"))
            }
            _ => Err(vm.new_value_error(format!(
                "{} is not in the subpath of {}",
                zelf.virtual_path(),
                other.str(vm)?.to_string_lossy()
            ))),
        }
    }

    /// Whether the path matches a glob pattern, from the right (like
    /// `PurePath.match`).
    #[pymethod(name = "match")]
    fn match_(zelf: &Py<Self>, pattern: PyStrRef) -> bool {
        let pattern = pattern.to_string_lossy();
        let pattern_parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
        let mut all: Vec<&str> = vec![&zelf.grant];
        all.extend(zelf.parts.iter().map(String::as_str));
        if pattern.starts_with('/') {
            if pattern_parts.len() != all.len() {
                return false;
            }
        } else if pattern_parts.len() > all.len() || pattern_parts.is_empty() {
            return false;
        }
        let tail = &all[all.len() - pattern_parts.len()..];
        tail.iter()
            .zip(&pattern_parts)
            .all(|(name, pat)| glob::fnmatch(pat, name))
    }

    // --- capability: attenuation ------------------------------------------

    /// The same path through a read-only handle: a weaker capability to pass on.
    #[pymethod]
    fn readonly(zelf: &Py<Self>) -> Path {
        Path {
            dir: Rc::new(zelf.dir.readonly()),
            grant: zelf.grant.clone(),
            parts: zelf.parts.clone(),
        }
    }

    /// Whether this path's handle may change anything.
    #[pymethod]
    fn is_writable(zelf: &Py<Self>) -> bool {
        zelf.dir.writable()
    }

    // --- queries -----------------------------------------------------------

    #[pymethod]
    fn exists(zelf: &Py<Self>, args: FuncArgs, vm: &VirtualMachine) -> PyResult<bool> {
        Ok(zelf.metadata(follow_symlinks(&args, vm)?).is_ok())
    }

    #[pymethod]
    fn is_file(zelf: &Py<Self>) -> bool {
        zelf.metadata(true).is_ok_and(|m| m.kind == EntryKind::File)
    }

    #[pymethod]
    fn is_dir(zelf: &Py<Self>) -> bool {
        zelf.metadata(true).is_ok_and(|m| m.kind == EntryKind::Dir)
    }

    #[pymethod]
    fn is_symlink(zelf: &Py<Self>) -> bool {
        zelf.metadata(false)
            .is_ok_and(|m| m.kind == EntryKind::Symlink)
    }

    #[pymethod]
    fn stat(zelf: &Py<Self>, args: FuncArgs, vm: &VirtualMachine) -> PyResult<StatResult> {
        let follow = follow_symlinks(&args, vm)?;
        zelf.metadata(follow)
            .map(StatResult::from)
            .map_err(|e| zelf.error(vm, &e))
    }

    #[pymethod]
    fn lstat(zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult<StatResult> {
        zelf.metadata(false)
            .map(StatResult::from)
            .map_err(|e| zelf.error(vm, &e))
    }

    #[pymethod]
    fn iterdir(zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult {
        let children = zelf
            .entries(vm)?
            .into_iter()
            .map(|(name, _)| zelf.child(&name))
            .collect();
        Path::iter_of(children, vm)
    }

    #[pymethod]
    fn glob(zelf: &Py<Self>, pattern: PyStrRef, vm: &VirtualMachine) -> PyResult {
        Path::iter_of(glob::glob(zelf, &pattern.to_string_lossy(), vm)?, vm)
    }

    #[pymethod]
    fn rglob(zelf: &Py<Self>, pattern: PyStrRef, vm: &VirtualMachine) -> PyResult {
        let pattern = format!("**/{}", pattern.to_string_lossy());
        Path::iter_of(glob::glob(zelf, &pattern, vm)?, vm)
    }

    /// `(dirpath, dirnames, filenames)` for this directory and every one
    /// beneath it, top-down (like `Path.walk`, without following symlinks).
    #[pymethod]
    fn walk(zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult {
        let mut out: Vec<PyObjectRef> = Vec::new();
        let mut stack = vec![zelf.duplicate()];
        while let Some(dir) = stack.pop() {
            let entries = match dir.entries(vm) {
                Ok(entries) => entries,
                Err(_) if !out.is_empty() => continue,
                Err(e) => return Err(e),
            };
            let (mut dirs, mut files) = (Vec::new(), Vec::new());
            for (name, kind) in entries {
                if kind == EntryKind::Dir {
                    dirs.push(name);
                } else {
                    files.push(name);
                }
            }
            for name in dirs.iter().rev() {
                stack.push(dir.child(name));
            }
            let names = |names: Vec<String>| -> PyObjectRef {
                vm.ctx
                    .new_list(
                        names
                            .into_iter()
                            .map(|n| vm.ctx.new_str(n).into())
                            .collect(),
                    )
                    .into()
            };
            let (dirs, files) = (names(dirs), names(files));
            out.push(vm.ctx.new_tuple(vec![dir.into_py(vm), dirs, files]).into());
        }
        vm.ctx
            .new_list(out)
            .as_object()
            .get_iter(vm)
            .map(Into::into)
    }

    // --- reading and writing ------------------------------------------------

    #[pymethod]
    fn read_bytes(zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult<PyRef<PyBytes>> {
        let data = zelf.dir.read(&zelf.rel()).map_err(|e| zelf.error(vm, &e))?;
        Ok(vm.ctx.new_bytes(data))
    }

    #[pymethod]
    fn read_text(zelf: &Py<Self>, args: TextArgs, vm: &VirtualMachine) -> PyResult<String> {
        let codec = Codec::new(args.encoding, args.errors, vm)?;
        let data = zelf.dir.read(&zelf.rel()).map_err(|e| zelf.error(vm, &e))?;
        codec.decode(&data, vm)
    }

    #[pymethod]
    fn write_bytes(zelf: &Py<Self>, data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<usize> {
        let data = data.borrow_buf();
        zelf.dir
            .write(&zelf.rel(), &data, WriteMode::Truncate)
            .map_err(|e| zelf.error(vm, &e))?;
        Ok(data.len())
    }

    #[pymethod]
    fn write_text(
        zelf: &Py<Self>,
        data: PyStrRef,
        args: TextArgs,
        vm: &VirtualMachine,
    ) -> PyResult<usize> {
        let codec = Codec::new(args.encoding, args.errors, vm)?;
        let bytes = codec.encode(&data, vm)?;
        zelf.dir
            .write(&zelf.rel(), &bytes, WriteMode::Truncate)
            .map_err(|e| zelf.error(vm, &e))?;
        Ok(data.char_len())
    }

    #[pymethod]
    fn open(zelf: &Py<Self>, args: OpenArgs, vm: &VirtualMachine) -> PyResult<File> {
        file::open(zelf, &zelf.dir, args, vm)
    }

    // --- changing the tree --------------------------------------------------

    #[pymethod]
    fn mkdir(zelf: &Py<Self>, args: MkdirArgs, vm: &VirtualMachine) -> PyResult<()> {
        zelf.require_name("mkdir", vm)?;
        if args.parents {
            for n in 1..zelf.parts.len() {
                let ancestor = zelf.with_parts(zelf.parts[..n].to_vec());
                match zelf.dir.mkdir(&ancestor.rel()) {
                    Ok(()) => {}
                    Err(e) if e.kind == ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(zelf.error(vm, &e)),
                }
            }
        }
        match zelf.dir.mkdir(&zelf.rel()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind == ErrorKind::AlreadyExists && args.exist_ok && Self::is_dir(zelf) => {
                Ok(())
            }
            Err(e) => Err(zelf.error(vm, &e)),
        }
    }

    #[pymethod]
    fn unlink(zelf: &Py<Self>, args: UnlinkArgs, vm: &VirtualMachine) -> PyResult<()> {
        match zelf.dir.remove_file(&zelf.rel()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind == ErrorKind::NotFound && args.missing_ok => Ok(()),
            Err(e) => Err(zelf.error(vm, &e)),
        }
    }

    #[pymethod]
    fn rmdir(zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult<()> {
        zelf.dir
            .remove_dir(&zelf.rel())
            .map_err(|e| zelf.error(vm, &e))
    }

    #[pymethod]
    fn touch(zelf: &Py<Self>, args: TouchArgs, vm: &VirtualMachine) -> PyResult<()> {
        let result = if args.exist_ok {
            zelf.dir.touch(&zelf.rel())
        } else {
            zelf.dir.write(&zelf.rel(), &[], WriteMode::CreateNew)
        };
        result.map_err(|e| zelf.error(vm, &e))
    }

    /// Renames this file or directory to `target` (a `Path` of the same
    /// grant), replacing a file there, and returns the new path.
    #[pymethod]
    fn rename(zelf: &Py<Self>, target: PyObjectRef, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let target_path = zelf.target(&target, vm)?;
        if target_path.grant != zelf.grant {
            return Err(error::escape(
                vm,
                "Cannot move files between granted directories",
                &target_path.virtual_path(),
            ));
        }
        zelf.dir
            .rename(&zelf.rel(), &target_path.dir, &target_path.rel())
            .map_err(|e| zelf.error(vm, &e))?;
        Ok(target)
    }

    #[pymethod]
    fn replace(zelf: &Py<Self>, target: PyObjectRef, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        Self::rename(zelf, target, vm)
    }

    #[pymethod]
    fn hardlink_to(zelf: &Py<Self>, _target: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
        Err(zelf.links_refused(vm))
    }

    #[pymethod]
    fn symlink_to(zelf: &Py<Self>, _args: FuncArgs, vm: &VirtualMachine) -> PyResult<()> {
        Err(zelf.links_refused(vm))
    }

    #[pymethod]
    fn chmod(zelf: &Py<Self>, _args: FuncArgs, vm: &VirtualMachine) -> PyResult<()> {
        Err(error::escape(
            vm,
            "Permissions cannot be changed in the sandbox",
            &zelf.virtual_path(),
        ))
    }

    // --- opacity --------------------------------------------------------------

    #[pymethod]
    fn __str__(zelf: &Py<Self>) -> String {
        zelf.virtual_path()
    }

    #[pymethod]
    fn __fspath__(zelf: &Py<Self>) -> String {
        zelf.virtual_path()
    }
}

/// The `follow_symlinks=` keyword (default true) of `exists` and `stat`.
fn follow_symlinks(args: &FuncArgs, vm: &VirtualMachine) -> PyResult<bool> {
    match args.kwargs.get("follow_symlinks") {
        Some(value) => value.clone().try_to_bool(vm),
        None => Ok(true),
    }
}

/// `encoding=` and `errors=` of the text methods.
#[derive(rustpython_vm::FromArgs)]
pub struct TextArgs {
    #[pyarg(any, optional)]
    encoding: OptionalArg<Option<PyStrRef>>,
    #[pyarg(any, optional)]
    errors: OptionalArg<Option<PyStrRef>>,
    #[pyarg(any, optional)]
    #[allow(dead_code)]
    newline: OptionalArg<Option<PyStrRef>>,
}

#[derive(rustpython_vm::FromArgs)]
struct MkdirArgs {
    #[pyarg(any, default = 0o777)]
    #[allow(dead_code)]
    mode: u32,
    #[pyarg(any, default = false)]
    parents: bool,
    #[pyarg(any, default = false)]
    exist_ok: bool,
}

#[derive(rustpython_vm::FromArgs)]
struct UnlinkArgs {
    #[pyarg(any, default = false)]
    missing_ok: bool,
}

#[derive(rustpython_vm::FromArgs)]
struct TouchArgs {
    #[pyarg(any, default = 0o666)]
    #[allow(dead_code)]
    mode: u32,
    #[pyarg(any, default = true)]
    exist_ok: bool,
}

impl AsNumber for Path {
    fn as_number() -> &'static PyNumberMethods {
        static AS_NUMBER: PyNumberMethods = PyNumberMethods {
            true_divide: Some(|a, b, vm| match a.downcast_ref::<Path>() {
                Some(path) => path.join_object(b, vm).map(|p| p.into_py(vm)),
                None => Ok(vm.ctx.not_implemented()),
            }),
            ..PyNumberMethods::NOT_IMPLEMENTED
        };
        &AS_NUMBER
    }
}

impl Comparable for Path {
    fn cmp(
        zelf: &Py<Self>,
        other: &PyObject,
        op: PyComparisonOp,
        _vm: &VirtualMachine,
    ) -> PyResult<PyComparisonValue> {
        let Some(other) = other.downcast_ref::<Path>() else {
            return Ok(PyComparisonValue::NotImplemented);
        };
        let ours = (&*zelf.grant, &zelf.parts);
        let theirs = (&*other.grant, &other.parts);
        Ok(PyComparisonValue::Implemented(
            op.eval_ord(ours.cmp(&theirs)),
        ))
    }
}

impl Hashable for Path {
    fn hash(zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult<PyHash> {
        vm.ctx.new_str(zelf.virtual_path()).as_object().hash(vm)
    }
}

/// A capability cannot be serialised: its authority is not data.
impl Unpicklable for Path {
    fn refusal() -> &'static str {
        "cannot pickle a capability ('Path')"
    }
}

impl Representable for Path {
    fn repr_str(zelf: &Py<Self>, _vm: &VirtualMachine) -> PyResult<String> {
        Ok(format!("Path('{}')", zelf.virtual_path()))
    }
}

/// Makes the class (once per process).
pub fn init() {
    // The type is kept in its static cell; the handle is not needed here.
    let _ = Path::make_static_type();
}
