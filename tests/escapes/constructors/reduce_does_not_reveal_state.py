for obj in (data, data / "a.txt"):
    for m in ("__reduce__", "__reduce_ex__", "__getstate__"):
        try:
            r = getattr(obj, m)(2) if m == "__reduce_ex__" else getattr(obj, m)()
            print("ESCAPED:", m, r)
        except TypeError:
            pass
