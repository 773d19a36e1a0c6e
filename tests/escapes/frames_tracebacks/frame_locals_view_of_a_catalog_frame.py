# A script may read its own frames' locals, never the catalog's: the
# locals-view type of its own function frames (FrameLocalsProxy) must not
# build a view of a frame the script was only shown, such as the catalog
# frames in a traceback; nor may `f_generator` hand out what owns them.
import json

def failing_parse():
    a_local = 7
    try:
        json.loads("{bad")
    except ValueError as e:
        tb = e.__traceback__
        frames = []
        while tb:
            frames.append(tb.tb_frame)
            tb = tb.tb_next
        return frames

frames = failing_parse()
own, foreign = frames[0], frames[1:]
view_type = type(own.f_locals)
if view_type is dict or not foreign:
    print("ESCAPED? this payload no longer tests what it says:", view_type, len(foreign))
assert own.f_locals["a_local"] == 7

def attempt(label, make):
    try:
        view = make()
    except (TypeError, AttributeError, ValueError, RuntimeError):
        return
    try:
        keys = list(view.keys())
    except Exception:
        return
    if keys:
        print("ESCAPED:", label, keys[:5])

try:
    class Sub(view_type):
        pass
except TypeError:  # not a base type, as in CPython
    Sub = view_type

for frame in foreign:
    attempt("FrameLocalsProxy(frame)", lambda: view_type(frame))
    attempt("__new__", lambda: view_type.__new__(view_type, frame))
    attempt("object.__new__", lambda: object.__new__(view_type))
    attempt("subclass", lambda: Sub(frame))
    attempt("type.__call__", lambda: type.__call__(view_type, frame))
    try:
        print("ESCAPED: f_generator of a catalog frame:", frame.f_generator)
    except AttributeError:
        pass
    try:
        print("ESCAPED: f_locals of a catalog frame:", list(frame.f_locals)[:5])
    except AttributeError:
        pass

# The script's own frames keep both.
def own_gen():
    yield
g = own_gen()
assert g.gi_frame.f_generator is g
assert own.f_generator is None
print("own frames ok")
