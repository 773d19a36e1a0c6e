attempts = 0
for statement in ("sys", "os", "posix", "_io", "_imp", "builtins", "importlib", "marshal", "gc"):
    try:
        __builtins__["__import__"]
        print("ESCAPED: __import__ visible")
    except KeyError:
        pass
try:
    import sys
    print("ESCAPED:", sys)
except ImportError:
    attempts += 1
try:
    from os import system
    print("ESCAPED:", system)
except ImportError:
    attempts += 1
try:
    import importlib.util
    print("ESCAPED:", importlib)
except ImportError:
    attempts += 1
if attempts != 3: print("ESCAPED: an import did not fail")
