def f():
    return "mine"
def other():
    return "crafted"
attempts = [
    lambda: setattr(f, "__code__", other.__code__),
    lambda: f.__code__.replace(co_consts=()),
    lambda: type(f.__code__)(0, 0, 0, 0, 0, 0, b"", (), (), (), "", "", "", 0, b"", b"", (), ()),
    lambda: type(f)(other.__code__, {"__builtins__": {}}),
    lambda: type(f).__new__(type(f), other.__code__, globals()),
]
for attempt in attempts:
    try:
        attempt()
        print("ESCAPED: forged or swapped code")
    except (AttributeError, TypeError):
        pass
if f() != "mine": print("ESCAPED: code swapped")
