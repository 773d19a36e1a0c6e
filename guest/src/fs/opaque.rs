//! Capabilities are not data: `pickle`, `copy` and `__reduce__` get a
//! `TypeError` from every class here, instead of `object.__reduce_ex__`
//! (which would try to import `copyreg` and rebuild the object from its
//! state).

use rustpython_vm::{Py, PyObjectRef, PyPayload, PyResult, VirtualMachine, pyclass};

/// The three methods pickling and copying use, each refusing with
/// [`refusal`](Unpicklable::refusal). A class takes them with
/// `#[pyclass(with(Unpicklable))]`.
#[pyclass]
pub trait Unpicklable: PyPayload {
    /// The `TypeError` message, naming the class.
    fn refusal() -> &'static str;

    #[pymethod]
    fn __reduce__(_zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult<()> {
        Err(vm.new_type_error(Self::refusal()))
    }

    #[pymethod]
    fn __reduce_ex__(
        _zelf: &Py<Self>,
        _protocol: PyObjectRef,
        vm: &VirtualMachine,
    ) -> PyResult<()> {
        Err(vm.new_type_error(Self::refusal()))
    }

    #[pymethod]
    fn __getstate__(_zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult<()> {
        Err(vm.new_type_error(Self::refusal()))
    }
}
