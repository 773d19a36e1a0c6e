try: data.nonexistent
except AttributeError as e:
    o = getattr(e, "obj", None)
    if o is not None and o is not data: print("ESCAPED: obj", o)
