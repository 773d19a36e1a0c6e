leaked = []
class Meta(type):
    def __new__(m, name, bases, ns):
        leaked.extend(type(v).__name__ for v in ns.values())
        return super().__new__(m, name, bases, ns)
class A(metaclass=Meta):
    x = 1
    def __init_subclass__(cls, **kw): pass
class B(A):
    def __set_name__(self, owner, name): pass
if "module" in leaked: print("ESCAPED: a module in a class namespace")
for cls in (A, B, Meta):
    for v in vars(cls).values():
        g = getattr(v, "__globals__", None)
        if g is not None and g is not globals(): print("ESCAPED: foreign globals")
