//! Link settings for the guest component.

fn main() {
    // The guest's shadow stack (in linear memory) holds the interpreter's
    // Rust frames. Rust's wasm default of 1 MiB runs out before Python's own
    // recursion limit; 8 MiB leaves room for the limit plus deep native
    // recursion (repr, comparisons) at the deepest Python frame.
    // `py_freeze!` (guest/src/modules.rs) compiles pylib/ at build time but
    // cannot tell cargo which files it read.
    println!("cargo:rerun-if-changed=pylib");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-link-arg=-zstack-size={}", 8 << 20);
}
