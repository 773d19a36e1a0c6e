# known-crash: dropping a deeply nested object recurses natively in RustPython until the guest's stack (in its linear memory) runs out; wasm traps, only this sandbox stops.
x = None
for i in range(2 * 10**6):
    x = (x,)
del x
