# The catalog's `compile` (which `typing` needs for string annotations)
# compiles text a script chooses: a NamedTuple field's annotation string.
# Deep nesting there must be a SyntaxError, not a parser stack overflow,
# and no form of it may hand the script a compile of its own.
from typing import NamedTuple, ForwardRef

for text in ["-" * 300_000 + "1", "(" * 100_000, "a." * 200_000 + "b", "not " * 200_000 + "x"]:
    try:
        NamedTuple("T", [("x", text)])
        print("ESCAPED: compiled", text[:10])
    except SyntaxError:
        print("deep annotation: SyntaxError")

for text in [b"-" * 300_000 + b"1", "-" * 300_000 + "1"]:
    try:
        ForwardRef(text).__forward_code__
        print("ESCAPED: compiled a deep forward reference")
    except (SyntaxError, TypeError) as e:
        print("ForwardRef:", type(e).__name__)

ref = ForwardRef("int")
code = ref.__forward_code__
print(type(code).__name__)
for name in ("compile", "eval", "exec"):
    if name in dir(__builtins__) or name in globals():
        print("ESCAPED: the script has", name)
