# `obj.__class__ = Other` between classes resting on different native types
# would make Other's slot functions read obj's payload as their own (a
# `partial` read as a `bytearray` gave `len(p) == id(p.keywords)` and
# reads and writes of guest memory through `p[i]`). Every such swap must
# raise TypeError, as CPython's layout check does.
import collections
import functools
import types

bases = [
    float, tuple, staticmethod, classmethod, filter, types.ModuleType, int, str,
    list, bytearray, functools.partial, map, complex, frozenset, zip, set, dict,
    bytes, property, collections.deque, collections.OrderedDict,
    collections.defaultdict, Exception, OSError, enumerate, reversed, super,
    type, object,
]


def sample(cls):
    for args in [(), (print,), (1,), ([1],), ("m",), (None, [1]), (print, [1])]:
        try:
            return cls(*args)
        except Exception:
            pass
    return None


subclasses = {}
for base in bases:
    subclasses[base] = type("Sub_" + base.__name__, (base,), {})

accepted = []
for old, old_sub in subclasses.items():
    instance = sample(old_sub)
    if instance is None:
        continue
    for new, new_sub in subclasses.items():
        if new is old:
            continue
        try:
            instance.__class__ = new_sub
        except TypeError:
            continue
        accepted.append(f"{old.__name__}->{new.__name__}")
        try:
            instance.__class__ = old_sub
        except TypeError:
            pass

if accepted:
    print("ESCAPED __class__ swaps accepted:", ", ".join(accepted))

# The same reinterpretation through a class's bases: instances made while
# the class rested on one native type, read after it rests on another.
rebased = []
for old, old_sub in subclasses.items():
    for new in bases:
        if new is old:
            continue
        cls = type("Rebased_" + old.__name__, (old,), {})
        try:
            cls.__bases__ = (new,)
        except TypeError:
            continue
        rebased.append(f"{old.__name__}->{new.__name__}")
if rebased:
    print("ESCAPED __bases__ reassignments accepted:", ", ".join(rebased))
print("checked", len(subclasses), "native bases")
