# pickle's unpickler looks classes up by name (GLOBAL, STACK_GLOBAL), in
# CPython through __import__ and sys.modules. Here it must find only what
# the script itself can reach: its granted modules' views, its __main__
# and its own builtins; never a catalog module's internals, a module the
# script was not granted, or a builtin the sandbox removed.
import pickle


def global_op(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n."


def stack_global(module, name):
    def s(text):
        data = text.encode()
        return b"\x8c" + bytes([len(data)]) + data + b"\x94"
    return b"\x80\x04" + s(module) + s(name) + b"\x93."


attempts = [
    ("os", "system"), ("posix", "system"), ("builtins", "eval"), ("builtins", "exec"),
    ("builtins", "open"), ("builtins", "__import__"), ("builtins", "compile"),
    ("_sre", "compile"), ("_io", "open"), ("_thread", "start_new_thread"),
    ("json", "decoder.re"), ("json", "decoder.re.enum.sys"), ("re", "_compiler._sre"),
    ("importlib", "import_module"), ("_capy_imports", "script_module"),
    ("_capy_stack", "script_frame"), ("typing", "sys"),
    ("copyreg", "_reconstructor.__globals__"), ("codecs", "open"),
    ("__main__", "__builtins__.__import__"), ("warnings", "sys"),
]
for module, name in attempts:
    for make in (global_op, stack_global):
        try:
            found = pickle.loads(make(module, name))
        except Exception:
            continue
        if found is not None and not isinstance(found, type(pickle)):
            print("ESCAPED: unpickled", module, name, "->", repr(found)[:60])
        elif isinstance(found, type(pickle)):
            print("ESCAPED: unpickled a module", module, name)

# `sys.modules` is the script's own (the views it imported), as `import sys`
# gives it.
import sys
if pickle.loads(stack_global("sys", "modules")) is not sys.modules:
    print("ESCAPED: another sys.modules")

# What should work does: the script's own classes and granted ones.
class Mine:
    pass
print(type(pickle.loads(pickle.dumps(Mine()))).__name__, pickle.loads(global_op("builtins", "len"))([1]))
