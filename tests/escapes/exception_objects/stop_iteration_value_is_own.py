def g():
    return 5
    yield
it = g()
try: next(it)
except StopIteration as e:
    if e.value != 5: print("ESCAPED")
