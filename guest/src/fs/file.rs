//! `File`: what `Path.open` returns, a streaming file object over a host
//! `file` handle.
//!
//! Reads are buffered in the guest (one host call per 64 KiB, so
//! `readline` and iteration are cheap); writes go to the host at once, so a
//! write refused by a quota or right fails at the `write` call that caused it.

use std::cell::RefCell;

use rustpython_vm::{
    Py, PyObjectRef, PyPayload, PyRef, PyResult, TryFromObject, VirtualMachine,
    builtins::PyStrRef,
    class::PyClassImpl,
    function::{ArgBytesLike, FuncArgs, OptionalArg},
    protocol::PyIterReturn,
    pyclass,
    types::{IterNext, Representable, SelfIter},
};

use super::error::fs_error;
use super::opaque::Unpicklable;
use super::path::Path;
use super::text::Codec;
use crate::capy::sandbox::fs::{Dir, FsError, OpenOptions, Whence};

/// How much one host read asks for when filling the read buffer.
const READ_CHUNK: u64 = 64 << 10;

/// Arguments of `Path.open`, as the builtin `open` takes them.
#[derive(rustpython_vm::FromArgs)]
pub struct OpenArgs {
    #[pyarg(any, optional)]
    mode: OptionalArg<PyStrRef>,
    #[pyarg(any, default = -1)]
    #[allow(dead_code)]
    buffering: i64,
    #[pyarg(any, optional)]
    encoding: OptionalArg<Option<PyStrRef>>,
    #[pyarg(any, optional)]
    errors: OptionalArg<Option<PyStrRef>>,
    #[pyarg(any, optional)]
    #[allow(dead_code)]
    newline: OptionalArg<Option<PyStrRef>>,
}

/// A parsed `open()` mode string.
#[derive(Debug, Clone, Copy)]
struct Mode {
    options: OpenOptions,
    binary: bool,
}

fn parse_mode(mode: &str, vm: &VirtualMachine) -> PyResult<Mode> {
    let invalid = || vm.new_value_error(format!("invalid mode: '{mode}'"));
    let mut options = OpenOptions {
        read: false,
        write: false,
        append: false,
        create: false,
        create_new: false,
        truncate: false,
    };
    let (mut kind, mut plus, mut binary, mut text) = (None, false, false, false);
    for c in mode.chars() {
        let seen = match c {
            'r' | 'w' | 'x' | 'a' => kind.replace(c).is_some(),
            '+' => std::mem::replace(&mut plus, true),
            'b' => std::mem::replace(&mut binary, true),
            't' => std::mem::replace(&mut text, true),
            _ => return Err(invalid()),
        };
        if seen {
            return Err(invalid());
        }
    }
    if binary && text {
        return Err(vm.new_value_error("can't have text and binary mode at once"));
    }
    match kind {
        Some('r') => options.read = true,
        Some('w') => (options.write, options.create, options.truncate) = (true, true, true),
        Some('x') => (options.write, options.create_new) = (true, true),
        Some('a') => (options.append, options.create) = (true, true),
        _ => {
            return Err(vm.new_value_error(
                "Must have exactly one of create/read/write/append mode and at most one plus",
            ));
        }
    }
    if plus {
        options.read = true;
        options.write = !options.append || options.write;
    }
    Ok(Mode { options, binary })
}

/// Opens `path` through `dir` (`Path.open`).
pub fn open(path: &Path, dir: &Dir, args: OpenArgs, vm: &VirtualMachine) -> PyResult<File> {
    let mode_text = match &args.mode {
        OptionalArg::Present(mode) => mode.to_string_lossy().into_owned(),
        OptionalArg::Missing => "r".to_owned(),
    };
    let mode = parse_mode(&mode_text, vm)?;
    let codec = if mode.binary {
        let given =
            |arg: &OptionalArg<Option<PyStrRef>>| matches!(arg, OptionalArg::Present(Some(_)));
        if given(&args.encoding) || given(&args.errors) {
            return Err(
                vm.new_value_error("binary mode doesn't take an encoding or errors argument")
            );
        }
        None
    } else {
        Some(Codec::new(args.encoding, args.errors, vm)?)
    };
    let handle = dir
        .open(&path.rel(), mode.options)
        .map_err(|e| fs_error(vm, path.grant(), &e))?;
    Ok(File {
        state: RefCell::new(Some(Open {
            handle,
            buffer: Vec::new(),
            eof: false,
        })),
        grant: path.grant().to_owned(),
        rel: path.rel(),
        mode: mode_text,
        readable: mode.options.read,
        writable: mode.options.write || mode.options.append,
        codec,
    })
}

