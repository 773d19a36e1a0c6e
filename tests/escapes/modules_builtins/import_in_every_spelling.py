attempts = 0
for statement in ("sys", "os", "posix", "_io", "_imp", "builtins", "importlib", "marshal", "gc"):
    try:
        __builtins__["__import__"]
        print("ESCAPED: __import__ visible")
    except KeyError:
        pass
# `import sys` gives the script's own sys (granted by default): data and
# streams, nothing of the real interpreter's.
import sys
for name in ("_getframe", "settrace", "setprofile", "addaudithook", "path",
             "meta_path", "path_hooks", "path_importer_cache", "_current_frames",
             "builtin_module_names", "call_tracing", "breakpointhook"):
    if hasattr(sys, name):
        print("ESCAPED: sys." + name)
for name, module in list(sys.modules.items()):
    if getattr(module, "__loader__", None) is not None:
        print("ESCAPED: a loader in sys.modules", name)
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
