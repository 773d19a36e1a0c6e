# was a known crash under RustPython 0.5.0 (0.6.0 frees such chains without native recursion): a million-long chain of (value, rest) pairs freed by rebinding its name: the same native recursion on drop; the trap ends this sandbox only.
x = ()
for i in range(10**6):
    x = (i, x)
x = 0
