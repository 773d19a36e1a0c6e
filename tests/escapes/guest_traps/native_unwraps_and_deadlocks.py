# Native code that panicked (a guest trap, exit 4) where CPython raises.
# Each must now raise; the suite fails on any crash.
import collections, itertools

try:
    list(itertools.combinations(range(3), 2**63))
except (OverflowError, MemoryError, ValueError) as e:
    print("combinations:", type(e).__name__)


class Appends:
    def __eq__(self, other):
        d.append(1)
        return True


d = collections.deque([Appends()])
try:
    print("deque ==:", d == collections.deque([Appends()]))
except RuntimeError as e:
    print("deque ==:", type(e).__name__)

namespaces = [c for c in object.__subclasses__() if c.__name__ == "SimpleNamespace"]
for ns in namespaces:
    for name, attr in list(vars(ns).items()):
        for call in (lambda: attr(1), lambda: attr.__get__(1), lambda: attr.__get__(1, int)):
            try:
                call()
            except Exception:
                pass
print("namespace descriptors with a wrong self: raised")
