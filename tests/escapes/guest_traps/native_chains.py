# Native objects that call or free one another natively, a hundred
# thousand deep: iterator chains, callable chains, slot wrappers, and nests
# of containers that were not GC-tracked. Each used to run the guest's
# stack out (a trap); each must raise RecursionError or just work.
import itertools, operator

for name, make in [("map", lambda it: map(abs, it)), ("zip", zip),
                   ("chain", itertools.chain),
                   ("callable_iterator", lambda it: iter(it.__next__, None))]:
    it = iter([1])
    for _ in range(100_000):
        it = make(it)
    try:
        next(it)
    except RecursionError:
        print(name, "RecursionError")

f = abs
for _ in range(100_000):
    f = staticmethod(f)
m = abs
for _ in range(100_000):
    m = m.__call__
for call in (lambda: f(-1), lambda: m(-1)):
    try:
        call()
    except RecursionError:
        print("call chain RecursionError")

for make in (lambda x: frozenset([x]), operator.itemgetter):
    x = None
    for _ in range(100_000):
        x = make(x)
    del x
print("freed")
