//! Host-side bindings generated from the capability contract
//! (`proxies/wit/capy.wit`).

wasmtime::component::bindgen!({
    path: "../proxies/wit",
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
    // The guest's `dir` and `file` handles index these host objects.
    with: {
        "capy:sandbox/fs.dir": crate::fs::DirHandle,
        "capy:sandbox/fs.file": crate::fs::FileHandle,
    },
});
