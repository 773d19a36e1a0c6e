def outermost_frame():
    try:
        raise ValueError
    except ValueError as e:
        frame = e.__traceback__.tb_frame
    depth = 0
    while frame.f_back is not None:
        frame = frame.f_back
        depth += 1
        if frame.f_globals is not globals(): print("ESCAPED: foreign frame")
    return depth
outermost_frame()
for name in ("f_globals", "f_builtins", "f_locals"):
    def gen(): yield 1
    g = gen()
    if getattr(g.gi_frame, name) is None: print("ESCAPED? own frame hidden", name)
