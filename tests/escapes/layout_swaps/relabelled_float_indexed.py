# The trap from the red-team round: a float subclass relabelled as a tuple
# subclass and then indexed read the float's payload as a tuple's.
class F(float):
    pass


class T(tuple):
    pass


f = F(1.5)
try:
    f.__class__ = T
    print("ESCAPED float relabelled as tuple:", f[0])
except TypeError as e:
    print("refused:", e)

import functools


class P(functools.partial):
    pass


class B(bytearray):
    pass


p = P(print, 1, k=1)
try:
    p.__class__ = B
    print("ESCAPED partial relabelled as bytearray:", len(p))
except TypeError as e:
    print("refused:", e)
