for c in object.__subclasses__():
    if c.__name__ == "module":
        m = c("sys")
        if hasattr(m, "modules") or hasattr(m, "path"): print("ESCAPED: real sys")
