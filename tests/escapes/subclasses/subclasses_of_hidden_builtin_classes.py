# A class hidden from object's subclass tree can still reach a script
# another way (weakref.ref through a granted weakref); its own subclass
# list used to hold _frozen_importlib.KeyedRef, the import machinery's.
import weakref, types

def walk(cls, seen):
    if id(cls) in seen:
        return
    seen.add(id(cls))
    module = cls.__dict__.get("__module__", "")
    if isinstance(module, str) and module.startswith(("_frozen_importlib", "importlib", "_io", "sys", "_imp", "zipimport")):
        print("ESCAPED", module, cls.__name__)
    for sub in type.__subclasses__(cls):
        walk(sub, seen)

seen = set()
for root in (weakref.ref, weakref.ReferenceType, type(types), types.SimpleNamespace, object):
    walk(root, seen)
print("walked", len(seen) > 10)
