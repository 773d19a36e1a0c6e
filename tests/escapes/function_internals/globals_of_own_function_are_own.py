def f(): pass
if f.__globals__ is not globals(): print("ESCAPED: odd globals")
if "open" in f.__globals__["__builtins__"]: print("ESCAPED: open in builtins")
