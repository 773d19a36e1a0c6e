def f(): pass
b = getattr(f, "__builtins__", {})
for name in ("open", "eval", "exec", "compile", "__import__", "__loader__"):
    if name in b: print("ESCAPED:", name)
