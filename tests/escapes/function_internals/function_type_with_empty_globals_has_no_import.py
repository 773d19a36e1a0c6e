def f():
    return __import__("sys")
try:
    g = type(f)(f.__code__, {})
    m = g()
    print("ESCAPED:", m)
except Exception as e:
    pass
