# known-crash: a million-long chain of (value, rest) pairs freed by rebinding its name: the same native recursion on drop; the trap ends this sandbox only.
x = ()
for i in range(10**6):
    x = (i, x)
x = 0