/// An open file's host handle and read-ahead buffer.
struct Open {
    handle: crate::capy::sandbox::fs::File,
    /// Bytes read from the host but not yet by the script.
    buffer: Vec<u8>,
    /// The last host read returned nothing.
    eof: bool,
}

/// A file opened by `Path.open`.
#[pyclass(module = false, name = "File")]
#[derive(PyPayload)]
pub struct File {
    /// `None` once closed; dropping the host handle closes it on the host.
    state: RefCell<Option<Open>>,
    grant: String,
    rel: String,
    mode: String,
    readable: bool,
    writable: bool,
    /// `None` in binary mode.
    codec: Option<Codec>,
}

impl std::fmt::Debug for File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "File({}, {})", self.virtual_name(), self.mode)
    }
}

impl File {
    fn virtual_name(&self) -> String {
        super::error::virtual_path(&self.grant, &self.rel)
    }

    fn error(
        &self,
        vm: &VirtualMachine,
        error: &FsError,
    ) -> rustpython_vm::builtins::PyBaseExceptionRef {
        fs_error(vm, &self.grant, error)
    }

    /// Runs `f` on the open state; `ValueError` once closed, as in CPython.
    fn with_open<R>(
        &self,
        vm: &VirtualMachine,
        f: impl FnOnce(&mut Open) -> PyResult<R>,
    ) -> PyResult<R> {
        let mut state = self.state.borrow_mut();
        match state.as_mut() {
            Some(open) => f(open),
            None => Err(vm.new_value_error("I/O operation on closed file.")),
        }
    }

    fn check_readable(&self, vm: &VirtualMachine) -> PyResult<()> {
        if self.readable {
            Ok(())
        } else {
            Err(super::error::from_fs_error(
                vm,
                crate::capy::sandbox::fs::ErrorKind::NotReadable,
                &self.virtual_name(),
            ))
        }
    }

    /// Reads one more chunk into the buffer; false at the end of the file.
    fn fill(&self, open: &mut Open, vm: &VirtualMachine) -> PyResult<bool> {
        if open.eof {
            return Ok(false);
        }
        let chunk = open
            .handle
            .read(READ_CHUNK)
            .map_err(|e| self.error(vm, &e))?;
        if chunk.is_empty() {
            open.eof = true;
            return Ok(false);
        }
        open.buffer.extend_from_slice(&chunk);
        Ok(true)
    }

    /// Bytes up to `limit` (all if `None`).
    fn read_bytes(&self, limit: Option<usize>, vm: &VirtualMachine) -> PyResult<Vec<u8>> {
        self.check_readable(vm)?;
        self.with_open(vm, |open| {
            while limit.is_none_or(|n| open.buffer.len() < n) && self.fill(open, vm)? {}
            let take = limit.map_or(open.buffer.len(), |n| n.min(open.buffer.len()));
            Ok(open.buffer.drain(..take).collect())
        })
    }

    /// Text of up to `limit` characters.
    fn read_chars(
        &self,
        codec: Codec,
        limit: Option<usize>,
        vm: &VirtualMachine,
    ) -> PyResult<String> {
        let Some(limit) = limit else {
            let bytes = self.read_bytes(None, vm)?;
            return codec.decode(&bytes, vm);
        };
        self.check_readable(vm)?;
        let bytes = self.with_open(vm, |open| {
            let mut end = loop {
                let (end, chars) = codec.char_boundary(&open.buffer, limit);
                if chars >= limit || !self.fill(open, vm)? {
                    break end;
                }
            };
            if open.eof && end == 0 {
                end = open.buffer.len(); // a truncated character at the end: let decode report it
            }
            Ok(open.buffer.drain(..end).collect::<Vec<u8>>())
        })?;
        codec.decode(&bytes, vm)
    }

