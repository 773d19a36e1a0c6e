//! `stat()` results: the fields a sandboxed script may see.

use rustpython_vm::{
    Py, PyPayload, PyResult, VirtualMachine, class::PyClassImpl, pyclass, types::Representable,
};

use super::opaque::Unpicklable;
use crate::capy::sandbox::fs::{EntryKind, Metadata};

const S_IFREG: u32 = 0o100000;
const S_IFDIR: u32 = 0o040000;
const S_IFLNK: u32 = 0o120000;

/// Like `os.stat_result`, with size, modification time and mode. Owner,
/// inode and device numbers are host details and are not shown.
#[pyclass(module = false, name = "stat_result")]
#[derive(Debug, PyPayload)]
pub struct StatResult {
    size: u64,
    mtime_ns: Option<i64>,
    mode: u32,
}

impl From<Metadata> for StatResult {
    fn from(metadata: Metadata) -> StatResult {
        let kind = match metadata.kind {
            EntryKind::File => S_IFREG,
            EntryKind::Dir => S_IFDIR,
            EntryKind::Symlink => S_IFLNK,
            EntryKind::Other => 0,
        };
        StatResult {
            size: metadata.size,
            mtime_ns: metadata.modified_ns,
            mode: kind | (metadata.mode & 0o7777),
        }
    }
}

#[pyclass(flags(DISALLOW_INSTANTIATION), with(Representable, Unpicklable))]
impl StatResult {
    #[pygetset]
    fn st_size(zelf: &Py<Self>) -> u64 {
        zelf.size
    }

    #[pygetset]
    fn st_mode(zelf: &Py<Self>) -> u32 {
        zelf.mode
    }

    #[pygetset]
    fn st_mtime(zelf: &Py<Self>) -> f64 {
        zelf.mtime_ns.unwrap_or(0) as f64 / 1e9
    }

    #[pygetset]
    fn st_mtime_ns(zelf: &Py<Self>) -> i64 {
        zelf.mtime_ns.unwrap_or(0)
    }
}

/// Not serialisable, like the capabilities it comes from.
impl Unpicklable for StatResult {
    fn refusal() -> &'static str {
        "cannot pickle 'stat_result' in the sandbox"
    }
}

impl Representable for StatResult {
    fn repr_str(zelf: &Py<Self>, _vm: &VirtualMachine) -> PyResult<String> {
        Ok(format!(
            "stat_result(st_mode={}, st_size={}, st_mtime={})",
            zelf.mode,
            zelf.size,
            Self::st_mtime(zelf)
        ))
    }
}

pub fn init() {
    // The type is kept in its static cell; the handle is not needed here.
    let _ = StatResult::make_static_type();
}
