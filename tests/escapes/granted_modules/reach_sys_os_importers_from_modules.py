# Walks every granted module's attributes (and their attributes, two
# levels down) looking for the interpreter's real sys, a real os, an
# importer, a way to load code, or a builtin that was removed.
import base64, binascii, bisect, cmath, collections, copy, csv, dataclasses, datetime, decimal, difflib, enum, fractions, functools, hashlib, heapq, hmac, itertools, json, math, operator, pprint, random, re, statistics, string, struct, textwrap, time, typing, unicodedata, uuid, zlib

roots = [base64, binascii, bisect, cmath, collections, copy, csv, dataclasses, datetime, decimal, difflib, enum, fractions, functools, hashlib, heapq, hmac, itertools, json, math, operator, pprint, random, re, statistics, string, struct, textwrap, time, typing, unicodedata, uuid, zlib]

FORBIDDEN_ATTRS = {
    # sys
    "_getframe", "settrace", "setprofile", "meta_path", "path_hooks", "path_importer_cache", "addaudithook", "exc_info",
    # os / posix
    "system", "listdir", "scandir", "environ", "chdir", "unlink", "popen", "execv", "fork", "getcwd", "mkdir",
    # importers and loaders
    "find_spec", "exec_module", "load_module", "module_from_spec", "import_module", "_bootstrap",
    # files and code
    "FileIO", "TextIOWrapper", "open_code",
}
FORBIDDEN_NAMES = {"open", "exec", "eval", "compile", "__import__", "breakpoint", "input"}

seen = set()
found = []

module_type = type(json)

def check(path, obj):
    # Attribute names only mean something on a module (a list has .remove
    # too); builtins namespaces are checked wherever they turn up.
    for attr in (FORBIDDEN_ATTRS if isinstance(obj, module_type) else ()):
        try:
            getattr(obj, attr)
        except Exception:
            continue
        found.append(f"{path}.{attr}")
    d = getattr(obj, "__dict__", None)
    if isinstance(d, dict):
        # (`compile` is a fine name for re's own function.)
        for name in FORBIDDEN_NAMES - {"compile"}:
            if name in d:
                found.append(f"{path}.__dict__[{name!r}]")
        b = d.get("__builtins__")
        if isinstance(b, dict):
            for name in FORBIDDEN_NAMES:
                if name in b:
                    found.append(f"{path}.__builtins__[{name!r}]")

def walk(path, obj, depth):
    if id(obj) in seen:
        return
    seen.add(id(obj))
    check(path, obj)
    if depth == 0:
        return
    try:
        names = dir(obj)
    except Exception:
        return
    for name in names:
        try:
            value = getattr(obj, name)
        except Exception:
            continue
        if isinstance(value, (int, float, str, bytes, complex, bool)) or value is None:
            continue
        walk(f"{path}.{name}", value, depth - 1)

for module in roots:
    walk(module.__name__, module, 2)

for hit in found:
    print("ESCAPED:", hit)
print("walked", len(seen), "objects")
