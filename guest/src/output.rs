//! `sys.stdout` / `sys.stderr` for the sandbox: text goes to the host's
//! `output.write`, which counts it against the output limit.

use rustpython_vm::{
    Py, PyObjectRef, PyPayload, PyResult, VirtualMachine,
    builtins::{PyDictRef, PyStrRef},
    class::PyClassImpl,
    pyclass,
    types::Representable,
};

use crate::capy::sandbox::output::{Channel, write};

/// A write-only text stream whose bytes go to the host.
#[pyclass(module = false, name = "HostStream")]
#[derive(Debug, PyPayload)]
pub struct HostStream {
    channel: Channel,
}

thread_local! {
    /// The `sys` namespaces (the catalog's stand-in, the script's own) whose
    /// `stdout`/`stderr` `print` follows when something else is put there.
    static FOLLOWED: std::cell::RefCell<Vec<PyDictRef>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Makes `print` follow `namespace`'s `stdout` and `stderr`: assigning
/// another stream there (`sys.stdout = w`, `contextlib.redirect_stdout`)
/// redirects what the sandbox's streams are given.
pub fn follow(namespace: PyDictRef) {
    FOLLOWED.with(|f| f.borrow_mut().push(namespace));
}

/// What a followed namespace holds in place of the sandbox's stream
/// `name`, if anything.
fn replacement(name: &str, vm: &VirtualMachine) -> Option<PyObjectRef> {
    FOLLOWED.with(|f| {
        // The latest first: the script's own `sys` over the stand-in.
        f.borrow().iter().rev().find_map(|namespace| {
            let stream = namespace.get_item_opt(name, vm).ok().flatten()?;
            stream
                .downcast_ref::<HostStream>()
                .is_none()
                .then_some(stream)
        })
    })
}

impl HostStream {
    /// The `sys` attribute this stream is.
    fn channel_name(&self) -> &'static str {
        match self.channel {
            Channel::Stdout => "stdout",
            Channel::Stderr => "stderr",
        }
    }
}

#[pyclass(with(Representable))]
impl HostStream {
    #[pymethod]
    fn write(zelf: &Py<Self>, text: PyStrRef, vm: &VirtualMachine) -> PyResult {
        if let Some(target) = replacement(zelf.channel_name(), vm) {
            return vm.call_method(&target, "write", (text,));
        }
        let bytes = text.as_bytes();
        if !bytes.is_empty() {
            write(zelf.channel, bytes);
        }
        // Like io.TextIOWrapper.write, report characters, not bytes.
        Ok(vm.ctx.new_int(text.char_len()).into())
    }

    #[pymethod]
    fn flush(zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult<()> {
        if let Some(target) = replacement(zelf.channel_name(), vm) {
            vm.call_method(&target, "flush", ())?;
        }
        Ok(())
    }

    #[pymethod]
    fn isatty(_zelf: &Py<Self>) -> bool {
        false
    }

    #[pymethod]
    fn writable(_zelf: &Py<Self>) -> bool {
        true
    }

    #[pymethod]
    fn readable(_zelf: &Py<Self>) -> bool {
        false
    }
}

impl Representable for HostStream {
    fn repr_str(zelf: &rustpython_vm::Py<Self>, _vm: &VirtualMachine) -> PyResult<String> {
        let name = match zelf.channel {
            Channel::Stdout => "<stdout>",
            Channel::Stderr => "<stderr>",
        };
        Ok(format!("<capy stream {name}>"))
    }
}

/// Points `sys.stdout` and `sys.stderr` (and their `__dunder__` twins) at the host.
pub fn install(vm: &VirtualMachine) -> PyResult<()> {
    // Native classes are built lazily, once per process.
    // The type is kept in its static cell; the handle is not needed here.
    let _ = HostStream::make_static_type();
    for (name, channel) in [("stdout", Channel::Stdout), ("stderr", Channel::Stderr)] {
        let stream = HostStream { channel }.into_ref(&vm.ctx);
        vm.sys_module.set_attr(name, stream.clone(), vm)?;
        vm.sys_module
            .set_attr(vm.ctx.intern_str(format!("__{name}__")), stream, vm)?;
    }
    Ok(())
}
