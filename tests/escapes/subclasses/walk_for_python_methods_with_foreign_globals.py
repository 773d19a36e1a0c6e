seen, stack = set(), [object]
while stack:
    c = stack.pop()
    if id(c) in seen: continue
    seen.add(id(c))
    for v in list(vars(c).values()):
        g = getattr(v, "__globals__", None)
        if g is not None and g is not globals():
            print("ESCAPED: foreign globals via", c.__name__, sorted(g)[:5])
    try: stack.extend(type.__subclasses__(c))
    except TypeError: pass
