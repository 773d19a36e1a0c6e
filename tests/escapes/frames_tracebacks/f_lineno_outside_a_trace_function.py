# Setting f_lineno outside a trace function jumped a suspended catalog
# generator to any line and crashed the guest. CPython refuses it.
import difflib


def own():
    yield 1
    yield 2


for g in (difflib.ndiff(["a\n", "b\n", "c\n"], ["a\n", "x\n", "c\n"]), own()):
    next(g)
    frame = g.gi_frame
    if frame is None:
        continue
    try:
        frame.f_lineno = 833
        print("ESCAPED set f_lineno on", g)
        list(g)
    except (ValueError, AttributeError, TypeError) as e:
        print("refused:", type(e).__name__, e)
