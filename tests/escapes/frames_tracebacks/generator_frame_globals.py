def g(): yield 1
fr = g().gi_frame
if fr.f_globals is not globals(): print("ESCAPED: foreign f_globals")
if fr.f_back is not None and fr.f_back.f_globals is not globals(): print("ESCAPED: f_back")
b = fr.f_builtins
for name in ("open", "eval", "exec", "__import__", "__loader__"):
    if name in b: print("ESCAPED: f_builtins has", name)
