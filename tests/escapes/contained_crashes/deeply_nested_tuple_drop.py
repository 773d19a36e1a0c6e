# was a known crash under RustPython 0.5.0 (0.6.0 frees such chains without native recursion): dropping a deeply nested object recurses natively in RustPython until the guest's stack (in its linear memory) runs out; wasm traps, only this sandbox stops.
x = None
for i in range(2 * 10**6):
    x = (x,)
del x
