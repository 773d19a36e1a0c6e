seen, stack = set(), [object]
while stack:
    c = stack.pop()
    if id(c) in seen: continue
    seen.add(id(c))
    if c.__name__ in ("BuiltinImporter", "FrozenImporter", "ModuleSpec", "_ModuleLock", "FileFinder", "SourceFileLoader"):
        print("ESCAPED: found", c.__name__)
    try: stack.extend(type.__subclasses__(c))
    except TypeError: pass
