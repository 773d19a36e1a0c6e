# Walks everything a script can reach from its globals, its builtins and
# every module it imported, by attributes, `__dict__`s, class dicts,
# `__subclasses__()`, container items and whatever function and frame
# metadata the guards allow. Prints one `FOUND <what> at <path>` line for
# each object of the import machinery, the real `sys` or `sys.modules`, a
# module of authority, or a function that imports, opens files or reads
# frames; then `MODULES <names>`, every module object reached; then
# `WALKED <n>`, the number of objects visited.
#
# The host puts `import NAME` lines for the granted modules above this
# file, and `LIMIT = <n>`, the most objects to visit.

import_machinery_types = {
    "ModuleSpec", "BuiltinImporter", "FrozenImporter", "SourceFileLoader",
    "SourcelessFileLoader", "ExtensionFileLoader", "PathFinder", "FileFinder",
    "NamespaceLoader", "zipimporter", "_ModuleLock", "_ImportLockContext",
    "_installed_safely", "WindowsRegistryFinder", "_NamespacePath",
}
import_machinery_modules = (
    "_frozen_importlib", "_frozen_importlib_external", "importlib", "zipimport",
    "_imp",
)
authority_modules = {
    "_imp", "marshal", "gc", "_io", "io", "posix", "nt", "os", "atexit",
    "_frozen_importlib", "_frozen_importlib_external", "_signal", "_socket",
    "_ctypes", "_posixsubprocess", "select", "mmap", "_winapi", "sys",
    "builtins", "_thread", "_weakref", "_ast", "faulthandler", "resource",
}
dangerous_functions = {
    "__import__", "open", "open_code", "_getframe", "settrace", "setprofile",
    "addaudithook", "load_module", "exec_module", "create_module",
    "find_spec", "find_module", "import_module", "system", "listdir",
    "scandir", "getcwd", "fork", "spawnv", "execv", "_exit", "dup",
    "load_dynamic", "exec_dynamic", "exec_builtin",
    "create_builtin", "init_frozen", "get_frozen_object", "_getframemodulename",
    "call_tracing", "settrace", "breakpointhook", "unraisablehook",
    "_current_frames", "getrefcount", "get_referrers", "get_referents",
}

scalar_types = (str, bytes, int, float, complex, bool, type(None), type(...))
NoneType = type(None)
function_type = type(lambda: None)
builtin_type = type(len)

roots = [(name, value) for name, value in list(globals().items())
         if name not in ("roots",)]
roots.append(("__builtins__", __builtins__))
roots.append(("object", object))

seen = set()
kept = []
queue = []
found = []
modules = set()
head = 0


def push(obj, path):
    if isinstance(obj, scalar_types):
        return
    key = id(obj)
    if key in seen:
        return
    if len(queue) >= LIMIT:
        # Memory stays bounded: a walk visits at most LIMIT objects.
        return
    seen.add(key)
    kept.append(obj)
    queue.append((obj, path))


for name, value in roots:
    push(value, name)


def report(what, path):
    if len(found) < 200:
        found.append(f"FOUND {what} at {path}")


def inspect(obj, path):
    cls = type(obj)
    cls_name = getattr(cls, "__name__", "?")
    cls_module = getattr(cls, "__module__", "")
    if not isinstance(cls_module, str):
        cls_module = ""
    if cls_name in import_machinery_types or cls_module.startswith(import_machinery_modules):
        report(f"import machinery object {cls_module}.{cls_name}", path)
    if isinstance(obj, type):
        own_module = obj.__dict__.get("__module__", "")
        if isinstance(own_module, str) and (
            obj.__name__ in import_machinery_types
            or own_module.startswith(import_machinery_modules)
        ):
            report(f"import machinery class {own_module}.{obj.__name__}", path)
    if cls_name == "module":
        name = obj.__dict__.get("__name__", "?")
        modules.add(str(name))
        d = obj.__dict__
        # The sandbox's own `sys` and `io` are allowed if they hold none of
        # what makes the real ones authority.
        stand_in_forbidden = {
            "sys": {"_getframe", "settrace", "setprofile", "__import__", "path",
                    "meta_path", "path_hooks", "addaudithook"},
            "io": {"open", "open_code", "FileIO", "TextIOWrapper", "BufferedReader"},
        }
        if name in stand_in_forbidden:
            leaked = stand_in_forbidden[name] & set(d)
            if leaked:
                report(f"module {name} with {sorted(leaked)}", path)
        elif name in authority_modules or "_getframe" in d or "settrace" in d:
            report(f"module {name}", path)
        for attr in ("__loader__", "__spec__"):
            if d.get(attr) is not None:
                report(f"module {name} with {attr}", path)
    if isinstance(obj, dict):
        keys = [k for k in obj if isinstance(k, str)]
        if "_frozen_importlib" in keys or "posix" in keys or "_imp" in keys:
            report("a sys.modules dict", path)
    if isinstance(obj, (function_type, builtin_type)):
        name = getattr(obj, "__name__", "")
        if name in dangerous_functions:
            report(f"function {name}", path)


def children(obj, path):
    if isinstance(obj, dict):
        for k, v in list(obj.items())[:5000]:
            yield k, f"{path}[{k!r:.40}]"
            yield v, f"{path}[{k!r:.40}]"
        return
    if isinstance(obj, (list, tuple, set, frozenset)):
        for i, v in enumerate(list(obj)[:5000]):
            yield v, f"{path}[{i}]"
    if isinstance(obj, type):
        try:
            yield dict(vars(obj)), f"{path}.__dict__"
        except Exception:
            pass
        try:
            for i, sub in enumerate(type.__subclasses__(obj)):
                yield sub, f"{path}.__subclasses__()[{i}]"
        except Exception:
            pass
    try:
        names = dir(obj)
    except Exception:
        names = []
    for name in names:
        if not isinstance(name, str):
            continue
        try:
            value = getattr(obj, name)
        except BaseException:
            continue
        yield value, f"{path}.{name}"
    try:
        d = object.__getattribute__(obj, "__dict__")
        yield d, f"{path}.__dict__"
    except BaseException:
        pass


while head < len(queue) and head < LIMIT:
    obj, path = queue[head]
    head += 1
    try:
        inspect(obj, path)
    except BaseException as e:
        pass
    try:
        for child, child_path in children(obj, path):
            push(child, child_path)
    except BaseException:
        pass

for line in found:
    print(line)
print("MODULES", " ".join(sorted(modules)))
print("WALKED", head, "QUEUED", len(queue))
