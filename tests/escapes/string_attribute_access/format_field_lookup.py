for fmt in ("{0.__class__.__init__.__globals__}", "{0.__init__.__globals__}", "{0.__class__.__subclasses__}"):
    try:
        out = fmt.format(data)
        if "sys" in out or "module" in out: print("ESCAPED:", out[:80])
    except Exception:
        pass
