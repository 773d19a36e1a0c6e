b = __builtins__ if isinstance(__builtins__, dict) else vars(__builtins__)
for name in ("open", "eval", "exec", "compile", "__import__", "__loader__", "__spec__", "input", "breakpoint"):
    if name in b: print("ESCAPED:", name)
