# The classic ladders, started from granted modules instead of the
# script's own objects.
import json, random, dataclasses, collections, typing, enum, datetime, re, functools, copy

def attempt(label, get):
    try:
        value = get()
    except (AttributeError, KeyError, TypeError, ImportError, ValueError, NameError):
        return None
    return value

# Function internals of library code are refused.
for label, get in [
    ("json.loads.__globals__", lambda: json.loads.__globals__),
    ("json.loads.__builtins__", lambda: json.loads.__builtins__),
    ("re.compile.__globals__", lambda: re.compile.__globals__),
    ("collections.namedtuple.__closure__", lambda: collections.namedtuple("P", "x").__new__.__closure__),
    ("dataclasses.field.__globals__", lambda: dataclasses.field.__globals__),
]:
    if attempt(label, get) is not None:
        print("ESCAPED:", label)

# Module namespaces are visible, but hold nothing with authority.
builtins_dict = json.__builtins__
for name in ("__import__", "open", "exec", "eval", "compile"):
    if name in builtins_dict:
        print("ESCAPED: json.__builtins__ has", name)

# The stand-ins the library code imports are not the real thing.
sys_stub = dataclasses.sys
for name in ("_getframe", "modules_real", "meta_path", "path", "settrace", "exit", "_current_frames", "exc_info", "addaudithook"):
    if hasattr(sys_stub, name):
        print("ESCAPED: dataclasses.sys has", name)
if set(vars(random._os)) - {"__name__", "__doc__", "__package__", "__loader__", "__spec__", "name", "urandom"}:
    print("ESCAPED: random._os has", sorted(vars(random._os)))
if hasattr(enum.bltns, "__import__") or hasattr(enum.bltns, "open"):
    print("ESCAPED: enum.bltns")
# Whatever the stub sys.modules holds is a catalog module.
for name, module in list(sys_stub.modules.items()):
    for attr in ("system", "listdir", "_getframe", "meta_path", "FileIO"):
        if hasattr(module, attr):
            print("ESCAPED: sys.modules", name, attr)

# Writing to the stubs changes nothing for imports.
sys_stub.modules["os"] = "planted"
try:
    import os
    print("ESCAPED: import os ->", os)
except ImportError:
    pass

# A callback run from a library frame imports as the script, not as the library.
def sneaky():
    import io
    return io

@dataclasses.dataclass
class C:
    x: object = dataclasses.field(default_factory=sneaky)

try:
    print("ESCAPED: io via default_factory", C().x)
except ImportError:
    pass
try:
    print("ESCAPED:", sorted([1, 2], key=lambda v: __import__("os")))
except NameError:
    pass

# Native functions' __self__ does not lead to a module with authority.
for label, fn in [("print", print), ("json.dumps", json.dumps), ("time.time", __import__ if False else datetime.datetime.now)]:
    owner = getattr(fn, "__self__", None)
    if owner is not None and (hasattr(owner, "__import__") or hasattr(owner, "open")):
        print("ESCAPED:", label, "__self__", owner)
