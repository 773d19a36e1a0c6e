for f in (print, len, getattr, iter, sorted, __build_class__):
    s = getattr(f, "__self__", None)
    if s is not None and type(s).__name__ == "module":
        print("ESCAPED: module via", f.__name__, s)