    /// One line, with its `\n`, of at most `limit` bytes; empty at the end.
    fn read_line_bytes(&self, limit: Option<usize>, vm: &VirtualMachine) -> PyResult<Vec<u8>> {
        self.check_readable(vm)?;
        self.with_open(vm, |open| {
            let mut searched = 0;
            loop {
                if let Some(i) = open.buffer[searched..].iter().position(|&b| b == b'\n') {
                    let end = searched + i + 1;
                    let end = limit.map_or(end, |n| end.min(n));
                    return Ok(open.buffer.drain(..end).collect());
                }
                if limit.is_some_and(|n| open.buffer.len() >= n) {
                    let n = limit.unwrap_or(0);
                    return Ok(open.buffer.drain(..n).collect());
                }
                searched = open.buffer.len();
                if !self.fill(open, vm)? {
                    return Ok(std::mem::take(&mut open.buffer));
                }
            }
        })
    }

    fn line(&self, limit: Option<usize>, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let line = self.read_line_bytes(limit, vm)?;
        Ok(match self.codec {
            Some(codec) => vm.ctx.new_str(codec.decode(&line, vm)?).into(),
            None => vm.ctx.new_bytes(line).into(),
        })
    }

    /// Gives unread buffered bytes back, so the host position is the
    /// script's position again (before a write or seek).
    fn unread(&self, open: &mut Open, vm: &VirtualMachine) -> PyResult<()> {
        if !open.buffer.is_empty() {
            let back = -(open.buffer.len() as i64);
            open.handle
                .seek(back, Whence::Current)
                .map_err(|e| self.error(vm, &e))?;
            open.buffer.clear();
        }
        open.eof = false;
        Ok(())
    }
}

fn size_arg(size: OptionalArg<Option<i64>>) -> Option<usize> {
    match size.flatten() {
        Some(n) if n >= 0 => Some(usize::try_from(n).unwrap_or(usize::MAX)),
        _ => None,
    }
}

#[pyclass(
    flags(DISALLOW_INSTANTIATION),
    with(IterNext, Representable, Unpicklable)
)]
impl File {
    #[pymethod]
    fn read(
        zelf: &Py<Self>,
        size: OptionalArg<Option<i64>>,
        vm: &VirtualMachine,
    ) -> PyResult<PyObjectRef> {
        let limit = size_arg(size);
        Ok(match zelf.codec {
            Some(codec) => vm.ctx.new_str(zelf.read_chars(codec, limit, vm)?).into(),
            None => vm.ctx.new_bytes(zelf.read_bytes(limit, vm)?).into(),
        })
    }

    #[pymethod]
    fn readline(
        zelf: &Py<Self>,
        size: OptionalArg<Option<i64>>,
        vm: &VirtualMachine,
    ) -> PyResult<PyObjectRef> {
        zelf.line(size_arg(size), vm)
    }

