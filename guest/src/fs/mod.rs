//! Directory capabilities as Python objects.
//!
//! Each grant the host hands over (`capy:sandbox/fs.grants`) becomes a
//! global of the script's `__main__`: a [`path::Path`] at the grant's root.
//! Everything a script does to files goes through those objects' host
//! handles; there is no other way to name a file.

mod error;
mod file;
mod glob;
mod opaque;
mod path;
mod stat;
mod text;

use rustpython_vm::{PyPayload, PyResult, VirtualMachine, builtins::PyDictRef};

use crate::capy::sandbox::fs::grants;

/// Makes the file-system classes (before `lockdown`, which interns the
/// names of every class).
pub fn init() {
    path::init();
    file::init();
    stat::init();
}

/// Binds every granted directory into `globals` under its grant name.
pub fn bind_grants(globals: &PyDictRef, vm: &VirtualMachine) -> PyResult<()> {
    for (name, dir) in grants() {
        let root = path::Path::root(dir, &name).into_ref(&vm.ctx);
        globals.set_item(name.as_str(), root.into(), vm)?;
    }
    Ok(())
}
