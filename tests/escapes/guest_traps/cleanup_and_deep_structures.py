# Exceptions during clean-up went to an unraisable hook that imported sys
# and unwrapped; deep structures recursed natively. CPython prints
# "Exception ignored in: ..." and goes on, or raises RecursionError.
class Loud:
    def __del__(self):
        raise ValueError("from __del__")


x = Loud()
del x


def gen():
    try:
        yield 1
    finally:
        raise KeyError("from finally")


g = gen()
next(g)
del g

t = ()
for _ in range(200_000):
    t = (t,)
try:
    hash(t)
except RecursionError:
    print("hash: RecursionError")
del t
print("went on")
