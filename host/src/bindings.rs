//! Host-side bindings generated from the contract (`contract/wit/capy.wit`).

wasmtime::component::bindgen!({
    path: "../contract/wit",
    world: "sandbox",
    // Host functions may end the run (e.g. past the output limit) by
    // returning an error, which traps the guest. Host functions of the
    // embedding application may be async, so that import is async, and so
    // every call into the guest is too (wasmtime runs it on a fiber).
    imports: {
        "capy:sandbox/host.call": async | trappable,
        default: trappable,
    },
    exports: { default: async },
    // The guest's `dir` and `file` resources are the capabilities
    // themselves, held in the store's resource table.
    with: {
        "capy:sandbox/fs.dir": capy_capabilities::fs::DirCap,
        "capy:sandbox/fs.file": capy_capabilities::fs::FileCap,
    },
});
