for name in ("__loader__", "__spec__", "__package__", "__file__", "__cached__"):
    v = globals().get(name)
    if v is not None: print("ESCAPED:", name, v)