    #[pymethod]
    fn readlines(zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult<PyObjectRef> {
        let mut lines = Vec::new();
        loop {
            let line = zelf.read_line_bytes(None, vm)?;
            if line.is_empty() {
                break;
            }
            lines.push(match zelf.codec {
                Some(codec) => vm.ctx.new_str(codec.decode(&line, vm)?).into(),
                None => vm.ctx.new_bytes(line).into(),
            });
        }
        Ok(vm.ctx.new_list(lines).into())
    }

    #[pymethod]
    fn write(zelf: &Py<Self>, data: PyObjectRef, vm: &VirtualMachine) -> PyResult<usize> {
        let (bytes, written) = match zelf.codec {
            Some(codec) => {
                let text = data
                    .downcast::<rustpython_vm::builtins::PyStr>()
                    .map_err(|obj| {
                        vm.new_type_error(format!(
                            "write() argument must be str, not {}",
                            obj.class().name()
                        ))
                    })?;
                (codec.encode(&text, vm)?, text.char_len())
            }
            None => {
                let bytes = ArgBytesLike::try_from_object(vm, data)?;
                let bytes = bytes.borrow_buf().to_vec();
                let len = bytes.len();
                (bytes, len)
            }
        };
        if !zelf.writable {
            return Err(super::error::from_fs_error(
                vm,
                crate::capy::sandbox::fs::ErrorKind::NotWritable,
                &zelf.virtual_name(),
            ));
        }
        zelf.with_open(vm, |open| {
            zelf.unread(open, vm)?;
            open.handle.write(&bytes).map_err(|e| zelf.error(vm, &e))?;
            Ok(written)
        })
    }

    #[pymethod]
    fn writelines(zelf: &Py<Self>, lines: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
        let iter = lines.get_iter(vm)?;
        while let PyIterReturn::Return(line) = iter.next(vm)? {
            Self::write(zelf, line, vm)?;
        }
        Ok(())
    }

    #[pymethod]
    fn seek(
        zelf: &Py<Self>,
        offset: i64,
        whence: OptionalArg<i32>,
        vm: &VirtualMachine,
    ) -> PyResult<u64> {
        let whence = match whence.unwrap_or(0) {
            0 => Whence::Start,
            1 => Whence::Current,
            2 => Whence::End,
            other => {
                return Err(
                    vm.new_value_error(format!("invalid whence ({other}, should be 0, 1 or 2)"))
                );
            }
        };
        if zelf.codec.is_some() && whence != Whence::Start && offset != 0 {
            return Err(vm.new_value_error("can't do nonzero cur-relative seeks in text mode"));
        }
        if whence == Whence::Start && offset < 0 {
            return Err(vm.new_value_error(format!("negative seek position {offset}")));
        }
        zelf.with_open(vm, |open| {
            zelf.unread(open, vm)?;
            open.handle
                .seek(offset, whence)
                .map_err(|e| zelf.error(vm, &e))
        })
    }

    #[pymethod]
    fn tell(zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult<u64> {
        zelf.with_open(vm, |open| {
            let host = open
                .handle
                .seek(0, Whence::Current)
                .map_err(|e| zelf.error(vm, &e))?;
            Ok(host.saturating_sub(open.buffer.len() as u64))
        })
    }

    #[pymethod]
    fn close(zelf: &Py<Self>) {
        // Dropping the handle closes the file on the host.
        zelf.state.borrow_mut().take();
    }

    #[pygetset]
    fn closed(zelf: &Py<Self>) -> bool {
        zelf.state.borrow().is_none()
    }

    #[pymethod]
    fn flush(zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult<()> {
        zelf.with_open(vm, |_| Ok(()))
    }

    #[pymethod]
    fn readable(zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult<bool> {
        zelf.with_open(vm, |_| Ok(zelf.readable))
    }

    #[pymethod]
    fn writable(zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult<bool> {
        zelf.with_open(vm, |_| Ok(zelf.writable))
    }

    #[pymethod]
    fn seekable(zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult<bool> {
        zelf.with_open(vm, |_| Ok(true))
    }

    #[pymethod]
    fn isatty(_zelf: &Py<Self>) -> bool {
        false
    }

    #[pymethod]
    fn fileno(_zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult<i32> {
        Err(vm.new_os_error("files in the sandbox have no file descriptor"))
    }

    #[pygetset]
    fn name(zelf: &Py<Self>) -> String {
        zelf.virtual_name()
    }

    #[pygetset]
    fn mode(zelf: &Py<Self>) -> String {
        zelf.mode.clone()
    }

    #[pygetset]
    fn encoding(zelf: &Py<Self>) -> Option<&'static str> {
        zelf.codec.map(|c| c.name())
    }

    #[pymethod]
    fn __enter__(zelf: PyRef<Self>, vm: &VirtualMachine) -> PyResult<PyRef<Self>> {
        zelf.with_open(vm, |_| Ok(()))?;
        Ok(zelf)
    }

    #[pymethod]
    fn __exit__(zelf: &Py<Self>, _args: FuncArgs) {
        Self::close(zelf);
    }
}

impl Unpicklable for File {
    fn refusal() -> &'static str {
        "cannot pickle a capability ('File')"
    }
}

impl SelfIter for File {}

impl IterNext for File {
    fn next(zelf: &rustpython_vm::Py<Self>, vm: &VirtualMachine) -> PyResult<PyIterReturn> {
        let line = zelf.read_line_bytes(None, vm)?;
        if line.is_empty() {
            return Ok(PyIterReturn::StopIteration(None));
        }
        Ok(PyIterReturn::Return(match zelf.codec {
            Some(codec) => vm.ctx.new_str(codec.decode(&line, vm)?).into(),
            None => vm.ctx.new_bytes(line).into(),
        }))
    }
}

impl Representable for File {
    fn repr_str(zelf: &rustpython_vm::Py<Self>, _vm: &VirtualMachine) -> PyResult<String> {
        let state = if Self::closed(zelf) { " closed" } else { "" };
        Ok(format!(
            "<File '{}' mode='{}'{state}>",
            zelf.virtual_name(),
            zelf.mode
        ))
    }
}

pub fn init() {
    // The type is kept in its static cell; the handle is not needed here.
    let _ = File::make_static_type();
}
