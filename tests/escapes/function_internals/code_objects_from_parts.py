# "No crafted code objects": code.replace went in round one; round two
# found code.__replace__ and copy.replace(code, ...) still building them.
import copy

code = (lambda: 1).__code__
attempts = {
    "code.replace": lambda: code.replace(co_consts=(2,)),
    "code.__replace__": lambda: code.__replace__(co_consts=(2,)),
    "copy.replace": lambda: copy.replace(code, co_consts=(2,)),
    "type(code)(...)": lambda: type(code)(*([0] * 16)),
    "type(code).__new__": lambda: type(code).__new__(type(code)),
}
for name, attempt in attempts.items():
    try:
        forged = attempt()
    except (AttributeError, TypeError, ValueError) as e:
        print("refused:", name, type(e).__name__)
        continue
    if type(forged) is type(code):
        print("ESCAPED built a code object with", name)
