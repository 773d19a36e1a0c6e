//! Host file-system errors as the standard Python exceptions, with virtual
//! paths (`/data/sub/a.txt`) and Linux errno values, so ordinary
//! `try/except FileNotFoundError` code works unchanged.

use rustpython_vm::{
    AsObject, PyObjectRef, VirtualMachine,
    builtins::{PyBaseException, PyBaseExceptionRef, PyTypeRef},
};

use crate::capy::sandbox::fs::{ErrorKind, FsError};

/// The errno, message and exception class CPython on Linux would use.
fn describe(kind: ErrorKind, vm: &VirtualMachine) -> (i32, &'static str, PyTypeRef) {
    let excs = &vm.ctx.exceptions;
    let (errno, message, class) = match kind {
        ErrorKind::NotFound => (2, "No such file or directory", excs.file_not_found_error),
        ErrorKind::PermissionDenied => (13, "Permission denied", excs.permission_error),
        ErrorKind::IsADirectory => (21, "Is a directory", excs.is_a_directory_error),
        ErrorKind::NotADirectory => (20, "Not a directory", excs.not_a_directory_error),
        ErrorKind::AlreadyExists => (17, "File exists", excs.file_exists_error),
        ErrorKind::NotEmpty => (39, "Directory not empty", excs.os_error),
        ErrorKind::InvalidInput => (22, "Invalid argument", excs.os_error),
        ErrorKind::TooLarge => (27, "File too large to read at once", excs.os_error),
        ErrorKind::NotReadable => (9, "File not open for reading", excs.os_error),
        ErrorKind::NotWritable => (9, "File not open for writing", excs.os_error),
        ErrorKind::Other => (5, "Input/output error", excs.os_error),
    };
    (errno, message, class.to_owned())
}

/// `OSError` subclass for `error`, naming `virtual_path`.
pub fn from_fs_error(
    vm: &VirtualMachine,
    kind: ErrorKind,
    virtual_path: &str,
) -> PyBaseExceptionRef {
    let (errno, message, class) = describe(kind, vm);
    os_error(vm, class, errno, message, virtual_path)
}

/// Builds `class(errno, message, filename)`, as CPython's `OSError` does,
/// so `e.errno`, `e.strerror` and `e.filename` are set.
pub fn os_error(
    vm: &VirtualMachine,
    class: PyTypeRef,
    errno: i32,
    message: &str,
    filename: &str,
) -> PyBaseExceptionRef {
    let args: Vec<PyObjectRef> = vec![
        vm.ctx.new_int(errno).into(),
        vm.ctx.new_str(message).into(),
        vm.ctx.new_str(filename).into(),
    ];
    match class.as_object().call(args, vm) {
        Ok(exc) => match exc.downcast::<PyBaseException>() {
            Ok(exc) => exc,
            Err(_) => vm.new_os_error(format!("{message}: '{filename}'")),
        },
        Err(exc) => exc,
    }
}

/// `PermissionError` for a path that would leave its grant.
pub fn escape(vm: &VirtualMachine, what: &str, virtual_path: &str) -> PyBaseExceptionRef {
    os_error(
        vm,
        vm.ctx.exceptions.permission_error.to_owned(),
        13,
        what,
        virtual_path,
    )
}

/// A host error converted for a path of grant `grant`.
pub fn fs_error(vm: &VirtualMachine, grant: &str, error: &FsError) -> PyBaseExceptionRef {
    from_fs_error(vm, error.kind, &virtual_path(grant, &error.path))
}

/// `/grant/rel` (or `/grant` for the root): the contract's one rendering.
pub use capy_contract::virtual_path;
