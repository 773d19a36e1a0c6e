for name in ("_dir", "dir", "handle", "_handle", "rep", "fd", "path", "_path", "host_path", "cap", "__dict__", "__slots__"):
    for obj in (data, data / "a.txt"):
        try:
            v = getattr(obj, name)
            if "/tmp" in repr(v) or "Resource" in repr(v): print("ESCAPED:", name, v)
        except AttributeError:
            pass
