def g():
    return 10**100
try:
    g.__code__ = g.__code__.replace(co_consts=())
    g()
except Exception:
    pass
