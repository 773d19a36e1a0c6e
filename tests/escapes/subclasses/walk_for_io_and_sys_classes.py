names = set()
seen, stack = set(), [object]
while stack:
    c = stack.pop()
    if id(c) in seen: continue
    seen.add(id(c))
    names.add((getattr(c, "__module__", ""), c.__name__))
    try: stack.extend(type.__subclasses__(c))
    except TypeError: pass
bad = sorted(n for n in names if n[0] in ("_io", "io", "sys", "_thread", "codecs", "_frozen_importlib", "posix", "os", "_imp"))
if bad: print("ESCAPED:", bad)
